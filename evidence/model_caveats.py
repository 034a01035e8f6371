"""Published caveats on a trial's hazard-ratio model, read from curated comparison rows.

A comparisons.csv row on a time-to-event endpoint with statistic p_only and a `term` records a
test the paper reports about its Cox model, e.g. E2100's "treatment × time interaction" (P < 0.001:
"the effect of treatment declined with time") and "treatment × age interaction" (P = 0.04). A
significant treatment × time interaction means the hazards were not proportional: one hazard
ratio does not describe the whole follow-up, and no curve pair with a constant hazard ratio may
be drawn from the published medians. The forest and survival views show these caveats.
"""

from __future__ import annotations

import pandas as pd

TIME_INTERACTION = "treatment × time interaction"
"""The `term` of a reported treatment-by-time interaction (non-proportional hazards)."""

SIGNIFICANCE = 0.05
"""Two-sided level at which a reported interaction counts as documented (the papers' own level)."""

CAVEAT_SEPARATOR = " · "
"""Between a trial's caveats in one text (`caveat_text`); views may split on it to wrap lines."""

_MEANING = {
    TIME_INTERACTION: "hazards not proportional, the effect changed over time",
    "treatment × age interaction": "the effect changed with age",
}
_ANALYSIS_ORDER = {"primary": 0, "secondary": 1, "exploratory": 2, "sensitivity": 3, "subgroup": 4}


def model_terms(comparisons: pd.DataFrame | None, trial_id: str, endpoint: str) -> pd.DataFrame:
    """The curated model-term rows (interactions) of one trial and time-to-event endpoint, main
    analyses before sensitivity ones."""
    if comparisons is None or comparisons.empty or "term" not in comparisons.columns:
        return pd.DataFrame(columns=getattr(comparisons, "columns", []))
    rows = comparisons[
        (comparisons["trial_id"] == trial_id)
        & (comparisons["endpoint"] == endpoint)
        & ~comparisons["endpoint"].astype(str).str.startswith("AE_")
        & comparisons["term"].notna()
        & (comparisons["term"].astype(str).str.strip() != "")
    ]
    order = rows["analysis"].map(_ANALYSIS_ORDER).fillna(9)
    return rows.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")


def printed_p(row: pd.Series) -> str:
    """'P < 0.001' or 'P = 0.04', from the printed text when there is one."""
    text = "" if pd.isna(row.get("p_text")) else str(row["p_text"]).strip()
    if not text and not pd.isna(row.get("p_value")):
        text = f"{float(row['p_value']):g}"
    if not text:
        return "P not reported"
    return f"P < {text[1:].strip()}" if text.startswith("<") else f"P = {text}"


def is_significant(row: pd.Series, level: float = SIGNIFICANCE) -> bool:
    """Whether the row's P value (exact, or the bound of a printed '<x') is below `level`."""
    if not pd.isna(row.get("p_value")):
        return float(row["p_value"]) < level
    text = "" if pd.isna(row.get("p_text")) else str(row["p_text"]).strip()
    if text.startswith("<"):
        try:
            return float(text[1:]) <= level
        except ValueError:
            return False
    return False


def nonproportional_hazards(comparisons: pd.DataFrame | None, trial_id: str, endpoint: str) -> str | None:
    """Why the paper's own analysis rules out proportional hazards for this endpoint, or None.

    Documented when a curated treatment × time interaction is significant; the text cites it.
    """
    rows = model_terms(comparisons, trial_id, endpoint)
    rows = rows[rows["term"] == TIME_INTERACTION]
    rows = rows[[is_significant(row) for _, row in rows.iterrows()]]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return (
        f"{trial_id} reports that hazards were not proportional (treatment × time interaction "
        f"{printed_p(row)}; {row['source']})"
    )


def caveat_lines(comparisons: pd.DataFrame | None, trial_id: str, endpoint: str) -> list[str]:
    """One plain line per reported model term, e.g. 'treatment × time interaction P < 0.001
    (sensitivity: P < 0.001) — hazards not proportional, …'."""
    rows = model_terms(comparisons, trial_id, endpoint)
    lines = []
    for term, group in rows.groupby("term", sort=False):
        first, *others = [row for _, row in group.iterrows()]
        text = f"{term} {printed_p(first)}"
        if others:
            text += " (" + "; ".join(f"{row['analysis']}: {printed_p(row)}" for row in others) + ")"
        # The meaning is claimed only where the paper's test is significant.
        meaning = _MEANING.get(term) if is_significant(first) else None
        lines.append(f"{text} — {meaning}" if meaning else text)
    return lines


def caveat_text(comparisons: pd.DataFrame | None, trial_id: str, endpoint: str) -> str:
    """All of a trial's model caveats for one endpoint in one sentence ('' when none)."""
    return CAVEAT_SEPARATOR.join(caveat_lines(comparisons, trial_id, endpoint))
