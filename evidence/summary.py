"""A plain-text summary of what a validated data set holds."""

from __future__ import annotations

from evidence.loading import CuratedData


def summary_text(data: CuratedData) -> str:
    trials, arms = data.trials, data.arms
    lines = [f"data version {data.version}: {len(trials)} trials, {len(arms)} arms"]
    for trial in trials.itertuples():
        trial_arms = arms[arms.trial_id == trial.trial_id]
        per_table = {
            name: int((frame.trial_id == trial.trial_id).sum())
            for name, frame in data.tables.items()
            if "trial_id" in frame.columns and name not in ("trials", "arms", "ae_terms")
        }
        rows = ", ".join(f"{name} {n}" for name, n in per_table.items() if n)
        lines.append(
            f"  {trial.trial_id:<15} {trial.status:<13} arms {', '.join(trial_arms.arm_id)}; {rows or 'no result rows'}"
        )
    lines.append("rows per table: " + ", ".join(f"{k} {v}" for k, v in data.counts().items()))
    if data.warnings:
        lines.append(f"{len(data.warnings)} warning(s) (documented discrepancies in the sources)")
    return "\n".join(lines)
