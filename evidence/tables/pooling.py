"""Whether the forest's hazard ratios may be pooled, and the random-effects pool when asked for."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from evidence import theme
from evidence.stats import PooledEstimate, log_se_from_ci, pool_random_effects
from evidence.tables.lookups import ANALYSIS_RANK, MAIN_ANALYSES

HETEROGENEITY_LIMIT = 75.0
"""I² (%) above which the trials disagree too much for one pooled average to mean anything: no
estimate is drawn (Higgins et al. 2003, BMJ 327:557, call 75% high heterogeneity)."""


@dataclass(frozen=True)
class Pooling:
    """Whether the selected trials' hazard ratios may be pooled, and what pooling them gives.

    `offered`: two or more trials report this endpoint's HR with a 95% CI from the same kind of
    analysis (primary, secondary or exploratory; reported or computed from patient data).
    `estimate` is the random-effects fit over those trials, also when heterogeneity is too high;
    `drawn` says whether a pooled estimate may be shown (requested, offered, I² within limit).
    `message` says, in words a reader can act on, why nothing is pooled or drawn.
    """

    requested: bool
    offered: bool
    estimate: PooledEstimate | None = None
    trial_ids: tuple[str, ...] = ()
    analysis: str = ""
    mixes_uploaded: bool = False
    left_out: tuple[str, ...] = ()
    message: str = ""

    @property
    def too_heterogeneous(self) -> bool:
        return self.estimate is not None and self.estimate.i2 > HETEROGENEITY_LIMIT

    @property
    def drawn(self) -> bool:
        return self.requested and self.estimate is not None and not self.too_heterogeneous

    @property
    def label(self) -> str:
        """Row label of the pooled estimate; says when curated and uploaded trials are mixed."""
        if self.estimate is None:
            return ""
        mixed = "; mixes curated and uploaded trials" if self.mixes_uploaded else ""
        return f"Pooled, random effects (k = {self.estimate.k}, {self.analysis} analyses{mixed})"

    @property
    def statistics_text(self) -> str:
        """'k = 3, I² 41%, τ² 0.031, 95% PI 0.52–1.40' (the PI is undefined for k < 3)."""
        e = self.estimate
        if e is None:
            return ""
        pi = (
            f"95% prediction interval {theme.format_ratio(e.pi_low)}–{theme.format_ratio(e.pi_high)}"
            if e.has_prediction_interval
            else "95% prediction interval not defined for fewer than 3 trials"
        )
        return f"k = {e.k}, I² {e.i2:.0f}%, τ² {e.tau2:.3f}, {pi}"


def _pooling_candidates(rows: pd.DataFrame) -> pd.DataFrame:
    """Main-analysis HRs with a usable 95% CI, each with its kind of comparison."""
    usable = rows[rows["analysis"].isin(MAIN_ANALYSES) & rows["has_ci"].astype(bool)]
    usable = usable[(usable["value"] > 0) & (usable["ci_low"] > 0) & (usable["ci_high"] > usable["ci_low"])]
    computed = usable["from_patient_data"].astype(bool) if "from_patient_data" in usable else pd.Series(False, index=usable.index)
    origin = usable["origin"].fillna("curated") if "origin" in usable else pd.Series("curated", index=usable.index)
    return usable.assign(_computed=computed, _origin=origin, _rank=usable["analysis"].map(ANALYSIS_RANK))


def pooling(rows: pd.DataFrame | None, requested: bool, endpoint_words: str = "this endpoint") -> Pooling:
    """Decide whether the forest rows' hazard ratios may be pooled, and pool them if so.

    Only the same kind of comparison is pooled: one HR per trial, all from the same kind of
    analysis, and either all reported or all computed from patient data. When several kinds
    qualify, the one covering most trials wins (ties: primary first, reported first). The
    estimate is DerSimonian–Laird with its prediction interval (`evidence.stats`).
    """
    if rows is None or rows.empty:
        return Pooling(requested, False, message=f"No pooling: no trial reports a hazard ratio for {endpoint_words}.")
    candidates = _pooling_candidates(rows)
    groups = []
    for (analysis, computed), group in candidates.groupby(["analysis", "_computed"], sort=False):
        group = group.drop_duplicates("trial_id")
        groups.append((-len(group), ANALYSIS_RANK.get(analysis, 9), bool(computed), analysis, group))
    groups.sort(key=lambda g: g[:3])
    if not groups or -groups[0][0] < 2:
        having = ", ".join(f"{t} ({a})" for t, a in zip(candidates["trial_id"], candidates["analysis"]))
        return Pooling(
            requested, False,
            message=(
                "Pooling not offered: it needs two or more trials reporting the "
                f"{endpoint_words} hazard ratio with a 95% CI from the same kind of analysis"
                + (f"; here only {having}." if having else "; none does here.")
            ),
        )  # fmt: skip
    _, _, computed, analysis, chosen = groups[0]
    kind = f"{analysis}{' (from patient data)' if computed else ''}"
    left_out = tuple(t for t in dict.fromkeys(candidates["trial_id"]) if t not in set(chosen["trial_id"]))
    decision = Pooling(
        requested, True, trial_ids=tuple(chosen["trial_id"]), analysis=kind,
        mixes_uploaded=chosen["_origin"].nunique() > 1, left_out=left_out,
    )  # fmt: skip
    if not requested:
        return decision
    log_estimates = [math.log(v) for v in chosen["value"]]
    errors = [log_se_from_ci(lo, hi) for lo, hi in zip(chosen["ci_low"], chosen["ci_high"])]
    estimate = pool_random_effects(log_estimates, errors)
    message = ""
    if estimate.i2 > HETEROGENEITY_LIMIT:
        message = (
            f"No pooled estimate: I² = {estimate.i2:.0f}% (above {HETEROGENEITY_LIMIT:.0f}%): the trials disagree "
            "too much for one average hazard ratio to mean anything."
        )
    return replace(decision, estimate=estimate, message=message)


def pooled_hazard_ratio(rows: pd.DataFrame) -> PooledEstimate | None:
    """DerSimonian–Laird pool of the trials `pooling` would pool (None when not offered).

    The standard error of each log HR is recovered from its printed 95% CI (symmetric Wald
    interval on the log scale).
    """
    return pooling(rows, requested=True).estimate
