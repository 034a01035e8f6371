"""Adverse-event heatmap: % of patients per harmonized term and trial arm, or the between-arm difference.

Tidy tables (`toxicity_matrix`, `toxicity_differences`) are separate from drawing
(`toxicity_heatmap`). A cell with no row in `adverse_events` is *not reported* (grey "NR"), which is
never the same as a reported 0%. Every computed value says "derived (<method>)" on hover.
`grade_band_rows` decides which row stands for a cell, so no reported event drops out of a grade
band: one of grades 3 and 4 reported is a lower bound ("≥ 7.0 (G4 NR)"), an event named in words
only is "reported, no figures" (issue 11).
"""

from __future__ import annotations

import html
import math
import re
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from evidence import theme
from evidence.contract import GRADE_LABELS, GRADES, REGISTRY_GRADES
from evidence.stats import counts_from_percent, risk_difference_ci

SORTS = ("rate", "difference", "soc")
MODES = ("rate", "difference")
_ROLE_ORDER = {"control": 0, "experimental": 1, "single": 2}

MATRIX_COLUMNS = [
    "term", "soc", "trial_id", "arm_id", "column_label", "arm_label", "role", "grade",
    "pct", "pct_derived", "count", "n_at_risk", "term_reported", "ctcae_version", "source",
    "derived", "derived_method", "discrepancy", "reported", "hidden_derived",
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
ROW_PX = 28
MIN_PLOT_PX = 190  # a short selection still leaves room for the colour bar


def _not_reported_layer(x, y, z_nr, text, hover, custom) -> dict:
    """Grey cells drawn under the data layer where an arm did not report the event ("NR", z 0), and
    sand cells where the document names the event without figures (z 1).

    Heatmap layers are dicts, validated once by `fig.add_traces`: a go.Heatmap would validate its
    cell-sized text, hover and click-data grids twice."""
    return dict(
        type="heatmap", x=x, y=y, z=z_nr, text=text, texttemplate="%{text}", hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
        colorscale=[[0, theme.NOT_REPORTED_COLOUR], [1, theme.NO_FIGURES_COLOUR]], zmin=0, zmax=1,
        showscale=False, xgap=2, ygap=2, hoverongaps=False, textfont=dict(color="#555", size=12),
        name="not reported",
    )  # fmt: skip


def _value_layer(x, y, z, text, hover, custom, name: str, colorbar: dict, **scale) -> dict:
    """The coloured data layer drawn over the grey NR layer; `scale` is its colorscale and z range,
    `colorbar` its title, length and ticks (placed top right, outside the plot, in both modes)."""
    return dict(
        type="heatmap", x=x, y=y, z=z, text=text, texttemplate="%{text}", hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
        xgap=2, ygap=2, hoverongaps=False, textfont=dict(size=12), name=name,
        colorbar=dict(x=1.0, xref="container", xanchor="right", y=1.0, yanchor="top", thickness=16, lenmode="pixels", **colorbar),
        **scale,
    )  # fmt: skip


def _derived_markers(points, hover, dx: float, name: str, colour, custom) -> dict:
    """Open diamonds in the top-right corner of cells whose value is derived, hovering as the cell;
    `points` are (row, column, cell) triples."""
    return dict(
        type="scatter", x=[j + dx for _, j, _ in points], y=[i - 0.2 for i, _, _ in points],
        mode="markers", showlegend=False, name=name,
        marker=dict(symbol=theme.DERIVED_SYMBOL, size=9, color=colour, line=dict(width=1.5)),
        hovertext=[hover[i][j] for i, j, _ in points], hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
    )  # fmt: skip


def _plot_px(n_rows: int) -> int:
    """Height of the cell area: 28 px per term row, never shorter than the colour bar."""
    return max(ROW_PX * n_rows, MIN_PLOT_PX)


# ---------------------------------------------------------------- small helpers


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _esc(value) -> str:
    """Data text made safe for plotly's HTML-like label markup (no tag in data is ever rendered)."""
    return "" if _missing(value) else html.escape(str(value), quote=False)


def _wrap(text: str, width: int, max_lines: int | None = None) -> str:
    """Escape then wrap plain text onto <br>-separated lines; '…' when lines run out."""
    lines = textwrap.wrap(str(text), width=width) or [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)].rstrip() + "…"
    return "<br>".join(_esc(line) for line in lines)


def _short_arm_label(arm_id: str, label) -> str:
    """'Arm B: paclitaxel + sorafenib' -> 'B: paclitaxel + sorafenib' (the arm id leads once)."""
    text = "" if _missing(label) else str(label)
    text = re.sub(r"^\s*Arm\s+\S+\s*:\s*", "", text)
    return f"{arm_id}: {text}" if text else str(arm_id)


def _derived_method(source) -> str:
    """The curators' method note from a 'SOURCE: Table 2 (grade 3 + grade 4, computed)' locator."""
    match = re.search(r"\(([^()]*computed[^()]*)\)", "" if _missing(source) else str(source))
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
    "source", "derived", "derived_method", "discrepancy", "bound", "missing_grade", "bound_grade", "no_figures",
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
    out["discrepancy"] = [
        None if _missing(a) and _missing(b) else "; ".join(str(x) for x in (a, b) if not _missing(x))
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


def bound_note(missing_grade) -> str:
    """Words for a lower bound: which grade band the document does not report."""
    if _missing(missing_grade):
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
) -> pd.DataFrame:
    """Long table for the heatmap: one row per (harmonized term, trial × arm) for one grade band.

    Cells without a source row are kept with `reported=False` and `pct` NaN, so the figure can tell
    "not reported" from 0%. `pct` is the printed percentage, or count / n_at_risk × 100 when only
    the count is printed (`pct_derived=True`). `organ_classes` None or empty = all classes; `search`
    matches term or term as reported, case-insensitively; `sort` is "rate" (highest percentage in
    any arm first), "difference" (largest experimental − control first) or "soc" (organ class, then
    term); `top_n` keeps that many terms after sorting (None = all). With `include_derived=False`
    rows the curators computed are hidden and shown as not reported (`hidden_derived=True`).
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
    rows = grade_band_rows(adverse_events[adverse_events["level"] == "term"], grade)
    hidden = rows[rows["derived"]] if not include_derived else rows.iloc[0:0]
    if not include_derived:
        rows = rows[~rows["derived"]]
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
        "derived", "derived_method", "discrepancy", "bound", "missing_grade", "bound_grade", "no_figures",
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
        (m if not _missing(m) else _derived_method(src)) if d else ("count / n at risk" if pc else None)
        for m, src, d, pc in zip(grid["derived_method"], grid["source"], grid["derived"], grid["pct_derived"])
    ]
    hidden_keys = set(zip(hidden["trial_id"], hidden["arm_id"], hidden["term"]))
    grid["hidden_derived"] = [(t, a, term) in hidden_keys for t, a, term in zip(grid.trial_id, grid.arm_id, grid.term)]
    for column in ("term_reported", "ctcae_version", "source", "discrepancy", "missing_grade", "bound_grade"):
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
    if not _missing(count):
        return int(count), False
    if _missing(pct) or _missing(n):
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
                    n_e=None if _missing(e["n_at_risk"]) else int(e["n_at_risk"]),
                    pct_e=e["pct"],
                    count_c=None,
                    n_c=None if _missing(c["n_at_risk"]) else int(c["n_at_risk"]),
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


# ---------------------------------------------------------------- drawing


def _rate_hover(cell) -> str:
    """Hover text of one matrix cell, `cell` a row of `matrix.itertuples()`."""
    head = f"<b>{_esc(cell.term)}</b><br>{_esc(cell.soc)}<br>{_esc(cell.column_label)}<br>{GRADE_LABELS[cell.grade]}: "
    if cell.no_figures:
        return "<br>".join([
            head + "reported, no figures (named in words only: no count, percentage or grade given)",
            f"term as reported: {_esc(cell.term_reported)}",
            f"source: {_wrap(cell.source, 70)}",
        ])  # fmt: skip
    if not cell.reported:
        reason = (
            "derived value hidden (derived values switched off)"
            if cell.hidden_derived
            else "not reported (no row in the source for this arm and grade)"
        )
        return head + reason
    n = "" if _missing(cell.n_at_risk) else int(cell.n_at_risk)
    if not _missing(cell.count):
        value = f"{int(cell.count)}/{n} ({cell.pct:.1f}%)"
    else:
        value = f"{cell.pct:.1f}% of {n} (count not printed)"
    parts = [head + value]
    if cell.lower_bound:
        parts[0] = head + f"≥ {cell.pct:.1f}% (lower bound, {cell.bound_note})"
        parts.append(f"{GRADE_LABELS.get(cell.bound_grade, 'figure')} reported: {value}")
    if cell.derived or cell.pct_derived:
        parts.append(f"derived ({_esc(cell.derived_method)})")
    parts.append(f"term as reported: {_esc(cell.term_reported)}")
    if not _missing(cell.ctcae_version):
        parts.append(f"CTCAE / NCI-CTC version {_esc(cell.ctcae_version)}")
    parts.append(f"source: {_wrap(cell.source, 70)}")
    if not _missing(cell.discrepancy):
        parts.append("source discrepancy: " + _wrap(cell.discrepancy, 70))
    return "<br>".join(parts)


def _difference_hover(row, column_label: str) -> str:
    """Hover text of one difference cell, `row` a row of `differences.itertuples()`."""
    head = f"<b>{_esc(row.term)}</b><br>{_esc(row.soc)}<br>{_esc(column_label)}<br>"
    if _missing(row.diff) and row.method == LOWER_BOUND_METHOD:
        return head + "no difference: an arm's figure is only a lower bound<br>" + _wrap(row.note, 70)
    if _missing(row.diff):
        return head + "not reported in both arms for this grade band: no difference"
    counts = []
    for count, n, pct, back_calculated in (
        (row.count_e, row.n_e, row.pct_e, row.count_e_back_calculated),
        (row.count_c, row.n_c, row.pct_c, row.count_c_back_calculated),
    ):
        if _missing(count) or _missing(n):
            counts.append(f"{pct:.1f}% of {'?' if _missing(n) else int(n)}")
        elif back_calculated:
            counts.append(f"{int(count)}/{int(n)} (back-calculated from {pct:.1f}%)")
        else:
            counts.append(f"{int(count)}/{int(n)}")
    ci = (
        f" (95% CI {row.ci_low:.1f} to {row.ci_high:.1f})"
        if not _missing(row.ci_low)
        else " (no CI: counts not recoverable from the percentages)"
    )
    parts = [
        head + f"experimental − control: {row.diff:+.1f} percentage points{ci}",
        f"{_esc(row.arm_e)}: {counts[0]} vs {_esc(row.arm_c)}: {counts[1]}",
        f"derived ({_esc(row.method)})",
    ]
    if row.note:
        parts.append(_wrap(row.note, 70))
    return "<br>".join(parts)


def _tick(trial_id: str, second_line: str, highlight: str | None) -> str:
    """Two-line column label; the trial id is bolded (our own markup) when highlighted."""
    trial = _esc(trial_id)
    if highlight is not None and trial_id == highlight:
        trial = f"<b>{trial} ★</b>"
    return f"{trial}<br>{_wrap(second_line, 22, max_lines=2)}"


def _soc_annotations(row_socs: list[str]) -> tuple[list[dict], list[dict]]:
    """Organ-class labels beside each run of consecutive rows, with separators between runs."""
    annotations, shapes = [], []
    runs = sum(1 for k in range(len(row_socs)) if k == 0 or row_socs[k] != row_socs[k - 1])
    grouped = runs == len(set(row_socs))  # separators only when each organ class is one block
    start = 0
    for i in range(1, len(row_socs) + 1):
        if i == len(row_socs) or row_socs[i] != row_socs[start]:
            run = i - start
            annotations.append(
                dict(
                    text=_wrap(row_socs[start], 30, max_lines=max(1, 2 * run)),
                    x=1.0, xref="paper", xanchor="left", xshift=10,
                    y=(start + i - 1) / 2.0, yref="y", yanchor="middle",
                    showarrow=False, align="left", font=dict(size=11, color="#444"),
                )
            )  # fmt: skip
            # Bracket just right of the plot area: anchored at paper x = 1, offset in pixels.
            shapes.append(
                dict(
                    type="line", xref="paper", xsizemode="pixel", xanchor=1.0, x0=4, x1=4, yref="y",
                    y0=start - 0.42, y1=i - 1 + 0.42, line=dict(color="#888", width=2),
                )
            )  # fmt: skip
            if i < len(row_socs) and grouped:
                shapes.append(
                    dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=i - 0.5, y1=i - 0.5, line=dict(color="#555", width=1.5))
                )
            start = i
    return annotations, shapes


def _layout(fig: go.Figure, n_rows: int, tick_vals, tick_text, title: str) -> None:
    top, bottom = 125, 70
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(text=title, y=1.0, yref="container", yanchor="top", x=0, xanchor="left", pad=dict(t=12, l=12)),
        height=_plot_px(n_rows) + top + bottom,
        margin=dict(l=230, r=330, t=top, b=bottom),
        legend=dict(orientation="h", x=0.0, xanchor="left", y=0.0, yref="container", yanchor="bottom"),
        plot_bgcolor="white",
        clickmode="event",
    )
    fig.update_xaxes(
        tickvals=tick_vals, ticktext=tick_text, side="top", showgrid=False, ticks="",
        range=[-0.5, len(tick_vals) - 0.5], zeroline=False, fixedrange=True,
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", showgrid=False, ticks="", zeroline=False, fixedrange=True)


def _bound_text(pct: float, missing_grade) -> str:
    """Cell text of a lower bound: "≥ 7.0 (G4 NR)" = at least 7.0%, grade 4 not reported."""
    missing = "all grades" if missing_grade == "all" else f"G{missing_grade}"
    return f"≥ {pct:.1f} ({missing} NR)"


def _legend_keys(fig: go.Figure, derived: bool, lower_bound: bool = False, no_figures: bool = False) -> None:
    """Legend swatches explaining the grey NR cells, the derived-value marker, lower bounds and
    events reported without figures."""
    fig.add_trace(
        go.Scatter(
            x=[None], y=[None], mode="markers", name="NR = not reported (≠ 0%)", hoverinfo="skip",
            marker=dict(symbol="square", size=14, color=theme.NOT_REPORTED_COLOUR, line=dict(color="#999", width=1)),
        )
    )  # fmt: skip
    if derived:
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name="derived value (computed; method on hover)", hoverinfo="skip",
                marker=dict(symbol=theme.DERIVED_SYMBOL, size=10, color="#1A1A1A", line=dict(width=1.5)),
            )
        )  # fmt: skip
    if lower_bound:
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name="≥ = lower bound (G3 or G4 NR: that grade not reported)", hoverinfo="skip",
                marker=dict(symbol="square", size=14, color="rgba(0,0,0,0)", line=dict(color="#555", width=1)),
            )
        )  # fmt: skip
    if no_figures:
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name="reported, no figures (named in words only)", hoverinfo="skip",
                marker=dict(symbol="square", size=14, color=theme.NO_FIGURES_COLOUR, line=dict(color="#999", width=1)),
            )
        )  # fmt: skip


def toxicity_heatmap(
    matrix: pd.DataFrame,
    mode: str = "rate",
    highlight: str | None = None,
    differences: pd.DataFrame | None = None,
    empty_message: str | None = None,
) -> go.Figure:
    """Heatmap of % of patients (mode "rate", columns = trial × arm) or of experimental − control in
    percentage points with 95% CIs (mode "difference", columns = trials). Grey "NR" = not reported;
    "≥ x (G4 NR)" = lower bound; sand "reported, no figures" = named in words only. An empty matrix
    draws `empty_message` (see `empty_selection_message`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if matrix is None or matrix.empty:
        return theme.empty_figure(empty_message or "No adverse events match this selection.")
    grade = matrix["grade"].iloc[0]
    terms = matrix.drop_duplicates("term").sort_values("term_order")
    term_index = {t: i for i, t in enumerate(terms["term"])}
    y_text = [_wrap(t, 32, max_lines=1) for t in terms["term"]]
    n_rows = len(term_index)

    fig = go.Figure()
    if mode == "rate":
        cols = matrix.drop_duplicates(["trial_id", "arm_id"]).sort_values("column_order")
        col_keys = list(zip(cols["trial_id"], cols["arm_id"]))
        col_index = {key: j for j, key in enumerate(col_keys)}
        n_cols = len(col_index)
        z_rep = np.full((n_rows, n_cols), np.nan)
        z_nr = np.full((n_rows, n_cols), np.nan)
        text = [[""] * n_cols for _ in range(n_rows)]
        hover = [[""] * n_cols for _ in range(n_rows)]
        custom = [[[trial_id, arm_id] for trial_id, arm_id in col_keys] for _ in range(n_rows)]
        derived_pts = []
        for cell in matrix.itertuples(index=False):
            i, j = term_index[cell.term], col_index[(cell.trial_id, cell.arm_id)]
            hover[i][j] = _rate_hover(cell)
            if cell.reported:
                z_rep[i, j] = cell.pct
                text[i][j] = _bound_text(cell.pct, cell.missing_grade) if cell.lower_bound else f"{cell.pct:.1f}"
                if cell.derived or cell.pct_derived:
                    derived_pts.append((i, j, cell))
            elif cell.no_figures:
                z_nr[i, j] = 1.0
                text[i][j] = "reported, no figures"
            else:
                z_nr[i, j] = 0.0
                text[i][j] = "NR"
        zmax = max(10.0, math.ceil(np.nanmax(z_rep) / 10.0) * 10.0) if np.isfinite(z_rep).any() else 10.0
        x = list(range(n_cols))
        y = list(range(n_rows))
        colorbar = dict(title=dict(text="% of patients", side="right"), ticksuffix="%", len=min(_plot_px(n_rows), 260))
        layers = [
            _not_reported_layer(x, y, z_nr, text, hover, custom),
            _value_layer(x, y, z_rep, text, hover, custom, "% of patients", colorbar, colorscale=theme.RATE_SCALE, zmin=0, zmax=zmax),
        ]
        if derived_pts:
            # White diamonds on dark cells.
            colours = ["white" if c.pct > 0.55 * zmax else "#1A1A1A" for _, _, c in derived_pts]
            custom_pts = [[c.trial_id, c.arm_id] for _, _, c in derived_pts]
            layers.append(_derived_markers(derived_pts, hover, 0.36, "derived", colours, custom_pts))
        fig.add_traces(layers)
        ticks = [_tick(c.trial_id, c.arm_label, highlight) for c in cols.itertuples()]
        title = f"Adverse events, {GRADE_LABELS[grade].lower()}: % of patients per arm"
        highlight_cols = [j for j, c in enumerate(cols.itertuples()) if highlight is not None and c.trial_id == highlight]
        _legend_keys(fig, bool(derived_pts), bool(matrix["lower_bound"].any()), bool(matrix["no_figures"].any()))
    else:
        diffs = differences if differences is not None else toxicity_differences(matrix)
        if diffs is None or diffs.empty:
            return theme.empty_figure("No trial reports this grade band for both an experimental and a control arm.")
        diffs = diffs[diffs["term"].isin(term_index)]
        pairs = list(dict.fromkeys(zip(diffs["trial_id"], diffs["arm_e"], diffs["arm_c"])))
        col_index = {p: j for j, p in enumerate(pairs)}
        n_cols = len(pairs)
        z = np.full((n_rows, n_cols), np.nan)
        z_nr = np.zeros((n_rows, n_cols))  # every cell "NR" until its difference is filled in
        text = [["NR"] * n_cols for _ in range(n_rows)]
        custom = [[[p[0], ""] for p in pairs] for _ in range(n_rows)]
        arm_names = dict(zip(zip(matrix.trial_id, matrix.arm_id), matrix.arm_label))
        labels = {p: f"{p[0]}: {arm_names.get((p[0], p[1]), p[1])} minus {arm_names.get((p[0], p[2]), p[2])}" for p in pairs}
        hover = [
            [f"<b>{_esc(term)}</b><br>{_esc(labels[p])}<br>not reported in both arms" for p in pairs] for term in terms["term"]
        ]
        derived_pts = []
        for row in diffs.itertuples(index=False):
            i, j = term_index[row.term], col_index[(row.trial_id, row.arm_e, row.arm_c)]
            hover[i][j] = _difference_hover(row, labels[(row.trial_id, row.arm_e, row.arm_c)])
            if _missing(row.diff):
                if row.method == LOWER_BOUND_METHOD:
                    text[i][j] = "≥ only: no difference"
                continue
            z_nr[i, j] = np.nan
            z[i, j] = row.diff
            if _missing(row.ci_low):
                text[i][j] = f"{row.diff:+.1f} (no CI)"
            else:
                text[i][j] = f"{row.diff:+.1f} [{row.ci_low:.1f}, {row.ci_high:.1f}]"
            if row.derived:
                derived_pts.append((i, j, row))
        bound = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 10.0
        bound = max(10.0, math.ceil(bound / 10.0) * 10.0)
        x = list(range(n_cols))
        y = list(range(n_rows))
        colorbar = dict(
            title=dict(text="experimental − control<br>(percentage points)", side="right"), len=min(_plot_px(n_rows), 300)
        )
        layers = [
            _not_reported_layer(x, y, z_nr, text, hover, custom),
            _value_layer(
                x, y, z, text, hover, custom, "experimental − control", colorbar,
                colorscale=theme.DIFFERENCE_SCALE, zmid=0, zmin=-bound, zmax=bound,
            ),
        ]  # fmt: skip
        if derived_pts:
            custom_pts = [[r.trial_id, ""] for _, _, r in derived_pts]
            layers.append(_derived_markers(derived_pts, hover, 0.42, "derived inputs", "#1A1A1A", custom_pts))
        fig.add_traces(layers)
        ticks = [_tick(p[0], f"{p[1]} minus {p[2]}", highlight) for p in pairs]
        title = (
            f"Adverse events, {GRADE_LABELS[grade].lower()}: experimental − control "
            f"(percentage points, 95% CI by {NEWCOMBE})"
        )
        highlight_cols = [j for j, p in enumerate(pairs) if highlight is not None and p[0] == highlight]
        _legend_keys(fig, bool(derived_pts))
        if derived_pts:
            fig.data[-1].name = "derived inputs (counts back-calculated or summed; on hover)"

    _layout(fig, n_rows, list(range(n_cols)), ticks, title)
    fig.update_yaxes(tickvals=list(range(n_rows)), ticktext=y_text, range=[n_rows - 0.5, -0.5], autorange=False)
    annotations, shapes = _soc_annotations(list(terms["soc"]))
    fig.update_layout(annotations=annotations, shapes=shapes)
    if highlight_cols:
        fig.add_shape(
            type="rect", xref="x", yref="y", x0=min(highlight_cols) - 0.5, x1=max(highlight_cols) + 0.5,
            y0=-0.5, y1=n_rows - 0.5, line=dict(color=theme.HIGHLIGHT_COLOUR, width=3), fillcolor="rgba(0,0,0,0)",
        )  # fmt: skip
    return fig


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
    events occurred"). Hidden derived values keep their rows (as NR), so they never empty the view."""
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
