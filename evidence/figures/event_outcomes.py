"""Fatal and treatment-limiting events as a table figure (trial, arm, event, grade, what it led
to, attribution, patients), from `evidence.tables.event_outcomes.event_outcome_table`."""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.tabular import GROUP_FILL, table_figure

HEADER = ["Trial", "Arm", "Event (as reported)", "Grade", "Led to", "Judged", "Patients"]


def event_outcomes_figure(table: pd.DataFrame) -> dict:
    if table is None or table.empty:
        return theme.empty_figure_dict("No fatal or treatment-limiting events are curated for the selected trials.")
    led_to = [f"{o} ({d})" if d else o for o, d in zip(table["outcome"], table["drug"])]
    columns = [
        list(table["trial_name"]), list(table["arm_label"]), list(table["event_reported"]),
        [f"grade {g}" for g in table["grade"]], led_to, list(table["attribution"]), list(table["patients"]),
    ]  # fmt: skip
    fill = [GROUP_FILL if outcome == "death" else "white" for outcome in table["outcome"]]
    return table_figure(
        "Fatal and treatment-limiting adverse events",
        HEADER, columns, widths=[1.0, 1.8, 2.8, 0.8, 2.0, 1.8, 1.0], row_fill=fill,
        footnote="Grade 5 = death from the event (shaded). 'Judged': relation to treatment as the investigators judged it.",
        evidence=list(zip(table["trial_id"], table["source"], table["passage"])),
    )  # fmt: skip
