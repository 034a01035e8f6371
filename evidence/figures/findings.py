"""Findings in words (quality of life, qualitative notes, registry facts) as a table figure, from
`evidence.tables.findings.findings_table`."""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.tabular import table_figure

HEADER = ["Trial", "Topic", "Finding", "When", "Numbers", "Source"]


def findings_figure(table: pd.DataFrame, title: str = "Findings stated in words") -> dict:
    if table is None or table.empty:
        return theme.empty_figure_dict("No findings are curated for the selected trials.")
    sources = [s.partition(":")[2].strip() for s in table["source"]]
    columns = [
        list(table["trial_name"]), list(table["topic"]), list(table["finding"]), list(table["timepoint"]),
        list(table["numbers"]), sources,
    ]  # fmt: skip
    return table_figure(
        title, HEADER, columns, widths=[1.5, 1.2, 5.0, 0.9, 1.4, 2.0],
        footnote="As the documents state them; numbers as printed (P as printed: < for a bound).",
        evidence=list(zip(table["trial_id"], table["source"], table["passage"])),
    )  # fmt: skip
