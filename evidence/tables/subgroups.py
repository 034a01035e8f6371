"""Subgroup hazard ratios per trial, and the terms of the trials' own models (interactions and
covariates) with the caveats they imply.

The subgroup rows are the forest's rows (`evidence.tables.forest.forest_rows`) of trials that
report a subgroup hazard ratio for the endpoint, each beside its whole-population estimate. An
interaction P belongs to a subgroup when comparisons.csv holds a p_only row with term
'treatment × <subgroup> interaction'; interactions on a continuous variable (E2100's age) and
treatment × time are trial-level caveats (`evidence.model_caveats`). Model covariates come from
findings.csv rows 'Final multivariate model term: <term>' (P as value, unit P or P (upper bound)).
"""

from __future__ import annotations

import pandas as pd

from evidence.model_caveats import caveat_lines, model_terms, printed_p
from evidence.tables.baseline import P_UNITS
from evidence.tables.forest import forest_rows
from evidence.tables.lookups import MAIN_ANALYSES, text, trial_names

MODEL_TERM_PREFIX = "Final multivariate model term: "
"""How a findings.csv row names a covariate of a trial's final multivariable model."""

TERM_COLUMNS = ["trial_id", "trial_name", "term", "kind", "model", "p_text", "source", "passage", "note"]


def interaction_term(subgroup: str) -> str:
    return f"treatment × {subgroup} interaction"


def subgroup_rows(comparisons: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Forest rows of trials with at least one subgroup HR for `endpoint`: their whole-population
    HR first, then each subgroup, with `interaction_p` ('' when the document gives none)."""
    rows = forest_rows(comparisons, arms, trials, endpoint, include_subgroups=True)
    if rows.empty:
        return rows.assign(interaction_p=pd.Series(dtype=str))
    with_subgroups = set(rows.loc[rows["analysis"] == "subgroup", "trial_id"])
    rows = rows[rows["trial_id"].isin(with_subgroups) & rows["analysis"].isin((*MAIN_ANALYSES, "subgroup"))]
    terms = {
        (r.trial_id, r.term): r
        for r in comparisons[(comparisons["endpoint"] == endpoint) & comparisons["term"].notna()].itertuples(index=False)
    } if not comparisons.empty else {}  # fmt: skip
    interaction = []
    for r in rows.itertuples(index=False):
        found = terms.get((r.trial_id, interaction_term(r.subgroup))) if r.subgroup else None
        interaction.append(printed_p(pd.Series(found._asdict())) if found is not None else "")
    return rows.assign(interaction_p=interaction).reset_index(drop=True)


def trial_caveats(comparisons: pd.DataFrame, trial_ids: list[str], endpoint: str) -> dict[str, list[str]]:
    """trial_id -> the model caveat lines the paper reports (interactions), for the figure."""
    return {t: caveat_lines(comparisons, t, endpoint) for t in trial_ids if caveat_lines(comparisons, t, endpoint)}


def model_term_table(comparisons: pd.DataFrame, findings: pd.DataFrame | None, trials: pd.DataFrame,
                     trial_ids: list[str], endpoint: str) -> pd.DataFrame:
    """Every reported term of the trials' models: interactions on `endpoint` (comparisons.csv) and
    the covariates of a final multivariable model (findings.csv, which has no endpoint column: the
    row's note says which endpoint the document's model is about, e.g. E2100's, read as
    progression-free survival from context)."""
    names = trial_names(trials)
    rows = []
    for trial_id in trial_ids:
        for r in model_terms(comparisons, trial_id, endpoint).itertuples(index=False):
            rows.append(dict(
                trial_id=trial_id, trial_name=names.get(trial_id, trial_id), term=r.term, kind="interaction",
                model=f"{r.analysis}: {text(r.test)}".rstrip(": "), p_text=printed_p(pd.Series(r._asdict())),
                source=r.source, passage=text(getattr(r, "passage", None)), note=text(r.note),
            ))  # fmt: skip
    if findings is not None and not findings.empty:
        covariates = findings[
            findings["trial_id"].isin(trial_ids) & findings["finding"].astype(str).str.startswith(MODEL_TERM_PREFIX)
            & findings["unit"].isin(list(P_UNITS))
        ]  # fmt: skip
        for r in covariates.itertuples(index=False):
            rows.append(dict(
                trial_id=r.trial_id, trial_name=names.get(r.trial_id, r.trial_id),
                term=str(r.finding)[len(MODEL_TERM_PREFIX):], kind="covariate", model="sensitivity: final multivariate model",
                p_text=P_UNITS[r.unit].format(float(r.value)), source=r.source,
                passage=text(getattr(r, "passage", None)), note=text(r.note),
            ))  # fmt: skip
    return pd.DataFrame(rows, columns=TERM_COLUMNS)
