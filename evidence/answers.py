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

from evidence import cache
from evidence.contract import ENDPOINT_LABELS
from evidence.state import SELECTION_FIELDS, ViewState, filter_tables, shown_trial_ids
from evidence.tables.toxicity import data_band_rows, toxicity_differences, toxicity_matrix


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


# ---------------------------------------------------------------- the first screen's answer strip
#
# One card per trial in the selection, in words a clinician reads at a glance: which arm the
# primary endpoint favours and by how much, the medians by arm, the status, and the largest
# grade 3–4 differences between arms from the toxicity heatmap's own rows (lower bounds marked
# "≥"). Every number carries its source (document and locator) for the card's hover text; the
# component renders these values as text and computes nothing.

TOXICITY_BAND = "3-4"
"""The toxicity band the cards compare: grades 3 and 4 (the heatmap's default band)."""

TOXICITY_ROWS = 3
"""How many toxicity differences a card names (the largest excess with the experimental arm)."""


@dataclass(frozen=True)
class Fact:
    """A number in words and where it comes from (the card's hover text)."""

    text: str
    source: str


@dataclass(frozen=True)
class AnswerCard:
    """What the answer strip says about one trial.

    kind: "comparison" (a primary hazard ratio), "single-arm" (a primary result without a
    comparison) or "no-results" (design only or stopped before results): then `note` is the one
    line the card says."""

    trial_id: str
    kind: str
    status: Fact
    headline: str = ""
    hazard_ratio: Fact | None = None
    medians_heading: str = ""
    medians: tuple[Fact, ...] = ()
    toxicity_heading: str = ""
    toxicity: tuple[Fact, ...] = ()
    note: str = ""


def _citations(sources: pd.DataFrame | None) -> dict[str, str]:
    if sources is None or sources.empty:
        return {}
    return {str(s): str(c).split(":")[0] for s, c in zip(sources["source_id"], sources["citation"])}


def source_text(source, citations: dict[str, str]) -> str:
    """'PASO_REPORT: Table 2; Results' -> 'Source: PASO trial report [PASO_REPORT]: Table 2; Results'."""
    if not _known(source) or not str(source).strip():
        return "Source not recorded"
    source_id, _, locator = str(source).partition(":")
    source_id = source_id.strip()
    name = citations.get(source_id)
    where = f"{name} [{source_id}]" if name else source_id
    return f"Source: {where}: {locator.strip()}" if locator.strip() else f"Source: {where}"


def _p_words(p_text: str) -> str:
    """'0.041' -> 'p 0.041'; '<0.001' -> 'p < 0.001'; '' -> ''."""
    text = str(p_text or "").strip()
    if not text:
        return ""
    if text[0] in "<>=≤≥":
        return f"p {text[0]} {text[1:].strip()}"
    return f"p {text}"


def _p_below(p_text: str, level: float = 0.05) -> bool | None:
    """Whether the printed p is below `level` (None when no p is printed or it cannot be read)."""
    match = re.fullmatch(r"\s*([<≤=]?)\s*(\d*\.?\d+)\s*", str(p_text or ""))
    if not match:
        return None
    value = float(match.group(2))
    return value <= level if match.group(1) in ("<", "≤") else value < level


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    """An arm label inside a sentence: 'Paclitaxel + bevacizumab' -> 'paclitaxel + bevacizumab'
    (drug names are common nouns; an acronym such as 'FOLFOX' keeps its capitals)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _number(value: float) -> str:
    """One decimal with a true minus sign: -2.9 -> '−2.9'."""
    return f"{value:.1f}".replace("-", "−")


def _verdict(answer: TrialAnswer) -> str:
    """'Paclitaxel + sorafenib worse than paclitaxel on PFS'. An arm is better or worse when the
    95% CI excludes 1, or, with no CI printed, when the printed two-sided p is below 0.05 (the
    same test: a 95% CI excludes 1 exactly when p < 0.05); otherwise no clear difference."""
    exp, ctl, endpoint = _lower(answer.experimental), _lower(answer.control), answer.endpoint
    if _known(answer.ci_low) and _known(answer.ci_high):
        clear = not (answer.ci_low <= 1 <= answer.ci_high)
    else:
        clear = _p_below(answer.p_text)
    if clear is None:
        lower = exp if answer.hr < 1 else ctl
        return f"Lower hazard on {endpoint} with {lower} (no CI or p printed)"
    if not clear or answer.hr == 1:
        return f"No clear difference on {endpoint}: {exp} vs {ctl}"
    return f"{_capital(exp)} {'better' if answer.hr < 1 else 'worse'} than {ctl} on {endpoint}"


def _hr_words(answer: TrialAnswer) -> str:
    """'HR 1.80 (95% CI 1.02–3.20), p 0.041' (experimental vs control)."""
    p = _p_words(answer.p_text)
    return answer.hr_text + (f", {p}" if p else "")


def _status(trial) -> Fact:
    """'Stopped early: stopped for futility at the pre-planned interim analysis (60 patients)':
    the status and the stop reason's first clause (the whole reason in the hover text)."""
    status = str(trial.status) if _known(trial.status) and str(trial.status).strip() else "not reported"
    status = "status not reported" if status == "not reported" else status
    reason = str(trial.stop_reason) if _known(trial.stop_reason) and str(trial.stop_reason).strip() else ""
    clause = reason.split(":")[0].strip()
    text = f"{_capital(status)}: {clause[:1].lower() + clause[1:]}" if clause else _capital(status)
    return Fact(text, (f"{reason}. " if reason else "") + "Status from the trials table")


def _median_facts(answer: TrialAnswer, rows: pd.DataFrame, citations: dict[str, str]) -> tuple[Fact, ...]:
    facts = []
    for median, source in zip(answer.medians, rows["source"]):
        ci = f" ({median.ci_low:.1f}–{median.ci_high:.1f})" if _known(median.ci_low) and _known(median.ci_high) else ""
        facts.append(Fact(f"{median.months:.1f} mo{ci} with {_lower(median.arm)}", source_text(source, citations)))
    return tuple(facts)


def _percent(pct, lower_bound: bool) -> str:
    return f"{'≥ ' if lower_bound else ''}{float(pct):.1f}%"


def toxicity_facts(adverse_events: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame, trial_id: str,
                   citations: dict[str, str], include_derived: bool = True, rows: int = TOXICITY_ROWS,
                   band_rows: pd.DataFrame | None = None) -> tuple[Fact, ...]:
    """The `rows` largest excesses of grade 3–4 events with the experimental arm over control,
    read from the heatmap's own cells (evidence.tables.toxicity.toxicity_matrix): both arms must
    report the term. A lower-bound cell ("≥ 7.0%, grade 4 not reported") ranks by its bound and
    keeps its mark; a difference is then not computed. Differences come with the Newcombe 95% CI.
    `band_rows`: the grade band's rows of a superset of the trials (toxicity_matrix's argument)."""
    events = adverse_events[adverse_events.trial_id == trial_id]
    if events.empty:
        return ()
    matrix = toxicity_matrix(events, arms, trials, TOXICITY_BAND, top_n=None, include_derived=include_derived,
                             band_rows=band_rows)
    if matrix.empty:
        return ()
    differences = toxicity_differences(matrix)
    cells = {(c.term, c.arm_id): c for c in matrix.itertuples(index=False)}
    found = []
    for d in differences.itertuples(index=False):
        e, c = cells.get((d.term, d.arm_e)), cells.get((d.term, d.arm_c))
        if e is None or c is None or not (e.reported and c.reported):
            continue
        excess = float(e.pct) - float(c.pct)
        if excess <= 0:
            continue
        words = f"{d.term} {_percent(e.pct, e.lower_bound)} vs {_percent(c.pct, c.lower_bound)}"
        if include_derived and _known(d.diff) and _known(d.ci_low) and _known(d.ci_high):
            words += f" (+{_number(d.diff)} points, 95% CI {_number(d.ci_low)} to {_number(d.ci_high)})"
        hover = [f"{d.arm_e}: {source_text(e.source, citations)}", f"{d.arm_c}: {source_text(c.source, citations)}"]
        hover += [f"{cell.arm_id}: at least this, {cell.bound_note}" for cell in (e, c) if cell.lower_bound]
        if include_derived and _known(d.diff):
            hover.append(f"Difference computed here: {d.method}")
        elif d.note:
            hover.append(str(d.note))
        found.append((excess, d.term, Fact(words, "\n".join(hover))))
    found.sort(key=lambda item: (-item[0], item[1].casefold()))
    return tuple(fact for _, _, fact in found[:rows])


def _single_arm(trial_id: str, efficacy: pd.DataFrame, citations: dict[str, str]) -> Fact | None:
    """A single-arm trial's primary result as printed: 'Tumour burden reduction rate 30.0% (95% CI 17.0–45.0)'."""
    rows = efficacy[(efficacy.trial_id == trial_id) & (efficacy.analysis == "primary") & efficacy.subgroup.fillna("").eq("")]
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return None
    r = rows.iloc[0]
    unit = "%" if r.statistic == "rate" else (" mo" if r.statistic == "median" else "")
    ci = f" (95% CI {r.ci_low:.1f}–{r.ci_high:.1f})" if _known(r.ci_low) and _known(r.ci_high) else ""
    label = ENDPOINT_LABELS.get(r.endpoint, r.endpoint)
    return Fact(f"{label} ({r.endpoint}) {float(r.value):.1f}{unit}{ci}", source_text(r.source, citations))


def _has_results(trial_id: str, tables: dict[str, pd.DataFrame]) -> bool:
    return any(
        name in tables and not tables[name][tables[name].trial_id == trial_id].empty
        for name in ("efficacy", "comparisons", "adverse_events")
    )


def answer_cards(tables: dict[str, pd.DataFrame], sources: pd.DataFrame | None = None,
                 include_derived: bool = True, band_rows: pd.DataFrame | None = None) -> list[AnswerCard]:
    """One card per trial in `tables` (already filtered to the selection): trials with a primary
    hazard ratio first, then single-arm results, then trials without results; within each, the
    trials table's order. `sources` (sources.csv) names the documents in the hover texts;
    `include_derived` False leaves out the differences computed here (as the views do);
    `band_rows`: grade 3-4 band rows of a superset of the trials (toxicity_facts), else computed."""
    citations = _citations(sources if sources is not None else tables.get("sources"))
    answers = {a.trial_id: a for a in trial_answers(tables)}
    comparisons, efficacy = tables["comparisons"], tables["efficacy"]
    cards = []
    for trial in tables["trials"].itertuples():
        trial_id, status = trial.trial_id, _status(trial)
        answer = answers.get(trial_id)
        if answer is not None:
            row = comparisons[(comparisons.trial_id == trial_id) & (comparisons.statistic == "HR")
                              & (comparisons.analysis == "primary") & comparisons.subgroup.fillna("").eq("")].iloc[0]
            medians = efficacy[(efficacy.trial_id == trial_id) & (efficacy.endpoint == answer.endpoint)
                               & (efficacy.statistic == "median") & (efficacy.analysis == "primary")
                               & efficacy.subgroup.fillna("").eq("") & efficacy["value"].notna()]
            order = {row.experimental_arm: 0, row.control_arm: 1}
            medians = medians.assign(_order=medians.arm_id.map(order).fillna(2)).sort_values("_order", kind="stable")
            cards.append(AnswerCard(
                trial_id=trial_id, kind="comparison", status=status,
                headline=_verdict(answer),
                hazard_ratio=Fact(_hr_words(answer), source_text(row.source, citations)
                                  + f"\nHazard ratio {answer.experimental} vs {answer.control}, primary analysis"),
                medians_heading=f"Median {answer.endpoint}:",
                medians=_median_facts(answer, medians, citations),
                toxicity_heading=f"{GRADE_BAND_WORDS} events, {_lower(answer.experimental)} vs {_lower(answer.control)} (largest excess):",
                toxicity=toxicity_facts(tables["adverse_events"], tables["arms"], tables["trials"], trial_id,
                                        citations, include_derived=include_derived, band_rows=band_rows),
            ))
            continue
        single = _single_arm(trial_id, efficacy, citations)
        if single is not None:
            cards.append(AnswerCard(trial_id=trial_id, kind="single-arm", status=status,
                                    headline="Single arm: no comparison between arms", hazard_ratio=single))
            continue
        what = "Terminated" if str(trial.status) == "terminated" else (
            "Stopped early" if str(trial.status) == "stopped early" else "Design only")
        reason = f" ({trial.stop_reason})" if _known(trial.stop_reason) and str(trial.stop_reason).strip() else ""
        results = "results not in the curated tables" if _has_results(trial_id, tables) else "no results reported"
        cards.append(AnswerCard(trial_id=trial_id, kind="no-results", status=status,
                                note=f"{what}{reason}: {results}."))
    return sorted(cards, key=lambda c: _RANK[c.kind])


GRADE_BAND_WORDS = "Grade 3–4"

STRIP_FIELDS = SELECTION_FIELDS
"""The state fields the answer strip reads: the selection (its page) and derived values on/off."""


def answer_strip(data, state) -> list[AnswerCard]:
    """The cards for the trials a state shows (its page of the selection), memoised per data
    version and STRIP_FIELDS (evidence.cache, "answers"). `data`: evidence.loading.CuratedData.

    A card depends on its trial and `derived` alone (filter_tables keeps whole trials), so each is
    computed once per data version (`trial_card`) and a facet change only picks and orders cards
    already made: the strip was a facet change's slowest answer (one toxicity matrix per trial)."""
    key = (data.content_key, tuple(getattr(state, f) for f in STRIP_FIELDS))

    def compute() -> list[AnswerCard]:
        shown = shown_trial_ids(data.trials, state)
        cards = [card for trial_id in shown for card in trial_card(data, trial_id, state.derived)]
        return sorted(cards, key=lambda c: _RANK[c.kind])  # stable: the trials table's order within a kind

    return cache.get_or_compute("answers", key, compute)


_RANK = {"comparison": 0, "single-arm": 1, "no-results": 2}


def trial_card(data, trial_id: str, include_derived: bool) -> tuple[AnswerCard, ...]:
    """One trial's card (a tuple of one, or none for a trial the data lack), as answer_cards
    makes it from the tables of that trial alone; kept per data version, trial and `derived`
    (evidence.cache, "answer-card")."""
    def compute() -> tuple[AnswerCard, ...]:
        one = filter_tables(data.tables, ViewState(trial=(trial_id,), derived=include_derived))
        band_rows = data_band_rows(data, TOXICITY_BAND)  # shared with the heatmap's grade 3-4
        return tuple(answer_cards(one, sources=data.sources, include_derived=include_derived, band_rows=band_rows))

    return cache.get_or_compute("answer-card", (data.content_key, trial_id, include_derived), compute)
