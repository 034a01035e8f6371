"""The data one browser session sees: the bundled tables plus that session's own uploads.

Validated uploads are kept in the database (``evidence.upload_store``): a viewer sees their own
uploaded trials and those shared with the team; the browser holds only the id of its last upload.
Each process re-validates what a viewer sees once and keeps the last few results (keyed by the
bundled data version and the (entry, revision) pairs seen: an entry's rows change only with its
revision).
Uploaded rows are marked wherever they appear (arm labels carry "[uploaded]"). Patient-level
survival data also yields derived summaries (Kaplan–Meier medians, Cox hazard ratios) that join
the efficacy and forest views, labelled as computed from patient data.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from evidence import cache
from evidence.loading import CuratedData
from evidence.survival import ArmComparison, compare_two_arms, kaplan_meier
from evidence.upload import StoreError, from_store
from evidence.upload_store import StoreUnavailable, UploadStore, is_id

UPLOADED_MARK = "[uploaded] "
IPD_SOURCE_ID = "UPLOADED_IPD"
IPD_SOURCE = f"{IPD_SOURCE_ID}: patient-level data uploaded in this browser (computed here)"
EXPIRED = (
    "Your last upload is no longer kept on the server (unused for too long, or removed in another tab); "
    "the views show the curated data and the trials still kept. Upload your files again to add them."
)



class _Unavailable(Exception):
    """An upload that cannot be used; the message says why (never cached)."""


def upload_id_of(ref: object) -> str | None:
    """The upload id a browser's reference holds, or None (no upload, or not an id at all)."""
    upload_id = ref.get("upload") if isinstance(ref, dict) else None
    return upload_id if is_id(upload_id) else None


def session_id_of(ref: object) -> str | None:
    """The browser-session id a browser's reference holds (the owner outside a request only:
    under the app the anonymous owner comes from a signed cookie)."""
    session = ref.get("session") if isinstance(ref, dict) else None
    return session if is_id(session) else None


def session_data(
    bundled: CuratedData, ref: object, uploads: UploadStore | None = None, owner: str = ""
) -> tuple[CuratedData, str]:
    """(data for this viewer, message): the bundled data plus every uploaded trial ``owner`` may
    see in ``uploads`` (their own and shared ones). ``ref`` is what the browser holds: an upload
    id there that is no longer kept (expired, removed elsewhere) gets a message saying so. A
    database that cannot be reached, or uploads that no longer validate, fall back to the bundled
    data with a message."""
    if uploads is None or not owner:
        return bundled, ""
    upload_id = upload_id_of(ref)
    try:
        key = uploads.visible_key(owner)
        asked = isinstance(ref, dict) and bool(ref.get("upload"))
        gone = asked and (upload_id is None or not uploads.alive(upload_id, owner))
    except StoreUnavailable as err:
        return bundled, str(err)
    message = EXPIRED if gone else ""
    if not key:
        return bundled, message

    def load() -> CuratedData:
        try:
            payload = uploads.payload_for(key)
        except StoreUnavailable as err:
            raise _Unavailable(str(err)) from None
        if not payload:
            raise _Unavailable(EXPIRED)
        try:
            merged = from_store(payload, bundled)
        except StoreError as err:
            raise _Unavailable(f"Your uploaded data could not be used and was set aside: {err}") from None
        return merged if merged is bundled else with_patient_level_summaries(mark_uploaded(merged))

    try:
        # Validated data per (bundled version, entries seen): evidence.cache keeps few. An
        # entry's rows change only with its revision, so the key names the content.
        return cache.get_or_compute("session", (bundled.content_key, key), load), message
    except _Unavailable as err:
        return bundled, str(err)


def _uploaded(frame: pd.DataFrame) -> pd.Series:
    if "origin" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["origin"].eq("uploaded")


def mark_uploaded(data: CuratedData) -> CuratedData:
    """Arm labels of uploaded arms start with "[uploaded] ", so every view shows the mark."""
    arms = data.tables["arms"]
    uploaded = _uploaded(arms)
    if not uploaded.any():
        return data
    arms = arms.copy()
    arms.loc[uploaded, "label"] = UPLOADED_MARK + arms.loc[uploaded, "label"].astype(str)
    return replace(data, tables={**data.tables, "arms": arms})


def uploaded_trial_ids(data: CuratedData) -> list[str]:
    trials = data.tables["trials"]
    return list(trials.loc[_uploaded(trials), "trial_id"])


def _p_text(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def patient_level_summaries(data: CuratedData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(efficacy rows, comparison rows) computed from survival_ipd: Kaplan–Meier median per arm
    (lifelines; CI from the exponential Greenwood interval) and, where a trial has an experimental
    and a control arm, the Cox hazard ratio (experimental vs control) with the log-rank P value."""
    ipd = data.tables.get("survival_ipd")
    if ipd is None or ipd.empty:
        return pd.DataFrame(), pd.DataFrame()
    roles = {(r.trial_id, r.arm_id): r.role for r in data.tables["arms"].itertuples()}
    efficacy, comparisons = [], []
    common = dict(derived=True, source=IPD_SOURCE, origin="uploaded")
    for (trial_id, endpoint), rows in ipd.groupby(["trial_id", "endpoint"], sort=False):
        for arm_id, arm_rows in rows.groupby("arm_id", sort=False):
            km = kaplan_meier(arm_rows.time_months.to_numpy(float), arm_rows.event.to_numpy(int), str(arm_id))
            median = km.median if np.isfinite(km.median) else np.nan
            efficacy.append(
                dict(
                    trial_id=trial_id, arm_id=arm_id, endpoint=endpoint, statistic="median",
                    value=median, unit="months",
                    ci_low=km.median_ci_low if np.isfinite(km.median_ci_low) else np.nan,
                    ci_high=km.median_ci_high if np.isfinite(km.median_ci_high) else np.nan,
                    count=km.events, n_analysed=km.n, population="uploaded patient-level data",
                    analysis="exploratory", subgroup="",
                    note="; ".join(["Kaplan–Meier median computed from patient-level data", *km.notes]),
                    **common,
                )
            )  # fmt: skip
        arms = {roles.get((trial_id, a)): a for a in rows.arm_id.unique()}
        if "experimental" in arms and "control" in arms:
            group = rows.arm_id.to_numpy()
            result = compare_two_arms(
                rows.time_months.to_numpy(float), rows.event.to_numpy(int), group, arms["experimental"], arms["control"]
            )
            comparisons.append(_comparison_row(trial_id, endpoint, arms, result, common))
    return pd.DataFrame(efficacy), pd.DataFrame(comparisons)


def _comparison_row(trial_id: str, endpoint: str, arms: dict, result: ArmComparison, common: dict) -> dict:
    """The derived comparison row: the Cox HR with the log-rank P, or, where the HR has no finite
    estimate (no events in an arm, complete separation), a p_only row that keeps the log-rank P
    and says why the HR is not estimable."""
    p = result.logrank_p
    row = dict(
        trial_id=trial_id, endpoint=endpoint, experimental_arm=arms["experimental"], control_arm=arms["control"],
        p_value=p if p is not None else np.nan, p_text=_p_text(p) if p is not None else None,
        test="log-rank; Cox proportional hazards (lifelines)", analysis="exploratory",
        subgroup="patient-level data", term=None, **common,
    )  # fmt: skip
    if result.hr_estimable:
        return dict(row, statistic="HR", value=result.hazard_ratio, ci_low=result.hr_ci_low, ci_high=result.hr_ci_high,
                    note="Computed from uploaded patient-level data")  # fmt: skip
    logrank = "" if p is not None else f"; log-rank test not computable: {result.logrank_reason}"
    return dict(row, statistic="p_only", value=np.nan, ci_low=np.nan, ci_high=np.nan,
                note=f"Computed from uploaded patient-level data; Cox hazard ratio not estimable: {result.hr_reason}{logrank}")  # fmt: skip


def with_patient_level_summaries(data: CuratedData) -> CuratedData:
    """data plus the derived patient-level rows (and their source); unchanged without IPD."""
    efficacy, comparisons = patient_level_summaries(data)
    if efficacy.empty and comparisons.empty:
        return data
    tables = dict(data.tables)

    def append(name: str, rows: pd.DataFrame) -> None:
        if rows.empty:
            return
        frame = tables[name]
        start = int(frame.index.max()) + 1 if len(frame) else 2
        rows = rows.set_axis(pd.RangeIndex(start, start + len(rows), name=frame.index.name))
        tables[name] = pd.concat([frame, rows.reindex(columns=frame.columns)], axis=0)

    append("efficacy", efficacy)
    append("comparisons", comparisons)
    append(
        "sources",
        pd.DataFrame(
            [dict(source_id=IPD_SOURCE_ID, citation="Patient-level data uploaded in this browser (summaries computed here)",
                  kind="article", document="", registry_ids="", origin="uploaded")]
        ),
    )  # fmt: skip
    return replace(data, tables=tables)
