"""Every curated row carries the passage it was read from (issue 16 item 8, contract v3).

For every table with a `source` column:
- every row has a passage, at most 300 characters (the documents are not redistributed);
- every excerpt of it (excerpts joined by ' … ') occurs in the cited document, whitespace and
  line-break hyphenation normalised the same way for both (seed_text.comparable);
- it prints the row's numbers as the document prints them: the columns traced in
  test_curated_values.py (value, CI bounds, counts, percentages, denominators, P values as
  printed), with the same rule for how a number may be printed ('6.60' as '6.6', '0.60' as '.60',
  '<0.001' as 'P<0.001') and the same allow-list of other printed forms ('-' for 0, 'Forty-eight').
Derived rows are exempt from the numbers (their numbers are computed, not printed); they are
listed below by table, and hold the passage of the rows they are computed from.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from evidence.contract import PASSAGE_SEPARATOR, TABLES
from seed_text import (
    csv_rows,
    DATA_DIR,
    SEEDS_DIR,
    TRACE_COLUMNS,
    comparable,
    documents,
    excerpts,
    number_pattern,
    printed_in,
    row_numbers_missing,
)

needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"source documents not found at {SEEDS_DIR}")

SOURCED = tuple(name for name, table in TABLES.items() if any(c.name == "source" for c in table.columns))
MAX_CHARS = 300

DERIVED_EXEMPT = {
    # E2100 grade 3-4 bands: Table 2's grade 3 and grade 4 patient counts added (passage: the Table 2 row).
    # PASO 'all patients experienced at least 1 AE' (28 of 29 and 28 of 28), counted from the sentence.
    "adverse_events": 34,
    # PASO 61 randomised - 60 analysed; E2100 347 + 326 eligible.
    "flow": 2,
}
"""Derived rows per table, whose numbers need not be printed in their passage."""


def test_every_table_with_a_source_has_an_optional_passage_column_beside_it():
    assert set(SOURCED) >= {
        "trials", "arms", "efficacy", "comparisons", "adverse_events", "dosing", "design", "baseline",
        "flow", "exposure", "event_outcomes", "findings",
    }
    for name in SOURCED:
        names = [c.name for c in TABLES[name].columns]
        assert names[names.index("source") + 1] == "passage", name
        column = TABLES[name].column("passage")
        assert (column.required, column.upload_may_omit, column.kind) == (False, True, "str")


@pytest.mark.parametrize("table", SOURCED)
def test_every_bundled_row_has_a_short_passage(table):
    for line, r in csv_rows(table):
        passage = r["passage"]
        assert passage, f"{table}.csv line {line}: no passage"
        assert len(passage) <= MAX_CHARS, f"{table}.csv line {line}: {len(passage)} characters"
        assert passage == " ".join(passage.split()), f"{table}.csv line {line}: whitespace not collapsed"
        assert all(e == e.strip() and e for e in passage.split(PASSAGE_SEPARATOR)), f"{table}.csv line {line}"


@needs_seeds
@pytest.mark.parametrize("table", SOURCED)
def test_every_passage_occurs_in_its_cited_document(table):
    docs = {source_id: comparable(text) for source_id, text in documents().items()}
    for line, r in csv_rows(table):
        doc = docs[r["source"].partition(":")[0].strip()]
        for excerpt in excerpts(r["passage"]):
            assert comparable(excerpt) in doc, f"{table}.csv line {line}: not in its document: {excerpt!r}"


@pytest.mark.parametrize("table", SOURCED)
def test_every_passage_prints_the_rows_numbers(table):
    exempt = Counter()
    for line, r in csv_rows(table):
        if r.get("derived", "").lower() == "true":
            exempt[table] += 1
            continue
        missing = row_numbers_missing(table, r, r["passage"])
        assert not missing, f"{table}.csv line {line}: {missing} not printed in its passage {r['passage']!r}"
    assert exempt[table] == DERIVED_EXEMPT.get(table, 0), "derived rows changed: review the exemptions"


def test_the_traced_columns_are_the_tables_numbers():
    """Every int/float column of a sourced table is traced, or named here as not a printed number."""
    not_printed = {
        "dosing": {"cycle"},  # the row's position in the schedule
        "comparisons": {"p_value"},  # p_text, as printed, is traced; p_value is its number
    }
    for table in SOURCED:
        numeric = {c.name for c in TABLES[table].columns if c.kind in ("int", "float")}
        assert numeric - set(TRACE_COLUMNS[table]) - not_printed.get(table, set()) == set(), table


@pytest.mark.parametrize(
    ("table", "column", "raw", "source", "text", "hit"),
    [
        ("efficacy", "value", "6.6", "PASO_REPORT: Table 2", "Median PFS was 6.6 months", True),
        ("efficacy", "value", "6.60", "PASO_REPORT: Table 2", "6.6 (5.1–9.0)", True),
        ("efficacy", "value", "6.6", "PASO_REPORT: Table 2", "66.6", False),
        ("comparisons", "p_text", "<0.001", "E2100_NEJM2007: Abstract", "hazard ratio, 0.60; P<0.001", True),
        ("comparisons", "value", "0.60", "E2100_NEJM2007: Abstract", "for progression, .60;", True),
        ("adverse_events", "count", "0", "PASO_REPORT: Table 3 ('-': no event of that grade)", "Constipation 5 (17.2%) - 6 (21.4%) -", True),
        ("adverse_events", "count", "0", "PASO_REPORT: Table 3 ('-': no event of that grade)", "Anemia 6 (20.7%) 1 (3.4%)", False),
        ("trials", "n_enrolled", "48", "MRCC_CANCER2010: Abstract", "Forty-eight patients were enrolled.", True),
        ("event_outcomes", "count", "1", "E2100_NEJM2007: Table 2", "developed in only one patient", True),
    ],
)
def test_printed_in(table, column, raw, source, text, hit):
    assert printed_in(table, column, raw, source, text) == hit


# ---------------------------------------------------------------- exports and hovers carry the passage

PASO_PFS_SENTENCE = "Median PFS was 6.6 months (95% CI: 5.1 to 9.0) in Arm A and 5.6 months (95% CI: 3.8 to 6.5) in Arm B"


def test_export_rows_carry_the_passage_beside_source(data):
    from evidence import export_rows, export_views
    from evidence.state import ViewState

    for key, view in export_views.VIEWS.items():
        rows = view.rows(data, ViewState())
        columns = list(rows.columns)
        assert columns[columns.index("source") + 1] == "passage", key
    medians = export_rows.medians_rows(data, ViewState())
    paso_a = medians[(medians.trial_id == "PASO") & (medians.arm_id == "A")].iloc[0]
    assert (paso_a.value, paso_a.source) == (6.6, "PASO_REPORT: Table 2; Results, Efficacy (events)")
    assert PASO_PFS_SENTENCE in paso_a.passage
    forest = export_rows.forest_rows(data, ViewState())
    e2100 = forest[(forest.trial_id == "E2100") & (forest.analysis == "primary")].iloc[0]
    assert "hazard ratio for disease progression, 0.60; P<0.001" in e2100.passage
    # A grade 3-4 band summed here from Table 2 carries the Table 2 row it is computed from.
    toxicity = export_rows.toxicity_rows(data, ViewState(grade="3-4"))
    arthralgia = toxicity[(toxicity.trial_id == "E2100") & (toxicity.arm_id == "PB") & (toxicity.term == "Arthralgia")].iloc[0]
    assert bool(arthralgia.derived) and arthralgia.passage.endswith("Arthralgia 2.7 0.5 1.4 0")
    dosing = export_rows.dosing_rows(data, ViewState())
    cycle2 = dosing[(dosing.trial_id == "PASO") & (dosing.cycle == 2)].iloc[0]
    assert "545 mg during cycle and 629 mg during cycle 3" in cycle2.passage


def test_csv_and_xlsx_files_hold_the_passage(data):
    from datetime import date

    from openpyxl import load_workbook

    from evidence import export_views
    from evidence.state import ViewState

    text = export_views.build_export(data, ViewState(), "medians-by-arm", "csv", date(2026, 11, 21)).content.decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert any(PASO_PFS_SENTENCE in r["passage"] for r in records)
    book = load_workbook(io.BytesIO(export_views.build_export(data, ViewState(), "forest-plot", "xlsx", date(2026, 11, 21)).content))
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    passages = [row[header.index("passage")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(p and "hazard ratio 1.80, 95% CI: 1.02 to 3.20" in p for p in passages)


def test_source_hover_shortens_the_passage_and_escapes_it():
    from evidence.theme import PASSAGE_HOVER_CHARS, source_hover

    passage = "Median PFS was 6.6 months <b>x</b> " + "word " * 60
    hover = source_hover("PASO_REPORT: Table 2", passage)
    words = hover.replace("<br>", " ")
    assert words.startswith("source: PASO_REPORT: Table 2 — “Median PFS was 6.6 months &lt;b&gt;x&lt;/b&gt;")
    quoted = words[words.index("“") + 1: words.index("”")]
    assert quoted.endswith("…") and len(quoted.replace("&lt;", "<").replace("&gt;", ">")) <= PASSAGE_HOVER_CHARS
    assert "<b>" not in hover
    assert source_hover("PASO_REPORT: Table 2", None) == "source: PASO_REPORT: Table 2"
    assert source_hover("PASO_REPORT: Table 2", float("nan")) == "source: PASO_REPORT: Table 2"


def test_figure_hovers_show_locator_and_passage(data):
    from evidence import views
    from evidence.state import ViewState

    def hovers(panel) -> str:
        figure = panel.figure_json()
        texts = []
        for trace in figure["data"]:
            for key in ("hovertext", "text"):
                value = trace.get(key)
                if isinstance(value, list):
                    texts += [str(v) for v in value]
                elif isinstance(value, str):
                    texts.append(value)
        return "\n".join(t.replace("<br>", " ") for t in texts)

    medians = hovers(views.medians_panel(data, ViewState()))
    assert "source: PASO_REPORT: Table 2; Results, Efficacy (events) — “data of 60 patients" in medians
    forest = hovers(views.forest_panel(data, ViewState()))
    assert "The confirmatory test for the effect of treatment on PFS was statistically significant" in forest
    toxicity = hovers(views.toxicity_panel(data, ViewState()))
    assert "source: PASO_REPORT: Table 3 — “Table 3 Adverse events reported in at least 20% of patients" in toxicity
    dosing = hovers(views.dosing_panel(data, ViewState()))
    assert "Sorafenib was to be started as 200 mg in the morning" in dosing
    rates = hovers(views.rates_panel(data, ViewState(endpoint="ORR")))
    assert "Overall response rate 13 (43.3) (27.4–60.8) 12 (40) (24.6–57.7) 0.793" in rates


def test_number_pattern_reads_a_minus_sign_as_no_digit():
    # '−0.5' (minus sign) and '-0.5' hold the digits 0.5; a passage is checked for the digits.
    assert number_pattern("0.5").search("−0.5") and number_pattern("0.5").search("-0.5")


def test_an_upload_may_leave_the_passage_column_out_or_empty(data):
    """Contract v2 files (no passage column) still upload; the column is then empty."""
    from evidence import upload

    files = upload.example_files()
    without = {}
    for name, content in files.items():
        records = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
        if records and "passage" in records[0]:
            at = records[0].index("passage")
            records = [r[:at] + r[at + 1:] for r in records]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(records)
        without[name] = out.getvalue().encode("utf-8")
    assert b"passage" not in without["efficacy"]
    parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in without.items()])
    assert parsed.problems == []
    merged, problems = upload.validate_upload(parsed, data)
    assert problems == [] and merged is not None
    uploaded = merged.tables["efficacy"][merged.tables["efficacy"].trial_id == "EXAMPLE-TRIAL"]
    assert len(uploaded) == 4 and uploaded.passage.isna().all()
    # The example's own files carry passages on some rows: they upload as given.
    parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in files.items()])
    merged, problems = upload.validate_upload(parsed, data)
    example = merged.tables["efficacy"][merged.tables["efficacy"].trial_id == "EXAMPLE-TRIAL"]
    assert problems == [] and example.passage.str.startswith("Illustrative example: median PFS").sum() == 2


def test_a_missing_passage_column_in_the_bundled_data_is_an_error():
    from evidence.loading import read_directory, validate_files

    files = read_directory(DATA_DIR)
    records = list(csv.reader(io.StringIO(files["arms"].decode("utf-8"), newline="")))
    at = records[0].index("passage")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:at] + r[at + 1:] for r in records])
    data, problems = validate_files({**files, "arms": out.getvalue().encode("utf-8")})
    assert data is None
    assert [(p.file, p.line, p.column, p.expected, p.found) for p in problems if p.severity == "error"] == [
        ("arms.csv", 1, "passage", "this column in the header", "it missing")]
