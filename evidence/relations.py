"""Checks that span columns or tables: references resolve, estimates sit inside their CIs,
percentages agree with counts, grade bands add up, dose cycles are ordered.

Each check yields Problems naming file, line and column. Checks skip tables that failed to load
(their own problems are already reported) and cells that are empty (not reported).

The checks compare whole columns (merges on keys, groupby), not one row at a time, so a data set
a thousand times the bundled one validates in seconds. They report in the order a row-by-row walk
would: by line (frames are indexed by CSV line number, in file order), then by check.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from functools import reduce
from itertools import chain

import pandas as pd

from evidence.problems import Problem

Tables = dict[str, pd.DataFrame]


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def percent_tolerance(text: str) -> float:
    """How far a printed percentage may sit from count/n: one unit of its last printed digit.

    One unit (not half) because some sources truncate rather than round (66.6 for 20/30).
    """
    return 10.0 ** -_decimals(text) + 1e-9


# ---------------------------------------------------------------- column-wise building blocks


def _given(*cells: pd.Series) -> pd.Series:
    """Rows where every one of these cells is filled in (an empty cell is never checked)."""
    return reduce(operator.and_, (cell.notna() for cell in cells))


def _holds(condition: pd.Series) -> pd.Series:
    """A row condition as a plain boolean mask; unknown (a comparison with an empty cell) is false."""
    return pd.Series(condition.to_numpy(dtype=bool, na_value=False), index=condition.index)


def _lines(mask: pd.Series) -> pd.Index:
    """Line numbers of the rows where `mask` holds."""
    return mask.index[mask.to_numpy()]


def _flagged(mask: pd.Series, *cells: pd.Series) -> Iterator[tuple]:
    """(line, value, ...) for each row where `mask` holds, in line order. Values come as plain
    Python objects (int, float, str, None, pd.NA), as `DataFrame.iterrows` gives them."""
    return zip(_lines(mask), *(cell[mask].tolist() for cell in cells))


def _by_line(*problem_lists: Iterable[Problem]) -> list[Problem]:
    """Problems of several checks of one file, each list in line order, merged as a row-by-row
    walk reports them: by line, then in the order the lists are given (a stable sort)."""
    return sorted(chain(*problem_lists), key=lambda problem: problem.line)


def _printed_tolerances(texts: pd.Series) -> pd.Series:
    """`percent_tolerance` of each printed percentage (computed once per distinct text)."""
    return texts.map({text: percent_tolerance(text) for text in texts.unique()})


def _lookup(
    frame: pd.DataFrame, keys: list[str], table: pd.DataFrame, table_keys: list[str], values: Sequence[str] = ()
) -> pd.DataFrame:
    """For each row of `frame`, the `values` of the row of `table` whose `table_keys` equal the
    row's `keys`, and `found`: whether there is one. Like a dict built from `table`: the last of
    duplicate keys wins, and an empty key cell matches an empty key cell. Indexed like `frame`."""
    mapping = table.drop_duplicates(table_keys, keep="last")[[*table_keys, *values]]
    mapping.columns = [*keys, *values]
    merged = frame[keys].merge(mapping, how="left", on=keys, indicator="found")  # keeps frame's order
    merged.index = frame.index
    merged["found"] = merged["found"].to_numpy() == "both"
    return merged


def _count_or_pct_problems(
    file: str, frame: pd.DataFrame, pct_texts: pd.Series, n_name: str
) -> tuple[list[Problem], list[Problem]]:
    """A count above its denominator; a printed percentage further from count/n than one unit of
    its last printed digit (a warning where the row documents the source's own discrepancy).

    Returns two lists in line order: count problems, then percentage problems."""
    count, n = frame["count"], frame[n_name]
    above = _holds(_given(count, n) & (count > n))
    over_n = [
        Problem(file, line, "count", f"at most {n_name} ({total})", value)
        for line, value, total in _flagged(above, count, n)
    ]
    rows = frame[_holds(_given(count, frame.pct, n) & (n > 0))]
    computed = 100 * rows["count"] / rows[n_name]  # exact as in Python for counts below 2**53 / 100
    texts = pct_texts.loc[rows.index]
    off = _holds((computed - rows.pct).abs() > _printed_tolerances(texts))
    mismatched = [
        Problem(
            file,
            line,
            "pct",
            f"count/{n_name} = {value}/{total} = {percent:.1f}% to rounding",
            text,
            "warning" if noted else "error",
        )
        for line, value, total, percent, text, noted in _flagged(
            off, rows["count"], rows[n_name], computed, texts, rows.discrepancy.notna()
        )
    ]
    return over_n, mismatched


def _ci_problems(file: str, frame: pd.DataFrame) -> list[Problem]:
    """Both confidence limits or neither; ci_low <= ci_high; the estimate inside the interval.
    At most one problem per row, in line order."""
    low, high, value = frame.ci_low, frame.ci_high, frame.value
    one_limit = low.notna() != high.notna()
    both = _given(low, high)
    reversed_limits = both & (low > high)
    outside = both & ~reversed_limits & value.notna() & ~((low <= value) & (value <= high))
    return _by_line(
        [
            Problem(file, line, "ci_high" if has_low else "ci_low", "both confidence limits or neither", "only one")
            for line, has_low in _flagged(one_limit, low.notna())
        ],
        [
            Problem(file, line, "ci_low", f"ci_low <= ci_high ({upper:g})", lower)
            for line, lower, upper in _flagged(reversed_limits, low, high)
        ],
        [
            Problem(
                file,
                line,
                "ci_low" if estimate < lower else "ci_high",
                f"a 95% CI containing the estimate {estimate:g}",
                f"[{lower:g}, {upper:g}]",
            )
            for line, lower, upper, estimate in _flagged(outside, low, high, value)
        ],
    )


# ---------------------------------------------------------------- the checks


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
        _flow_counts,
        _exposure_values,
        _event_outcome_values,
        _finding_values,
    ):
        problems += list(check(tables, raw))
    return problems + _discrepancies_no_rule_checks(tables, problems)


def _sources_resolve(tables: Tables, raw: Tables) -> list[Problem]:
    """Every `source` cell reads 'SOURCE_ID: locator', and the source id of every `source` and
    `source_id` cell is listed in sources.csv. Table by table, `source` before `source_id`."""
    if "sources" not in tables:
        return []
    known = tables["sources"]["source_id"].dropna()
    problems = []
    for name, frame in tables.items():
        for column in ("source", "source_id"):
            if column not in frame.columns or (name == "sources" and column == "source_id"):
                continue
            problems += _unresolved_sources(f"{name}.csv", column, frame[column].dropna(), known)
    return problems


def _unresolved_sources(file: str, column: str, values: pd.Series, known: pd.Series) -> list[Problem]:
    """Problems of one column's filled-in cells: a `source` without a locator, else a source id
    (the text before the first ':') that is not `known`. Each distinct text is split once."""
    distinct = values.unique()
    source_id = values.map({value: str(value).partition(":")[0].strip() for value in distinct})
    locator = values.map({value: str(value).partition(":")[2].strip() for value in distinct})
    no_locator = locator.eq("") if column == "source" else pd.Series(False, index=values.index)
    unknown = ~no_locator & ~source_id.isin(known)
    return _by_line(
        [
            Problem(file, line, column, "'SOURCE_ID: locator'", value)
            for line, value in _flagged(no_locator, values)
        ],
        [
            Problem(file, line, column, "a source_id listed in sources.csv", value)
            for line, value in _flagged(unknown, source_id)
        ],
    )


def _trials_resolve(tables: Tables, raw: Tables) -> list[Problem]:
    """Every trial_id outside trials.csv (and sources.csv) is listed in trials.csv, and every trial
    has at least one arm in arms.csv."""
    if "trials" not in tables:
        return []
    trial_ids = tables["trials"]["trial_id"]
    problems = []
    for name, frame in tables.items():
        if name in ("trials", "sources") or "trial_id" not in frame.columns:
            continue
        unknown = frame["trial_id"].notna() & ~frame["trial_id"].isin(trial_ids.dropna())
        problems += [
            Problem(f"{name}.csv", line, "trial_id", "a trial_id listed in trials.csv", value)
            for line, value in _flagged(unknown, frame["trial_id"])
        ]
    if "arms" in tables:
        armless = trial_ids.notna() & ~trial_ids.isin(tables["arms"]["trial_id"].dropna())
        problems += [
            Problem("trials.csv", line, "trial_id", "at least one arm in arms.csv", "no arms")
            for line in _lines(armless)
        ]
    return problems


def _arm_ids_by_trial(arms: pd.DataFrame) -> dict[object, list]:
    """The arm ids of each trial in arms.csv, each (trial, arm) pair once, in order of appearance
    (an empty arm id is reported where arms.csv is checked, not listed here)."""
    by_trial: dict[object, list] = {}
    for trial_id, arm_id in dict.fromkeys(zip(arms["trial_id"], arms["arm_id"])):
        if isinstance(arm_id, str) and arm_id:
            by_trial.setdefault(trial_id, []).append(arm_id)
    return by_trial


def _arms_resolve(tables: Tables, raw: Tables) -> list[Problem]:
    """Every (trial_id, arm_id) of a per-arm table is an arm in arms.csv; the message lists the
    trial's arms. Table by table, in line order."""
    if "arms" not in tables:
        return []
    arms = tables["arms"]
    arm_ids = _arm_ids_by_trial(arms)
    problems = []
    for name in (
        "efficacy", "adverse_events", "dosing", "baseline", "flow", "exposure", "event_outcomes", "findings",
        "survival_ipd",
    ):
        frame = tables.get(name)
        if frame is None:
            continue
        listed = _lookup(frame, ["trial_id", "arm_id"], arms, ["trial_id", "arm_id"])["found"]
        unknown = _given(frame.trial_id, frame.arm_id) & ~listed
        for line, trial_id, arm_id in _flagged(unknown, frame.trial_id, frame.arm_id):
            listing = ", ".join(sorted(arm_ids.get(trial_id, []))) or "none"
            problems.append(
                Problem(f"{name}.csv", line, "arm_id", f"an arm of {trial_id} in arms.csv ({listing})", arm_id)
            )
    return problems


def _comparison_arms(tables: Tables, raw: Tables) -> list[Problem]:
    """A comparison's experimental_arm is an arm of its trial with role experimental, and its
    control_arm one with role control (an arm with no role counts as unknown)."""
    if "arms" not in tables or "comparisons" not in tables:
        return []
    frame, arms = tables["comparisons"], tables["arms"]
    return _by_line(
        *_arm_role_problems(frame, arms, "experimental_arm", "experimental"),
        *_arm_role_problems(frame, arms, "control_arm", "control"),
    )


def _arm_role_problems(
    frame: pd.DataFrame, arms: pd.DataFrame, column: str, role: str
) -> tuple[list[Problem], list[Problem]]:
    """Comparisons whose arm in `column` is not an arm of the trial, then those whose arm has
    another role; each in line order."""
    found = _lookup(frame, ["trial_id", column], arms, ["trial_id", "arm_id"], ["role"])["role"]
    given = _given(frame.trial_id, frame[column])
    wrong_role = _holds(given & found.notna() & (found != role))
    unknown = [
        Problem("comparisons.csv", line, column, f"an arm of {trial_id} in arms.csv", arm)
        for line, trial_id, arm in _flagged(given & found.isna(), frame.trial_id, frame[column])
    ]
    expected = f"an arm whose role is {role} (ratios are experimental versus control)"
    miscast = [
        Problem("comparisons.csv", line, column, expected, f"{arm} (role {arm_role})")
        for line, arm, arm_role in _flagged(wrong_role, frame[column], found)
    ]
    return unknown, miscast


def _efficacy_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: the CI (see `_ci_problems`); unit months for a median and percent for a rate;
    a percentage at most 100; count at most n_analysed; a rate within rounding of
    count/n_analysed, to the precision printed."""
    frame = tables.get("efficacy")
    if frame is None:
        return []
    file = "efficacy.csv"
    expected_unit = frame.statistic.map({"median": "months", "rate": "percent"})
    wrong_unit = _given(expected_unit, frame.unit) & (frame.unit != expected_unit)
    above_100 = _holds(frame.unit.eq("percent") & frame.value.notna() & (frame.value > 100))
    above_n = _holds(_given(frame["count"], frame.n_analysed) & (frame["count"] > frame.n_analysed))
    rates = frame[
        _holds(
            frame.statistic.eq("rate")
            & _given(frame["count"], frame.n_analysed, frame.value)
            & (frame.n_analysed > 0)
        )
    ]
    computed = 100 * rates["count"] / rates.n_analysed  # exact as in Python for counts below 2**53 / 100
    texts = raw["efficacy"]["value"].loc[rates.index]
    off = _holds((computed - rates.value).abs() > _printed_tolerances(texts))
    return _by_line(
        _ci_problems(file, frame),
        [
            Problem(file, line, "unit", f"{unit} for a {statistic}", found)
            for line, unit, statistic, found in _flagged(wrong_unit, expected_unit, frame.statistic, frame.unit)
        ],
        [
            Problem(file, line, "value", "a percentage from 0 to 100", value)
            for line, value in _flagged(above_100, frame.value)
        ],
        [
            Problem(file, line, "count", f"at most n_analysed ({n})", count)
            for line, count, n in _flagged(above_n, frame["count"], frame.n_analysed)
        ],
        [
            Problem(file, line, "value", f"count/n_analysed = {count}/{n} = {percent:.1f}% to rounding", text)
            for line, count, n, percent, text in _flagged(off, rates["count"], rates.n_analysed, computed, texts)
        ],
    )


def _p_text_agrees(p_value: pd.Series, text: pd.Series) -> pd.Series:
    """Whether each printed P value agrees with p_value: '<bound' must lie above it, any other text
    must read as the same number (to 1e-12). Text that does not read as a number never agrees."""
    bound = text.str.startswith("<")
    number = text.where(~bound, text.str[1:])
    number = number.map({t: _float_or_nan(t) for t in number.unique()}).astype(float)
    return _holds(bound & (p_value < number)) | _holds(~bound & ((number - p_value).abs() < 1e-12))


def _float_or_nan(text: str) -> float:
    """The text read by Python's float(), or NaN where it does not read as a number."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _comparison_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: a positive ratio for statistic HR and none for p_only; the CI (see
    `_ci_problems`); two different arms; a term for an adverse-event endpoint; a P value given
    as a number is also given as printed, and the two agree."""
    frame = tables.get("comparisons")
    if frame is None:
        return []
    file = "comparisons.csv"
    hr, p_only = frame.statistic.eq("HR"), frame.statistic.eq("p_only")
    same_arms = frame.experimental_arm.notna() & (frame.experimental_arm == frame.control_arm)
    ae_without_term = frame.endpoint.astype(str).str.startswith("AE_") & frame.term.isna()
    printed = frame[_given(frame.p_value, frame.p_text)]
    texts = printed.p_text.astype(str).str.strip()
    disagrees = ~_p_text_agrees(printed.p_value, texts)
    return _by_line(
        [
            Problem(file, line, "value", "a hazard ratio for statistic HR", "")
            for line in _lines(hr & frame.value.isna())
        ],
        [
            Problem(file, line, "value", "no value for statistic p_only", value)
            for line, value in _flagged(p_only & frame.value.notna(), frame.value)
        ],
        [
            Problem(file, line, "value", "a hazard ratio > 0", value)
            for line, value in _flagged(hr & frame.value.notna() & (frame.value <= 0), frame.value)
        ],
        _ci_problems(file, frame),
        [
            Problem(file, line, "control_arm", "an arm other than experimental_arm", arm)
            for line, arm in _flagged(same_arms, frame.control_arm)
        ],
        [
            Problem(file, line, "term", "a harmonized term for an adverse-event endpoint", "")
            for line in _lines(ae_without_term)
        ],
        [
            Problem(file, line, "p_text", "the P value as printed", "")
            for line in _lines(frame.p_value.notna() & frame.p_text.isna())
        ],
        [
            Problem(file, line, "p_text", f"the printed form of p_value {p_value:g}", text)
            for line, p_value, text in _flagged(disagrees, printed.p_value, texts)
        ],
    )


def _adverse_event_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: a count or a pct, with n_at_risk; or none of the three, for an event the document
    names in words only; count at most n_at_risk; pct within rounding of count/n_at_risk (see
    `_count_or_pct_problems`); n_at_risk equal to the arm's n_safety in arms.csv where both are
    given."""
    frame = tables.get("adverse_events")
    if frame is None:
        return []
    file = "adverse_events.csv"
    neither = frame["count"].isna() & frame.pct.isna() & frame.n_at_risk.notna()
    no_n = (frame["count"].notna() | frame.pct.notna()) & frame.n_at_risk.isna()
    over_n, mismatched = _count_or_pct_problems(file, frame, raw["adverse_events"]["pct"], "n_at_risk")
    not_n_safety = []
    if "arms" in tables:
        arms = tables["arms"]
        arms = arms[arms.n_safety.notna()]  # an arm without n_safety does not hide an earlier row's
        n_safety = _lookup(frame, ["trial_id", "arm_id"], arms, ["trial_id", "arm_id"], ["n_safety"])["n_safety"]
        differs = _holds(_given(frame.n_at_risk, n_safety) & (frame.n_at_risk != n_safety))
        not_n_safety = [
            Problem(file, line, "n_at_risk", f"the arm's n_safety ({expected})", n)
            for line, expected, n in _flagged(differs, n_safety, frame.n_at_risk)
        ]
    return _by_line(
        [
            Problem(file, line, "count", "a count or a pct (or both; or count, pct and n_at_risk all empty for an event named in words only)", "neither")
            for line in _lines(neither)
        ],
        [Problem(file, line, "n_at_risk", "a value (a whole number >= 1) with a count or a pct", "") for line in _lines(no_n)],
        over_n,
        mismatched,
        not_n_safety,
    )


def _adverse_event_terms(tables: Tables, raw: Tables) -> list[Problem]:
    """Every (trial_id, term_reported) of adverse_events.csv is listed in ae_terms.csv, and the
    row's term, soc and level are the ones mapped there; every comparison term of an adverse-event
    endpoint is a harmonized term of ae_terms.csv (on a time-to-event endpoint `term` names a model
    term instead, e.g. "treatment × time interaction")."""
    events, terms = tables.get("adverse_events"), tables.get("ae_terms")
    if events is None or terms is None:
        return []
    columns = ["term", "soc", "level"]
    mapped = _lookup(events, ["trial_id", "term_reported"], terms, ["trial_id", "term_reported"], columns)
    unlisted = [
        Problem("adverse_events.csv", line, "term_reported", f"a term listed for {trial_id} in ae_terms.csv", reported)
        for line, trial_id, reported in _flagged(~mapped.found, events.trial_id, events.term_reported)
    ]
    problems = _by_line(unlisted, *(_unlike_mapping(events, mapped, column) for column in columns))
    comparisons = tables.get("comparisons")
    if comparisons is not None:
        adverse = comparisons.endpoint.astype(str).str.startswith("AE_")
        unknown = adverse & comparisons.term.notna() & ~comparisons.term.isin(terms.term.dropna())
        problems += [
            Problem("comparisons.csv", line, "term", "a harmonized term from ae_terms.csv", value)
            for line, value in _flagged(unknown, comparisons.term)
        ]
    return problems


def _unlike_mapping(events: pd.DataFrame, mapped: pd.DataFrame, column: str) -> list[Problem]:
    """Listed rows whose `column` is not the value ae_terms.csv maps their term to, in line order.
    Compared as Python's `!=` does: two empty cells agree."""
    cells, expected = events[column], mapped[column]
    differs = mapped.found & (cells != expected) & ~(cells.isna() & expected.isna())
    return [
        Problem("adverse_events.csv", line, column, f"{value!r} as mapped in ae_terms.csv", found)
        for line, value, found in _flagged(differs, expected, cells)
    ]


_BAND = ["trial_id", "arm_id", "level", "term"]
_PARTS = ("3", "4")


def _grade_band_rows(frame: pd.DataFrame, pct_texts: pd.Series) -> pd.DataFrame:
    """One row per band (trial, arm, level, term), in order of the band's first row in the file;
    for each of grades 3, 4 and 3-4 the band's last row of that grade: its line, count, pct, half
    its printed tolerance and whether it notes a discrepancy (all empty where there is none)."""
    cells = frame[["grade", "count", "pct", "discrepancy"]].assign(
        band=frame.groupby(_BAND, dropna=False, sort=False).ngroup(), line=frame.index
    )
    per_grade = {}
    for grade in (*_PARTS, "3-4"):
        rows = cells[_holds(cells.grade.eq(grade))].drop_duplicates("band", keep="last").set_index("band")
        per_grade[grade] = pd.DataFrame(
            {
                "line": rows.line,
                "count": rows["count"],
                "pct": rows.pct,
                "half_tolerance": 0.5 * _printed_tolerances(pct_texts.loc[rows.line]).to_numpy(),
                "noted": rows.discrepancy.notna(),
            }
        )
    return pd.concat(per_grade, axis=1).sort_index()


def _grade_bands_add_up(tables: Tables, raw: Tables) -> list[Problem]:
    """Grade 3 plus grade 4 must not exceed the grade 3-4 total beyond rounding.

    Compares counts where every row involved has one, else printed percentages with half a unit
    of the last printed digit of slack per row. A discrepancy note on any row involved makes the
    problem a warning. At most one problem per band, on its 3-4 row, in the order bands first
    appear; of duplicate rows of one grade in a band, the last counts.

    The sum holds when each patient counts once, at the worst grade (as E2100 Table 2 states).
    Where a document does not say so, a patient may count under both grades: a total below the
    sum but not below either grade alone then cannot be reconciled without per-patient data, and
    the message says so; a total below one grade alone contradicts the document either way."""
    frame = tables.get("adverse_events")
    if frame is None:
        return []
    bands = _grade_band_rows(frame, raw["adverse_events"]["pct"])
    total = bands["3-4"]
    has = {grade: bands[grade]["line"].notna() for grade in _PARTS}
    checked = total["line"].notna() & (has["3"] | has["4"])

    def complete(field: str) -> pd.Series:
        return reduce(operator.and_, (~has[g] | bands[g][field].notna() for g in _PARTS)) & total[field].notna()

    def parts_sum(field: str) -> pd.Series:
        # In the order of Python's sum(): grade 3, then grade 4 (an absent row adds exactly 0).
        return bands["3"][field].fillna(0) + bands["4"][field].fillna(0)

    by_count = checked & complete("count")
    count_short = _holds(by_count & (parts_sum("count") > total["count"]))
    tolerance = parts_sum("half_tolerance") + total["half_tolerance"]
    pct_short = _holds(checked & ~by_count & complete("pct") & (parts_sum("pct") > total["pct"] + tolerance))
    # Below one grade alone (beyond rounding): no way of counting patients explains the total.
    below_count = reduce(operator.or_, (_holds(bands[g]["count"] > total["count"]) for g in _PARTS))
    below_pct = reduce(
        operator.or_,
        (_holds(bands[g]["pct"] - bands[g]["half_tolerance"] > total["pct"] + total["half_tolerance"]) for g in _PARTS),
    )
    below_a_grade = (count_short & below_count) | (pct_short & below_pct)
    noted = reduce(operator.or_, (_holds(bands[grade]["noted"]) for grade in (*_PARTS, "3-4")))
    texts = raw["adverse_events"]["pct"]
    overlap = ", unless some patients count under both grades (cannot be reconciled without per-patient data)"
    problems = []
    for _band, line, counted, count, pct, warn, contradicts in _flagged(
        count_short | pct_short, total["line"], count_short, parts_sum("count"), parts_sum("pct"), noted, below_a_grade
    ):
        line, severity = int(line), "warning" if warn else "error"
        if counted:
            expected, found, column = f"at least grade 3 + grade 4 = {count}", frame.at[line, "count"], "count"
        else:
            expected, found, column = f"at least grade 3 + grade 4 = {pct:.1f}% to rounding", texts.loc[line], "pct"
        expected += "" if contradicts else overlap
        problems.append(Problem("adverse_events.csv", line, column, expected, found, severity))
    return problems


def _dosing_cycles(tables: Tables, raw: Tables) -> list[Problem]:
    """Within each (trial, arm, drug), every cycle is above all the cycles listed before it."""
    frame = tables.get("dosing")
    if frame is None:
        return []
    rows = frame[frame.cycle.notna()]
    keys = [rows.trial_id, rows.arm_id, rows.drug]
    highest_so_far = rows.cycle.groupby(keys, dropna=False, sort=False).cummax()
    highest_before = highest_so_far.groupby(keys, dropna=False, sort=False).shift()
    out_of_order = _holds(highest_before.notna() & (rows.cycle <= highest_before))
    return [
        Problem("dosing.csv", line, "cycle", f"a cycle after {before} (cycles in increasing order)", cycle)
        for line, before, cycle in _flagged(out_of_order, highest_before, rows.cycle)
    ]


def _baseline_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: count at most n; pct within rounding of count/n (see `_count_or_pct_problems`);
    range_low <= range_high."""
    frame = tables.get("baseline")
    if frame is None:
        return []
    over_n, mismatched = _count_or_pct_problems("baseline.csv", frame, raw["baseline"]["pct"], "n")
    reversed_range = _given(frame.range_low, frame.range_high) & (frame.range_low > frame.range_high)
    return _by_line(
        over_n,
        mismatched,
        [
            Problem("baseline.csv", line, "range_low", "range_low <= range_high", low)
            for line, low in _flagged(reversed_range, frame.range_low)
        ],
    )


def _flow_counts(tables: Tables, raw: Tables) -> list[Problem]:
    """Parts never exceed their whole: a stage's reasons add up to at most the stage's total (same
    trial, arm and stage, reason empty), and the arms' totals of a stage add up to at most the
    whole trial's total (arm empty). Reported on the whole's row, in line order."""
    frame = tables.get("flow")
    if frame is None:
        return []
    file = "flow.csv"
    rows = frame[frame["count"].notna()]
    totals = rows[rows.reason.isna()]
    reasons = rows[rows.reason.notna()]
    keys = ["trial_id", "arm_id", "stage"]
    by_reason = reasons.groupby(keys, dropna=False, sort=False)["count"].sum().rename("parts").reset_index()
    arm_totals = totals[totals.arm_id.notna()]
    by_arm = arm_totals.groupby(["trial_id", "stage"], dropna=False, sort=False)["count"].sum().rename("parts")
    by_arm = by_arm.reset_index().assign(arm_id=None)
    problems = []
    for parts, what in ((by_reason, "its reasons"), (by_arm, "its arms")):
        found = _lookup(totals, keys, parts, keys, ["parts"])["parts"]
        over = _holds(_given(found) & (found > totals["count"]))
        problems += [
            Problem(file, line, "count", f"at least the sum of {what} ({int(total)})", count)
            for line, total, count in _flagged(over, found, totals["count"])
        ]
    return sorted(problems, key=lambda problem: problem.line)


def _exposure_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: a count, a pct or a value; count_of with a count; a unit with a value; count at most
    the denominator; pct within rounding of count/denominator (see `_count_or_pct_problems`)."""
    frame = tables.get("exposure")
    if frame is None:
        return []
    file = "exposure.csv"
    empty = frame["count"].isna() & frame.pct.isna() & frame.value.isna()
    over_n, mismatched = _count_or_pct_problems(file, frame, raw["exposure"]["pct"], "denominator")
    return _by_line(
        [Problem(file, line, "count", "a count, a pct or a value", "none of them") for line in _lines(empty)],
        [
            Problem(file, line, "count_of", "what the count counts (patients, planned applications)", "")
            for line in _lines(frame["count"].notna() & frame.count_of.isna())
        ],
        [
            Problem(file, line, "unit", "the unit of value (months, cycles)", "")
            for line in _lines(frame.value.notna() & frame.unit.isna())
        ],
        over_n,
        mismatched,
    )


def _event_outcome_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: count at most n_at_risk, and n_at_risk the arm's n_safety where both are given; a
    drug for an outcome other than death; a term, when given, that ae_terms.csv lists."""
    frame = tables.get("event_outcomes")
    if frame is None:
        return []
    file = "event_outcomes.csv"
    over = _holds(_given(frame["count"], frame.n_at_risk) & (frame["count"] > frame.n_at_risk))
    no_drug = _holds(frame.outcome.notna() & frame.outcome.ne("death") & frame.drug.isna())
    not_n_safety, unknown_term = [], []
    if "arms" in tables:
        arms = tables["arms"]
        arms = arms[arms.n_safety.notna()]
        n_safety = _lookup(frame, ["trial_id", "arm_id"], arms, ["trial_id", "arm_id"], ["n_safety"])["n_safety"]
        differs = _holds(_given(frame.n_at_risk, n_safety) & (frame.n_at_risk != n_safety))
        not_n_safety = [
            Problem(file, line, "n_at_risk", f"the arm's n_safety ({expected})", n)
            for line, expected, n in _flagged(differs, n_safety, frame.n_at_risk)
        ]
    if "ae_terms" in tables:
        unlisted = frame.term.notna() & ~frame.term.isin(tables["ae_terms"].term.dropna())
        unknown_term = [
            Problem(file, line, "term", "a harmonized term from ae_terms.csv (or empty)", term)
            for line, term in _flagged(unlisted, frame.term)
        ]
    return _by_line(
        [
            Problem(file, line, "count", f"at most n_at_risk ({n})", count)
            for line, count, n in _flagged(over, frame["count"], frame.n_at_risk)
        ],
        not_n_safety,
        [
            Problem(file, line, "drug", f"the drug the outcome '{outcome}' applies to", "")
            for line, outcome in _flagged(no_drug, frame.outcome)
        ],
        unknown_term,
    )


def _finding_values(tables: Tables, raw: Tables) -> list[Problem]:
    """Per row: a unit with a value."""
    frame = tables.get("findings")
    if frame is None:
        return []
    return [
        Problem("findings.csv", line, "unit", "the unit of value", "")
        for line in _lines(frame.value.notna() & frame.unit.isna())
    ]


def _discrepancies_no_rule_checks(tables: Tables, problems: list[Problem]) -> list[Problem]:
    """A warning for each documented discrepancy that no check above reports, so that validation
    lists every place a source contradicts itself, including those no rule can see (E2100's two P
    values for one neuropathy comparison). A note counts as reported when a warning sits on its
    row or, in adverse_events.csv, on its grade band's 3-4 row (the band check reads the notes of
    every row of the band). Table by table, in line order."""
    warned = {(p.file, p.line) for p in problems if p.severity == "warning"}
    found = []
    for name, frame in tables.items():
        if "discrepancy" not in frame.columns:
            continue
        file = f"{name}.csv"
        noted = frame[frame.discrepancy.notna()]
        reported = pd.Series([(file, line) in warned for line in noted.index], index=noted.index, dtype=bool)
        if name == "adverse_events" and not noted.empty:
            band = frame.groupby(_BAND, dropna=False, sort=False).ngroup()
            warned_lines = pd.Series(frame.index.isin([line for f, line in warned if f == file]), index=frame.index)
            warned_totals = _holds(warned_lines & frame.grade.eq("3-4"))
            in_warned_band = band.isin(band[warned_totals]) & frame.grade.isin([*_PARTS, "3-4"])
            reported |= in_warned_band.loc[noted.index]
        found += [
            Problem(file, line, "discrepancy", "a source that agrees with itself (a documented discrepancy no rule checks)",
                    note, "warning")
            for line, note in _flagged(~reported, noted.discrepancy)
        ]
    return found
