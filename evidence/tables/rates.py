"""Response and landmark rates per arm, each with the best honest 95% CI and how it was got."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.contract import RATE_ENDPOINTS
from evidence.stats import counts_from_percent, proportion_ci
from evidence.tables.lookups import (
    ANALYSIS_RANK,
    MAIN_ANALYSES,
    arm_lookup,
    finite,
    has_ci,
    integer,
    missing,
    number,
    text,
)

RATE_COLUMNS = (
    "trial_id",
    "arm_id",
    "endpoint",
    "arm_label",
    "role",
    "value",
    "ci_low",
    "ci_high",
    "ci_status",
    "count",
    "count_status",
    "n_analysed",
    "ci_note",
    "value_derived",
    "analysis",
    "source",
    "passage",
)

_CI_METHOD_NAMES = {"clopper-pearson": "Clopper–Pearson exact", "wilson": "Wilson score"}
_LANDMARK_RATES = ("OS_12M",)
"""Rates that are Kaplan–Meier landmark estimates: a binomial CI would ignore censoring."""


def _printed_decimals(value: float) -> int:
    """Decimals a stored percentage shows (36.9 -> 1, 30.0 -> 0): the precision it was printed to, at best."""
    shown = repr(float(value))
    if "e" in shown or "." not in shown:
        return 0
    decimals = shown.split(".")[1].rstrip("0")
    return len(decimals)


def rate_rows(efficacy: pd.DataFrame, arms: pd.DataFrame, ci_method: str = "clopper-pearson") -> pd.DataFrame:
    """Whole-population response/landmark rates per arm with the best honest 95% CI.

    Printed CI kept as reported; else CI from count / n (derived, `ci_method`); else the count
    back-calculated from the percentage (derived; ambiguous -> no CI); else no CI. Landmark
    survival rates (Kaplan–Meier estimates) never get a binomial CI.
    """
    if efficacy is None or efficacy.empty:
        return pd.DataFrame(columns=list(RATE_COLUMNS))
    rows = efficacy[
        (efficacy["statistic"] == "rate")
        & efficacy["endpoint"].isin(RATE_ENDPOINTS)
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["value"].map(finite)
    ]
    if rows.empty:
        return pd.DataFrame(columns=list(RATE_COLUMNS))
    method_name = _CI_METHOD_NAMES.get(ci_method.lower().replace("_", "-"), ci_method)
    info = arm_lookup(arms)
    rows = rows.assign(_rank=rows["analysis"].map(ANALYSIS_RANK)).sort_values("_rank", kind="stable")
    rows = rows.drop_duplicates(["trial_id", "arm_id", "endpoint"])

    out = []
    for row in rows.itertuples(index=False):
        arm = info.get((row.trial_id, row.arm_id), {})
        value = float(row.value)
        low, high = number(row.ci_low), number(row.ci_high)
        count, n = integer(row.count), integer(row.n_analysed)
        count_status = "reported" if count is not None else None
        if has_ci(low, high):
            status, note = "reported", "95% CI as reported"
        elif row.endpoint in _LANDMARK_RATES:
            status, note = "not reported", (
                "CI not reported (Kaplan–Meier landmark estimate: a binomial CI would ignore censoring)"
            )
            low = high = None
        elif count is not None and n:
            # Exact binomial interval from the printed responders / analysed.
            low, high = proportion_ci(count, n, method=ci_method)
            status, note = "derived", f"derived ({method_name} CI from {count}/{n})"
        elif n:
            count = counts_from_percent(value, n, decimals=_printed_decimals(value))
            if count is None:
                status, note = "not reported", (
                    f"CI not reported (no single count out of {n} reproduces {value:g}%)"
                )
                low = high = None
            else:
                # Count back-calculated from the percentage, then the exact binomial interval.
                low, high = proportion_ci(count, n, method=ci_method)
                count_status = "back-calculated"
                status, note = "derived", (
                    f"derived ({method_name} CI; count back-calculated from the percentage: {count}/{n})"
                )
        else:
            status, note = "not reported", "CI not reported"
            low = high = None
        out.append(
            {
                "trial_id": row.trial_id,
                "arm_id": row.arm_id,
                "endpoint": row.endpoint,
                "arm_label": arm.get("label", row.arm_id),
                "role": arm.get("role", "single"),
                "value": value,
                "ci_low": np.nan if low is None else float(low),
                "ci_high": np.nan if high is None else float(high),
                "ci_status": status,
                "count": count,
                "count_status": count_status,
                "n_analysed": n,
                "ci_note": note,
                "value_derived": False if missing(row.derived) else bool(row.derived),
                "analysis": row.analysis,
                "source": text(row.source),
                "passage": text(getattr(row, "passage", None)),
            }
        )
    frame = pd.DataFrame(out, columns=list(RATE_COLUMNS))
    frame["count"] = frame["count"].astype("Int64")
    frame["n_analysed"] = frame["n_analysed"].astype("Int64")
    return frame


def hide_derived_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with the CIs computed here taken out ('show values computed here' off): such a
    row is shown as having no CI, and its note says one was computed and is hidden."""
    if rows.empty:
        return rows
    computed = rows.ci_status == "derived"
    return rows.assign(
        ci_low=rows.ci_low.where(~computed),
        ci_high=rows.ci_high.where(~computed),
        ci_status=rows.ci_status.where(~computed, "not reported"),
        ci_note=rows.ci_note.where(~computed, "CI not printed in the source (the one computed here is hidden)"),
    )
