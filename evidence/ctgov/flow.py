"""Participant flow and analysed populations of a registry record -> the contract's flow.csv; and
the registry's own flow table (every period, milestone and drop-out reason as posted).

flow.csv gets, per arm of the participant flow's first period:

    protocolSection.designModule.enrollmentInfo (ACTUAL)  enrolled (whole trial)
    first period, milestone STARTED                       randomised (randomised study), else enrolled
    first period, milestone COMPLETED                     completed
    first period, milestone NOT COMPLETED                 not completed (the stage's total)
    first period, dropWithdraws[].reasons                 not completed, reason as posted
    baselineCharacteristicsModule.denoms                  baseline set
    the first PRIMARY outcome measure's denoms            efficacy set (assumed, and reported so)
    adverse events' number at risk (the arm's n_safety)   safety set

Every row's `source` is the JSON path of its count; `passage` stays empty (an upload may leave it
out, and the path points at the value itself); `note` names the registry milestone and period.

Not placed, each listed in the report with its JSON path: later periods (kept in the registry's
own table), milestones of other types, counts that are not whole numbers ('NA'), groups with no
participant in the first period, a second reason of the same name, populations of groups outside
the first period. The record is checked as flow.csv is validated, and more: completed + not
completed = started, the reasons add up to not completed, the arms' starters at most the
enrolment. Where the record disagrees with itself the report has a warning; where a contract rule
(a stage's parts never exceed its whole, evidence.relations) would refuse the rows, the parts are
left out of flow.csv and the warning says so.
"""

from __future__ import annotations

from evidence.ctgov.baseline import total_group_ids
from evidence.ctgov.context import RecordContext, listed
from evidence.ctgov.outcomes import participant_unit
from evidence.ctgov.result import ASSUMED, WARNING
from evidence.ctgov.values import text_of, whole_text

FLOW = "resultsSection.participantFlowModule"
BASELINE = "resultsSection.baselineCharacteristicsModule"
OUTCOMES = "resultsSection.outcomeMeasuresModule.outcomeMeasures"
ENROLMENT = "protocolSection.designModule.enrollmentInfo"
MILESTONE_STAGES = {"COMPLETED": "completed", "NOT COMPLETED": "not completed"}
"""First-period milestone types with a flow.csv stage; STARTED is `randomised` in a randomised
study, else `enrolled`. Other milestones ('Received OL CZP') have no stage and are reported."""
NOT_COMPLETED = "not completed"
BASELINE_POPULATION = "participants whose baseline characteristics are posted"
SAFETY_POPULATION = "participants at risk for adverse events, as posted with the adverse events"

Key = tuple[str, str, str]  # (arm_id, stage, reason): flow.csv's key within one trial


def map_flow(ctx: RecordContext, randomized: bool) -> tuple[list[dict], list[dict]]:
    """(flow.csv rows, the registry's flow table rows). Call after the adverse events are mapped
    (the safety set is the arm's n_safety); sets n_randomized from the first period's STARTED."""
    module = ctx.module("resultsSection", "participantFlowModule")
    group_arms = ctx.arms.resolve("participant flow", listed(module.get("groups")), f"{FLOW}.groups", ctx.nct)
    periods = listed(module.get("periods"))
    registry = _registry_rows(ctx, periods, group_arms, randomized)
    for p, period in enumerate(periods[1:], start=1):
        if isinstance(period, dict):
            ctx.note(f"{FLOW}.periods[{p}]", f"period {text_of(period.get('title'))!r} "
                     f"({len(listed(period.get('milestones')))} milestones, {len(listed(period.get('dropWithdraws')))} "
                     "reasons for not completing): flow.csv holds the first period only; kept in the import's flow table")
    first = periods[0] if periods and isinstance(periods[0], dict) else {}
    start = "randomised" if randomized else "enrolled"
    placed: dict[Key, dict] = {}
    _first_period(ctx, first, group_arms, start, placed)
    in_flow = _arms_in_first_period(ctx, first, placed)
    _check_period(ctx, start, in_flow, placed)
    _enrolment(ctx, start, placed)
    _baseline_set(ctx, in_flow, placed)
    _efficacy_set(ctx, in_flow, placed)
    _safety_set(ctx, in_flow, placed)
    stage_of_path = {row.pop("_path"): key[1] for key, row in placed.items()}
    for row in registry:
        stage = stage_of_path.get(row["path"])
        row["placed_in"] = f"flow.csv: {stage}" if stage else ""
    rows = sorted(placed.values(), key=lambda row: row["arm_id"] != "")  # the whole trial first
    return rows, registry


def _registry_rows(ctx: RecordContext, periods: list, group_arms: dict[str, str], randomized: bool) -> list[dict]:
    """Every milestone and reason of every period as posted; the first period's STARTED count is
    the arm's n_randomized in a randomised study (reported as assumed)."""
    rows: list[dict] = []
    for p, period in enumerate(periods):
        if not isinstance(period, dict):
            continue
        period_title = text_of(period.get("title"))
        for kind, list_key, item_key in (("milestone", "milestones", "achievements"), (NOT_COMPLETED, "dropWithdraws", "reasons")):
            for q, item in enumerate(listed(period.get(list_key))):
                if not isinstance(item, dict):
                    continue
                for r, entry in enumerate(listed(item.get(item_key))):
                    if not isinstance(entry, dict):
                        continue
                    path = f"{FLOW}.periods[{p}].{list_key}[{q}].{item_key}[{r}]"
                    arm_id = group_arms.get(text_of(entry.get("groupId")), "")
                    count = text_of(entry.get("numSubjects"))
                    rows.append(dict(trial_id=ctx.nct, arm_id=arm_id, period=period_title, kind=kind,
                                     label=text_of(item.get("type")), count=count,
                                     comment=text_of(entry.get("comment")), path=path))
                    if (randomized and p == 0 and kind == "milestone" and _milestone(item) == "STARTED"
                            and arm_id and whole_text(count) and int(count) > 0):
                        arm = ctx.arms.by_id(arm_id)
                        arm.values.setdefault("n_randomized", whole_text(count))
                        arm.paths.setdefault("n_randomized", path)
    if randomized and any("n_randomized" in a.values for a in ctx.arms.arms):
        ctx.note(f"{FLOW}.periods[0].milestones", "the first period's STARTED count is taken as the number randomised "
                 "(arms n_randomized; flow.csv 'randomised')", ASSUMED)
    return rows


def _milestone(item: dict) -> str:
    """A milestone's type, upper case, '_' read as a space ('NOT_COMPLETED' is 'NOT COMPLETED')."""
    return text_of(item.get("type")).upper().replace("_", " ")


def _first_period(ctx: RecordContext, period: dict, group_arms: dict[str, str], start: str, placed: dict[Key, dict]) -> None:
    title = text_of(period.get("title"))
    for q, item in enumerate(listed(period.get("milestones"))):
        if not isinstance(item, dict):
            continue
        kind = _milestone(item)
        stage = start if kind == "STARTED" else MILESTONE_STAGES.get(kind)
        path = f"{FLOW}.periods[0].milestones[{q}]"
        if stage is None:
            ctx.note(path, f"milestone {text_of(item.get('type'))!r} of period {title!r}: flow.csv has no stage for it "
                           "(STARTED, COMPLETED and NOT COMPLETED have one); kept in the import's flow table")
            continue
        for r, entry in enumerate(listed(item.get("achievements"))):
            _place(ctx, placed, group_arms, entry, f"{path}.achievements[{r}]", stage, "", f"registry milestone {kind}, period {title!r}")
    for q, item in enumerate(listed(period.get("dropWithdraws"))):
        if not isinstance(item, dict):
            continue
        reason, path = text_of(item.get("type")), f"{FLOW}.periods[0].dropWithdraws[{q}]"
        if not reason:
            ctx.note(path, "a reason for not completing without its type (the reason's name): not placed")
            continue
        for r, entry in enumerate(listed(item.get("reasons"))):
            _place(ctx, placed, group_arms, entry, f"{path}.reasons[{r}]", NOT_COMPLETED, reason,
                   f"registry reason for not completing, period {title!r}")


def _place(ctx: RecordContext, placed: dict[Key, dict], group_arms: dict[str, str], entry: object, path: str,
           stage: str, reason: str, note: str) -> None:
    if not isinstance(entry, dict):
        return
    what = stage + (f": {reason}" if reason else "")
    group_id = text_of(entry.get("groupId"))
    arm_id = group_arms.get(group_id)
    if arm_id is None:
        ctx.note(path, f"{what}: group {group_id!r} is not a participant-flow group of the record; not placed")
        return
    count = whole_text(entry.get("numSubjects"))
    if count is None:
        ctx.note(path, f"{what}, arm {arm_id}: {text_of(entry.get('numSubjects')) or 'nothing'!r} posted, "
                       "not a number of participants; not placed")
        return
    comment = text_of(entry.get("comment"))
    _add(ctx, placed, (arm_id, stage, reason), count, path, note=note + (f"; {comment}" if comment else ""))


def _add(ctx: RecordContext, placed: dict[Key, dict], key: Key, count: str, path: str, population: str = "", note: str = "") -> None:
    arm_id, stage, reason = key
    if key in placed:
        ctx.note(path, f"a second {stage + (': ' + reason if reason else '')!r} for {('arm ' + arm_id) if arm_id else 'the whole trial'}; "
                       "the first is kept")
        return
    placed[key] = dict(trial_id=ctx.nct, arm_id=arm_id, stage=stage, reason=reason, count=count, population=population,
                       derived="false", source=ctx.source(path), passage="", note=note, _path=path)


def _arms_in_first_period(ctx: RecordContext, period: dict, placed: dict[Key, dict]) -> list[str]:
    """Arms with at least one participant in the first period, in arm order. An arm whose every
    count there is 0 (an extension group that starts in a later period) leaves flow.csv, reported."""
    arms = dict.fromkeys(key[0] for key in placed)
    present = [a.arm_id for a in ctx.arms.arms if any(int(r["count"]) > 0 for k, r in placed.items() if k[0] == a.arm_id)]
    for arm_id in arms:
        if arm_id not in present:
            for key in [k for k in placed if k[0] == arm_id]:
                del placed[key]
            ctx.note(f"{FLOW}.periods[0]", f"arm {arm_id} ({ctx.arms.by_id(arm_id).title!r}) has no participant in period "
                     f"{text_of(period.get('title'))!r} (every count 0): its rows are not placed in flow.csv")
    return present


def _count(placed: dict[Key, dict], key: Key) -> int | None:
    return int(placed[key]["count"]) if key in placed else None


def _check_period(ctx: RecordContext, start: str, arms: list[str], placed: dict[Key, dict]) -> None:
    """Warnings where the first period disagrees with itself: completed + not completed against
    started, and the reasons against not completed. Reasons adding up to more than not completed
    are left out (flow.csv refuses parts larger than their whole)."""
    path = f"{FLOW}.periods[0]"
    for arm_id in arms:
        started, completed, stopped = (_count(placed, (arm_id, s, "")) for s in (start, "completed", NOT_COMPLETED))
        if None not in (started, completed, stopped) and completed + stopped != started:
            ctx.note(path, f"the record disagrees with itself: arm {arm_id}: completed {completed} + not completed {stopped} "
                           f"= {completed + stopped}, not the {started} who started; placed as posted", WARNING)
        elif started is not None and completed is not None and completed > started:
            ctx.note(path, f"the record disagrees with itself: arm {arm_id}: completed {completed}, more than the {started} "
                           "who started; placed as posted", WARNING)
        reasons = [k for k in placed if k[0] == arm_id and k[1] == NOT_COMPLETED and k[2]]
        given = sum(int(placed[k]["count"]) for k in reasons)
        if not reasons or stopped is None or given == stopped:
            continue
        if given > stopped:
            for key in reasons:
                del placed[key]
            ctx.note(f"{path}.dropWithdraws", f"the record disagrees with itself: arm {arm_id}: the reasons for not completing "
                     f"add up to {given}, more than the {stopped} not completing; the reasons are left out of flow.csv "
                     "(a stage's reasons may not exceed its total) and kept in the import's flow table", WARNING)
        else:
            ctx.note(f"{path}.dropWithdraws", f"the record disagrees with itself: arm {arm_id}: the reasons for not completing "
                     f"add up to {given} of the {stopped} not completing; placed as posted", WARNING)


def _enrolment(ctx: RecordContext, start: str, placed: dict[Key, dict]) -> None:
    """The whole trial's enrolment (ACTUAL only) as `enrolled`, unless the arms' starters exceed it."""
    info = ctx.module("protocolSection", "designModule").get("enrollmentInfo")
    if not isinstance(info, dict) or text_of(info.get("type")).upper() != "ACTUAL":
        return
    enrolled = whole_text(info.get("count"))
    if enrolled is None:
        return
    started = sum(int(row["count"]) for (arm_id, stage, reason), row in placed.items() if arm_id and stage == start and not reason)
    if started > int(enrolled):
        ctx.note(f"{ENROLMENT}.count", f"the record disagrees with itself: {started} started the first period, more than the "
                 f"{enrolled} enrolled; the enrolment is left out of flow.csv", WARNING)
        return
    _add(ctx, placed, ("", "enrolled", ""), enrolled, f"{ENROLMENT}.count", note="registry enrolment (ACTUAL)")


def _participants(denoms: object, base: str) -> dict[str, tuple[str | None, str]]:
    """{group id: (whole-number text or None, JSON path)} of a `denoms` list: the participants
    denominator when several units are posted, else the first (as outcomes.denominators)."""
    lists = [(d, item) for d, item in enumerate(listed(denoms)) if isinstance(item, dict)]
    chosen = next(((d, item) for d, item in lists if participant_unit(item.get("units"))), lists[0] if lists else None)
    if chosen is None:
        return {}
    d, item = chosen
    return {text_of(c.get("groupId")): (whole_text(c.get("value")), f"{base}[{d}].counts[{i}]")
            for i, c in enumerate(listed(item.get("counts"))) if isinstance(c, dict)}


def _population_rows(ctx: RecordContext, stage: str, counts: dict[str, tuple[str | None, str]], group_arms: dict[str, str],
                     arms: list[str], placed: dict[Key, dict], population: str, note: str, where: str) -> None:
    outside = []
    for group_id, (count, path) in counts.items():
        arm_id = group_arms.get(group_id)
        if arm_id is None:
            continue  # a Total column, or a group the record does not list: reported where the groups are mapped
        if arm_id not in arms:
            outside.append(arm_id)
        elif count is None:
            ctx.note(path, f"{stage}, arm {arm_id}: participants posted as something other than a whole number; not placed")
        else:
            _add(ctx, placed, (arm_id, stage, ""), count, path, population, note)
    if outside:
        ctx.note(where, f"{stage} of arms {', '.join(dict.fromkeys(outside))}: not groups of the participant flow's first "
                        "period, not placed in flow.csv")


def _baseline_set(ctx: RecordContext, arms: list[str], placed: dict[Key, dict]) -> None:
    module = ctx.module("resultsSection", "baselineCharacteristicsModule")
    groups = listed(module.get("groups"))
    group_arms = ctx.arms.resolve("baseline", groups, f"{BASELINE}.groups", ctx.nct, exclude=total_group_ids(groups))
    population = text_of(module.get("populationDescription")) or BASELINE_POPULATION
    _population_rows(ctx, "baseline set", _participants(module.get("denoms"), f"{BASELINE}.denoms"), group_arms, arms,
                     placed, population, "registry: overall number of baseline participants", f"{BASELINE}.denoms")


def _efficacy_set(ctx: RecordContext, arms: list[str], placed: dict[Key, dict]) -> None:
    """The participants analysed for the first PRIMARY outcome measure that posts them for an arm
    of the flow's first period: the registry names no efficacy set, so this is assumed."""
    measures = listed(ctx.module("resultsSection", "outcomeMeasuresModule").get("outcomeMeasures"))
    for index, measure in enumerate(measures):
        if not isinstance(measure, dict) or text_of(measure.get("type")).upper() != "PRIMARY":
            continue
        base = f"{OUTCOMES}[{index}]"
        group_arms = ctx.arms.resolve("outcome", listed(measure.get("groups")), f"{base}.groups", ctx.nct)
        counts = _participants(measure.get("denoms"), f"{base}.denoms")
        if not any(group_arms.get(g) in arms and n is not None for g, (n, _path) in counts.items()):
            continue
        title = text_of(measure.get("title"))
        population = text_of(measure.get("populationDescription")) or f"participants analysed for the primary outcome {title!r}"
        ctx.note(f"{base}.denoms", f"the participants analysed for the first primary outcome ({title!r}) are taken as the "
                                   "efficacy set (flow.csv)", ASSUMED)
        _population_rows(ctx, "efficacy set", counts, group_arms, arms, placed, population,
                         f"registry: participants analysed for the primary outcome {title!r}", f"{base}.denoms")
        return
    if measures and arms:
        ctx.note("resultsSection.outcomeMeasuresModule", f"no primary outcome posts participants analysed for the arms of the "
                 f"participant flow's first period ({', '.join(arms)}): flow.csv has no efficacy set")


def _safety_set(ctx: RecordContext, arms: list[str], placed: dict[Key, dict]) -> None:
    """Each arm's number at risk for adverse events, where all its adverse events agree (n_safety)."""
    outside = []
    for arm in ctx.arms.arms:
        n, path = arm.values.get("n_safety"), arm.paths.get("n_safety")
        if not n or not path:
            continue
        if arm.arm_id in arms:
            _add(ctx, placed, (arm.arm_id, "safety set", ""), n, path, SAFETY_POPULATION, "registry: number at risk for adverse events")
        else:
            outside.append(arm.arm_id)
    if outside:
        ctx.note("resultsSection.adverseEventsModule.eventGroups", f"safety set of arms {', '.join(outside)}: not groups of the "
                 "participant flow's first period, not placed in flow.csv (kept as the arms' n_safety)")
