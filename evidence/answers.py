"""The short answer per trial: primary hazard ratio, which arm it favours, medians by arm, status.

A pure function of the (filtered) curated tables, so the deck's summary slide and a first-screen
"answer strip" say the same thing. Only curated values are used: the HR and its CI as printed in
`comparisons`, the medians as printed in `efficacy` (the primary analysis of the same endpoint),
the status from `trials`. Nothing is computed except the comparison of the CI with 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from evidence.contract import ENDPOINT_LABELS


@dataclass(frozen=True)
class MedianByArm:
    arm: str
    months: float
    ci_low: float | None
    ci_high: float | None

    def text(self) -> str:
        ci = f" (95% CI {self.ci_low:.1f}–{self.ci_high:.1f})" if _known(self.ci_low) and _known(self.ci_high) else ""
        return f"{self.months:.1f} months with {self.arm}{ci}"


@dataclass(frozen=True)
class TrialAnswer:
    """One trial's answer: primary HR (experimental vs control), its reading, medians, status."""

    trial_id: str
    status: str
    endpoint: str
    hr: float
    ci_low: float | None
    ci_high: float | None
    p_text: str
    experimental: str
    control: str
    medians: tuple[MedianByArm, ...]

    @property
    def endpoint_label(self) -> str:
        return ENDPOINT_LABELS.get(self.endpoint, self.endpoint)

    @property
    def hr_text(self) -> str:
        if _known(self.ci_low) and _known(self.ci_high):
            return f"HR {self.hr:.2f} (95% CI {self.ci_low:.2f}–{self.ci_high:.2f})"
        return f"HR {self.hr:.2f} (95% CI not reported)"

    @property
    def reading(self) -> str:
        """Which arm the HR favours, in words. With a CI: favours an arm only when the CI
        excludes 1. Without one: the direction of the point estimate, with the printed p."""
        better, worse = (self.experimental, self.control) if self.hr < 1 else (self.control, self.experimental)
        if _known(self.ci_low) and _known(self.ci_high):
            if self.ci_low <= 1 <= self.ci_high:
                return "no clear difference between the arms (the CI includes 1)"
            return f"favours {better} over {worse}"
        p = f"; p {self.p_text}" if self.p_text and self.p_text[0] in "<>=" else (f"; p = {self.p_text}" if self.p_text else "")
        return f"lower hazard with {better} than with {worse} (no CI printed{p})"

    def sentence(self) -> str:
        """'PFS: HR 1.80 (95% CI 1.02–3.20), favours ... Median 6.6 months with ... vs ...'"""
        medians = " vs ".join(m.text() for m in self.medians)
        median_part = f" Median {self.endpoint_label.lower()}: {medians}." if medians else ""
        return f"{self.endpoint_label}: {self.hr_text}, {self.reading}.{median_part}"


def _known(value) -> bool:
    return value is not None and not pd.isna(value)


def _short_arm(label: str) -> str:
    """'Arm B: paclitaxel + sorafenib' -> 'paclitaxel + sorafenib'."""
    return re.sub(r"^Arm [A-Z0-9]+:\s*", "", str(label)).strip()


def trial_answers(tables: dict[str, pd.DataFrame]) -> list[TrialAnswer]:
    """Per trial with a primary hazard ratio in `comparisons` (statistic HR, analysis primary,
    no subgroup), in the trials table's order."""
    comparisons = tables["comparisons"]
    primary = comparisons[(comparisons.statistic == "HR") & (comparisons.analysis == "primary")
                          & comparisons.subgroup.fillna("").eq("")]
    arms = tables["arms"]
    labels = {(r.trial_id, r.arm_id): _short_arm(r.label) for r in arms.itertuples()}
    efficacy = tables["efficacy"]
    status = dict(zip(tables["trials"].trial_id, tables["trials"].status))
    answers = []
    for trial_id in tables["trials"].trial_id:
        rows = primary[primary.trial_id == trial_id]
        if rows.empty:
            continue
        row = rows.iloc[0]
        medians = efficacy[(efficacy.trial_id == trial_id) & (efficacy.endpoint == row.endpoint)
                           & (efficacy.statistic == "median") & (efficacy.analysis == "primary")
                           & efficacy.subgroup.fillna("").eq("")]
        order = {row.experimental_arm: 0, row.control_arm: 1}
        medians = medians.assign(_order=medians.arm_id.map(order).fillna(2)).sort_values("_order")
        answers.append(TrialAnswer(
            trial_id=trial_id,
            status=str(status.get(trial_id, "") or "not reported"),
            endpoint=str(row.endpoint),
            hr=float(row.value),
            ci_low=float(row.ci_low) if _known(row.ci_low) else None,
            ci_high=float(row.ci_high) if _known(row.ci_high) else None,
            p_text=str(row.p_text) if _known(row.p_text) else "",
            experimental=labels.get((trial_id, row.experimental_arm), str(row.experimental_arm)),
            control=labels.get((trial_id, row.control_arm), str(row.control_arm)),
            medians=tuple(
                MedianByArm(labels.get((trial_id, m.arm_id), str(m.arm_id)), float(m.value),
                            float(m.ci_low) if _known(m.ci_low) else None, float(m.ci_high) if _known(m.ci_high) else None)
                for m in medians.itertuples() if _known(m.value)
            ),
        ))
    return answers
