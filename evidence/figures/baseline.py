"""Baseline characteristics by arm, trials side by side, as a table figure; the between-arm
tests the documents report in their own column (from `evidence.tables.baseline`)."""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.tabular import GROUP_FILL, table_figure
from evidence.tables.baseline import baseline_cell_rows, baseline_wide


def baseline_figure(table: pd.DataFrame) -> dict:
    if table is None or table.empty:
        return theme.empty_figure_dict("No baseline characteristics are curated for the selected trials.")
    grid, columns = baseline_wide(table)
    first = ~grid["characteristic"].duplicated()
    shown_characteristic = [c if f else "" for c, f in zip(grid["characteristic"], first)]
    fill = [GROUP_FILL if p else "white" for p in (grid[[c for c in columns if c.endswith("P (as reported)")]] != "").any(axis=1)] \
        if any(c.endswith("P (as reported)") for c in columns) else None
    footnote = "n (%) as printed; mean (SD); median (range). Shaded: a between-arm test the document reports."
    if (table["discrepancy"] != "").any():
        footnote += " ‡ printed percentage disagrees with the count (see the data)."
    return table_figure(
        "Baseline characteristics by arm",
        ["Characteristic", "Category", *columns],
        [shown_characteristic, list(grid["category"]), *[list(grid[c]) for c in columns]],
        widths=[2.2, 1.6, *[1.3] * len(columns)],
        footnote=footnote,
        row_fill=fill,
        evidence=_cell_evidence(table, grid, columns),
    )


def _cell_evidence(table: pd.DataFrame, grid: pd.DataFrame, columns: list[str]) -> list[list]:
    """Per grid row: the two label cells name the row's first curated cell; each arm or P cell its own
    row of baseline.csv or findings.csv (trial, source, passage)."""
    cells = baseline_cell_rows(table, grid, columns)
    out = []
    for row in cells:
        first = next((c for c in row if c is not None), None)
        out.append([first, first, *row])
    return out
