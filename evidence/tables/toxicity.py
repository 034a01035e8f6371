"""Adverse-event tables for the toxicity heatmap: % of patients per harmonized term and trial arm
(`toxicity_matrix`), the between-arm difference with a 95% CI (`toxicity_differences`), and why a
selection is empty (`empty_selection_message`).

A cell with no row in `adverse_events` is *not reported* (`reported` False), which is never the same
as a reported 0%. `grade_band_rows` decides which row stands for a cell, so no reported event drops
out of a grade band: one of grades 3 and 4 reported is a lower bound ("≥ 7.0 (G4 NR)"), an event
named in words only is "reported, no figures" (issue 11). Pure pandas: `evidence.figures.toxicity`
draws these tables.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from evidence import cache
from evidence.contract import GRADE_LABELS, GRADES, REGISTRY_GRADES
from evidence.stats import counts_from_percent, risk_difference_ci

SORTS = ("rate", "difference", "soc")
_ROLE_ORDER = {"control": 0, "experimental": 1, "single": 2}

MATRIX_COLUMNS = [
    "term", "soc", "trial_id", "arm_id", "column_label", "arm_label", "role", "grade",
    "pct", "pct_derived", "count", "n_at_risk", "term_reported", "ctcae_version", "source",
    "passage", "derived", "derived_method", "discrepancy", "reported", "hidden_derived",
    "lower_bound", "missing_grade", "bound_grade", "bound_note", "no_figures", "shown",
    "term_order", "column_order",
]  # fmt: skip
DIFFERENCE_COLUMNS = [
    "term", "soc", "trial_id", "arm_e", "arm_c", "column_label", "diff", "ci_low", "ci_high",
    "method", "derived", "note", "count_e", "n_e", "pct_e", "count_c", "n_c", "pct_c",
    "counts_back_calculated", "count_e_back_calculated", "count_c_back_calculated", "term_order",
]  # fmt: skip
NEWCOMBE = "Newcombe hybrid score"
LOWER_BOUND_METHOD = "not computed: an arm's figure is a lower bound (one grade not reported)"


# ---------------------------------------------------------------- small helpers


def is_missing(value) -> bool:
    """None, pd.NA or NaN: a value the table does not hold."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _short_arm_label(arm_id: str, label) -> str:
    """'Arm B: paclitaxel + sorafenib' -> 'B: paclitaxel + sorafenib' (the arm id leads once)."""
    text = "" if is_missing(label) else str(label)
    text = re.sub(r"^\s*Arm\s+\S+\s*:\s*", "", text)
    return f"{arm_id}: {text}" if text else str(arm_id)


def _derived_method(source) -> str:
    """The curators' method note from a 'SOURCE: Table 2 (grade 3 + grade 4, computed)' locator."""
    match = re.search(r"\(([^()]*computed[^()]*)\)", "" if is_missing(source) else str(source))
    if match:
        return re.sub(r",?\s*computed\s*$", "", match.group(1)).strip() or "computed by the curators"
    return "computed by the curators, see source"


def _columns(adverse_events: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Trial × arm columns: every arm of each trial that reports term-level events, in trial order,
    control before experimental."""
    term_rows = adverse_events[adverse_events["level"] == "term"]
    trial_ids = list(dict.fromkeys(term_rows["trial_id"]))
    trial_rank = {t: i for i, t in enumerate(trials["trial_id"])} if trials is not None else {}
    trial_ids.sort(key=lambda t: (trial_rank.get(t, len(trial_rank)), t))
    # One pass over each table (not one filter per trial): arms.csv rows per trial in file order,
    # the first row of an arm giving its label and role, and the arms each trial reports events for.
    listed: dict[str, list] = {}
    arm_info: dict[tuple, tuple] = {}
    if arms is not None and not arms.empty:
        for trial_id, arm_id, label, role in zip(arms["trial_id"], arms["arm_id"], arms["label"], arms["role"]):
            listed.setdefault(trial_id, []).append(arm_id)
            arm_info.setdefault((trial_id, arm_id), (label, role))
    reporting = term_rows.groupby("trial_id", sort=False)["arm_id"].unique()
    rows = []
    for rank, trial_id in enumerate(trial_ids):
        arm_ids = list(listed.get(trial_id, []))
        # Arms present in adverse_events but missing from arms.csv still get a column.
        arm_ids += [a for a in reporting[trial_id] if a not in arm_ids]
        for arm_id in arm_ids:
            label, role = arm_info.get((trial_id, arm_id), (None, "single"))
            short = _short_arm_label(arm_id, label)
            rows.append(
                dict(
                    trial_id=trial_id,
                    arm_id=arm_id,
                    role=role,
                    arm_label=short,
                    column_label=f"{trial_id} · {short}",
                    _trial_rank=rank,
                    _role_rank=_ROLE_ORDER.get(role, 3),
                )
            )
    columns = pd.DataFrame(rows, columns=["trial_id", "arm_id", "role", "arm_label", "column_label", "_trial_rank", "_role_rank"])
    columns = columns.sort_values(["_trial_rank", "_role_rank", "arm_id"], kind="stable").reset_index(drop=True)
    columns["column_order"] = range(len(columns))
    return columns.drop(columns=["_trial_rank", "_role_rank"])


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# ---------------------------------------------------------------- grade bands

BAND_ROW_COLUMNS = [
    "trial_id", "arm_id", "term", "soc", "count", "pct", "n_at_risk", "term_reported", "ctcae_version",
    "source", "passage", "derived", "derived_method", "discrepancy", "bound", "missing_grade", "bound_grade", "no_figures",
]  # fmt: skip
_BAND_KEY = ["trial_id", "arm_id", "term"]


def _words_only(rows: pd.DataFrame) -> pd.Series:
    """Rows naming an event in words only: count, pct and n_at_risk all empty (data contract,
    adverse_events `count`), e.g. the renal abstract's "fatigue, hypertension, diarrhea and PPE"."""
    return rows["count"].isna() & rows["pct"].isna() & rows["n_at_risk"].isna()


def _pct_of(rows: pd.DataFrame) -> pd.Series:
    """The printed percentage, or 100 × count / n_at_risk where only the count is printed."""
    pct = rows["pct"].astype(float)
    from_count = 100.0 * rows["count"].astype(float) / rows["n_at_risk"].astype(float)
    return pct.where(pct.notna(), from_count)


def _summed_grades(g3: pd.DataFrame, g4: pd.DataFrame) -> pd.DataFrame:
    """Grade 3 + grade 4 from patient counts, one row per key present in both (indexed by key).

    A count not printed is taken as round(pct × n / 100) (the rule of issue 11: sum counts, never
    rounded percentages); the band's pct is 100 × (count3 + count4) / n. Marked derived."""
    def counts(part: pd.DataFrame) -> pd.Series:
        printed = part["count"].astype(float)
        recovered = (part["pct"].astype(float) * part["n_at_risk"].astype(float) / 100.0).round()
        return printed.where(printed.notna(), recovered)

    total = counts(g3) + counts(g4)
    out = g3.copy()
    out["count"] = total.round().astype("Int64")
    out["pct"] = 100.0 * total / g3["n_at_risk"].astype(float)
    out["derived"] = True
    out["derived_method"] = "grade 3 + grade 4 patient counts, computed here"
    out["source"] = [" | ".join(dict.fromkeys([a, b])) for a, b in zip(g3["source"], g4["source"])]
    out["passage"] = [
        " | ".join(dict.fromkeys(str(x) for x in (a, b) if not is_missing(x))) or None
        for a, b in zip(g3["passage"], g4["passage"])
    ]
    out["discrepancy"] = [
        None if is_missing(a) and is_missing(b) else "; ".join(str(x) for x in (a, b) if not is_missing(x))
        for a, b in zip(g3["discrepancy"], g4["discrepancy"])
    ]
    return out


def grade_band_rows(term_rows: pd.DataFrame, grade: str) -> pd.DataFrame:
    """The one row that stands for each (trial, arm, term) in a grade band, so that no reported
    event is dropped from the band.

    `term_rows` are term-level adverse-event rows of every grade. Per (trial_id, arm_id, term), the
    first rule that applies wins:

    1. a row with figures printed (or curated) for the band itself: as it is (`bound` "exact");
    2. band "3-4" with grade 3 and grade 4 both reported: their sum from patient counts
       (`_summed_grades`, `derived` True, `bound` "exact");
    3. band "3-4" with only one of the two grades reported: that grade's figure as a lower bound
       (`bound` "lower", `missing_grade` "4" or "3"): e.g. PASO Arm B hand-foot skin reaction,
       grade 3 in 7%, grade 4 not reported, is "≥ 7.0" in grade 3-4;
    4. band "all" without an all-grades row: the largest grade 3, grade 4 or grade 3-4 figure (rules
       1-3) above 0 as a lower bound (`missing_grade` "all"): a patient with a grade 4 event has an
       event of some grade (a 0 there says nothing about grades 1-2, so it gives no bound);
    5. a row naming the event in words only (count, pct and n_at_risk empty; its grade is not
       given): kept in every band as `no_figures` True, `pct` NaN ("reported, no figures");
    6. otherwise no row: the cell is not reported.

    Bands "3" and "4" take only their own rows: a grade 3-4 total bounds neither grade from below
    (it may be all grade 3 or all grade 4). Pure function: no filtering by derived flag here.
    """
    if grade not in GRADES + REGISTRY_GRADES:
        raise ValueError(f"grade must be one of {', '.join(GRADES + REGISTRY_GRADES)}; got {grade!r}")
    rows = term_rows.copy()
    if "passage" not in rows.columns:  # frames built before contract v3
        rows["passage"] = None
    rows["derived"] = rows["derived"].astype("boolean").fillna(False).astype(bool)
    rows["derived_method"] = [_derived_method(s) if d else None for s, d in zip(rows["source"], rows["derived"])]
    words = _words_only(rows)
    figures = rows[~words & (rows["pct"].notna() | rows["count"].notna())]
    by_grade = {g: figures[figures["grade"] == g].drop_duplicates(_BAND_KEY).set_index(_BAND_KEY) for g in GRADES + REGISTRY_GRADES}

    def tag(frame: pd.DataFrame, rank: int, bound: str, missing_grade=None) -> pd.DataFrame:
        # bound_grade: the band whose figure a lower bound shows (the row's own grade).
        bound_grade = frame["grade"] if bound == "lower" else None
        return frame.assign(bound=bound, missing_grade=missing_grade, bound_grade=bound_grade, no_figures=False, _rank=rank)

    candidates = [tag(by_grade[grade], 0, "exact")]
    if grade in ("3-4", "all"):
        g3, g4 = by_grade["3"], by_grade["4"]
        both = g3.index.intersection(g4.index)
        candidates += [
            tag(_summed_grades(g3.loc[both], g4.loc[both]), 1, "exact") if grade == "3-4" else None,
            tag(g3.loc[g3.index.difference(g4.index)], 2, "lower", "4") if grade == "3-4" else None,
            tag(g4.loc[g4.index.difference(g3.index)], 2, "lower", "3") if grade == "3-4" else None,
        ]
    if grade == "all":
        # All grades >= any one higher-grade figure; take the largest one reported.
        higher = pd.concat([grade_band_rows(term_rows, "3-4").set_index(_BAND_KEY), by_grade["3"], by_grade["4"]])
        higher = higher.assign(_pct=_pct_of(higher))
        higher = higher[higher["_pct"] > 0]  # a higher-grade 0 says nothing about the lower grades
        higher = higher.sort_values("_pct", ascending=False, kind="stable")
        higher = higher[~higher.index.duplicated(keep="first")].drop(columns=["_pct"])
        higher = higher.drop(columns=["bound", "missing_grade", "bound_grade", "no_figures"], errors="ignore")
        candidates.append(tag(higher, 3, "lower", "all"))
    named = rows[words].drop_duplicates(_BAND_KEY).set_index(_BAND_KEY)
    candidates.append(named.assign(bound=None, missing_grade=None, bound_grade=None, no_figures=True, _rank=4, pct=np.nan, count=pd.NA))

    # One dtype per column across candidates (an all-missing column must not change the result's).
    dtypes = {"count": "Int64", "pct": float, "n_at_risk": "Int64", "derived": bool, "no_figures": bool}
    found = [c.astype(dtypes) for c in candidates if c is not None and not c.empty]
    if not found:
        return _empty(BAND_ROW_COLUMNS)
    out = pd.concat(found).sort_values("_rank", kind="stable")
    out = out[~out.index.duplicated(keep="first")].reset_index()
    out["grade"] = grade
    out["pct"] = out["pct"].astype(float)
    return out[BAND_ROW_COLUMNS + ["grade"]].reset_index(drop=True)


def data_band_rows(data, grade: str) -> pd.DataFrame | None:
    """Every trial's adverse-event rows for a grade band (grade_band_rows of the term rows, most
    of a heatmap's time), once per data content (`content_key`, the full digest: a 48-bit
    `version` two uploads could share) and band (evidence.cache, "grade-band-rows"), for
    toxicity_matrix's `band_rows`: the heatmap and the answer strip's toxicity facts share them.
    `data`: evidence.loading.CuratedData; None when it has no adverse events."""
    events = data.tables.get("adverse_events")
    if events is None or events.empty:
        return None

    def compute() -> pd.DataFrame:
        return grade_band_rows(events[events["level"] == "term"], grade)

    return cache.get_or_compute("grade-band-rows", (data.content_key, grade), compute)


def _of_trials(band_rows: pd.DataFrame, trial_ids: pd.Series) -> pd.DataFrame:
    """The band rows of the given trials, in their order (as grade_band_rows of those trials,
    which gives an empty frame without the `grade` column when no row is found)."""
    rows = band_rows[band_rows["trial_id"].isin(set(trial_ids))].reset_index(drop=True)
    return rows if not rows.empty else _empty(BAND_ROW_COLUMNS)


def bound_note(missing_grade) -> str:
    """Words for a lower bound: which grade band the document does not report."""
    if is_missing(missing_grade):
        return ""
    return "all grades not reported" if missing_grade == "all" else f"grade {missing_grade} not reported"


# ---------------------------------------------------------------- tidy tables


def _select_terms(all_rows: pd.DataFrame, organ_classes, search: str) -> pd.DataFrame:
    """(term, soc) of the band's rows kept by the organ-class filter and the search (term or term
    as reported, case-insensitive)."""
    soc_of = all_rows.groupby("term", sort=False)["soc"].agg(lambda s: s.mode().iloc[0] if not s.mode().empty else s.iloc[0])
    terms = pd.DataFrame({"term": soc_of.index, "soc": soc_of.values})
    if organ_classes:
        terms = terms[terms["soc"].isin(list(organ_classes))]
    needle = (search or "").strip().casefold()
    if needle:
        reported_names = all_rows.groupby("term")["term_reported"].agg(lambda s: " | ".join(s.dropna().astype(str)))
        haystack = terms["term"].astype(str) + " | " + terms["term"].map(reported_names).fillna("")
        terms = terms[haystack.str.casefold().str.contains(needle, regex=False)]
    return terms


def _shown(cell) -> str:
    """A matrix cell in words, as exported: "25.0", "≥ 7.0, grade 4 not reported",
    "reported, no figures", "not reported" or "derived value hidden"."""
    if cell.reported:
        return f"≥ {cell.pct:.1f}, {cell.bound_note}" if cell.lower_bound else f"{cell.pct:.1f}"
    if cell.no_figures:
        return "reported, no figures"
    return "derived value hidden" if cell.hidden_derived else "not reported"


def toxicity_matrix(
    adverse_events: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    grade: str,
    organ_classes: list[str] | None = None,
    search: str = "",
    sort: str = "rate",
    top_n: int | None = 30,
    include_derived: bool = True,
    band_rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Long table for the heatmap: one row per (harmonized term, trial × arm) for one grade band.

    Cells without a source row are kept with `reported=False` and `pct` NaN, so the figure can tell
    "not reported" from 0%. `pct` is the printed percentage, or count / n_at_risk × 100 when only
    the count is printed (`pct_derived=True`). `organ_classes` None or empty = all classes; `search`
    matches term or term as reported, case-insensitively; `sort` is "rate" (highest percentage in
    any arm first), "difference" (largest experimental − control first) or "soc" (organ class, then
    term); `top_n` keeps that many terms after sorting (None = all). With `include_derived=False`
    rows the curators computed are hidden and shown as not reported (`hidden_derived=True`).
    `band_rows`, when given, is `grade_band_rows(term rows, grade)` of a superset of the trials
    (computed once per data version and band, evidence/views.py): its rules apply per (trial, arm,
    term), so the rows of the trials in `adverse_events` are the same as computing them here.
    """
    if grade not in GRADES + REGISTRY_GRADES:
        raise ValueError(f"grade must be one of {', '.join(GRADES + REGISTRY_GRADES)}; got {grade!r}")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
    if top_n is not None and (isinstance(top_n, bool) or int(top_n) != top_n or top_n < 1):
        raise ValueError(f"top_n must be a whole number >= 1 or None; got {top_n!r}")
    if adverse_events is None or adverse_events.empty:
        return _empty(MATRIX_COLUMNS)

    columns = _columns(adverse_events, arms, trials)
    term_rows = adverse_events[adverse_events["level"] == "term"]
    rows = grade_band_rows(term_rows, grade) if band_rows is None else _of_trials(band_rows, term_rows["trial_id"])
    derived = rows["derived"].astype(bool)  # an empty band's frame is of object dtype: a mask, not labels
    hidden = rows[derived] if not include_derived else rows.iloc[0:0]
    if not include_derived:
        rows = rows[~derived]
    rows = rows.merge(columns[["trial_id", "arm_id"]], on=["trial_id", "arm_id"], how="inner")

    # Terms offered: every term with a row in this grade band (hidden derived rows keep their term,
    # so hiding a sum shows "NR" rather than silently dropping the row).
    all_rows = pd.concat([rows, hidden], ignore_index=True)
    if all_rows.empty or columns.empty:
        return _empty(MATRIX_COLUMNS)
    terms = _select_terms(all_rows, organ_classes, search)
    if terms.empty:
        return _empty(MATRIX_COLUMNS)

    # Full grid term × column; a missing row is "not reported".
    grid = terms.merge(columns, how="cross")
    keep = [
        "trial_id", "arm_id", "term", "count", "pct", "n_at_risk", "term_reported", "ctcae_version", "source",
        "passage", "derived", "derived_method", "discrepancy", "bound", "missing_grade", "bound_grade", "no_figures",
    ]  # fmt: skip
    grid = grid.merge(rows[keep], on=["trial_id", "arm_id", "term"], how="left")
    grid["grade"] = grade
    computed = grid["pct"].isna() & grid["count"].notna() & grid["n_at_risk"].notna()
    grid["pct_derived"] = computed
    grid["pct"] = grid["pct"].astype(float)
    # Percent of patients at risk from the printed count: 100 × count / n_at_risk.
    grid.loc[computed, "pct"] = 100.0 * grid.loc[computed, "count"].astype(float) / grid.loc[computed, "n_at_risk"].astype(float)
    grid["reported"] = grid["pct"].notna()
    grid["no_figures"] = grid["no_figures"].astype("boolean").fillna(False).astype(bool)
    grid["lower_bound"] = (grid["bound"] == "lower") & grid["reported"]
    grid["derived"] = grid["derived"].astype("boolean").fillna(False).astype(bool) & grid["reported"]
    grid["derived_method"] = [
        (m if not is_missing(m) else _derived_method(src)) if d else ("count / n at risk" if pc else None)
        for m, src, d, pc in zip(grid["derived_method"], grid["source"], grid["derived"], grid["pct_derived"])
    ]
    hidden_keys = set(zip(hidden["trial_id"], hidden["arm_id"], hidden["term"]))
    grid["hidden_derived"] = [(t, a, term) in hidden_keys for t, a, term in zip(grid.trial_id, grid.arm_id, grid.term)]
    for column in ("term_reported", "ctcae_version", "source", "passage", "discrepancy", "missing_grade", "bound_grade"):
        grid[column] = grid[column].astype(object).where(grid[column].notna(), None)
    grid["bound_note"] = [bound_note(m) if lb else "" for m, lb in zip(grid["missing_grade"], grid["lower_bound"])]
    grid["shown"] = [_shown(c) for c in grid.itertuples(index=False)]

    # Order terms.
    rate = grid.groupby("term")["pct"].max()
    summary = terms.set_index("term").assign(max_pct=rate).fillna({"max_pct": -1.0})
    if sort == "rate":
        summary = summary.assign(_t=summary.index.str.casefold()).sort_values(["max_pct", "_t"], ascending=[False, True])
    elif sort == "soc":
        summary = summary.assign(_s=summary["soc"].str.casefold(), _t=summary.index.str.casefold()).sort_values(["_s", "_t"])
    else:
        diffs = toxicity_differences(grid.assign(term_order=0))
        best = diffs.groupby("term")["diff"].max() if not diffs.empty else pd.Series(dtype=float)
        summary = summary.assign(max_diff=best.reindex(summary.index).astype(float).fillna(-np.inf), _t=summary.index.str.casefold())
        summary = summary.sort_values(["max_diff", "max_pct", "_t"], ascending=[False, False, True])
    if top_n is not None:
        summary = summary.head(int(top_n))
    order = {term: i for i, term in enumerate(summary.index)}
    grid = grid[grid["term"].isin(order)].copy()
    grid["term_order"] = grid["term"].map(order).astype(int)
    grid = grid.sort_values(["term_order", "column_order"]).reset_index(drop=True)
    return grid[MATRIX_COLUMNS]


def _count_for(count, pct, n) -> tuple[int | None, bool]:
    """(count, back_calculated): the printed count, or the one count that reproduces the printed pct."""
    if not is_missing(count):
        return int(count), False
    if is_missing(pct) or is_missing(n):
        return None, False
    pct, n = float(pct), int(n)
    # Back-calculation (evidence.stats.counts_from_percent): the unique k with 100·k/n rounding to pct.
    # A whole-number percent may have been printed without a decimal ("25%"), so 0 decimals is tried
    # when one decimal finds no unique count.
    found = counts_from_percent(pct, n, decimals=1)
    if found is None and float(pct).is_integer():
        found = counts_from_percent(pct, n, decimals=0)
    return found, found is not None


def toxicity_differences(matrix: pd.DataFrame) -> pd.DataFrame:
    """Experimental minus control, in percentage points, per (term, trial), with a 95% CI.

    CI by the Newcombe hybrid score method (`evidence.stats.risk_difference_ci`) from counts; a
    missing count is back-calculated from pct and n_at_risk (`counts_from_percent`, marked derived);
    when no unique count exists, the difference of percentages is given without a CI. A row with
    `diff` NaN means one of the two arms did not report the term, or (method `LOWER_BOUND_METHOD`,
    reason in `note`) that an arm's figure is only a lower bound, which no difference may present as
    exact.
    """
    if matrix is None or matrix.empty:
        return _empty(DIFFERENCE_COLUMNS)
    out = []
    for trial_id, cells in matrix.groupby("trial_id", sort=False):
        controls = list(dict.fromkeys(cells.loc[cells["role"] == "control", "arm_id"]))
        experimentals = list(dict.fromkeys(cells.loc[cells["role"] == "experimental", "arm_id"]))
        if len(controls) != 1 or not experimentals:
            continue  # a difference needs exactly one control arm
        arm_c = controls[0]
        for arm_e in experimentals:
            for term, pair in cells[cells["arm_id"].isin([arm_e, arm_c])].groupby("term", sort=False):
                e = pair[pair["arm_id"] == arm_e].iloc[0]
                c = pair[pair["arm_id"] == arm_c].iloc[0]
                row = dict(
                    term=term,
                    soc=e["soc"],
                    trial_id=trial_id,
                    arm_e=arm_e,
                    arm_c=arm_c,
                    column_label=f"{trial_id} · {arm_e} vs {arm_c}",
                    diff=np.nan,
                    ci_low=np.nan,
                    ci_high=np.nan,
                    method="not reported in both arms",
                    derived=False,
                    note="",
                    count_e=None,
                    n_e=None if is_missing(e["n_at_risk"]) else int(e["n_at_risk"]),
                    pct_e=e["pct"],
                    count_c=None,
                    n_c=None if is_missing(c["n_at_risk"]) else int(c["n_at_risk"]),
                    pct_c=c["pct"],
                    counts_back_calculated=False,
                    count_e_back_calculated=False,
                    count_c_back_calculated=False,
                    term_order=e.get("term_order", 0),
                )
                bounds = [(arm, cell) for arm, cell in ((arm_e, e), (arm_c, c)) if bool(cell.get("lower_bound", False))]
                if bool(e["reported"]) and bool(c["reported"]) and bounds:
                    # A lower bound is not an exact value: a difference from it would read as one.
                    row["method"] = LOWER_BOUND_METHOD
                    row["note"] = "; ".join(
                        f"{arm}: at least {cell['pct']:.1f}% ({cell['bound_note']})" for arm, cell in bounds
                    )
                elif bool(e["reported"]) and bool(c["reported"]):
                    count_e, back_e = _count_for(e["count"], e["pct"], e["n_at_risk"])
                    count_c, back_c = _count_for(c["count"], c["pct"], c["n_at_risk"])
                    notes = []
                    if bool(e["derived"]) or bool(c["derived"]):
                        notes.append("an input percentage is itself derived (" + (e["derived_method"] or c["derived_method"]) + ")")
                    if count_e is not None and count_c is not None and row["n_e"] and row["n_c"]:
                        diff, low, high = risk_difference_ci(count_e, row["n_e"], count_c, row["n_c"])
                        row.update(diff=diff, ci_low=low, ci_high=high, count_e=count_e, count_c=count_c, method=NEWCOMBE)
                        if back_e or back_c:
                            row.update(counts_back_calculated=True, count_e_back_calculated=back_e, count_c_back_calculated=back_c)
                            row["method"] = f"{NEWCOMBE}; counts back-calculated from percentages"
                    else:
                        # Difference of the printed percentages; no count reproduces them, so no CI.
                        row.update(diff=float(e["pct"]) - float(c["pct"]), method="difference of percentages (no CI: counts not recoverable)")
                        row.update(count_e=count_e, count_c=count_c)
                        notes.insert(0, "no unique count reproduces the printed percentage, so no CI")
                    row["derived"] = bool(notes) or row["counts_back_calculated"]
                    row["note"] = "; ".join(notes)
                out.append(row)
    if not out:
        return _empty(DIFFERENCE_COLUMNS)
    frame = pd.DataFrame(out, columns=DIFFERENCE_COLUMNS)
    for column in ("count_e", "n_e", "count_c", "n_c"):
        frame[column] = frame[column].astype("Int64")
    for column in ("diff", "ci_low", "ci_high", "pct_e", "pct_c"):
        frame[column] = frame[column].astype(float)
    return frame


def empty_selection_message(
    adverse_events: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    grade: str,
    organ_classes: list[str] | None = None,
    search: str = "",
    include_derived: bool = True,
) -> str:
    """Why the heatmap is empty, in words that say which filter hid what, e.g. "No adverse events
    match 'hand' in grade 3–4; 1 match in all grades" (never a bare "none", which reads as "no
    events occurred"). Hidden derived values keep their rows (as NR), so they never empty the view.
    Plain words with the search as typed: whoever draws the message escapes it."""
    def n_terms(band: str, organs) -> int:
        found = toxicity_matrix(
            adverse_events, arms, trials, band, organ_classes=organs, search=search, top_n=None, include_derived=include_derived
        )
        return found["term"].nunique() if not found.empty else 0

    if adverse_events is None or adverse_events.empty or not (adverse_events["level"] == "term").any():
        return "The selected trials report no adverse events by term."
    band = GRADE_LABELS[grade].lower()
    needle = (search or "").strip()
    filters = []
    if needle:
        filters.append(f"match '{needle}'")
    if organ_classes:
        filters.append("belong to " + ", ".join(organ_classes))
    head = f"No adverse events {' and '.join(filters) or 'are reported'} in {band}"
    elsewhere = []
    for other in GRADES:
        if other != grade and (count := n_terms(other, organ_classes)):
            elsewhere.append(f"{count} {'match' if count == 1 else 'matches'} in {GRADE_LABELS[other].lower()}")
    if organ_classes and (count := n_terms(grade, None)):
        elsewhere.append(f"{count} in {band} without the organ-class filter")
    return head + ("; " + "; ".join(elsewhere) if elsewhere else "; none in any other grade band either")
