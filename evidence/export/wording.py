"""Words for an audience: what a slide shows and where its numbers are published.

Slide subtitles say what is measured and how to read it ("Grade 3–4 adverse events, % of
patients"; "hazard ratio < 1 favours the experimental arm"), not how the dashboard is set
("derived values shown; PASO highlighted": the highlighted trial is drawn highlighted, and the
full filter state goes in the speaker notes). Sources are cited as a reader would look them up
(journal reference, registry and number), never by the dashboard's source ids or file names.
"""

from __future__ import annotations

import re

import pandas as pd

from evidence.citations import JOURNAL as _JOURNAL, cite_source_ids, journal_reference, reader_source_id
from evidence.contract import ENDPOINT_LABELS
from evidence.dosing import full_dose_words
from evidence.export.phrases import GRADE_WORDS, TOX_SORT_WORDS
from evidence.loading import CuratedData
from evidence.state import FACETS, TRIALS_PER_PAGE, ViewState, page_bounds, page_count, selected_trial_ids



def _endpoint(state: ViewState) -> str:
    return ENDPOINT_LABELS.get(state.endpoint, state.endpoint).lower()


# What each view shows, in an audience's words: the start of its slides' subtitle. Each view's
# export declaration names its own (view_registry.Export.shows); one without says nothing.


def design_shows(state: ViewState) -> str:
    return "What each trial planned (design assumptions) against what it observed"


_HR_READING = "experimental vs control, with 95% CI; hazard ratio < 1 favours the experimental arm"
"""How a hazard-ratio slide is read (forest and subgroups say it after what the ratio is of)."""


def forest_shows(state: ViewState) -> str:
    return f"Hazard ratio for {_endpoint(state)}, {_HR_READING}"


def medians_shows(state: ViewState) -> str:
    return f"Median {_endpoint(state)} in months by arm, with 95% CI"


def rates_shows(state: ViewState) -> str:
    return "Response, disease control and 1-year survival rates, % of patients, with 95% CI"


def toxicity_shows(state: ViewState) -> str:
    grade = GRADE_WORDS.get(state.grade, state.grade)
    grade = grade[:1].upper() + grade[1:]
    organ = f" ({', '.join(state.organ)})" if state.organ else ""
    # "Adverse events of any grade", not "All grades adverse events"
    events = "Adverse events of any grade" if state.grade == "all" else f"{grade} adverse events"
    return (
        f"{events}{organ}, experimental minus control, percentage points"
        if state.tox_mode == "difference" else f"{events}{organ}, % of patients"
    ) + f"; the {state.tox_top} most frequent terms by {TOX_SORT_WORDS.get(state.tox_sort, state.tox_sort)}"


def dose_ramp_shows(state: ViewState) -> str:
    return "Sorafenib daily dose per cycle: planned steps vs delivered mean, as reported"


def dose_derived_shows(state: ViewState) -> str:
    return "Cumulative sorafenib dose and relative dose intensity per cycle, derived from the reported daily doses"


def what_if_shows(state: ViewState) -> str:
    return (f"A hypothetical ramp: start at {state.ramp_start} mg/day, add {state.ramp_step} mg/day per cycle, "
            f"{full_dose_words(state.ramp_start, state.ramp_step)}; {state.ramp_horizon} cycles drawn; not trial data")


def subgroups_shows(state: ViewState) -> str:
    return f"Hazard ratio for {_endpoint(state)} by subgroup, {_HR_READING}"


def survival_shows(state: ViewState) -> str:
    return f"{ENDPOINT_LABELS.get(state.endpoint, state.endpoint)} by arm"


def says_nothing(state: ViewState) -> str:
    """A view whose title says what it shows: its subtitle names the trials alone (if filtered)."""
    return ""


def _trials(state: ViewState, data: CuratedData) -> str:
    shown = selected_trial_ids(data.trials, state)
    if not any(getattr(state, name) for name in FACETS) and page_count(len(shown)) <= 1:
        return ""
    text = f"Trials: {', '.join(shown) or 'none'}"
    if page_count(len(shown)) > 1:
        first, last = page_bounds(len(shown), state.page)
        text += f" (page {first // TRIALS_PER_PAGE + 1} of {page_count(len(shown))}: trials {first + 1}–{last})"
    return text


def audience_subtitle(shows: str, state: ViewState, data: CuratedData) -> str:
    """What the figure shows and how to read it (`shows`: the view's own words, e.g.
    forest_shows(state)), then which trials when a filter narrows them."""
    return "; ".join(part for part in (shows, _trials(state, data)) if part)


# ---------------------------------------------------------------- citations


def _ids(source) -> list[str]:
    return [part.strip() for part in str(source.registry_ids or "").split(";") if part.strip()]


def short_citation(source) -> str:
    """The document in a few words a reader can look up: 'E2100 trial report, N Engl J Med
    2007;357:2666 (NCT00028990)'; 'PASO trial report (EudraCT 2009-018025-73; NCT01320111)'."""
    citation = str(source.citation)
    head = citation.split(": ", 1)[0]
    journal = journal_reference(citation)
    text = head + (f", {journal}" if journal and journal not in head else "")
    ids = [i for i in _ids(source) if i not in text]
    if not ids and source.kind == "registry record" and not re.search(r"NCT\d{8}|ISRCTN\d+|EudraCT", text):
        return f"{text} (no registry number given in the record)"
    return f"{text} ({'; '.join(ids)})" if ids else text


def full_citation(source) -> str:
    """The Sources slide line: the citation with its journal reference as usually printed and
    every registry number."""
    citation = str(source.citation)
    journal = journal_reference(citation)
    if journal:
        citation = _JOURNAL.sub(journal, citation, count=1)
    ids = [i for i in _ids(source) if i not in citation]
    if ids:
        citation += f". Registered: {'; '.join(ids)}"
    elif source.kind == "registry record" and not re.search(r"NCT\d{8}|ISRCTN\d+|EudraCT", citation):
        citation += ". Registry record (no registry number given in the record)"
    return citation.rstrip(".") + "."


def cite_for_readers(text: str, sources: pd.DataFrame) -> str:
    """A caption with every 'short [SOURCE_ID]' (captions.sources_caption) replaced by the
    document's short citation."""
    for source in sources.itertuples():
        short = str(source.citation).split(":")[0]
        shown = reader_source_id(source.source_id)  # as captions.sources_caption writes it
        text = text.replace(f"{short} [{shown}]", short_citation(source))
        text = text.replace(f"[{shown}]", f"({short_citation(source)})")
    return text


_CAVEAT = re.compile(r"Caveat reported by [^:]+: (?P<term>[^(]+?P\s*[<=>]\s*\d[\d.]*\d|[^(]+?P\s*[<=>]\s*\d)(?P<rest>.*?)\.(?=\s|$)\s*")


def drop_repeated_caveats(text: str) -> str:
    """'Caveat reported by E2100: treatment × time interaction P < 0.001 ...' left out when the
    same interaction and P value are already said earlier in the text (a slide footnote said
    them twice: in the no-curve reason and as a caveat)."""
    def keep(found: re.Match) -> str:
        earlier = text[: found.start()]
        return "" if found.group("term").strip() in earlier else found.group(0)

    return _CAVEAT.sub(keep, text).strip()


def _skip_parenthesis(text: str, start: int) -> int:
    """Index just past the balanced '( ... )' starting at text[start] (start itself when none)."""
    if text[start:start + 1] != "(":
        return start
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    return len(text)


def slide_caption(caption: str, sources: pd.DataFrame, rest: bool = True) -> str:
    """A figure caption for a slide footnote: 'Sources: <short citation>; ...' naming each
    document as a reader finds it, without the locators (tables, sections: those stay in the
    speaker notes), followed by the caption's other sentences (rest=False: the sources alone,
    for a slide that leaves the rest to its speaker notes)."""
    text, found = caption or "", []
    for source in sources.itertuples():
        key = f"{str(source.citation).split(':')[0]} [{reader_source_id(source.source_id)}]"
        at = text.find(key)
        if at < 0:
            continue
        end = at + len(key)
        end = _skip_parenthesis(text, end + 1) if text[end:end + 2] == " (" else end
        found.append((at, short_citation(source)))
        text = text[:at] + "\x00" + text[end:]
    if not text.startswith("Sources: "):
        return drop_repeated_caveats(cite_source_ids(cite_for_readers(caption or "", sources), sources))
    sentence_end = text.find(".", len("Sources: "))
    rest = text[sentence_end + 1:].strip() if sentence_end >= 0 and rest else ""
    cited = "; ".join(c for _, c in sorted(found)) or "none shown"
    return drop_repeated_caveats(cite_source_ids(f"Sources: {cited}." + (f" {rest}" if rest else ""), sources))


# ---------------------------------------------------------------- short footnotes


_INTERFACE = re.compile(r";\s*hover says how")
"""Interface words in a figure's notes that a slide (no hover) must not say."""


def audience_notes(text: str, subtitle: str = "") -> str:
    """A figure's notes for a slide: what only the screen can do left out ('computed from counts;
    hover says how' -> 'computed from counts'), and a sentence the slide's subtitle already says
    ('HR < 1 favours the experimental arm.' under '...; hazard ratio < 1 favours the experimental
    arm')."""
    heard = subtitle.lower()
    kept = [s for s in re.split(r"(?<=\.)\s+", _INTERFACE.sub("", text))
            if not heard or re.sub(r"^hr\b", "hazard ratio", s.rstrip(".").lower()) not in heard]
    return " ".join(kept)


def caption_sentence(caption: str, head: str) -> str:
    """The caption's sentence opening with `head` ('Analysis population: PASO: ..., 60 of 61
    randomised.'), up to the full stop before the next sentence (which may open with '≥'); ''
    when it has none."""
    found = re.search(rf"(?:^|(?<=\.\s)){re.escape(head)}.*?\.(?=\s+[A-Z≥]|\s*$)", caption or "")
    return found.group(0) if found else ""


def analysed_short(caption: str, head: str = "Analysis population", lead: str = "Analysed") -> str:
    """The caption's analysis population in the fewest words a slide footnote can give it:
    'Analysed: PASO full analysis set (ITT set), 60 of 61 randomised; E2100 all eligible
    patients, 673 of 722.' (tables/flow.population_note writes the long form). head="Safety
    population", lead="Safety population": the population adverse-event percentages are of."""
    sentence = caption_sentence(caption, head)
    if not sentence:
        return ""
    parts = sentence[len(f"{head}: "):].rstrip(".").split("; ")
    parts = [re.sub(r"^([^:;]+): ", r"\1 ", part) for part in parts]
    parts = [parts[0], *(re.sub(r" randomised$", "", part) for part in parts[1:])]
    return f"{lead}: {'; '.join(parts)}."


_GRID_NOTES = {
    "Grey NR cells": None,
    "Reported, no figures": None,
    "Difference =": None,
    "≥ x (all grades NR)": "≥ x: no all-grades figure reported; at least x% had the event (x: the highest grade 3, 4 or 3–4 figure).",
    "≥ x (G4 NR)": "≥ x: only one of grades 3 and 4 reported; grade 3–4 in at least x%.",
}
"""The toxicity caption's notes (views.toxicity_panel) on a slide: what the key line under the
grid already says (grey = "NR = not reported (≠ 0%)", sand = "no figures = named in words only")
and what the subtitle says ("experimental minus control"; the CI method goes to the speaker
notes) left out (None); what a lower bound's x is, the one thing the key's "≥ = lower bound"
cannot say, kept short."""


def grid_notes(caption: str, keyed: str = "") -> str:
    """The heatmap caption's notes in a slide's words (_GRID_NOTES). `keyed`: the names in the
    grid's key line; a note left out because the key says it stays when the key does not
    (a figure without that key entry)."""
    kept = []
    for head, short in _GRID_NOTES.items():
        sentence = caption_sentence(caption, head)
        if not sentence:
            continue
        if short is not None:
            kept.append(short)
        elif head == "Grey NR cells" and "NR = not reported" not in keyed:
            kept.append(sentence)
        elif head == "Reported, no figures" and "no figures" not in keyed:
            kept.append(sentence)
    return " ".join(kept)


_MODEL_CURVES = re.compile(r"Dashed curves are model-based, not patient data; away from the published medians their shape")


def without_model_words(footnote: str) -> str:
    """The survival slide's footnote without 'Dashed curves are model-based, not patient data'
    where the figure's key above the plot says it ('Dashed: model-based, not patient data
    (method)'): the slide said it twice (issue 15)."""
    return _MODEL_CURVES.sub("Away from the published medians the curves' shape", footnote)


_MODEL_LEAD = re.compile(r"\bModel-based: (\w)")


def model_words_once(footnote: str, title: str) -> str:
    """A footnote whose label opens 'Model-based: absolute effects from ...' under a title that
    already ends '(model-based)': the label's lead left out ('Absolute effects from ...'); the
    absolute-effects slide said it in its title, its key and its footnote (issue 15)."""
    if "model-based" not in title.lower():
        return footnote
    return _MODEL_LEAD.sub(lambda found: found.group(1).upper(), footnote)
