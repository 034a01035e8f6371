"""Malformed-table tests for the data layer (evidence.loading / evidence.relations).

Every case starts from the bytes of the bundled data files (``read_directory("data")``), changes
exactly one thing, and checks that validation refuses the whole data set (``data is None``) and
reports a Problem at the exact file, CSV line (header = 1) and column, with a meaningful
``expected`` / ``found``.

Rows are located by their key (``line_of``), not by hard-coded line numbers, so the cases keep
pointing at the intended row when the curator adds rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from evidence.contract import REQUIRED_TABLES, TABLES
from evidence.loading import CuratedData, load_dataset, read_directory, validate_files
from evidence.problems import DataValidationError, Problem

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"
BASE: dict[str, bytes | None] = read_directory(DATA_DIR)

Files = dict[str, "bytes | None"]


# ---------------------------------------------------------------- helpers on raw CSV bytes


def _records(files: Files, table: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, fields) for every record of one bundled file."""
    text = files[table].decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    records, line = [], 1
    for record in reader:
        records.append((line, record))
        line = reader.line_num + 1
    return records[0][1], records[1:]


def line_of(table: str, files: Files | None = None, **criteria: str) -> int:
    """CSV line number of the single row of `table` whose columns equal `criteria`."""
    header, records = _records(files or BASE, table)
    hits = [
        line
        for line, record in records
        if record and all(record[header.index(k)] == v for k, v in criteria.items())
    ]
    assert len(hits) == 1, f"{table}: {criteria} matches lines {hits}"
    return hits[0]


def _render(record: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(record)
    return buffer.getvalue()


def _lines(files: Files, table: str) -> list[str]:
    # Every bundled record sits on one physical line ("\n" line ends), checked below.
    return files[table].decode("utf-8").split("\n")


def _join(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8")


def set_cell(files: Files, table: str, line: int, column: str, value: str) -> Files:
    files = dict(files)
    lines = _lines(files, table)
    header = next(csv.reader([lines[0]]))
    record = next(csv.reader([lines[line - 1]]))
    record[header.index(column)] = value
    lines[line - 1] = _render(record)
    files[table] = _join(lines)
    return files


def get_cell(files: Files, table: str, line: int, column: str) -> str:
    lines = _lines(files, table)
    header = next(csv.reader([lines[0]]))
    return next(csv.reader([lines[line - 1]]))[header.index(column)]


def transform(files: Files, table: str, fn: Callable[[bytes], bytes]) -> Files:
    files = dict(files)
    files[table] = fn(files[table])
    return files


def map_columns(files: Files, table: str, fn: Callable[[list[str]], list[str]]) -> Files:
    """Apply fn to the header and every record of a file."""
    files = dict(files)
    rows = list(csv.reader(io.StringIO(files[table].decode("utf-8"), newline="")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(fn(row))
    files[table] = out.getvalue().encode("utf-8")
    return files


def append_copy(files: Files, table: str, line: int) -> tuple[Files, int]:
    """Append a copy of one row at the end; returns the files and the new row's line."""
    files = dict(files)
    lines = _lines(files, table)
    assert lines[-1] == ""  # file ends with a newline
    lines.insert(len(lines) - 1, lines[line - 1])
    files[table] = _join(lines)
    return files, len(lines) - 1


def swap_lines(files: Files, table: str, a: int, b: int) -> Files:
    files = dict(files)
    lines = _lines(files, table)
    lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
    files[table] = _join(lines)
    return files


def replace_in_line(files: Files, table: str, line: int, old: bytes, new: bytes) -> Files:
    files = dict(files)
    lines = files[table].split(b"\n")
    assert old in lines[line - 1], (table, line, old)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    files[table] = b"\n".join(lines)
    return files


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# ---------------------------------------------------------------- the bundled data itself


def test_bundled_records_are_one_line_each():
    """The byte-level helpers above rely on one physical line per record."""
    for name in REQUIRED_TABLES:
        text = BASE[name].decode("utf-8")
        header, records = _records(BASE, name)
        assert "\r" not in text
        assert len(records) + 1 == text.count("\n"), name
        assert all(len(r) == len(header) for _, r in records), name


def test_bundled_data_validates_with_exactly_the_documented_warnings():
    data, problems = validate_files(BASE)
    assert isinstance(data, CuratedData)
    assert errors(problems) == []
    warnings = [p for p in problems if p.severity == "warning"]
    assert len(warnings) == 6
    assert tuple(warnings) == data.warnings
    by_file = sorted(p.file for p in warnings)
    assert by_file == ["adverse_events.csv"] * 3 + ["baseline.csv"] * 2 + ["exposure.csv"]

    expected = {
        # PASO Arm B leukopenia: text "grade 3 leukopenia (25%)" + one grade 4 event, while
        # Table 3 gives grade 3/4 white blood cell decreased in 7 (25.0%).
        ("adverse_events.csv", line_of("adverse_events", trial_id="PASO", arm_id="B", level="term",
                                       term="Leukopenia (WBC decreased)", grade="3-4"), "pct"),
        # E2100 neuropathy: Results "Grade 3 or 4 neuropathy (23.6% vs. 17.6%, P = 0.03)", Table 2
        # P 0.05 for grades 3-5 with no grade 5 neuropathy: noted, no rule checks it.
        ("adverse_events.csv", line_of("adverse_events", trial_id="E2100", arm_id="PB", level="term",
                                       term="Peripheral sensory neuropathy", grade="3-4"), "discrepancy"),
        # E2100 fatigue: Results "grade 3 or 4 ... fatigue (8.5% vs. 4.9%)" but Table 2 gives
        # grade 3 8.8 and grade 4 0.3 in the bevacizumab arm.
        ("adverse_events.csv", line_of("adverse_events", trial_id="E2100", arm_id="PB", level="term",
                                       term="Fatigue", grade="3-4"), "pct"),
        # PASO Table 1 ECOG in Arm B: "19 (61%)" and "11 (39%)" of N = 30.
        ("baseline.csv", line_of("baseline", trial_id="PASO", arm_id="B", characteristic="ECOG status",
                                 category="0"), "pct"),
        ("baseline.csv", line_of("baseline", trial_id="PASO", arm_id="B", characteristic="ECOG status",
                                 category="1"), "pct"),
        # PASO Arm A: "2% (n = 22) of planned paclitaxel applications (n = 550) were not administered",
        # while 22/550 = 4.0%.
        ("exposure.csv", line_of("exposure", trial_id="PASO", arm_id="A",
                                 measure="planned applications not administered"), "pct"),
    }
    assert {(p.file, p.line, p.column) for p in warnings} == expected
    # Each warning is documented by a discrepancy note on one of the rows involved.
    for p in warnings:
        table = p.file.removesuffix(".csv")
        if table in ("baseline", "exposure"):
            assert get_cell(BASE, table, p.line, "discrepancy")
        assert str(p).startswith("warning: ")


def test_bundled_data_loads_through_load_dataset():
    data = load_dataset(DATA_DIR)
    assert len(data.warnings) == 6
    assert set(data.tables) == set(REQUIRED_TABLES)
    assert len(data.trials) == 5 and len(data.arms) == 9
    # Frames are indexed by CSV line number (header = line 1).
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS", analysis="primary")
    assert data.efficacy.loc[line, "value"] == pytest.approx(6.6)


# ---------------------------------------------------------------- malformed cases


@dataclass(frozen=True)
class Expect:
    file: str
    line: int | None
    column: str | None
    expected: str  # substring of Problem.expected
    found: str  # substring of str(Problem.found)
    also: tuple[str, ...] = ()  # other files that rightly get follow-on errors


CASES: dict[str, tuple[Callable[[], tuple[Files, Expect]], tuple]] = {}


def case(name: str, *marks):
    def register(fn):
        assert name not in CASES
        CASES[name] = (fn, marks)
        return fn

    return register


# -- whole files and file structure


@case("missing_file")
def _():
    files = dict(BASE)
    files["dosing"] = None
    return files, Expect("dosing.csv", None, None, "the file to exist", "no such file")


@case("missing_column")
def _():
    def drop(row):
        i = _records(BASE, "dosing")[0].index("schedule")
        return row[:i] + row[i + 1:]

    files = map_columns(BASE, "dosing", drop)
    return files, Expect("dosing.csv", 1, "schedule", "this column in the header", "missing")


@case("empty_file")
def _():
    files = transform(BASE, "arms", lambda b: b"")
    return files, Expect("arms.csv", 1, None, "a header row", "empty file")


@case("whitespace_only_file")
def _():
    files = transform(BASE, "arms", lambda b: b"  \n\t \r\n\n")
    return files, Expect("arms.csv", 1, None, "a header row", "empty file")


@case("utf8_bom")
def _():
    files = transform(BASE, "efficacy", lambda b: b"\xef\xbb\xbf" + b)
    return files, Expect("efficacy.csv", 1, "trial_id", "without a byte-order mark", "BOM")


@case("latin1_byte")
def _():
    line = line_of("dosing", trial_id="PASO", arm_id="B", cycle="2")
    # "matinée" written by a Latin-1 editor: é is the single byte 0xe9.
    files = replace_in_line(BASE, "dosing", line, b"200 mg morning", b"200 mg matin\xe9e")
    return files, Expect("dosing.csv", line, None, "UTF-8", "0xe9")


@case("nul_byte")
def _():
    line = line_of("dosing", trial_id="PASO", arm_id="B", cycle="1")
    files = replace_in_line(BASE, "dosing", line, b"200 mg twice daily", b"200 mg\x00twice daily")
    return files, Expect("dosing.csv", line, None, "text", "NUL")


@case("semicolon_delimiter")
def _():
    files = map_columns(BASE, "design", lambda row: [";".join(row)])
    return files, Expect("design.csv", 1, None, "comma-delimited", "semicolon-delimited header")


@case("tab_delimiter")
def _():
    files = transform(BASE, "dosing", lambda b: b.replace(b",", b"\t"))
    return files, Expect("dosing.csv", 1, None, "comma-delimited", "tab-delimited header")


@case("ragged_row_too_many_fields")
def _():
    line = line_of("dosing", trial_id="PASO", arm_id="B", cycle="2")
    files = dict(BASE)
    lines = _lines(files, "dosing")
    lines[line - 1] += ",an extra field"
    files["dosing"] = _join(lines)
    width = len(_records(BASE, "dosing")[0])
    return files, Expect("dosing.csv", line, f"(extra field {width + 1})", f"{width} fields", f"{width + 1} fields")


@case("ragged_row_too_few_fields")
def _():
    line = line_of("efficacy", trial_id="E2100", arm_id="P", endpoint="OS")
    files = dict(BASE)
    lines = _lines(files, "efficacy")
    lines[line - 1] = _render(next(csv.reader([lines[line - 1]]))[:-2])
    files["efficacy"] = _join(lines)
    width = len(_records(BASE, "efficacy")[0])
    # The first column the short row lacks: passage (contract v3: source, passage, note last).
    return files, Expect("efficacy.csv", line, "passage", f"{width} fields", f"{width - 2} fields")


@case("broken_quoting_text_after_closing_quote")
def _():
    line = line_of("dosing", trial_id="PASO", arm_id="B", cycle="3")
    # A closing quote in the middle of a quoted field: "PASO_REPORT: ...(schedule)"; Discussion...
    files = replace_in_line(BASE, "dosing", line, b'(schedule); Discussion', b'(schedule)"; Discussion')
    return files, Expect("dosing.csv", line, None, "well-formed CSV quoting", "expected after")


@case("broken_quoting_unclosed_quote")
def _():
    line = line_of("dosing", trial_id="SOR", arm_id="A")
    # An opening quote that is never closed on its own line; the parser runs on into the next
    # quoted field two lines further down.
    files = replace_in_line(BASE, "dosing", line, b"SOR_REGISTRY: Interventions,", b'"SOR_REGISTRY: Interventions,')
    return files, Expect("dosing.csv", line, None, "well-formed CSV quoting", "")


@case("duplicate_column")
def _():
    files = map_columns(BASE, "design", lambda row: row + [row[-1]])
    # header gets a second "note"; each record gets a copy of its note
    return files, Expect("design.csv", 1, "note", "each column once", "duplicate column")


# -- cell types


@case("text_in_float_column")
def _():
    line = line_of("efficacy", trial_id="E2100", arm_id="PB", endpoint="PFS", analysis="primary")
    files = set_cell(BASE, "efficacy", line, "value", "eleven point eight")
    return files, Expect("efficacy.csv", line, "value", "a number", "eleven point eight")


@case("decimal_in_int_column")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "count", "3.5")
    return files, Expect("efficacy.csv", line, "count", "a whole number", "3.5")


@case("yes_in_bool_column")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "derived", "yes")
    return files, Expect("efficacy.csv", line, "derived", "true or false", "yes")


@case("nan_in_float_column")
def _():
    line = line_of("efficacy", trial_id="E2100", arm_id="P", endpoint="OS")
    files = set_cell(BASE, "efficacy", line, "value", "nan")
    return files, Expect("efficacy.csv", line, "value", "a number", "nan")


# -- allowed values, required cells, ranges


@case("statistic_not_allowed")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "statistic", "mean")
    return files, Expect("efficacy.csv", line, "statistic", "one of: median, rate", "mean")


@case("comparison_statistic_not_allowed")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="PFS")
    files = set_cell(BASE, "comparisons", line, "statistic", "OR")
    return files, Expect("comparisons.csv", line, "statistic", "one of: HR, p_only", "OR")


@case("grade_not_allowed")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="B", term="Hand-foot skin reaction", grade="all")
    files = set_cell(BASE, "adverse_events", line, "grade", "5")
    return files, Expect("adverse_events.csv", line, "grade", "one of: all, 3, 4, 3-4", "5")


@case("role_not_allowed")
def _():
    line = line_of("arms", trial_id="MRCC-SORAFENIB", arm_id="SOR")
    files = set_cell(BASE, "arms", line, "role", "single-arm")
    return files, Expect("arms.csv", line, "role", "one of: experimental, control, single", "single-arm")


@case("status_not_allowed")
def _():
    line = line_of("trials", trial_id="PASO")
    files = set_cell(BASE, "trials", line, "status", "stopped")
    return files, Expect("trials.csv", line, "status", "one of: completed, stopped early", "stopped")


@case("required_cell_empty")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="B", endpoint="OS")
    files = set_cell(BASE, "efficacy", line, "population", "")
    return files, Expect("efficacy.csv", line, "population", "a value", "")


@case("required_source_empty")
def _():
    line = line_of("arms", trial_id="E2100", arm_id="P")
    files = set_cell(BASE, "arms", line, "source", "")
    return files, Expect("arms.csv", line, "source", "a value", "")


@case("negative_value")
def _():
    line = line_of("efficacy", trial_id="E2100", arm_id="PB", endpoint="OS")
    files = set_cell(BASE, "efficacy", line, "value", "-26.7")
    return files, Expect("efficacy.csv", line, "value", ">= 0", "-26.7")


@case("negative_count")
def _():
    line = line_of("baseline", trial_id="E2100", arm_id="PB", characteristic="HER2 status", category="Positive")
    files = set_cell(BASE, "baseline", line, "count", "-5")
    return files, Expect("baseline.csv", line, "count", ">= 0", "-5")


@case("pct_above_100")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="B", term="Hand-foot skin reaction", grade="all")
    files = set_cell(BASE, "adverse_events", line, "pct", "114")
    return files, Expect("adverse_events.csv", line, "pct", "from 0 to 100", "114")


@case("efficacy_rate_above_100_percent")
def _():
    line = line_of("efficacy", trial_id="E2100", arm_id="PB", endpoint="ORR", analysis="secondary")
    files = set_cell(BASE, "efficacy", line, "value", "136.9")
    return files, Expect("efficacy.csv", line, "value", "from 0 to 100", "136.9")


@case("p_value_above_1")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="OS")
    files = set_cell(BASE, "comparisons", line, "p_value", "16")
    return files, Expect("comparisons.csv", line, "p_value", "from 0 to 1", "16")


@case("unit_disagrees_with_statistic")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "unit", "percent")
    return files, Expect("efficacy.csv", line, "unit", "months for a median", "percent")


# -- references between tables


@case("unknown_arm_in_efficacy")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "arm_id", "C")
    return files, Expect("efficacy.csv", line, "arm_id", "an arm of PASO in arms.csv (A, B)", "C")


@case("unknown_arm_in_adverse_events")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="B", term="Hand-foot skin reaction", grade="all")
    files = set_cell(BASE, "adverse_events", line, "arm_id", "C")
    return files, Expect("adverse_events.csv", line, "arm_id", "an arm of PASO in arms.csv", "C")


@case("unknown_arm_in_dosing")
def _():
    line = line_of("dosing", trial_id="PASO", arm_id="B", cycle="1")
    files = set_cell(BASE, "dosing", line, "arm_id", "Z")
    return files, Expect("dosing.csv", line, "arm_id", "an arm of PASO in arms.csv", "Z")


@case("unknown_trial")
def _():
    line = line_of("design", trial_id="SOR", scenario="decision rule (observed HR <= 0.82)")
    files = set_cell(BASE, "design", line, "trial_id", "SORX")
    return files, Expect("design.csv", line, "trial_id", "a trial_id listed in trials.csv", "SORX")


@case("unknown_trial_in_efficacy")
def _():
    line = line_of("efficacy", trial_id="MRCC-SORAFENIB", endpoint="TBRR")
    files = set_cell(BASE, "efficacy", line, "trial_id", "MRCC")
    return files, Expect("efficacy.csv", line, "trial_id", "a trial_id listed in trials.csv", "MRCC")


@case("trial_without_arms")
def _():
    files = dict(BASE)
    lines = _lines(files, "arms")
    drop = line_of("arms", trial_id="NCT00573755", arm_id="I"), line_of("arms", trial_id="NCT00573755", arm_id="II")
    files["arms"] = _join([text for i, text in enumerate(lines, 1) if i not in drop])
    # dosing.csv's NCT00573755 row then names an arm that no longer exists: a true follow-on.
    return files, Expect("trials.csv", line_of("trials", trial_id="NCT00573755"), "trial_id",
                         "at least one arm", "no arms", also=("dosing.csv",))


@case("hazard_ratio_stored_control_vs_experimental")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="PFS")
    files = set_cell(BASE, "comparisons", line, "experimental_arm", "A")
    files = set_cell(files, "comparisons", line, "control_arm", "B")
    return files, Expect("comparisons.csv", line, "experimental_arm", "role is experimental", "A (role control)")


@case("comparison_control_arm_with_wrong_role")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="OS")
    files = set_cell(BASE, "comparisons", line, "control_arm", "PB")
    return files, Expect("comparisons.csv", line, "control_arm", "role is control", "PB (role experimental)")


@case("comparison_unknown_arm")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="OS")
    files = set_cell(BASE, "comparisons", line, "experimental_arm", "C")
    return files, Expect("comparisons.csv", line, "experimental_arm", "an arm of PASO in arms.csv", "C")


@case("duplicate_key_efficacy")
def _():
    first = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files, new = append_copy(BASE, "efficacy", first)
    key = ",".join(TABLES["efficacy"].key)
    return files, Expect("efficacy.csv", new, key, "a unique key", f"already on line {first}")


@case("duplicate_key_adverse_events")
def _():
    first = line_of("adverse_events", trial_id="PASO", arm_id="A", term="Diarrhea", grade="all")
    files, new = append_copy(BASE, "adverse_events", first)
    key = ",".join(TABLES["adverse_events"].key)
    return files, Expect("adverse_events.csv", new, key, "a unique key", f"already on line {first}")


@case("source_unknown_source_id")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "source", "PASO_PAPER: Table 2")
    return files, Expect("efficacy.csv", line, "source", "a source_id listed in sources.csv", "PASO_PAPER")


@case("source_without_locator")
def _():
    line = line_of("baseline", trial_id="PASO", arm_id="A", characteristic="Age (years)", category="median")
    files = set_cell(BASE, "baseline", line, "source", "PASO_REPORT")
    return files, Expect("baseline.csv", line, "source", "'SOURCE_ID: locator'", "PASO_REPORT")


@case("trial_source_id_unknown")
def _():
    line = line_of("trials", trial_id="E2100")
    files = set_cell(BASE, "trials", line, "source_id", "E2100_NEJM")
    return files, Expect("trials.csv", line, "source_id", "a source_id listed in sources.csv", "E2100_NEJM")


@case("term_reported_missing_from_ae_terms")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="A", term="Diarrhea", grade="all")
    files = set_cell(BASE, "adverse_events", line, "term_reported", "Diarrhoea")
    return files, Expect("adverse_events.csv", line, "term_reported", "a term listed for PASO in ae_terms.csv",
                         "Diarrhoea")


@case("harmonized_term_disagrees_with_ae_terms")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="A", term="Diarrhea", grade="all")
    files = set_cell(BASE, "adverse_events", line, "term", "Diarrhoea")
    return files, Expect("adverse_events.csv", line, "term", "'Diarrhea' as mapped in ae_terms.csv", "Diarrhoea")


@case("comparison_term_not_in_ae_terms")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="AE_G3_5", term="Fatigue")
    files = set_cell(BASE, "comparisons", line, "term", "Tiredness")
    return files, Expect("comparisons.csv", line, "term", "a harmonized term from ae_terms.csv", "Tiredness")


@case("adverse_event_comparison_without_term_exact_p")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="AE_G3_5", term="Fatigue")
    files = set_cell(BASE, "comparisons", line, "term", "")
    return files, Expect("comparisons.csv", line, "term", "a harmonized term", "")


@case("adverse_event_comparison_without_term_p_below")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="AE_G3_5", term="Infection")
    files = set_cell(BASE, "comparisons", line, "term", "")
    return files, Expect("comparisons.csv", line, "term", "a harmonized term", "")


# -- consistency within a row or between rows


@case("ci_not_containing_estimate")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "ci_high", "6.0")  # median 6.6 (5.1-9.0)
    return files, Expect("efficacy.csv", line, "ci_high", "a 95% CI containing the estimate 6.6", "[5.1, 6]")


@case("comparison_ci_not_containing_estimate")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="PFS")
    files = set_cell(BASE, "comparisons", line, "ci_low", "1.90")  # HR 1.80 (1.02-3.20)
    return files, Expect("comparisons.csv", line, "ci_low", "a 95% CI containing the estimate 1.8", "[1.9, 3.2]")


@case("ci_low_above_ci_high")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="B", endpoint="OS")
    files = set_cell(BASE, "efficacy", line, "ci_low", "20.9")  # 12.1 (5.8-20.4)
    return files, Expect("efficacy.csv", line, "ci_low", "ci_low <= ci_high (20.4)", "20.9")


@case("only_one_ci_limit")
def _():
    line = line_of("efficacy", trial_id="MRCC-SORAFENIB", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "ci_high", "")
    return files, Expect("efficacy.csv", line, "ci_high", "both confidence limits or neither", "only one")


@case("comparison_only_one_ci_limit")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="TTT")
    files = set_cell(BASE, "comparisons", line, "ci_low", "")
    return files, Expect("comparisons.csv", line, "ci_low", "both confidence limits or neither", "only one")


@case("rate_not_matching_count_over_n")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="A", endpoint="CCR")
    files = set_cell(BASE, "efficacy", line, "value", "90.0")  # 28/30 = 93.3%
    return files, Expect("efficacy.csv", line, "value", "count/n_analysed = 28/30 = 93.3%", "90.0")


@case("ae_pct_disagreeing_with_count")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="A", term="Diarrhea", grade="all")
    files = set_cell(BASE, "adverse_events", line, "pct", "45.0")  # 12/29 = 41.4%
    return files, Expect("adverse_events.csv", line, "pct", "count/n_at_risk = 12/29 = 41.4%", "45.0")


@case("baseline_pct_disagreeing_with_count")
def _():
    line = line_of("baseline", trial_id="E2100", arm_id="P", characteristic="HER2 status", category="Unknown")
    files = set_cell(BASE, "baseline", line, "pct", "8.2")  # 30/326 = 9.2%
    return files, Expect("baseline.csv", line, "pct", "count/n = 30/326 = 9.2%", "8.2")


@case("ae_count_exceeding_n_at_risk")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="A", level="any", grade="all")
    files = set_cell(BASE, "adverse_events", line, "count", "30")  # n_at_risk 29, pct empty
    return files, Expect("adverse_events.csv", line, "count", "at most n_at_risk (29)", "30")


@case("efficacy_count_exceeding_n_analysed")
def _():
    line = line_of("efficacy", trial_id="PASO", arm_id="B", endpoint="PFS")
    files = set_cell(BASE, "efficacy", line, "count", "31")
    return files, Expect("efficacy.csv", line, "count", "at most n_analysed (30)", "31")


@case("baseline_count_exceeding_n")
def _():
    line = line_of("baseline", trial_id="PASO", arm_id="A", characteristic="Number of metastatic sites",
                   category=">=2")
    files = set_cell(BASE, "baseline", line, "count", "31")
    return files, Expect("baseline.csv", line, "count", "at most n (30)", "31")


@case("n_at_risk_disagreeing_with_n_safety")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="B", term="Hand-foot skin reaction", grade="all")
    files = set_cell(BASE, "adverse_events", line, "n_at_risk", "30")
    return files, Expect("adverse_events.csv", line, "n_at_risk", "the arm's n_safety (28)", "30")


@case("grade_3_plus_4_above_3_4_total_pct")
def _():
    # E2100 Table 2 hypertension (bevacizumab arm): grade 3 14.5, grade 4 0.3; total 14.8.
    line = line_of("adverse_events", trial_id="E2100", arm_id="PB", term="Hypertension", grade="3-4")
    files = set_cell(BASE, "adverse_events", line, "pct", "14.0")
    return files, Expect("adverse_events.csv", line, "pct", "at least grade 3 + grade 4 = 14.8%", "14.0")


@case(
    "grade_3_plus_4_above_3_4_total_count",
)
def _():
    # PASO Arm A peripheral sensory neuropathy: grade 3 in 2 patients; Table 3 grade 3/4 total 2.
    line = line_of("adverse_events", trial_id="PASO", arm_id="A", term_reported="Peripheral sensory neuropathy",
                   grade="3-4")
    files = set_cell(BASE, "adverse_events", line, "count", "1")
    files = set_cell(files, "adverse_events", line, "pct", "3.4")
    return files, Expect("adverse_events.csv", line, "count", "at least grade 3 + grade 4 = 2", "1")


@case("dosing_cycles_out_of_order")
def _():
    two = line_of("dosing", trial_id="PASO", arm_id="B", cycle="2")
    three = line_of("dosing", trial_id="PASO", arm_id="B", cycle="3")
    files = swap_lines(BASE, "dosing", two, three)
    return files, Expect("dosing.csv", three, "cycle", "a cycle after 3", "2")


@case("p_text_disagreeing_with_p_value")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="PFS")
    # The abstract prints P = 0.0409, Table 2 prints 0.041: mixing them in one row is an error.
    files = set_cell(BASE, "comparisons", line, "p_text", "0.0409")
    return files, Expect("comparisons.csv", line, "p_text", "the printed form of p_value 0.041", "0.0409")


@case("p_text_below_bound_disagreeing_with_p_value")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="PFS", analysis="primary")
    files = set_cell(BASE, "comparisons", line, "p_value", "0.002")
    return files, Expect("comparisons.csv", line, "p_text", "the printed form of p_value 0.002", "<0.001")


@case("p_value_without_p_text")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="ORR")
    files = set_cell(BASE, "comparisons", line, "p_text", "")
    return files, Expect("comparisons.csv", line, "p_text", "the P value as printed", "")


@case("hr_value_missing_for_statistic_hr")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="OS")
    files = set_cell(BASE, "comparisons", line, "value", "")
    return files, Expect("comparisons.csv", line, "value", "a hazard ratio for statistic HR", "")


@case("hr_value_zero")
def _():
    line = line_of("comparisons", trial_id="E2100", endpoint="PFS", subgroup="nonmeasurable disease")
    files = set_cell(BASE, "comparisons", line, "value", "0")
    return files, Expect("comparisons.csv", line, "value", "a hazard ratio > 0", "0")


@case("value_given_for_p_only")
def _():
    line = line_of("comparisons", trial_id="PASO", endpoint="CCR")
    files = set_cell(BASE, "comparisons", line, "value", "1.2")
    return files, Expect("comparisons.csv", line, "value", "no value for statistic p_only", "1.2")


@case("ae_row_without_count_or_pct")
def _():
    line = line_of("adverse_events", trial_id="PASO", arm_id="B", term="Hand-foot skin reaction", grade="3")
    files = set_cell(BASE, "adverse_events", line, "pct", "")
    return files, Expect("adverse_events.csv", line, "count", "a count or a pct", "neither")


@case("baseline_range_reversed")
def _():
    line = line_of("baseline", trial_id="E2100", arm_id="PB", characteristic="Age (years)")
    files = set_cell(BASE, "baseline", line, "range_low", "94")
    return files, Expect("baseline.csv", line, "range_low", "range_low <= range_high", "94")


MALFORMED = [pytest.param(name, id=name, marks=marks) for name, (_, marks) in CASES.items()]
_RESULTS: dict[str, tuple[Files, Expect, CuratedData | None, list[Problem]]] = {}


def run_case(name: str) -> tuple[Files, Expect, CuratedData | None, list[Problem]]:
    """Build and validate one case once (validation takes about half a second)."""
    if name not in _RESULTS:
        files, want = CASES[name][0]()
        _RESULTS[name] = (files, want, *validate_files(files))
    return _RESULTS[name]


def test_at_least_30_malformed_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_table_is_refused_with_exact_location(name):
    files, want, data, problems = run_case(name)
    assert files != BASE
    assert data is None, "nothing may be half-loaded when there is an error"
    listing = "\n".join(map(str, problems))
    at = [p for p in errors(problems) if (p.file, p.line, p.column) == (want.file, want.line, want.column)]
    assert at, f"no error at {want.file} line {want.line} column {want.column}:\n{listing}"
    assert any(want.expected in p.expected and want.found in str(p.found) for p in at), listing
    for p in at:
        assert p.expected.strip(), "expected must say what was expected"
    # The change touched one file: every error points into that file.
    assert {p.file for p in errors(problems)} == {want.file, *want.also}, listing


@pytest.mark.parametrize("name", list(CASES))
def test_every_message_names_file_line_and_column(name):
    _, _, _, problems = run_case(name)
    for p in problems:
        message = str(p)
        assert p.file in message
        assert f"expected {p.expected}" in message
        if p.line is None:
            # whole-file problems (missing file) name no line
            assert "whole file" in message and "line " not in message.split(":")[0]
        else:
            assert f"line {p.line}" in message
        if p.column is not None:
            assert f"column {p.column}" in message
        if p.severity == "warning":
            assert message.startswith("warning: ")


def test_cell_level_cases_name_a_column():
    """Only whole-file and whole-row (structure) problems may lack a column."""
    structural = {
        "missing_file", "empty_file", "whitespace_only_file", "latin1_byte", "nul_byte",
        "semicolon_delimiter", "tab_delimiter",
        "broken_quoting_text_after_closing_quote", "broken_quoting_unclosed_quote",
    }
    for name, (fn, _) in CASES.items():
        _, want = fn()
        assert (want.column is None) == (name in structural), name


# ---------------------------------------------------------------- message quality (found values)




@pytest.mark.parametrize(
    "name",
    [pytest.param(name, id=name, marks=[]) for name in CASES],
)
def test_messages_print_plain_values(name):
    _, _, _, problems = run_case(name)
    for p in problems:
        assert "np." not in str(p) and "numpy" not in str(p), str(p)


WRONG_TYPE_CELLS = [
    # (table, row criteria, column, bad text)
    ("efficacy", dict(trial_id="PASO", arm_id="A", endpoint="PFS"), "count", "many"),
    ("efficacy", dict(trial_id="PASO", arm_id="A", endpoint="PFS"), "value", "six"),
    ("efficacy", dict(trial_id="PASO", arm_id="A", endpoint="PFS"), "ci_low", "five"),
    ("comparisons", dict(trial_id="PASO", endpoint="PFS"), "value", "high"),
    ("adverse_events", dict(trial_id="PASO", arm_id="A", level="any", grade="all"), "count", "most"),
    ("adverse_events", dict(trial_id="PASO", arm_id="A", term="Diarrhea", grade="all"), "n_at_risk", "n/a"),
    ("dosing", dict(trial_id="PASO", arm_id="B", cycle="2"), "cycle", "two"),
]



@pytest.mark.parametrize(
    ("table", "criteria", "column", "text"),
    [
        pytest.param(
            *row,
            id=f"{row[0]}.{row[2]}",
            marks=[],
        )
        for row in WRONG_TYPE_CELLS
    ],
)
def test_wrong_type_cell_is_reported_once(table, criteria, column, text):
    line = line_of(table, **criteria)
    data, problems = validate_files(set_cell(BASE, table, line, column, text))
    assert data is None
    here = [p for p in errors(problems) if (p.file, p.line, p.column) == (f"{table}.csv", line, column)]
    assert len(here) == 1, "\n".join(map(str, here))
    assert here[0].found == text


# ---------------------------------------------------------------- warnings, not errors


def test_grade_band_excess_with_discrepancy_note_is_only_a_warning():
    line = line_of("adverse_events", trial_id="E2100", arm_id="PB", term="Hypertension", grade="3-4")
    files = set_cell(BASE, "adverse_events", line, "pct", "14.0")
    files = set_cell(files, "adverse_events", line, "discrepancy", "Abstract and Table 2 disagree")
    data, problems = validate_files(files)
    assert errors(problems) == []
    assert data is not None
    here = [p for p in problems if (p.file, p.line, p.column) == ("adverse_events.csv", line, "pct")]
    assert len(here) == 1 and here[0].severity == "warning"
    assert "at least grade 3 + grade 4 = 14.8%" in here[0].expected
    assert here[0] in data.warnings
    assert len(data.warnings) == 7  # the six documented ones and this one


def test_grade_band_note_on_a_part_row_also_downgrades():
    # The bundled PASO leukopenia discrepancy note sits on the grade 3 row, not the total.
    total = line_of("adverse_events", trial_id="PASO", arm_id="B", level="term",
                    term="Leukopenia (WBC decreased)", grade="3-4")
    part = line_of("adverse_events", trial_id="PASO", arm_id="B", term_reported="leukopenia", grade="3")
    assert get_cell(BASE, "adverse_events", part, "discrepancy")
    data, problems = validate_files(set_cell(BASE, "adverse_events", part, "discrepancy", ""))
    assert data is None
    assert [(p.line, p.column, p.severity) for p in errors(problems)] == [(total, "pct", "error")]


def test_baseline_pct_mismatch_without_note_is_an_error():
    line = line_of("baseline", trial_id="PASO", arm_id="B", characteristic="ECOG status", category="0")
    data, problems = validate_files(set_cell(BASE, "baseline", line, "discrepancy", ""))
    assert data is None
    assert [(p.file, p.line, p.column) for p in errors(problems)] == [("baseline.csv", line, "pct")]


# ---------------------------------------------------------------- accepted variations


def test_extra_unknown_column_is_accepted():
    files = map_columns(BASE, "efficacy", lambda row: row + (["reviewer_comment"] if row[0] == "trial_id" else ["ok"]))
    data, problems = validate_files(files)
    assert data is not None
    assert errors(problems) == []
    assert "reviewer_comment" in data.efficacy.columns
    assert set(data.efficacy["reviewer_comment"]) == {"ok"}


def test_crlf_line_endings_and_blank_lines_are_accepted():
    files = {k: v.replace(b"\n", b"\r\n") for k, v in BASE.items() if v is not None}
    files["dosing"] = files["dosing"] + b"\r\n\r\n"
    data, problems = validate_files(files)
    assert data is not None and errors(problems) == []
    assert data.counts() == load_dataset(DATA_DIR).counts()


def test_blank_line_keeps_later_line_numbers_true():
    two = line_of("dosing", trial_id="PASO", arm_id="B", cycle="2")
    files = set_cell(BASE, "dosing", two, "cycle", "x")
    lines = _lines(files, "dosing")
    lines.insert(two - 1, "")  # blank line before the broken row: it moves down one line
    files["dosing"] = _join(lines)
    _, problems = validate_files(files)
    assert [(p.line, p.column) for p in errors(problems)] == [(two + 1, "cycle")]


def test_optional_survival_table_may_be_absent():
    assert BASE.get("survival_ipd") is None
    data, problems = validate_files(BASE)
    assert data is not None and "survival_ipd" not in data.tables


# ---------------------------------------------------------------- collect all, load nothing


def _many_broken() -> tuple[Files, set[tuple[str, int | None, str | None]]]:
    files = dict(BASE)
    files["ae_terms"] = None
    files = transform(files, "dosing", lambda b: b"\xef\xbb\xbf" + b)
    eff = line_of("efficacy", trial_id="E2100", arm_id="PB", endpoint="PFS", analysis="primary")
    files = set_cell(files, "efficacy", eff, "value", "eleven")
    ae = line_of("adverse_events", trial_id="PASO", arm_id="B", term="Hand-foot skin reaction", grade="all")
    files = set_cell(files, "adverse_events", ae, "arm_id", "C")
    cmp_line = line_of("comparisons", trial_id="PASO", endpoint="PFS")
    files = set_cell(files, "comparisons", cmp_line, "p_text", "0.0409")
    base_line = line_of("baseline", trial_id="E2100", arm_id="P", characteristic="HER2 status", category="Unknown")
    files = set_cell(files, "baseline", base_line, "pct", "8.2")
    expected = {
        ("ae_terms.csv", None, None),
        ("dosing.csv", 1, "trial_id"),
        ("efficacy.csv", eff, "value"),
        ("adverse_events.csv", ae, "arm_id"),
        ("comparisons.csv", cmp_line, "p_text"),
        ("baseline.csv", base_line, "pct"),
    }
    return files, expected


def test_several_problems_in_several_files_are_reported_at_once():
    files, expected = _many_broken()
    data, problems = validate_files(files)
    assert data is None
    found = {(p.file, p.line, p.column) for p in errors(problems)}
    assert expected <= found, "\n".join(map(str, problems))
    assert len({p.file for p in errors(problems)}) == 6
    # The documented warnings of untouched rows are still reported alongside.
    assert sum(p.severity == "warning" for p in problems) == 6


def _write(files: Files, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if content is not None:
            (directory / TABLES[name].file).write_bytes(content)
    return directory


def test_read_directory_maps_missing_files_to_none(tmp_path):
    files, _ = _many_broken()
    read = read_directory(_write(files, tmp_path / "broken"))
    assert set(read) == set(TABLES)
    assert read["ae_terms"] is None and read["survival_ipd"] is None
    assert read["dosing"] == files["dosing"]


def test_load_dataset_raises_listing_every_error(tmp_path):
    files, expected = _many_broken()
    directory = _write(files, tmp_path / "broken")
    with pytest.raises(DataValidationError) as caught:
        load_dataset(directory)
    error = caught.value
    _, problems = validate_files(files)
    assert error.problems == errors(problems)
    assert all(p.severity == "error" for p in error.problems)
    assert expected <= {(p.file, p.line, p.column) for p in error.problems}
    text = str(error)
    assert text.startswith(f"{len(error.problems)} problem(s) in {directory}")
    for p in error.problems:
        assert str(p) in text


def test_load_dataset_on_a_single_problem(tmp_path):
    line = line_of("dosing", trial_id="PASO", arm_id="B", cycle="3")
    directory = _write(set_cell(BASE, "dosing", line, "delivered_mean_daily_mg", "-629"), tmp_path / "d")
    with pytest.raises(DataValidationError) as caught:
        load_dataset(directory)
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [
        ("dosing.csv", line, "delivered_mean_daily_mg")
    ]


def test_one_bad_cell_in_a_parent_table_is_one_problem_not_a_cascade():
    """A trials.csv or arms.csv row with a bad cell still resolves references to it."""
    for table, old, new, column in (
        ("trials", b",140,61,2010-08", b",lots,61,2010-08", "n_planned"),
        ("arms", b",,30,28,", b",,30,lots,", "n_safety"),
    ):
        files = dict(BASE)
        files[table] = files[table].replace(old, new, 1)
        data, problems = validate_files(files)
        assert data is None
        assert [(p.file, p.column) for p in errors(problems)] == [(f"{table}.csv", column)]


# ---------------------------------------------------------------- issue 11: discrepancy wording


def test_paso_leukopenia_is_unreconcilable_not_contradictory():
    # Grade 3 25% of 28 (7) + one grade 4 vs a grade 3/4 total of 7: not below either grade alone,
    # so only per-patient data (a patient under both grades?) could tell.
    data, problems = validate_files(BASE)
    total = line_of("adverse_events", trial_id="PASO", arm_id="B", level="term",
                    term="Leukopenia (WBC decreased)", grade="3-4")
    here = [p for p in problems if (p.file, p.line) == ("adverse_events.csv", total)]
    assert len(here) == 1 and here[0].severity == "warning"
    assert "cannot be reconciled without per-patient data" in here[0].expected
    part = line_of("adverse_events", trial_id="PASO", arm_id="B", term_reported="leukopenia", grade="3")
    note = get_cell(BASE, "adverse_events", part, "discrepancy")
    assert "cannot be reconciled without per-patient data" in note and "exceeds" not in note
    # E2100 fatigue 8.5% is below grade 3 alone (8.8%): a contradiction under any counting.
    fatigue = line_of("adverse_events", trial_id="E2100", arm_id="PB", level="term", term="Fatigue", grade="3-4")
    (problem,) = [p for p in problems if (p.file, p.line) == ("adverse_events.csv", fatigue)]
    assert problem.expected == "at least grade 3 + grade 4 = 9.1% to rounding"


def test_e2100_neuropathy_p_values_are_a_documented_discrepancy():
    line = line_of("adverse_events", trial_id="E2100", arm_id="PB", level="term",
                   term="Peripheral sensory neuropathy", grade="3-4")
    note = get_cell(BASE, "adverse_events", line, "discrepancy")
    assert "P = 0.03" in note and "P = 0.05" in note and "no grade 5 neuropathy" in note
    data, problems = validate_files(BASE)
    (problem,) = [p for p in problems if (p.file, p.line) == ("adverse_events.csv", line)]
    assert (problem.column, problem.severity, problem.found) == ("discrepancy", "warning", note)
    # Without the note the data are still valid, with one warning fewer.
    data, problems = validate_files(set_cell(BASE, "adverse_events", line, "discrepancy", ""))
    assert data is not None and len(data.warnings) == 5
