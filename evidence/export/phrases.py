"""The view state in words: filter phrases for slide subtitles, notes and the About sheet."""

from __future__ import annotations

from typing import Iterable

from evidence.contract import ENDPOINT_LABELS, GRADE_LABELS
from evidence.dosing import full_dose_words
from evidence.loading import CuratedData
from evidence.state import FACETS, TRIALS_PER_PAGE, ViewState, page_bounds, page_count, selected_trial_ids

GRADE_WORDS = {grade: label.lower() for grade, label in GRADE_LABELS.items()}  # "grade 3–4", "serious (registry)"
TOX_SORT_WORDS = {"rate": "highest rate", "difference": "largest difference", "soc": "organ class"}


def filter_phrases(state: ViewState, data: CuratedData) -> dict[str, str]:
    """Each active setting of the view state as a short phrase, keyed by topic."""
    total = len(data.trials)
    shown = selected_trial_ids(data.trials, state)
    chosen = [f"{name} {', '.join(getattr(state, name))}" for name in FACETS if getattr(state, name)]
    trials = f"all {total} trials"
    if chosen:
        trials = f"{len(shown)} of {total} trials ({', '.join(shown) or 'none'}), filtered by {'; '.join(chosen)}"
    if page_count(len(shown)) > 1:
        first, last = page_bounds(len(shown), state.page)
        trials += f"; page {first // TRIALS_PER_PAGE + 1} of {page_count(len(shown))} (trials {first + 1}–{last})"
    organ = f" in {', '.join(state.organ)}" if state.organ else ""
    phrases = {
        "trials": trials,
        "endpoint": f"endpoint {ENDPOINT_LABELS.get(state.endpoint, state.endpoint).lower()} ({state.endpoint})",
        "grade": f"adverse events {GRADE_WORDS.get(state.grade, state.grade)}{organ}",
        "derived": "derived values shown" if state.derived else "derived values hidden",
        "pooling": "trials pooled (random effects) where offered" if state.pool else "trials not pooled",
    }
    if state.highlight:
        phrases["highlight"] = f"{state.highlight} highlighted"
    mode = "experimental − control difference" if state.tox_mode == "difference" else "% of patients"
    search = f", terms matching “{state.tox_search}”" if state.tox_search else ""
    phrases["toxicity"] = f"{mode}, top {state.tox_top} terms by {TOX_SORT_WORDS.get(state.tox_sort, state.tox_sort)}{search}"
    if state.surv_trial:
        phrases["survival"] = f"survival curves for {state.surv_trial}"
    phrases["ramp"] = (
        f"what-if ramp: start {state.ramp_start} mg/day, +{state.ramp_step} mg/day per cycle, "
        f"{full_dose_words(state.ramp_start, state.ramp_step)}, {state.ramp_horizon} cycles drawn"
    )
    return phrases


DEFAULT_TOPICS = ("trials", "endpoint", "grade", "derived", "highlight")


def filters_text(state: ViewState, data: CuratedData, topics: Iterable[str] = DEFAULT_TOPICS) -> str:
    """The active filters in words, e.g. 'All 5 trials; endpoint progression-free survival (PFS);
    adverse events grade 3–4; derived values shown'."""
    phrases = filter_phrases(state, data)
    text = "; ".join(phrases[t] for t in topics if t in phrases)
    return text[:1].upper() + text[1:]
