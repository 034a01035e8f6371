"""Baseline characteristics by arm (baseline.csv), trials side by side, with the between-arm
tests the documents report (findings.csv).

A reported imbalance is a findings.csv row of topic `population` whose finding starts with
'<characteristic> (<category>):' and whose value is the P value (unit `P`, or `P (upper bound)`
for a printed 'P<x'): E2100 Table 1's footnotes (visceral disease P = 0.009, measurable disease
P = 0.007). `baseline_wide` turns the long table into the side-by-side grid the figure draws.
"""

from __future__ import annotations

import re

import pandas as pd

from evidence.tables.lookups import (
    ROLE_RANK, arm_lookup, integer, number, short_arm_label, text, trial_names, trial_order,
)  # fmt: skip

P_UNITS = {"P": "P = {:g}", "P (upper bound)": "P < {:g}"}
"""findings.csv units that mark a P value, and how each is printed."""

COLUMNS = [
    "trial_id", "trial_name", "arm_id", "arm_label", "role", "characteristic", "category", "shown", "count", "pct",
    "mean", "sd", "median", "range_low", "range_high", "n", "p_text", "p_source", "p_passage", "source", "passage", "discrepancy",
]  # fmt: skip


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _shown(r) -> str:
    """'208 (59.9%)', '59.4 (SD 10.4)', '56 (29–84)', '58', '70%' as the row holds them."""
    count, pct, mean, sd = integer(r.count), number(r.pct), number(r.mean), number(r.sd)
    median, low, high = number(r.median), number(r.range_low), number(r.range_high)
    if mean is not None:
        return f"{_number(mean)} (SD {_number(sd)})" if sd is not None else _number(mean)
    if median is not None:
        return f"{_number(median)} ({_number(low)}–{_number(high)})" if low is not None and high is not None else _number(median)
    if count is not None:
        return f"{count} ({_number(pct)}%)" if pct is not None else str(count)
    return f"{_number(pct)}%" if pct is not None else "NR"


def imbalance_tests(findings: pd.DataFrame | None) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(trial_id, characteristic, category) -> (printed P, source, passage) from findings.csv (see module)."""
    found: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    if findings is None or findings.empty:
        return found
    rows = findings[(findings["topic"] == "population") & findings["unit"].isin(list(P_UNITS)) & findings["value"].notna()]
    for r in rows.itertuples(index=False):
        match = re.match(r"^(.+?) \(([^)]*)\):", str(r.finding))
        if match:
            passage = text(getattr(r, "passage", None))
            found[(r.trial_id, match.group(1), match.group(2))] = (P_UNITS[r.unit].format(float(r.value)), r.source, passage)
    return found


def baseline_table(baseline: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame,
                   findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """baseline.csv rows with names, a display text per cell and the reported test (if any), in
    file order within trials.csv order, arms experimental before control."""
    if baseline is None or baseline.empty:
        return pd.DataFrame(columns=COLUMNS)
    info = arm_lookup(arms)
    names = trial_names(trials)
    order = trial_order(trials, baseline["trial_id"])
    tests = imbalance_tests(findings)
    rows = []
    for position, r in enumerate(baseline.itertuples(index=False)):
        arm = info.get((r.trial_id, r.arm_id), {})
        p_text, p_source, p_passage = tests.get((r.trial_id, r.characteristic, r.category), ("", "", ""))
        rows.append(
            dict(
                trial_id=r.trial_id, trial_name=names.get(r.trial_id, r.trial_id), arm_id=r.arm_id,
                arm_label=arm.get("label", r.arm_id), role=arm.get("role", "other"), characteristic=r.characteristic,
                category=r.category, shown=_shown(r), count=integer(r.count), pct=number(r.pct), mean=number(r.mean),
                sd=number(r.sd), median=number(r.median), range_low=number(r.range_low),
                range_high=number(r.range_high), n=integer(r.n), p_text=p_text, p_source=p_source, p_passage=p_passage, source=r.source,
                passage=text(getattr(r, "passage", None)),
                discrepancy=text(r.discrepancy),
                _order=(order[r.trial_id], ROLE_RANK.get(arm.get("role"), 9), position),
            )
        )  # fmt: skip
    table = pd.DataFrame(rows)
    table = table.iloc[sorted(range(len(table)), key=lambda i: table["_order"].iat[i])]
    return table.drop(columns="_order").reset_index(drop=True)[COLUMNS]


def arm_heading(row) -> str:
    """'E2100 · paclitaxel + bevacizumab (N = 347)'."""
    n = f" (N = {row.n})" if row.n is not None else ""
    return f"{row.trial_name} · {short_arm_label(row.arm_label)}{n}"


def baseline_wide(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The side-by-side grid: one row per (characteristic, category), grouped by characteristic in
    first-appearance order,
    one column per trial arm (its heading), and per trial a 'P' column where a test is reported.
    Returns (grid of strings, the arm and P column names in order)."""
    if table.empty:
        return pd.DataFrame(columns=["characteristic", "category"]), []
    table = table.assign(heading=[arm_heading(r) for r in table.itertuples(index=False)])
    keys = list(dict.fromkeys(zip(table["characteristic"], table["category"])))
    first_seen = {c: i for i, c in reversed(list(enumerate(k[0] for k in keys)))}
    keys.sort(key=lambda k: first_seen[k[0]])  # a characteristic's categories together, across trials
    columns: list[str] = []
    for trial_id, group in table.groupby("trial_id", sort=False):
        columns += list(dict.fromkeys(group["heading"]))
        if (group["p_text"] != "").any():
            columns.append(f"{group['trial_name'].iat[0]} · P (as reported)")
    grid = pd.DataFrame({"characteristic": [k[0] for k in keys], "category": [k[1] for k in keys]})
    for column in columns:
        grid[column] = ""
    index = {key: i for i, key in enumerate(keys)}
    for r in table.itertuples(index=False):
        i = index[(r.characteristic, r.category)]
        grid.at[i, r.heading] = r.shown + (" ‡" if r.discrepancy else "")
        p_column = f"{r.trial_name} · P (as reported)"
        if r.p_text and p_column in grid.columns:
            grid.at[i, p_column] = r.p_text
    return grid, columns


def baseline_cell_rows(table: pd.DataFrame, grid: pd.DataFrame, columns: list[str]) -> list[list[tuple | None]]:
    """Per row of `baseline_wide`'s grid, per column in `columns`: (trial_id, source, passage) of the
    baseline.csv row an arm cell shows, or of the findings.csv row a P cell shows; None when empty."""
    index = {key: i for i, key in enumerate(zip(grid["characteristic"], grid["category"]))}
    position = {column: j for j, column in enumerate(columns)}
    cells: list[list[tuple | None]] = [[None] * len(columns) for _ in index]
    for r in table.itertuples(index=False):
        i = index[(r.characteristic, r.category)]
        cells[i][position[arm_heading(r)]] = (r.trial_id, r.source, r.passage)
        p_column = f"{r.trial_name} · P (as reported)"
        if r.p_text and p_column in position:
            cells[i][position[p_column]] = (r.trial_id, r.p_source, r.p_passage)
    return cells
