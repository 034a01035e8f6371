"""Lookups shared by the efficacy tables: missing values, trial and arm names, display order.

The loader says 'not reported' three ways (None, NaN, pd.NA); these helpers treat them alike so
each table reads one rule.
"""

from __future__ import annotations

import math
import re
from typing import Iterable

import pandas as pd

from evidence.contract import ANALYSES, ENDPOINT_LABELS

MAIN_ANALYSES = ("primary", "secondary", "exploratory")
"""Whole-population analyses; sensitivity and subgroup rows are shown apart or not at all."""

ANALYSIS_RANK = {name: rank for rank, name in enumerate(ANALYSES)}
ROLE_RANK = {"experimental": 0, "control": 1, "single": 2}


def missing(value) -> bool:
    """True for None, NaN and pd.NA (the three ways the loader says 'not reported')."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value) -> float | None:
    return None if missing(value) else float(value)


def integer(value) -> int | None:
    return None if missing(value) else int(value)


def text(value) -> str:
    return "" if missing(value) else str(value)


def finite(value) -> bool:
    return not missing(value) and math.isfinite(float(value))


def has_ci(low, high) -> bool:
    return finite(low) and finite(high)


def range_text(low, high, digits: int = 1) -> str:
    """'5.1–9.0': a confidence interval's bounds."""
    return f"{low:.{digits}f}–{high:.{digits}f}"


def short_arm_label(label: str) -> str:
    """'Arm B: paclitaxel + sorafenib' -> 'paclitaxel + sorafenib' (arm letters mean nothing across
    trials); an uploaded arm keeps its mark: '[uploaded] Arm B: x' -> '[uploaded] x'."""
    return re.sub(r"^\s*(\[uploaded\]\s*)?Arm\s+[^:]{1,12}:\s*", r"\1", str(label)).strip()


def lower_first(label: str) -> str:
    """'Progression-free survival' -> 'progression-free survival' for use inside a sentence."""
    return label[:1].lower() + label[1:] if label and not label[:2].isupper() else label


def endpoint_label(endpoint: str) -> str:
    return ENDPOINT_LABELS.get(endpoint, endpoint)


def trial_names(trials: pd.DataFrame | None) -> dict[str, str]:
    """trial_id -> display name (acronym when the trial has one)."""
    names: dict[str, str] = {}
    if trials is None or trials.empty:
        return names
    for row in trials.itertuples(index=False):
        acronym = getattr(row, "acronym", None)
        names[row.trial_id] = str(acronym) if not missing(acronym) and str(acronym).strip() else str(row.trial_id)
    return names


def trial_order(trials: pd.DataFrame | None, trial_ids: Iterable[str]) -> dict[str, int]:
    """Rank of each trial: the order of trials.csv, then first appearance for unknown ids."""
    order: dict[str, int] = {}
    if trials is not None and not trials.empty:
        for trial_id in trials["trial_id"]:
            order.setdefault(trial_id, len(order))
    for trial_id in trial_ids:
        order.setdefault(trial_id, len(order))
    return order


def arm_lookup(arms: pd.DataFrame | None) -> dict[tuple[str, str], dict]:
    """(trial_id, arm_id) -> {label, role, n_efficacy} from arms.csv."""
    found: dict[tuple[str, str], dict] = {}
    if arms is None or arms.empty:
        return found
    for row in arms.itertuples(index=False):
        found[(row.trial_id, row.arm_id)] = {
            "label": str(row.label),
            "role": str(row.role),
            "n_efficacy": integer(getattr(row, "n_efficacy", None)),
        }
    return found


def arms_by_trial(info: dict[tuple[str, str], dict]) -> dict[str, list[tuple[str, dict]]]:
    """trial_id -> [(arm_id, arm), ...] in arms.csv order, from `arm_lookup`."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for (trial_id, arm_id), arm in info.items():
        found.setdefault(trial_id, []).append((arm_id, arm))
    return found


def records_by(frame: pd.DataFrame, *keys: str) -> dict:
    """Key -> the frame's rows with that key (a value, or a tuple for several columns), as named
    tuples in frame order.

    Tables built per trial would filter or iterate a DataFrame per trial, a millisecond or more
    each time; splitting the table into plain records takes one pass.
    """
    found: dict = {}
    for row in frame.itertuples(index=False):
        key = getattr(row, keys[0]) if len(keys) == 1 else tuple(getattr(row, k) for k in keys)
        found.setdefault(key, []).append(row)
    return found


def first_of_each(records: list, fields: tuple[str, ...]) -> list:
    """Records with a new combination of `fields`, in order (`DataFrame.drop_duplicates`: missing equals missing)."""
    seen: set = set()
    kept = []
    for record in records:
        key = tuple(None if missing(getattr(record, f)) else getattr(record, f) for f in fields)
        if key not in seen:
            seen.add(key)
            kept.append(record)
    return kept
