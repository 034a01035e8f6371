"""Adverse events -> adverse_events and ae_terms.

The registry posts, per event group, patients affected and at risk for each serious event and
each other (non-serious) event above the record's frequency threshold, with the organ system and
the vocabulary (usually MedDRA); it has no CTCAE grade. So the grade band is `serious` or
`non-serious` (contract REGISTRY_GRADES), the level is `term`, and the group totals
(seriousNumAffected, otherNumAffected) are level `any` rows. The term as posted is also the
harmonized term (MedDRA preferred terms already are one vocabulary). Deaths have no place in the
contract and are listed in the report.
"""

from __future__ import annotations

from evidence.ctgov.context import RecordContext, listed
from evidence.ctgov.result import ASSUMED
from evidence.ctgov.values import text_of, whole_text

MODULE = "resultsSection.adverseEventsModule"
ANY_TERM, ANY_SOC = "Any adverse event", "Any"
LISTS = (("seriousEvents", "serious"), ("otherEvents", "non-serious"))
TOTALS = (
    ("serious", "seriousNumAffected", "seriousNumAtRisk", "Any serious adverse event"),
    ("non-serious", "otherNumAffected", "otherNumAtRisk", "Any other (non-serious) adverse event above the reporting threshold"),
)


def map_adverse_events(ctx: RecordContext) -> dict[str, list[dict]]:
    module = ctx.module("resultsSection", "adverseEventsModule")
    out: dict[str, list[dict]] = {"adverse_events": [], "ae_terms": []}
    if not module:
        return out
    group_arms = ctx.arms.resolve("adverse events", listed(module.get("eventGroups")), f"{MODULE}.eventGroups", ctx.nct)
    at_risk: dict[str, dict[str, str]] = {}  # arm -> {n at risk text: first path}
    keys: set[tuple] = set()
    terms: dict[str, tuple[str, str, str]] = {}
    threshold = text_of(module.get("frequencyThreshold"))
    if listed(module.get("otherEvents")):
        ctx.note(f"{MODULE}.frequencyThreshold", "other (non-serious) adverse events are posted only above a frequency "
                 f"threshold of {threshold or 'an unstated'}%: the 'non-serious' band lists those, not every event", ASSUMED)

    def add(row: dict, path: str) -> None:
        key = (row["arm_id"], row["level"], row["term"], row["grade"])
        if key in keys:
            ctx.note(path, f"a second row for {row['term']!r} ({row['grade']}) in arm {row['arm_id']}; the first is kept")
            return
        keys.add(key)
        out["adverse_events"].append(row)
        at_risk.setdefault(row["arm_id"], {}).setdefault(row["n_at_risk"], path)
        terms.setdefault(row["term_reported"], (row["term"], row["soc"], row["level"]))

    for g, group in enumerate(listed(module.get("eventGroups"))):
        if not isinstance(group, dict) or text_of(group.get("id")) not in group_arms:
            continue
        arm_id, path = group_arms[text_of(group.get("id"))], f"{MODULE}.eventGroups[{g}]"
        for grade, affected_key, risk_key, reported in TOTALS:
            row = _counts(ctx, path, group.get(affected_key), group.get(risk_key), f"{reported} ({affected_key}/{risk_key})")
            if row is not None:
                add(dict(trial_id=ctx.nct, arm_id=arm_id, level="any", soc=ANY_SOC, term_reported=reported, term=ANY_TERM,
                         grade=grade, derived="false", source=ctx.source(f"{path}.{affected_key}", f"{path}.{risk_key}"), **row),
                    f"{path}.{risk_key}")
        if group.get("deathsNumAffected") is not None:
            ctx.note(f"{path}.deathsNumAffected", f"deaths {text_of(group.get('deathsNumAffected'))} of "
                     f"{text_of(group.get('deathsNumAtRisk')) or '?'} in arm {arm_id}: the contract has no place for all-cause mortality")

    organ_systems: dict[str, set[str]] = {}
    for list_key, _grade in LISTS:
        for event in listed(module.get(list_key)):
            if isinstance(event, dict):
                organ_systems.setdefault(text_of(event.get("term")), set()).add(text_of(event.get("organSystem")))
    for list_key, grade in LISTS:
        for e, event in enumerate(listed(module.get(list_key))):
            if not isinstance(event, dict):
                continue
            event_path = f"{MODULE}.{list_key}[{e}]"
            term, soc = text_of(event.get("term")), text_of(event.get("organSystem")) or "not stated"
            if not term:
                ctx.note(event_path, "an event without a term")
                continue
            if len(organ_systems.get(term, ())) > 1:
                ctx.note(event_path, f"{term!r} is posted under several organ systems; shown as '{term} ({soc})'", ASSUMED)
                term = f"{term} ({soc})"
            for s, stat in enumerate(listed(event.get("stats"))):
                if not isinstance(stat, dict):
                    continue
                path = f"{event_path}.stats[{s}]"
                arm_id = group_arms.get(text_of(stat.get("groupId")))
                if arm_id is None:
                    ctx.note(path, f"group {text_of(stat.get('groupId'))!r} is not an event group of the record")
                    continue
                row = _counts(ctx, path, stat.get("numAffected"), stat.get("numAtRisk"), f"{term} ({grade})")
                if row is None:
                    continue
                add(dict(trial_id=ctx.nct, arm_id=arm_id, level="term", soc=soc, term_reported=term, term=term, grade=grade,
                         derived="false", source=ctx.source(path), num_events=whole_text(stat.get("numEvents")) or "",
                         vocabulary=text_of(event.get("sourceVocabulary") or module.get("eventsVocabulary")),
                         assessment=text_of(event.get("assessmentType")), **row), path)
    _n_safety(ctx, at_risk)
    out["ae_terms"] = [dict(trial_id=ctx.nct, term_reported=reported, term=term, soc=soc, level=level)
                       for reported, (term, soc, level) in terms.items()]
    return out


def _counts(ctx: RecordContext, path: str, affected: object, at_risk: object, what: str) -> dict | None:
    count, n = whole_text(affected), whole_text(at_risk)
    if count is None or n is None or int(n) < 1 or int(count) > int(n):
        ctx.note(path, f"{what}: {text_of(affected) or 'no count'} affected of {text_of(at_risk) or 'none'} at risk "
                       "is not a count up to a number at risk of at least 1")
        return None
    return {"count": count, "n_at_risk": n, "pct": ""}


def _n_safety(ctx: RecordContext, at_risk: dict[str, dict[str, str]]) -> None:
    """An arm's n_safety is the number at risk when every adverse-event row of the arm gives the
    same one; otherwise it stays empty (reported) and each row keeps its own n_at_risk."""
    for arm_id, values in at_risk.items():
        arm = ctx.arms.by_id(arm_id)
        if len(values) == 1:
            (n, path), = values.items()
            arm.values["n_safety"] = n
            arm.paths["n_safety"] = path
        else:
            ctx.note(next(iter(values.values())), f"arm {arm_id}: patients at risk differ between adverse events "
                     f"({', '.join(sorted(values, key=int))}); n_safety left empty")
