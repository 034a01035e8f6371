"""Outcome measures -> efficacy, statistical analyses -> comparisons.

The contract's efficacy and comparisons hold oncology endpoints (PFS, OS, TTP, TTT as medians;
ORR, CCR, TBRR, OS_12M as rates; hazard ratios). An outcome is placed when its title names one of
them and its shape fits:

- a time-to-event endpoint posted as MEDIAN in days, weeks, months or years (converted to months
  with a month of 365.25 / 12 days, then marked derived);
- a rate posted as NUMBER in percent (as posted), or as COUNT_OF_PARTICIPANTS with its
  denominator (the rate computed here from the counts, marked derived);
- a 95% two-sided CI goes to ci_low / ci_high; a CI of another level, a limit posted as 'NA', a
  range or a standard deviation stays out of those columns and is listed in the report;
- a hazard-ratio analysis of exactly one experimental and one control arm -> comparisons, the P
  value exact where posted as a number, else kept as text ('<0.001') with its parsed bound.

Every measurement and analysis is also kept as posted in the 'outcomes' and 'analyses' tables,
with where it was placed; what is not placed is listed in the report with its JSON path.
"""

from __future__ import annotations

import re

from evidence.contract import ENDPOINT_LABELS, ENDPOINTS, RATE_ENDPOINTS, TIME_TO_EVENT_ENDPOINTS
from evidence.ctgov.context import ANALYSIS_OF_OUTCOME_TYPE, RecordContext, listed
from evidence.ctgov.result import ASSUMED
from evidence.ctgov.values import ci_level, is_confidence_interval, json_path, level_text, number, number_text, p_value, text_of, whole_text

MODULE = "resultsSection.outcomeMeasuresModule.outcomeMeasures"

ENDPOINT_TITLES = (
    ("OS_12M", r"\b(1|one)[- ]year (overall )?survival|\b12[- ]months? (overall )?survival|survival (rate )?at (1|one) year|survival (rate )?at 12 months"),
    ("PFS", r"progression[- ]free survival|\bPFS\b"),
    ("TTP", r"time to (tumou?r |disease )?progression|\bTTP\b"),
    ("TTT", r"time to (next|subsequent) (anti[- ]?cancer )?(treatment|therapy)"),
    ("OS", r"\boverall survival\b|\bOS\b"),
    ("ORR", r"\b(objective|overall|best overall) (tumou?r )?response\b|\bORR\b"),
    ("CCR", r"\bclinical (benefit|control)\b|\bdisease control\b|\bCBR\b|\bDCR\b"),
    ("TBRR", r"\btumou?r (burden|size) reduction"),
)
"""Contract endpoint named by an outcome title (first match wins; case-insensitive)."""

MONTHS_PER_UNIT = {"day": 12 / 365.25, "week": 7 * 12 / 365.25, "month": 1.0, "year": 12.0}
"""Months per posted time unit: a month is 365.25 / 12 days."""

_TIME_UNIT = re.compile(r"^(day|week|month|year)s?\b", re.I)
_PERCENT_UNIT = re.compile(r"percent|%", re.I)
_PARTICIPANT_UNIT = re.compile(r"^(participants?|patients?|subjects?)\b", re.I)
_HAZARD_RATIO = re.compile(r"hazard ratio|\bHR\b|HAZARD_RATIO", re.I)


NOT_AN_ENDPOINT = re.compile(r"\bduration of\b|\btime to (first |best )?(objective |overall )?(tumou?r )?response", re.I)
"""Titles that name a response or survival but measure something else (duration of response)."""


def endpoint_of(title: str) -> str | None:
    """The contract endpoint an outcome title names, or None."""
    if NOT_AN_ENDPOINT.search(title):
        return None
    for endpoint, pattern in ENDPOINT_TITLES:
        if re.search(pattern, title, re.I):
            return endpoint
    return None


def participant_unit(units: object) -> bool:
    """A denominator counted in participants (patients, subjects), not eyes or lesions."""
    return bool(_PARTICIPANT_UNIT.match(text_of(units)))


def denominators(denoms: object, path: str) -> dict[str, tuple[str | None, str]]:
    """{group id: (whole-number text or None, units)} from a `denoms` list: the participants
    denominator when several units are posted, else the first."""
    lists = [d for d in listed(denoms) if isinstance(d, dict)]
    chosen = next((d for d in lists if participant_unit(d.get("units"))), lists[0] if lists else None)
    if chosen is None:
        return {}
    return {text_of(c.get("groupId")): (whole_text(c.get("value")), text_of(chosen.get("units")))
            for c in listed(chosen.get("counts")) if isinstance(c, dict)}


def map_outcomes(ctx: RecordContext) -> dict[str, list[dict]]:
    """Rows for efficacy, comparisons, and the outcomes / analyses tables."""
    out: dict[str, list[dict]] = {"efficacy": [], "comparisons": [], "outcomes": [], "analyses": []}
    keys: dict[str, set] = {"efficacy": set(), "comparisons": set()}
    for index, measure in enumerate(listed(ctx.module("resultsSection", "outcomeMeasuresModule").get("outcomeMeasures"))):
        if isinstance(measure, dict):
            _one_outcome(ctx, index, measure, out, keys)
    return out


def _one_outcome(ctx: RecordContext, index: int, measure: dict, out: dict, keys: dict) -> None:
    base = json_path(MODULE, index)
    title = text_of(measure.get("title"))
    group_arms = ctx.arms.resolve("outcome", listed(measure.get("groups")), f"{base}.groups", ctx.nct)
    group_denoms = denominators(measure.get("denoms"), f"{base}.denoms")
    endpoint = endpoint_of(title)
    param, unit = text_of(measure.get("paramType")), text_of(measure.get("unitOfMeasure"))
    dispersion = text_of(measure.get("dispersionType"))
    level = ci_level(dispersion)
    classes = [c for c in listed(measure.get("classes")) if isinstance(c, dict)]
    cells = [
        (j, k, m, cls, cat, meas)
        for j, cls in enumerate(classes)
        for k, cat in enumerate(c for c in listed(cls.get("categories")) if isinstance(c, dict))
        for m, meas in enumerate(x for x in listed(cat.get("measurements")) if isinstance(x, dict))
    ]
    status = text_of(measure.get("reportingStatus"))
    if status and status != "POSTED":
        ctx.note(base, f"outcome {title!r}: reporting status {status}, no results posted")
    elif not cells:
        ctx.note(base, f"outcome {title!r}: no measurements posted")
    placeable = endpoint is not None and len(classes) == 1 and len(listed(classes[0].get("categories"))) == 1
    if endpoint is None and cells:
        ctx.note(base, f"outcome {title!r} ({param or 'no parameter type'}, {unit or 'no unit'}) is not an endpoint of the "
                       f"contract ({', '.join(ENDPOINTS)}); kept in the import's outcomes table")
    elif endpoint is not None and placeable and cells:
        ctx.note(base, f"outcome {title!r} read as {endpoint} ({ENDPOINT_LABELS[endpoint]}) from its title", ASSUMED)
    elif endpoint is not None and cells and not placeable:
        ctx.note(base, f"outcome {title!r} reads as {endpoint} but is posted in several classes or categories; which one "
                       "is the endpoint is not stated, so none is placed (kept in the outcomes table)")
    for j, k, m, cls, cat, meas in cells:
        path = f"{base}.classes[{j}].categories[{k}].measurements[{m}]"
        group_id = text_of(meas.get("groupId"))
        class_denoms = denominators(cls.get("denoms"), f"{base}.classes[{j}].denoms")
        n_text, n_units = class_denoms.get(group_id) or group_denoms.get(group_id) or (None, "")
        row = dict(
            trial_id=ctx.nct, arm_id=group_arms.get(group_id, ""), outcome=str(index + 1),
            outcome_type=text_of(measure.get("type")), title=title, time_frame=text_of(measure.get("timeFrame")),
            param_type=param, dispersion_type=dispersion, unit=unit, class_title=text_of(cls.get("title")),
            category_title=text_of(cat.get("title")), value=text_of(meas.get("value")), spread=text_of(meas.get("spread")),
            ci_level=level_text(level) if level else "", lower_limit=text_of(meas.get("lowerLimit")),
            upper_limit=text_of(meas.get("upperLimit")), n_analysed=n_text or "", denominator_units=n_units,
            comment=text_of(meas.get("comment")), placed_in="", path=path,
        )
        if placeable:
            efficacy = _efficacy_row(ctx, measure, endpoint, meas, group_arms, n_text, path, level)
            if efficacy is not None:
                key = (efficacy["arm_id"], endpoint, efficacy["statistic"], efficacy["analysis"])
                if key in keys["efficacy"]:
                    ctx.note(path, f"a second {endpoint} {efficacy['statistic']} for arm {efficacy['arm_id']} in a "
                                   f"{efficacy['analysis']} analysis; the contract holds one, the first posted is kept")
                else:
                    keys["efficacy"].add(key)
                    out["efficacy"].append(efficacy)
                    row["placed_in"] = "efficacy"
        out["outcomes"].append(row)
    for a, analysis in enumerate(listed(measure.get("analyses"))):
        if isinstance(analysis, dict):
            _one_analysis(ctx, index, measure, endpoint, a, analysis, group_arms, out, keys)


def _statistic(endpoint: str, param: str, unit: str) -> tuple[str | None, float, str]:
    """('median' | 'rate' | 'count' | None, months per unit, why not placed)."""
    if endpoint in TIME_TO_EVENT_ENDPOINTS:
        time_unit = _TIME_UNIT.match(unit)
        if param.upper() != "MEDIAN":
            return None, 1.0, f"{endpoint} is placed as a median; this outcome is posted as {param or 'no parameter type'}"
        if not time_unit:
            return None, 1.0, f"a median in {unit!r}, not a time unit (days, weeks, months, years)"
        return "median", MONTHS_PER_UNIT[time_unit.group(1).lower()], ""
    if endpoint in RATE_ENDPOINTS:
        if param.upper() == "COUNT_OF_PARTICIPANTS" or (param.upper() == "NUMBER" and _PARTICIPANT_UNIT.match(unit)):
            return "count", 1.0, ""
        if param.upper() == "NUMBER" and _PERCENT_UNIT.search(unit):
            return "rate", 1.0, ""
        return None, 1.0, f"{endpoint} is placed as a percentage or a count of participants; posted as {param or '?'} in {unit!r}"
    return None, 1.0, f"endpoint {endpoint} has no efficacy mapping"


def _months(text: str, factor: float) -> str:
    return text if factor == 1.0 else f"{float(text) * factor:.2f}"


def _efficacy_row(ctx, measure, endpoint, meas, group_arms, n_text, path, level) -> dict | None:
    title, unit = text_of(measure.get("title")), text_of(measure.get("unitOfMeasure"))
    statistic, factor, why = _statistic(endpoint, text_of(measure.get("paramType")), unit)
    if statistic is None:
        ctx.note(path, why)
        return None
    arm_id = group_arms.get(text_of(meas.get("groupId")))
    value = number_text(meas.get("value"))
    if arm_id is None:
        ctx.note(path, f"group {text_of(meas.get('groupId'))!r} is not one of the outcome's groups")
        return None
    if value is None:
        comment = text_of(meas.get("comment"))
        ctx.note(path, f"{endpoint} value posted as {text_of(meas.get('value')) or 'nothing'!r}"
                       f"{' (' + comment + ')' if comment else ''}: not a number, not placed (no value is invented)")
        return None
    notes = [f"ClinicalTrials.gov outcome {title!r}; time frame: {text_of(measure.get('timeFrame')) or 'not stated'}"]
    derived = False
    count = ""
    if statistic == "median":
        if factor != 1.0:
            notes.append(f"posted in {unit}; converted to months (a month = 365.25/12 days)")
            derived = True
        value = _months(value, factor)
    elif statistic == "count":
        count = whole_text(value)
        n = int(n_text) if n_text else 0
        if count is None or n <= 0 or int(count) > n:
            ctx.note(path, f"{endpoint}: count {text_of(meas.get('value'))!r} of {n_text or 'no'} participants "
                           "does not give a rate (a whole count up to a denominator above 0 is needed)")
            return None
        value = f"{100 * int(count) / n:.1f}"
        statistic, derived = "rate", True
        notes.append(f"rate computed here from the posted count {count}/{n}")
    if statistic == "rate" and float(value) > 100:
        ctx.note(path, f"{endpoint} rate {value} is above 100%")
        return None
    ci_low, ci_high = _ci(ctx, path, measure, meas, value, factor, level, notes)
    return dict(
        trial_id=ctx.nct, arm_id=arm_id, endpoint=endpoint, statistic=statistic, value=value,
        unit="months" if statistic == "median" else "percent", ci_low=ci_low, ci_high=ci_high, count=count,
        n_analysed=n_text or "", population=text_of(measure.get("populationDescription")) or "not stated in the record",
        analysis=ANALYSIS_OF_OUTCOME_TYPE.get(text_of(measure.get("type")).upper(), "exploratory"), subgroup="",
        derived="true" if derived else "false", source=ctx.source(path), note="; ".join(notes),
        time_frame=text_of(measure.get("timeFrame")), unit_posted=unit,
    )


def _ci(ctx, path, measure, meas, value, factor, level, notes) -> tuple[str, str]:
    """(ci_low, ci_high) when the posted interval is a 95% CI with both limits around the value;
    otherwise ('', '') with the reason in the report and the posted interval in the note."""
    dispersion = text_of(measure.get("dispersionType"))
    lower, upper = text_of(meas.get("lowerLimit")), text_of(meas.get("upperLimit"))
    spread = text_of(meas.get("spread"))
    if not dispersion or dispersion.upper() == "NA":
        return "", ""
    if not is_confidence_interval(dispersion):
        ctx.note(path, f"dispersion {dispersion!r} ({spread or f'{lower} to {upper}'}) has no column in efficacy; kept in note")
        notes.append(f"{dispersion} as posted: {spread or f'{lower} to {upper}'}")
        return "", ""
    if level != 95:
        ctx.note(path, f"CI level {level_text(level) if level else 'not stated'} ({lower} to {upper}): the contract's CI columns "
                       "hold 95% limits; kept in note")
        notes.append(f"{level_text(level) if level else 'CI of unstated level'}: {lower} to {upper} as posted")
        return "", ""
    low, high = number_text(lower), number_text(upper)
    if low is None or high is None:
        ctx.note(path, f"95% CI posted as {lower or 'nothing'!r} to {upper or 'nothing'!r}: a limit that is not a number "
                       "(not estimable); both limits left empty")
        notes.append(f"95% CI as posted: {lower or '—'} to {upper or '—'}")
        return "", ""
    low, high = _months(low, factor), _months(high, factor)
    if not float(low) <= float(value) <= float(high):
        ctx.note(path, f"95% CI {low} to {high} does not contain the value {value}; left empty")
        notes.append(f"95% CI as posted: {lower} to {upper}")
        return "", ""
    return low, high


def _one_analysis(ctx, index, measure, endpoint, a, analysis, group_arms, out, keys) -> None:
    path = f"{json_path(MODULE, index)}.analyses[{a}]"
    group_ids = [text_of(g) for g in listed(analysis.get("groupIds"))]
    arm_ids = [group_arms.get(g, "") for g in group_ids]
    param = text_of(analysis.get("paramType"))
    estimate = text_of(analysis.get("paramValue"))
    p = p_value(analysis.get("pValue"))
    sides = text_of(analysis.get("ciNumSides"))
    level = number(analysis.get("ciPctValue"))
    row = dict(
        trial_id=ctx.nct, outcome=str(index + 1), title=text_of(measure.get("title")), group_ids="; ".join(group_ids),
        arm_ids="; ".join(arm_ids), param_type=param, estimate=estimate,
        ci_level=level_text(level) if level is not None else text_of(analysis.get("ciPctValue")), ci_sides=sides,
        ci_low=text_of(analysis.get("ciLowerLimit")), ci_high=text_of(analysis.get("ciUpperLimit")),
        p_text=p.text, p_value=p.exact or "", p_relation=p.relation or "", p_bound=p.bound or "",
        method=text_of(analysis.get("statisticalMethod")),
        description=text_of(analysis.get("groupDescription") or analysis.get("estimateComment")), placed_in="", path=path,
    )
    out["analyses"].append(row)
    placed = _comparison_row(ctx, measure, endpoint, analysis, arm_ids, p, path, level, sides)
    if placed is None:
        return
    key = (endpoint, placed["statistic"], placed["analysis"])
    if key in keys["comparisons"]:
        ctx.note(path, f"a second {endpoint} {placed['statistic']} comparison in a {placed['analysis']} analysis; "
                       "the contract holds one, the first posted is kept")
        return
    keys["comparisons"].add(key)
    out["comparisons"].append(placed)
    row["placed_in"] = "comparisons"


def _comparison_row(ctx, measure, endpoint, analysis, arm_ids, p, path, level, sides) -> dict | None:
    param = text_of(analysis.get("paramType"))
    hazard_ratio = bool(_HAZARD_RATIO.search(param))
    p_only = not param and not text_of(analysis.get("paramValue")) and bool(p.text)
    if endpoint is None:
        ctx.note(path, f"analysis ({param or 'P value only'}) of an outcome that is not a contract endpoint; kept in the analyses table")
        return None
    if not (hazard_ratio or p_only):
        ctx.note(path, f"analysis {param!r} of {endpoint}: the contract's comparisons hold hazard ratios (or a P value alone); "
                       "kept in the analyses table")
        return None
    roles = {arm: ctx.arms.by_id(arm).values.get("role") for arm in arm_ids if arm}
    experimental = [a for a in arm_ids if roles.get(a) == "experimental"]
    control = [a for a in arm_ids if roles.get(a) == "control"]
    if len(arm_ids) != 2 or len(experimental) != 1 or len(control) != 1:
        ctx.note(path, f"{endpoint} analysis of groups {', '.join(arm_ids) or 'none'}: a comparison needs exactly one "
                       "experimental and one control arm")
        return None
    notes = []
    value = ""
    ci_low = ci_high = ""
    if hazard_ratio:
        value = number_text(analysis.get("paramValue")) or ""
        if not value or float(value) <= 0:
            ctx.note(path, f"hazard ratio posted as {text_of(analysis.get('paramValue'))!r}: not a positive number")
            return None
        ci_low, ci_high = _comparison_ci(ctx, path, analysis, value, level, sides, notes)
        ctx.note(path, f"hazard ratio {value} taken as experimental arm {experimental[0]} versus control arm {control[0]}, "
                       "as posted: the record does not state which group is the reference", ASSUMED)
        notes.append("direction as posted (the record does not state the reference group)")
    for field in ("groupDescription", "estimateComment", "statisticalComment", "pValueComment"):
        if text_of(analysis.get(field)):
            notes.append(text_of(analysis.get(field)))
    if p.text and p.exact is None:
        if p.bound is None:
            ctx.note(path, f"P value posted as {p.text!r}: kept as text, no number read")
    return dict(
        trial_id=ctx.nct, endpoint=endpoint, experimental_arm=experimental[0], control_arm=control[0],
        statistic="HR" if hazard_ratio else "p_only", value=value, ci_low=ci_low, ci_high=ci_high,
        p_value=p.exact or "", p_text=(p.exact if p.exact is not None else p.text), test=text_of(analysis.get("statisticalMethod")),
        analysis=ANALYSIS_OF_OUTCOME_TYPE.get(text_of(measure.get("type")).upper(), "exploratory"), subgroup="", term="",
        derived="false", source=ctx.source(path), note="; ".join(notes),
        p_relation=p.relation or "", p_bound=p.bound or "",
    )


def _comparison_ci(ctx, path, analysis, value, level, sides, notes) -> tuple[str, str]:
    lower, upper = text_of(analysis.get("ciLowerLimit")), text_of(analysis.get("ciUpperLimit"))
    if not lower and not upper:
        return "", ""
    if level != 95 or sides.upper() not in ("", "TWO_SIDED"):
        what = f"{level_text(level) if level is not None else 'unstated-level'} {sides.lower().replace('_', '-') or ''} CI".replace("  ", " ")
        ctx.note(path, f"{what} ({lower} to {upper}): the contract's CI columns hold two-sided 95% limits; kept in note")
        notes.append(f"{what} as posted: {lower} to {upper}")
        return "", ""
    low, high = number_text(lower), number_text(upper)
    if low is None or high is None or not float(low) <= float(value) <= float(high):
        ctx.note(path, f"95% CI posted as {lower!r} to {upper!r}: not two numbers around the estimate {value}; left empty")
        notes.append(f"95% CI as posted: {lower} to {upper}")
        return "", ""
    return low, high
