"""Checks that span columns or tables: references resolve, estimates sit inside their CIs,
percentages agree with counts, grade bands add up, dose cycles are ordered.

Each check yields Problems naming file, line and column. Checks skip tables that failed to load
(their own problems are already reported) and cells that are empty (not reported).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd

from evidence.problems import Problem

Tables = dict[str, pd.DataFrame]


def _present(*values) -> bool:
    return all(v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA for v in values)


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def percent_tolerance(text: str) -> float:
    """How far a printed percentage may sit from count/n: one unit of its last printed digit.

    One unit (not half) because some sources truncate rather than round (66.6 for 20/30).
    """
    return 10.0 ** -_decimals(text) + 1e-9


def _rows(frame: pd.DataFrame) -> Iterator[tuple[int, pd.Series]]:
    yield from frame.iterrows()


def check_relations(tables: Tables, raw: Tables, bad_rows: dict[str, set[int]] | None = None) -> list[Problem]:
    """Every cross-column and cross-table problem. Rows with a cell of the wrong type are left
    out (that cell is already reported; checking the rest would report it twice)."""
    bad_rows = bad_rows or {}
    tables = {name: frame.drop(index=list(bad_rows.get(name, ()))) for name, frame in tables.items()}
    # Identifiers resolve against every row as written, so one bad cell in trials.csv does not
    # make every row that refers to that trial an error too.
    for name, columns in (("sources", ["source_id"]), ("trials", ["trial_id"]), ("arms", ["trial_id", "arm_id", "role"])):
        if name in raw and name in tables and bad_rows.get(name):
            dropped = raw[name].loc[sorted(bad_rows[name]), columns].replace("", None)
            tables[name] = pd.concat([tables[name], dropped])
    problems: list[Problem] = []
    for check in (
        _sources_resolve,
        _trials_resolve,
        _arms_resolve,
        _comparison_arms,
        _efficacy_values,
        _comparison_values,
        _adverse_event_values,
        _adverse_event_terms,
        _grade_bands_add_up,
        _dosing_cycles,
        _baseline_values,
    ):
        problems += list(check(tables, raw))
    return problems


def _sources_resolve(tables: Tables, raw: Tables) -> Iterator[Problem]:
    if "sources" not in tables:
        return
    known = set(tables["sources"]["source_id"].dropna())
    for name, frame in tables.items():
        for column in ("source", "source_id"):
            if column not in frame.columns or (name == "sources" and column == "source_id"):
                continue
            for line, value in frame[column].items():
                if not _present(value):
                    continue
                source_id, _, locator = str(value).partition(":")
                if column == "source":
                    if not locator.strip():
                        yield Problem(f"{name}.csv", line, column, "'SOURCE_ID: locator'", value)
                        continue
                if source_id.strip() not in known:
                    yield Problem(
                        f"{name}.csv", line, column, "a source_id listed in sources.csv", source_id.strip()
                    )


def _trials_resolve(tables: Tables, raw: Tables) -> Iterator[Problem]:
    if "trials" not in tables:
        return
    known = set(tables["trials"]["trial_id"].dropna())
    for name, frame in tables.items():
        if name in ("trials", "sources") or "trial_id" not in frame.columns:
            continue
        for line, value in frame["trial_id"].items():
            if _present(value) and value not in known:
                yield Problem(f"{name}.csv", line, "trial_id", "a trial_id listed in trials.csv", value)
    if "arms" in tables:
        with_arms = set(tables["arms"]["trial_id"].dropna())
        for line, value in tables["trials"]["trial_id"].items():
            if _present(value) and value not in with_arms:
                yield Problem("trials.csv", line, "trial_id", "at least one arm in arms.csv", "no arms")


def _arm_roles(tables: Tables) -> dict[tuple[str, str], str]:
    arms = tables["arms"]
    return {(t, a): r for t, a, r in zip(arms["trial_id"], arms["arm_id"], arms["role"])}


def _arms_resolve(tables: Tables, raw: Tables) -> Iterator[Problem]:
    if "arms" not in tables:
        return
    roles = _arm_roles(tables)
    for name in ("efficacy", "adverse_events", "dosing", "baseline", "survival_ipd"):
        frame = tables.get(name)
        if frame is None:
            continue
        for line, row in _rows(frame):
            if _present(row.trial_id, row.arm_id) and (row.trial_id, row.arm_id) not in roles:
                arms = sorted(a for t, a in roles if t == row.trial_id)
                yield Problem(
                    f"{name}.csv",
                    line,
                    "arm_id",
                    f"an arm of {row.trial_id} in arms.csv ({', '.join(arms) or 'none'})",
                    row.arm_id,
                )


def _comparison_arms(tables: Tables, raw: Tables) -> Iterator[Problem]:
    if "arms" not in tables or "comparisons" not in tables:
        return
    roles = _arm_roles(tables)
    for line, row in _rows(tables["comparisons"]):
        for column, role in (("experimental_arm", "experimental"), ("control_arm", "control")):
            arm = row[column]
            if not _present(row.trial_id, arm):
                continue
            found = roles.get((row.trial_id, arm))
            if found is None:
                yield Problem("comparisons.csv", line, column, f"an arm of {row.trial_id} in arms.csv", arm)
            elif found != role:
                yield Problem(
                    "comparisons.csv",
                    line,
                    column,
                    f"an arm whose role is {role} (ratios are experimental versus control)",
                    f"{arm} (role {found})",
                )


def _ci_problems(file: str, line: int, row: pd.Series) -> Iterator[Problem]:
    low, high, value = row.ci_low, row.ci_high, row.value
    if _present(low) != _present(high):
        missing = "ci_high" if _present(low) else "ci_low"
        yield Problem(file, line, missing, "both confidence limits or neither", "only one")
        return
    if not _present(low, high):
        return
    if low > high:
        yield Problem(file, line, "ci_low", f"ci_low <= ci_high ({high:g})", low)
    elif _present(value) and not (low <= value <= high):
        column = "ci_low" if value < low else "ci_high"
        yield Problem(
            file, line, column, f"a 95% CI containing the estimate {value:g}", f"[{low:g}, {high:g}]"
        )


def _efficacy_values(tables: Tables, raw: Tables) -> Iterator[Problem]:
    frame = tables.get("efficacy")
    if frame is None:
        return
    file = "efficacy.csv"
    for line, row in _rows(frame):
        yield from _ci_problems(file, line, row)
        expected_unit = {"median": "months", "rate": "percent"}.get(row.statistic)
        if expected_unit and _present(row.unit) and row.unit != expected_unit:
            yield Problem(file, line, "unit", f"{expected_unit} for a {row.statistic}", row.unit)
        if row.unit == "percent" and _present(row.value) and row.value > 100:
            yield Problem(file, line, "value", "a percentage from 0 to 100", row.value)
        if _present(row["count"], row.n_analysed) and row["count"] > row.n_analysed:
            yield Problem(file, line, "count", f"at most n_analysed ({row.n_analysed})", row["count"])
        if row.statistic == "rate" and _present(row["count"], row.n_analysed, row.value) and row.n_analysed > 0:
            text = raw["efficacy"].loc[line, "value"]
            computed = 100 * row["count"] / row.n_analysed
            if abs(computed - row.value) > percent_tolerance(text):
                yield Problem(
                    file,
                    line,
                    "value",
                    f"count/n_analysed = {row['count']}/{row.n_analysed} = {computed:.1f}% to rounding",
                    text,
                )


def _comparison_values(tables: Tables, raw: Tables) -> Iterator[Problem]:
    frame = tables.get("comparisons")
    if frame is None:
        return
    file = "comparisons.csv"
    for line, row in _rows(frame):
        if row.statistic == "HR" and not _present(row.value):
            yield Problem(file, line, "value", "a hazard ratio for statistic HR", "")
        if row.statistic == "p_only" and _present(row.value):
            yield Problem(file, line, "value", "no value for statistic p_only", row.value)
        if row.statistic == "HR" and _present(row.value) and row.value <= 0:
            yield Problem(file, line, "value", "a hazard ratio > 0", row.value)
        yield from _ci_problems(file, line, row)
        if _present(row.experimental_arm) and row.experimental_arm == row.control_arm:
            yield Problem(file, line, "control_arm", "an arm other than experimental_arm", row.control_arm)
        if str(row.endpoint).startswith("AE_") and not _present(row.term):
            yield Problem(file, line, "term", "a harmonized term for an adverse-event endpoint", "")
        if not _present(row.p_value, row.p_text):
            if _present(row.p_value) and not _present(row.p_text):
                yield Problem(file, line, "p_text", "the P value as printed", "")
            continue
        text = str(row.p_text).strip()
        try:
            if text.startswith("<"):
                ok = row.p_value < float(text[1:])
            else:
                ok = abs(float(text) - row.p_value) < 1e-12
        except ValueError:
            ok = False
        if not ok:
            yield Problem(file, line, "p_text", f"the printed form of p_value {row.p_value:g}", text)


def _percent_matches_count(file: str, line: int, row: pd.Series, n, n_name: str, text: str) -> Iterator[Problem]:
    """A printed percentage must match count/n to the precision printed (a warning where the
    source's own discrepancy is documented)."""
    if not _present(row["count"], row.pct, n) or n <= 0:
        return
    computed = 100 * row["count"] / n
    if abs(computed - row.pct) > percent_tolerance(text):
        yield Problem(
            file,
            line,
            "pct",
            f"count/{n_name} = {row['count']}/{n} = {computed:.1f}% to rounding",
            text,
            "warning" if _present(row.discrepancy) else "error",
        )


def _adverse_event_values(tables: Tables, raw: Tables) -> Iterator[Problem]:
    frame = tables.get("adverse_events")
    if frame is None:
        return
    file = "adverse_events.csv"
    safety = {}
    if "arms" in tables:
        arms = tables["arms"]
        safety = {(t, a): n for t, a, n in zip(arms.trial_id, arms.arm_id, arms.n_safety) if _present(n)}
    for line, row in _rows(frame):
        if not _present(row["count"]) and not _present(row.pct):
            yield Problem(file, line, "count", "a count or a pct (or both)", "neither")
        n = row.n_at_risk
        if _present(row["count"], n) and row["count"] > n:
            yield Problem(file, line, "count", f"at most n_at_risk ({n})", row["count"])
        yield from _percent_matches_count(file, line, row, n, "n_at_risk", raw["adverse_events"].loc[line, "pct"])
        expected_n = safety.get((row.trial_id, row.arm_id))
        if _present(n, expected_n) and n != expected_n:
            yield Problem(file, line, "n_at_risk", f"the arm's n_safety ({expected_n})", n)


def _adverse_event_terms(tables: Tables, raw: Tables) -> Iterator[Problem]:
    events, terms = tables.get("adverse_events"), tables.get("ae_terms")
    if events is None or terms is None:
        return
    mapping = {
        (t, r): (h, s, lv) for t, r, h, s, lv in zip(terms.trial_id, terms.term_reported, terms.term, terms.soc, terms.level)
    }
    for line, row in _rows(events):
        found = mapping.get((row.trial_id, row.term_reported))
        if found is None:
            yield Problem(
                "adverse_events.csv",
                line,
                "term_reported",
                f"a term listed for {row.trial_id} in ae_terms.csv",
                row.term_reported,
            )
            continue
        for column, expected in zip(("term", "soc", "level"), found):
            if row[column] != expected:
                yield Problem(
                    "adverse_events.csv", line, column, f"{expected!r} as mapped in ae_terms.csv", row[column]
                )
    comparisons = tables.get("comparisons")
    if comparisons is not None:
        known = set(terms.term)
        for line, value in comparisons["term"].items():
            if _present(value) and value not in known:
                yield Problem("comparisons.csv", line, "term", "a harmonized term from ae_terms.csv", value)


def _grade_bands_add_up(tables: Tables, raw: Tables) -> Iterator[Problem]:
    """Grade 3 plus grade 4 must not exceed the grade 3-4 total beyond rounding."""
    frame = tables.get("adverse_events")
    if frame is None:
        return
    texts = raw["adverse_events"]
    bands: dict[tuple, dict[str, int]] = {}
    for line, row in _rows(frame):
        bands.setdefault((row.trial_id, row.arm_id, row.level, row.term), {})[row.grade] = line
    for key, lines in bands.items():
        if "3-4" not in lines or not ({"3", "4"} & lines.keys()):
            continue
        total = frame.loc[lines["3-4"]]
        parts = [frame.loc[lines[g]] for g in ("3", "4") if g in lines]
        discrepancy = any(_present(r.discrepancy) for r in parts + [total])
        severity = "warning" if discrepancy else "error"
        if all(_present(r["count"]) for r in parts + [total]):
            summed = sum(int(r["count"]) for r in parts)
            if summed > total["count"]:
                yield Problem(
                    "adverse_events.csv",
                    lines["3-4"],
                    "count",
                    f"at least grade 3 + grade 4 = {summed}",
                    total["count"],
                    severity,
                )
        elif all(_present(r.pct) for r in parts + [total]):
            summed = sum(r.pct for r in parts)
            tolerance = sum(0.5 * percent_tolerance(texts.loc[lines[g], "pct"]) for g in ("3", "4", "3-4") if g in lines)
            if summed > total.pct + tolerance:
                yield Problem(
                    "adverse_events.csv",
                    lines["3-4"],
                    "pct",
                    f"at least grade 3 + grade 4 = {summed:.1f}% to rounding",
                    texts.loc[lines["3-4"], "pct"],
                    severity,
                )


def _dosing_cycles(tables: Tables, raw: Tables) -> Iterator[Problem]:
    frame = tables.get("dosing")
    if frame is None:
        return
    last: dict[tuple, int] = {}
    for line, row in _rows(frame):
        key = (row.trial_id, row.arm_id, row.drug)
        if not _present(row.cycle):
            continue
        if key in last and row.cycle <= last[key]:
            yield Problem(
                "dosing.csv", line, "cycle", f"a cycle after {last[key]} (cycles in increasing order)", row.cycle
            )
        last[key] = max(row.cycle, last.get(key, row.cycle))


def _baseline_values(tables: Tables, raw: Tables) -> Iterator[Problem]:
    frame = tables.get("baseline")
    if frame is None:
        return
    for line, row in _rows(frame):
        if _present(row["count"], row.n) and row["count"] > row.n:
            yield Problem("baseline.csv", line, "count", f"at most n ({row.n})", row["count"])
        yield from _percent_matches_count("baseline.csv", line, row, row.n, "n", raw["baseline"].loc[line, "pct"])
        if _present(row.range_low, row.range_high) and row.range_low > row.range_high:
            yield Problem("baseline.csv", line, "range_low", "range_low <= range_high", row.range_low)
