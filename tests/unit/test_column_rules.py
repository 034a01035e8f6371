"""Per-column rules (required, allowed values, ranges, unique keys) checked with plain pandas,
against pandera as the reference: the rules the app used to run through pandera, rebuilt from
the same contract, must report exactly the same problems on the same broken tables."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.contract import TABLES, Table
from evidence.loading import check_columns, read_directory, read_table_text, type_table
from evidence.problems import Problem


def pandera_reference(table: Table, typed: pd.DataFrame, file_label: str, bad_cells: set) -> list[Problem]:
    """The former implementation (pandera schema, lazy validation), kept as the reference."""
    columns = {}
    for c in table.columns:
        checks = []
        if c.allowed:
            checks.append(pa.Check.isin(c.allowed, error=c.expected()))
        if c.minimum is not None:
            checks.append(pa.Check.ge(c.minimum, error=c.expected()))
        if c.maximum is not None:
            checks.append(pa.Check.le(c.maximum, error=c.expected()))
        columns[c.name] = pa.Column(nullable=not c.required, checks=checks)
    schema = pa.DataFrameSchema(columns, unique=list(table.key) or None, report_duplicates="all")
    try:
        schema.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    problems, duplicate_lines = [], set()
    for case in cases.itertuples(index=False):
        line = None if pd.isna(case.index) else int(case.index)
        if case.check == "multiple_fields_uniqueness":
            duplicate_lines.add(line)
            continue
        if (line, case.column) in bad_cells:
            continue
        column = table.column(case.column)
        if case.check == "not_nullable":
            problems.append(Problem(file_label, line, column.name, "a value (" + column.expected() + ")", ""))
        else:
            problems.append(Problem(file_label, line, column.name, column.expected(), case.failure_case))
    by_key: dict[tuple, list[int]] = {}
    for line in sorted(duplicate_lines):
        key = tuple("" if pd.isna(v) else v for v in typed.loc[line, list(table.key)])
        by_key.setdefault(key, []).append(line)
    for key, lines in by_key.items():
        for line in lines[1:]:
            problems.append(Problem(file_label, line, ",".join(table.key), f"a unique key ({', '.join(table.key)})",
                                    f"{key} already on line {lines[0]}"))
    return problems


FILES = read_directory(__import__("pathlib").Path("data"))
NAMES = [name for name in TABLES if FILES.get(name) is not None]


def _raw(name: str) -> pd.DataFrame:
    raw, problems = read_table_text(TABLES[name], FILES[name], TABLES[name].file)
    assert not problems
    return raw


def _comparable(problem: Problem) -> tuple:
    """A problem with numbers compared as numbers: when failures of an integer and a float
    column are reported together, pandera's failure-case column turns the integer -1 into -1.0
    (the app reports -1, the value as typed)."""
    found = problem.found.item() if hasattr(problem.found, "item") else problem.found
    if isinstance(found, (int, float)) and not isinstance(found, bool):
        found = float(found)
    return (problem.file, problem.line or 0, problem.column or "", problem.expected, repr(found))


def _compare(name: str, raw: pd.DataFrame) -> list[str]:
    table = TABLES[name]
    typed, _, bad_cells = type_table(table, raw, table.file)
    ours = check_columns(table, typed, table.file, bad_cells)
    reference = pandera_reference(table, typed, table.file, bad_cells)
    assert sorted(map(_comparable, ours)) == sorted(map(_comparable, reference))
    return [str(p) for p in ours]


@pytest.mark.parametrize("name", NAMES)
def test_the_bundled_tables_pass_both(name):
    assert _compare(name, _raw(name)) == []


# Values that break rules: empty (missing), unknown words, numbers out of any range, junk.
BAD_TEXT = st.sampled_from(["", "unknown", "-1", "-0.5", "101", "1000000", "1e9", "0", "maybe", "PASO", "yes"])


@pytest.mark.filterwarnings("ignore:The behavior of DataFrame concatenation:FutureWarning:pandera")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_breakage_is_reported_like_pandera(data):
    name = data.draw(st.sampled_from(NAMES))
    raw = _raw(name).copy()
    for _ in range(data.draw(st.integers(1, 6))):
        line = data.draw(st.sampled_from(list(raw.index)))
        column = data.draw(st.sampled_from(list(raw.columns)))
        if data.draw(st.booleans()):
            raw.loc[line, column] = data.draw(BAD_TEXT)
        else:  # copy another row's cell: makes duplicate keys likely
            other = data.draw(st.sampled_from(list(raw.index)))
            raw.loc[line, column] = raw.loc[other, column]
    _compare(name, raw)


def test_duplicate_keys_name_the_first_line():
    raw = _raw("arms").copy()
    raw.loc[raw.index[1]] = raw.loc[raw.index[0]]
    problems = _compare("arms", raw)
    assert any("a unique key" in p and f"already on line {raw.index[0]}" in p for p in problems)
