"""Patient-level survival data (trial_id, arm_id, endpoint, time, event) uploaded on its own.

``parse_survival_upload`` reads the time in days, weeks, months or years and converts it to
months; ``survival_as_upload`` turns the rows into an upload of the ``survival_ipd`` table, to be
validated and stored like any other table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import pandas as pd

from evidence.contract import TABLES
from evidence.loading import CuratedData, check_columns, type_table
from evidence.problems import Problem
from evidence.upload.limits import ParseContext, UploadLimits
from evidence.upload.names import SURVIVAL_COLUMNS, TIME_UNITS, clean_name
from evidence.upload.parsing import build_part, read_sources
from evidence.upload.parts import Source, TablePart, UploadResult, result_of


def parse_survival_upload(
    filename: str,
    content: bytes,
    time_unit: str,
    limits: UploadLimits = UploadLimits(),
    known_arms: Collection[tuple[str, str]] | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Patient-level survival data (trial_id, arm_id, endpoint, time, event) -> months.

    The time column is ``time`` or ``time_<unit>`` (``time_days`` for days, ...); ``time_unit`` is
    one of days, weeks, months, years and converts to months (days / 30.4375, weeks * 7 / 30.4375,
    years * 12). Rules: those of ``survival_ipd`` in the contract (event 0/1, time >= 0, a
    time-to-event endpoint), plus every (trial_id, arm_id) pair is an arm in ``known_arms`` (when
    given: the arms of the bundled and uploaded data) and every arm has at least 2 patients per
    endpoint. Returns a frame indexed by the user's row number, columns as ``survival_ipd``.
    """
    ctx = ParseContext(limits)
    label = clean_name(filename)
    if time_unit not in TIME_UNITS:
        return None, [Problem(label, None, None, "a time unit: " + ", ".join(TIME_UNITS), repr(time_unit))]
    source, problem = _one_source(label, content, ctx)
    if source is None:
        return None, problem
    time_column, problem = _time_column(source, time_unit)
    if problem is not None:
        return None, [problem]
    part = build_part(source, SURVIVAL_COLUMNS, {"time_months", "event"}, ctx, rename={time_column: "time_months"})
    if part is None:
        return None, [_rename_column(p, time_column) for p in ctx.finish(label)]
    if not part.rows:
        return None, [Problem(source.label, None, None, "at least one data row below a header", "no data rows")]
    typed, good = _typed(source.label, part, ctx)
    if known_arms is not None:
        _check_arms(source.label, good, known_arms, ctx)
    _check_group_sizes(source.label, good, ctx)
    problems = [_rename_column(p, time_column) for p in ctx.finish(label)]
    if any(p.severity == "error" for p in problems):
        return None, problems
    return _in_months(typed, time_unit, source.label, time_column), problems


def _one_source(label: str, content: bytes, ctx: ParseContext) -> tuple[Source | None, list[Problem]]:
    """The one table the file holds, or (None, why not)."""
    sources = read_sources(label, content, ctx)
    if ctx.problems:
        return None, ctx.finish(label)
    if len(sources) != 1:
        found = "no table" if not sources else f"{len(sources)} tables ({', '.join(s.label for s in sources)})"
        return None, [Problem(label, None, None, "one table of patient-level survival data", found)]
    return sources[0], []


def _time_column(source: Source, time_unit: str) -> tuple[str, Problem | None]:
    """The header's one time column for ``time_unit`` (``time`` or ``time_<unit>``), or a problem
    when it is missing, doubled, or another unit's time column stands beside it."""
    header_line, header = source.records[0]
    wanted = {"time", f"time_{time_unit}"}
    time_columns = [cell.strip() for cell in header if cell.strip().lower() in wanted]
    other_times = [
        cell.strip() for cell in header if cell.strip().lower().startswith("time_") and cell.strip().lower() not in wanted
    ]
    if len(time_columns) > 1:
        return "", Problem(source.label, header_line, time_columns[1], "one time column", "two time columns")
    if not time_columns and other_times:
        expected = f"a time column named time or time_{time_unit} (the time unit chosen is {time_unit})"
        return "", Problem(source.label, header_line, other_times[0], expected, f"a column named {other_times[0]}")
    if not time_columns:
        expected = f"a time column (time or time_{time_unit}) in the header"
        return "", Problem(source.label, header_line, f"time_{time_unit}", expected, "it missing")
    if other_times:
        expected = f"one time column ({time_columns[0]}, for the time unit chosen: {time_unit})"
        return "", Problem(source.label, header_line, other_times[0], expected, f"also a column named {other_times[0]}")
    return time_columns[0], None


def _typed(label: str, part: TablePart, ctx: ParseContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows typed by the contract's survival_ipd rules, the rows without any problem)."""
    table = TABLES["survival_ipd"]
    raw = pd.DataFrame(
        [cells for _line, cells in part.rows],
        columns=list(part.header),
        index=pd.Index([line for line, _cells in part.rows], name="line"),
        dtype=object,
    )
    typed, type_problems, bad_cells = type_table(table, raw, label)
    column_problems = check_columns(table, typed, label, bad_cells)
    for problem in type_problems + column_problems:
        ctx.add(problem)
    bad_rows = {line for line, _column in bad_cells} | {p.line for p in column_problems if p.line is not None}
    good = typed.drop(index=list(bad_rows)).dropna(subset=["trial_id", "arm_id", "endpoint"])
    return typed, good


def _check_arms(label: str, good: pd.DataFrame, known_arms: Collection[tuple[str, str]], ctx: ParseContext) -> None:
    """Every (trial_id, arm_id) an arm of the session's data; each unknown pair reported once."""
    known = {(str(t), str(a)) for t, a in known_arms}
    reported: set[tuple[str, str]] = set()
    for line, trial_id, arm_id in zip(good.index, good["trial_id"], good["arm_id"]):
        if (trial_id, arm_id) in known or (trial_id, arm_id) in reported:
            continue
        reported.add((trial_id, arm_id))
        arms = sorted(a for t, a in known if t == trial_id)
        if arms:
            ctx.add(Problem(label, int(line), "arm_id", f"an arm of {trial_id} ({', '.join(arms)})", arm_id))
        else:
            ctx.add(Problem(label, int(line), "trial_id", "a trial_id with arms in the trial tables", trial_id))


def _check_group_sizes(label: str, good: pd.DataFrame, ctx: ParseContext) -> None:
    """At least 2 patients per arm and endpoint: one patient gives no curve."""
    if good.empty:
        return
    for (trial_id, arm_id, endpoint), rows in good.groupby(["trial_id", "arm_id", "endpoint"], sort=False):
        if len(rows) < 2:
            expected = f"at least 2 patients per arm for {endpoint}"
            ctx.add(Problem(label, int(rows.index[0]), "arm_id", expected, f"1 patient in {trial_id} arm {arm_id}"))


def _in_months(typed: pd.DataFrame, time_unit: str, label: str, time_column: str) -> pd.DataFrame:
    frame = typed[list(SURVIVAL_COLUMNS)].copy()
    frame["time_months"] = frame["time_months"].astype(float) * TIME_UNITS[time_unit]
    frame["event"] = frame["event"].astype(int)
    frame.attrs.update({"file": label, "time_unit": time_unit, "time_column": time_column})
    return frame


def known_arms(data: CuratedData) -> set[tuple[str, str]]:
    """(trial_id, arm_id) of every arm, for ``parse_survival_upload(known_arms=...)``."""
    arms = data.tables["arms"]
    return {(str(t), str(a)) for t, a in zip(arms["trial_id"], arms["arm_id"])}


def _rename_column(problem: Problem, user_column: str) -> Problem:
    """A problem about time_months names the user's own time column instead."""
    return replace(problem, column=user_column) if problem.column == "time_months" else problem


def survival_as_upload(frame: pd.DataFrame, label: str | None = None) -> UploadResult:
    """Survival rows from ``parse_survival_upload`` as an upload of the ``survival_ipd`` table
    (time in months), to validate against the arms with ``validate_upload`` and keep in the store."""
    label = label or frame.attrs.get("file", "survival_ipd.csv")
    rows = tuple(
        (int(line), (str(t), str(a), str(e), repr(float(m)), str(int(ev))))
        for line, t, a, e, m, ev in zip(
            frame.index, frame["trial_id"], frame["arm_id"], frame["endpoint"], frame["time_months"], frame["event"]
        )
    )
    return result_of({"survival_ipd": [TablePart(label, SURVIVAL_COLUMNS, rows)]}, [], "survival")
