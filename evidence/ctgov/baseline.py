"""Baseline characteristics -> baseline.

Baseline: counts of participants (with the group's denominator), a mean with its SD or range, a
median with its range, as posted; the 'Total' column is not an arm and is left out (reported
once). Other summaries (least-squares means, a standard error, an interquartile range) are
listed in the report.
"""

from __future__ import annotations

import re

from evidence.ctgov.context import RecordContext, listed
from evidence.ctgov.groups import normalised
from evidence.ctgov.outcomes import denominators
from evidence.ctgov.values import number_text, text_of, whole_text

MODULE = "resultsSection.baselineCharacteristicsModule"
_PARTICIPANTS = re.compile(r"^(participants?|patients?|subjects?)\b", re.I)


def total_group_ids(groups: list) -> frozenset[str]:
    """Ids of a 'Total' column: a baseline group titled 'Total…' when there are several groups."""
    groups = [g for g in groups if isinstance(g, dict)]
    if len(groups) < 2:
        return frozenset()
    return frozenset(text_of(g.get("id")) for g in groups if normalised(g.get("title")).startswith("total"))


def map_baseline(ctx: RecordContext) -> list[dict]:
    module = ctx.module("resultsSection", "baselineCharacteristicsModule")
    groups = listed(module.get("groups"))
    total = total_group_ids(groups)
    group_arms = ctx.arms.resolve("baseline", groups, f"{MODULE}.groups", ctx.nct, exclude=total)
    if total:
        ctx.note(f"{MODULE}.groups", f"the Total column ({', '.join(sorted(total))}) is not an arm; not placed")
    module_denoms = denominators(module.get("denoms"), f"{MODULE}.denoms")
    rows: list[dict] = []
    keys: set[tuple] = set()
    for i, measure in enumerate(listed(module.get("measures"))):
        if not isinstance(measure, dict):
            continue
        base = f"{MODULE}.measures[{i}]"
        title, unit = text_of(measure.get("title")), text_of(measure.get("unitOfMeasure"))
        param, dispersion = text_of(measure.get("paramType")).upper(), text_of(measure.get("dispersionType"))
        counts = param == "COUNT_OF_PARTICIPANTS" or (param == "NUMBER" and _PARTICIPANTS.match(unit))
        if not counts and param not in ("MEAN", "MEDIAN"):
            ctx.note(base, f"baseline {title!r} posted as {param or 'no parameter type'}: the baseline table holds counts, "
                           "means and medians")
            continue
        measure_denoms = denominators(measure.get("denoms"), f"{base}.denoms") or module_denoms
        for j, cls in enumerate(c for c in listed(measure.get("classes")) if isinstance(c, dict)):
            class_denoms = denominators(cls.get("denoms"), f"{base}.classes[{j}].denoms") or measure_denoms
            characteristic = title + (f": {text_of(cls.get('title'))}" if text_of(cls.get("title")) else "")
            if not counts and unit:
                characteristic += f" ({unit})"
            for k, cat in enumerate(c for c in listed(cls.get("categories")) if isinstance(c, dict)):
                for m, meas in enumerate(x for x in listed(cat.get("measurements")) if isinstance(x, dict)):
                    path = f"{base}.classes[{j}].categories[{k}].measurements[{m}]"
                    group_id = text_of(meas.get("groupId"))
                    if group_id in total:
                        continue
                    arm_id = group_arms.get(group_id)
                    if arm_id is None:
                        ctx.note(path, f"group {group_id!r} is not a baseline group of the record")
                        continue
                    n = (class_denoms.get(group_id) or (None, ""))[0]
                    row = _row(ctx, path, measure, counts, param, dispersion, cat, meas, n)
                    if row is None:
                        continue
                    row.update(trial_id=ctx.nct, arm_id=arm_id, characteristic=characteristic, source=ctx.source(path),
                               n=n if n and int(n) > 0 else "")
                    key = (arm_id, characteristic, row["category"])
                    if key in keys:
                        ctx.note(path, f"a second {characteristic!r} / {row['category']!r} row for arm {arm_id}; the first is kept")
                        continue
                    keys.add(key)
                    rows.append(row)
    return rows


def _row(ctx, path, measure, counts, param, dispersion, cat, meas, n) -> dict | None:
    title, value_text = text_of(measure.get("title")), text_of(meas.get("value"))
    if counts:
        count = whole_text(meas.get("value"))
        if count is None or (n and int(count) > int(n)):
            ctx.note(path, f"{title}: count {value_text or 'nothing'!r} is not a whole number up to the group's {n or '?'} participants")
            return None
        return dict(category=text_of(cat.get("title")) or "participants", count=count)
    value = number_text(meas.get("value"))
    if value is None:
        ctx.note(path, f"{title}: value posted as {value_text or 'nothing'!r}, not a number")
        return None
    statistic = "mean" if param == "MEAN" else "median"
    row = {statistic: value}
    spread, lower, upper = number_text(meas.get("spread")), number_text(meas.get("lowerLimit")), number_text(meas.get("upperLimit"))
    kind = dispersion.upper().replace(" ", "_")
    if kind == "STANDARD_DEVIATION" and param == "MEAN" and spread is not None and float(spread) >= 0:
        row.update(sd=spread)
        category = "mean (SD)"
    elif kind == "FULL_RANGE" and lower is not None and upper is not None and float(lower) <= float(upper):
        row.update(range_low=lower, range_high=upper)
        category = f"{statistic} (range)"
    else:
        category = statistic
        if dispersion and kind != "NA":
            ctx.note(path, f"{title}: {dispersion} ({text_of(meas.get('spread')) or text_of(meas.get('lowerLimit')) + ' to ' + text_of(meas.get('upperLimit'))}) "
                           "has no column in the baseline table; the central value is placed alone")
    row["category"] = category
    return row
