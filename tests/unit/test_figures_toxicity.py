"""Adverse-event matrix, differences and heatmap against the numbers printed in the PASO report
(Table 3 and Results) and the E2100 NEJM 2007 paper (Table 2, Abstract, Results)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evidence import theme
from evidence.figures import toxicity as toxicity_figures
from evidence.stats import risk_difference_ci
from evidence.tables.toxicity import (
    LOWER_BOUND_METHOD,
    empty_selection_message,
    grade_band_rows,
    toxicity_differences,
    toxicity_matrix,
)
from tests.unit.figure_dicts import validated


def matrix(data, grade, **options):
    return toxicity_matrix(data.adverse_events, data.arms, data.trials, grade, **options)


def cell(frame, term, trial_id, arm_id):
    rows = frame[(frame.term == term) & (frame.trial_id == trial_id) & (frame.arm_id == arm_id)]
    assert len(rows) == 1, (term, trial_id, arm_id, len(rows))
    return rows.iloc[0]


def toxicity_heatmap(*args, **options):
    """The builder's figure dict, validated (plain types, theme.TEMPLATE, plotly's schema) and read
    as a go.Figure."""
    return validated(toxicity_figures.toxicity_heatmap(*args, **options))


def missing(z) -> bool:
    """An empty cell of a z grid: None in the figure dict (NaN in the table)."""
    return z is None or (isinstance(z, float) and math.isnan(z))


def heat_traces(fig):
    """(not-reported trace, value trace) of a heatmap figure."""
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 2
    return heatmaps[0], heatmaps[1]


def test_each_cell_hover_text_is_sent_once_by_the_layer_drawn_there(data):
    """The grey NR layer and the value layer cover every cell between them, one each (hoverongaps
    off: an empty cell never hovers), so each layer sends hover text only where it is drawn."""
    m = matrix(data, "3-4", top_n=None)
    for fig in (toxicity_heatmap(m), toxicity_heatmap(m, mode="difference", differences=toxicity_differences(m))):
        validated(fig.to_plotly_json())
        layers = heat_traces(fig)
        assert all(layer.hoverongaps is False for layer in layers)
        for i, row in enumerate(layers[0].z):
            for j in range(len(row)):
                drawn = [layer for layer in layers if not missing(layer.z[i][j])]
                assert len(drawn) == 1, (i, j)
                assert all((layer.hovertext[i][j] is None) == (layer is not drawn[0]) for layer in layers), (i, j)
                assert drawn[0].hovertext[i][j].startswith("<b>")  # the term, in bold, heads each hover
    # PASO arm B, hand-foot skin reaction, grade 3 in 7% and grade 4 not reported: a lower bound
    fig = toxicity_heatmap(m)
    not_reported, values = heat_traces(fig)
    i, j = grid_position(fig, "Hand-foot skin reaction", "PASO", "B")
    assert values.text[i][j].startswith("≥ 7.0") and not_reported.hovertext[i][j] is None and "7" in values.hovertext[i][j]


def test_each_cell_text_is_drawn_by_one_layer(data):
    """plotly.js draws a heatmap's texttemplate in every cell, empty ones too: the value layer on top
    draws the whole grid ("NR" and "reported, no figures" included), so the grey layer under it
    draws none (it drew the same grid again, hidden). When no cell has a value, plotly.js hides the
    value layer with its text, and the grey layer draws it: the renal abstract names its events
    without figures only (MRCC_CANCER2010, Abstract, Results)."""
    m = matrix(data, "3-4", top_n=None)
    for fig in (toxicity_heatmap(m), toxicity_heatmap(m, mode="difference", differences=toxicity_differences(m))):
        not_reported, values = heat_traces(fig)
        assert values.texttemplate == "%{text}" and not_reported.texttemplate is None
        assert "NR" in [t for row in values.text for t in row]
    ae = data.adverse_events
    renal = toxicity_matrix(ae[ae.trial_id == "MRCC-SORAFENIB"], data.arms, data.trials, "3-4", top_n=None)
    not_reported, values = heat_traces(toxicity_heatmap(renal))
    assert all(missing(v) for row in values.z for v in row)
    assert not_reported.texttemplate == "%{text}" and not_reported.text[0][0] == "reported,<br>no figures"


def grid_position(fig, term, trial_id, arm_id=None):
    """(row, column) of a term and trial × arm in the drawn grid: a cell's customdata is its trial id,
    the column's tick names the arm on its second line ("B: paclitaxel + sorafenib")."""
    row = [t.replace("<br>", " ") for t in fig.layout.yaxis.ticktext].index(term)
    custom = heat_traces(fig)[1].customdata[row]
    ticks = fig.layout.xaxis.ticktext
    col = next(
        j for j, c in enumerate(custom)
        if c == trial_id and (arm_id is None or ticks[j].split("<br>")[1].startswith(f"{arm_id}:"))
    )  # fmt: skip
    return row, col


# ---------------------------------------------------------------- toxicity_matrix: values


def test_paso_diarrhea_all_grades(data):
    m = matrix(data, "all")
    b = cell(m, "Diarrhea", "PASO", "B")
    a = cell(m, "Diarrhea", "PASO", "A")
    assert (b["count"], b["n_at_risk"], b["pct"]) == (16, 28, 57.1)
    assert (a["count"], a["n_at_risk"], a["pct"]) == (12, 29, 41.4)
    assert bool(b["reported"]) and not bool(b["derived"]) and not bool(b["pct_derived"])
    assert b["column_label"] == "PASO · B: paclitaxel + sorafenib"
    assert a["role"] == "control" and b["role"] == "experimental"
    assert b["ctcae_version"] == "4.02"
    assert b["source"] == "PASO_REPORT: Table 3"


def test_paso_wbc_decreased_grade_3_4(data):
    m = matrix(data, "3-4")
    b = cell(m, "Leukopenia (WBC decreased)", "PASO", "B")
    assert b["pct"] == 25.0 and b["count"] == 7 and b["n_at_risk"] == 28
    assert b["term_reported"] == "White blood cell decreased"


def test_e2100_hypertension_reported_vs_allergic_reaction_derived_sum(data):
    m = matrix(data, "3-4")
    hypertension = cell(m, "Hypertension", "E2100", "PB")
    assert hypertension["pct"] == 14.8
    assert not bool(hypertension["derived"])
    assert hypertension["source"] == "E2100_NEJM2007: Abstract"
    allergic = cell(m, "Allergic reaction", "E2100", "PB")
    assert allergic["pct"] == 3.3
    assert bool(allergic["derived"])
    assert allergic["derived_method"] == "grade 3 + grade 4 patient counts"
    # E2100 prints percentages only; the derived band carries the summed counts: 3.0% and 0.3% of
    # 365 are 11 and 1 patients, 12/365 = 3.3%.
    assert allergic["count"] == 12


def test_not_reported_cells_are_kept_and_differ_from_zero(data):
    # E2100 has no "all grades" rows at all: every E2100 cell is either not reported or, where
    # Table 2 gives a grade 3 or 4 figure above 0, a lower bound - never an exact all-grades value.
    all_grades = matrix(data, "all", top_n=None)
    e2100 = all_grades[all_grades.trial_id == "E2100"]
    assert len(e2100) == 2 * all_grades.term.nunique()
    assert (e2100["reported"] == e2100["lower_bound"]).all()
    assert e2100.loc[~e2100["reported"], "pct"].isna().all()
    hypertension = cell(all_grades, "Hypertension", "E2100", "PB")  # Abstract: grade 3-4 in 14.8%
    assert bool(hypertension["lower_bound"]) and hypertension["shown"] == "≥ 14.8, all grades not reported"
    # PASO has no Hypertension row; PASO Constipation grade 3-4 is a reported 0.
    m = matrix(data, "3-4", top_n=None)
    no_row = cell(m, "Hypertension", "PASO", "B")
    assert not bool(no_row["reported"]) and math.isnan(no_row["pct"])
    zero = cell(m, "Constipation", "PASO", "B")
    assert bool(zero["reported"]) and zero["pct"] == 0.0 and zero["count"] == 0


def test_text_only_percentage_without_count(data):
    # PASO Results: grade 3 leukopenia in 25% of Arm B, no count printed; not reconcilable with Table 3.
    m = matrix(data, "3")
    b = cell(m, "Leukopenia (WBC decreased)", "PASO", "B")
    assert b["pct"] == 25.0 and pd.isna(b["count"]) and not bool(b["pct_derived"])
    assert "cannot be reconciled without per-patient data" in b["discrepancy"]


def test_columns_ordered_by_trial_then_control_first(data):
    m = matrix(data, "3-4")
    columns = m.drop_duplicates(["trial_id", "arm_id"]).sort_values("column_order")
    assert list(zip(columns.trial_id, columns.arm_id)) == [
        ("PASO", "A"), ("PASO", "B"), ("E2100", "P"), ("E2100", "PB"), ("MRCC-SORAFENIB", "SOR")
    ]  # fmt: skip
    assert list(columns.role) == ["control", "experimental", "control", "experimental", "single"]


def test_columns_for_arms_missing_from_arms_table_and_unknown_trials(data):
    # Events for an arm arms.csv does not list, and for trials trials.csv does not list: they still get
    # columns (role "single", labelled by arm id), unknown trials after the known ones, by id.
    ae = data.adverse_events
    row = ae[(ae.level == "term") & (ae.grade == "3-4")].iloc[[0]]
    extra = [row.assign(trial_id=t, arm_id=a) for t, a in [("ZZZ", "Y"), ("PASO", "C"), ("AAA", "X"), ("ZZZ", "W")]]
    m = toxicity_matrix(pd.concat([ae, *extra]), data.arms, data.trials, "3-4", top_n=None)
    columns = m.drop_duplicates(["trial_id", "arm_id"]).sort_values("column_order")
    assert list(zip(columns.trial_id, columns.arm_id, columns.role)) == [
        ("PASO", "A", "control"), ("PASO", "B", "experimental"), ("PASO", "C", "single"),
        ("E2100", "P", "control"), ("E2100", "PB", "experimental"), ("MRCC-SORAFENIB", "SOR", "single"),
        ("AAA", "X", "single"), ("ZZZ", "W", "single"), ("ZZZ", "Y", "single"),
    ]  # fmt: skip
    assert list(columns.arm_label)[:3] == ["A: paclitaxel", "B: paclitaxel + sorafenib", "C"]
    assert list(columns.column_label)[2] == "PASO · C"


# ---------------------------------------------------------------- toxicity_matrix: options


def term_order(frame):
    return list(frame.drop_duplicates("term").sort_values("term_order").term)


def test_sort_by_rate(data):
    terms = term_order(matrix(data, "all"))
    # Highest percentage in any arm first: neuropathy 58.6 (A), diarrhea 57.1 (B), fatigue 50.0 (B).
    assert terms[:3] == ["Peripheral sensory neuropathy", "Diarrhea", "Fatigue"]
    m = matrix(data, "all")
    maxima = [m[m.term == t].pct.max() for t in terms]
    assert maxima == sorted(maxima, reverse=True)


def test_sort_by_difference(data):
    terms = term_order(matrix(data, "all", sort="difference"))
    # Anorexia 12/28 - 1/29 = 39.4 pp, then WBC decreased 12/28 - 3/29 = 32.5 pp.
    assert terms[:2] == ["Anorexia", "Leukopenia (WBC decreased)"]
    # Edema limbs 1/28 - 8/29 = -24.0 pp is the most negative difference. Terms without one follow,
    # highest percentage first: E2100 hypertension (at least 14.8%: a lower bound gives no
    # difference) and PASO hand-foot skin reaction (14%, no Arm A row).
    edema = terms.index("Edema limbs")
    assert terms[edema + 1 : edema + 3] == ["Hypertension", "Hand-foot skin reaction"]


def test_sort_by_organ_class(data):
    m = matrix(data, "3-4", sort="soc", top_n=None)
    ordered = m.drop_duplicates("term").sort_values("term_order")
    keys = [(s.casefold(), t.casefold()) for s, t in zip(ordered.soc, ordered.term)]
    assert keys == sorted(keys)
    assert list(ordered.term[:2]) == ["Anemia", "Febrile neutropenia"]


def test_top_n_limits_terms_after_sorting(data):
    m = matrix(data, "3-4", top_n=5)
    assert m.term.nunique() == 5
    assert len(m) == 5 * 5  # every trial × arm column kept (PASO 2, E2100 2, MRCC 1)
    assert term_order(m)[0] == "Leukopenia (WBC decreased)"  # 25.0% PASO B is the highest
    # 32 terms with a grade 3-4 row, plus PASO hand-foot skin reaction (grade 3 only: a lower bound),
    # plus the renal abstract's mucositis and skin rash (named in words only, in every band).
    assert matrix(data, "3-4", top_n=None).term.nunique() == 35
    assert matrix(data, "3-4").term.nunique() == 30  # default top_n
    with pytest.raises(ValueError, match="top_n"):
        matrix(data, "3-4", top_n=0)


def test_search_is_case_insensitive_on_term_and_reported_term(data):
    assert set(matrix(data, "all", search="DIARR").term) == {"Diarrhea"}
    # "white blood cell decreased" is the PASO term as printed; the harmonized term is Leukopenia.
    assert set(matrix(data, "3-4", search="white blood").term) == {"Leukopenia (WBC decreased)"}
    assert matrix(data, "3-4", search="no such event").empty


def test_organ_class_filter(data):
    m = matrix(data, "3-4", organ_classes=["Vascular disorders"])
    assert set(m.term) == {"Hypertension", "Thrombosis or embolism", "Hemorrhage"}
    assert set(m.soc) == {"Vascular disorders"}
    assert matrix(data, "3-4", organ_classes=[], top_n=None).term.nunique() == 35  # empty selection = all


def test_hiding_derived_rows_shows_them_as_not_reported(data):
    m = matrix(data, "3-4", include_derived=False, top_n=None)
    allergic = cell(m, "Allergic reaction", "E2100", "PB")
    assert not bool(allergic["reported"]) and bool(allergic["hidden_derived"])
    assert cell(m, "Hypertension", "E2100", "PB")["pct"] == 14.8


def test_invalid_options(data):
    with pytest.raises(ValueError, match="grade must be one of"):
        matrix(data, "5")
    with pytest.raises(ValueError, match="sort must be one of"):
        matrix(data, "all", sort="alphabet")


# ---------------------------------------------------------------- toxicity_differences


def diff_row(diffs, term, trial_id):
    rows = diffs[(diffs.term == term) & (diffs.trial_id == trial_id)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_paso_diarrhea_difference_newcombe(data):
    diffs = toxicity_differences(matrix(data, "all"))
    row = diff_row(diffs, "Diarrhea", "PASO")
    expected = risk_difference_ci(16, 28, 12, 29)
    assert (row["diff"], row["ci_low"], row["ci_high"]) == expected
    assert round(row["diff"], 1) == 15.8  # 57.1 - 41.4
    assert row["diff"] == pytest.approx(100 * (16 / 28 - 12 / 29))
    assert row["method"] == "Newcombe hybrid score"
    assert not bool(row["derived"]) and (row["n_e"], row["n_c"]) == (28, 29)


def test_counts_back_calculated_from_percentages_are_marked(data):
    diffs = toxicity_differences(matrix(data, "3-4"))
    row = diff_row(diffs, "Hypertension", "E2100")
    # 14.8% of 365 -> 54 patients; 0.0% of 346 -> 0.
    assert (row["count_e"], row["count_c"]) == (54, 0)
    assert (row["diff"], row["ci_low"], row["ci_high"]) == risk_difference_ci(54, 365, 0, 346)
    assert bool(row["derived"]) and "counts back-calculated from percentages" in row["method"]


def test_derived_band_counts_give_e2100_arthralgia_a_newcombe_ci(data):
    # E2100 Table 2 arthralgia: PB grade 3 2.7%, grade 4 0.5% of 365 -> 10 + 2 = 12 (3.3%);
    # P grade 3 1.4%, grade 4 0 of 346 -> 5 + 0 = 5 (1.4%). The derived band carries the counts.
    row = diff_row(toxicity_differences(matrix(data, "3-4")), "Arthralgia", "E2100")
    assert (row["count_e"], row["n_e"], row["count_c"], row["n_c"]) == (12, 365, 5, 346)
    assert (row["diff"], row["ci_low"], row["ci_high"]) == risk_difference_ci(12, 365, 5, 346)
    assert row["ci_low"] < row["diff"] < row["ci_high"]
    assert row["method"] == "Newcombe hybrid score"
    assert bool(row["derived"]) and "patient counts" in row["note"]


def test_difference_without_ci_when_no_count_reproduces_the_percentage(data):
    # A band printed as 3.2% of 365 (the old sum of rounded percentages 2.7 + 0.5): no whole count
    # of 365 gives 3.2% (11 -> 3.0%, 12 -> 3.3%), so there is a difference but no CI.
    events = data.adverse_events.copy()
    band = (events.trial_id == "E2100") & (events.arm_id == "PB") & (events.term == "Arthralgia") & (events.grade == "3-4")
    events.loc[band, ["count", "pct"]] = [pd.NA, 3.2]
    m = toxicity_matrix(events, data.arms, data.trials, "3-4")
    row = diff_row(toxicity_differences(m), "Arthralgia", "E2100")
    assert row["diff"] == pytest.approx(3.2 - 1.4)
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert row["method"].startswith("difference of percentages")
    assert bool(row["derived"])


def test_difference_not_available_when_an_arm_did_not_report(data):
    row = diff_row(toxicity_differences(matrix(data, "3-4")), "Hypertension", "PASO")
    assert math.isnan(row["diff"]) and row["method"] == "not reported in both arms"
    assert toxicity_differences(matrix(data, "all"))[lambda d: d.trial_id == "E2100"]["diff"].isna().all()


# ---------------------------------------------------------------- toxicity_heatmap


def test_heatmap_rate_draws_not_reported_apart_from_zero(data):
    fig = toxicity_heatmap(matrix(data, "3-4", top_n=None))
    not_reported, values = heat_traces(fig)
    assert fig.layout.template.layout.font.family == theme.FONT_FAMILY
    assert values.colorscale == tuple(tuple(x) for x in theme.RATE_SCALE) and values.zmin == 0
    assert values.colorbar.title.text == "% of patients"
    assert [c[1] for c in not_reported.colorscale] == [theme.NOT_REPORTED_COLOUR, theme.NO_FIGURES_COLOUR]

    i, j = grid_position(fig, "Constipation", "PASO", "B")  # reported 0%
    assert values.z[i][j] == 0.0 and missing(not_reported.z[i][j]) and values.text[i][j] == "0.0"
    i, j = grid_position(fig, "Hypertension", "PASO", "B")  # no row
    assert missing(values.z[i][j]) and not_reported.z[i][j] == 0.0 and values.text[i][j] == "NR"
    assert "not reported" in not_reported.hovertext[i][j]
    i, j = grid_position(fig, "Leukopenia (WBC decreased)", "PASO", "B")
    assert values.z[i][j] == 25.0 and values.text[i][j] == "25.0"
    assert "7/28 (25.0%)" in values.hovertext[i][j] and "White blood cell decreased" in values.hovertext[i][j]
    assert values.customdata[i][j] == "PASO"  # a click on the cell highlights its trial (issue 13)


def test_heatmap_hover_marks_derived_and_discrepancy(data):
    fig = toxicity_heatmap(matrix(data, "3-4", top_n=None))
    _, values = heat_traces(fig)
    i, j = grid_position(fig, "Allergic reaction", "E2100", "PB")
    assert "derived (grade 3 + grade 4 patient counts)" in values.hovertext[i][j]
    derived_markers = [t for t in fig.data if t.type == "scatter" and t.name == "derived"]
    assert derived_markers and derived_markers[0].marker.symbol == theme.DERIVED_SYMBOL
    i, j = grid_position(fig, "Hypertension", "E2100", "PB")
    assert "derived" not in values.hovertext[i][j]
    i, j = grid_position(fig, "Fatigue", "E2100", "PB")
    assert "source discrepancy: Results text gives grade 3 or 4 fatigue 8.5%" in values.hovertext[i][j]
    assert "CTCAE / NCI-CTC version 2.0" in values.hovertext[i][j]


def test_heatmap_difference_mode(data):
    m = matrix(data, "all")
    fig = toxicity_heatmap(m, mode="difference", differences=toxicity_differences(m))
    _, values = heat_traces(fig)
    assert values.zmid == 0 and values.colorscale == tuple(tuple(x) for x in theme.DIFFERENCE_SCALE)
    i, j = grid_position(fig, "Diarrhea", "PASO")
    diff, low, high = risk_difference_ci(16, 28, 12, 29)
    assert values.z[i][j] == diff
    assert values.text[i][j] == f"{diff:+.1f}<br>[{low:.1f}, {high:.1f}]" == "+15.8<br>[-9.7, 38.5]"  # two lines: fits a column
    assert "Newcombe hybrid score" in values.hovertext[i][j] and "16/28" in values.hovertext[i][j]
    assert values.customdata[i][j] == "PASO"
    i, j = grid_position(fig, "Diarrhea", "E2100")
    assert values.text[i][j] == "NR" and missing(values.z[i][j])
    # Computing the differences inside gives the same figure.
    inside = toxicity_heatmap(m, mode="difference").data[1].z
    assert np.array_equal(np.array(inside, dtype=float), np.array(values.z, dtype=float), equal_nan=True)


def test_heatmap_highlight_height_and_empty(data):
    small = toxicity_heatmap(matrix(data, "3-4", top_n=10), highlight="PASO")
    large = toxicity_heatmap(matrix(data, "3-4", top_n=30), highlight="PASO")
    assert large.layout.height - small.layout.height == 20 * toxicity_figures.ROW_PX
    assert small.layout.xaxis.ticktext[0].startswith("<b>PASO")
    assert not small.layout.xaxis.ticktext[2].startswith("<b>")
    assert any(s.type == "rect" and s.line.color == theme.HIGHLIGHT_COLOUR for s in small.layout.shapes)
    empty = toxicity_heatmap(matrix(data, "3-4", search="no such event"))
    assert empty.layout.annotations[0].text == "No adverse events match this selection."
    with pytest.raises(ValueError, match="mode"):
        toxicity_heatmap(matrix(data, "3-4"), mode="ratio")


def test_data_text_is_escaped_in_labels(data):
    arms = data.arms.copy()
    arms.loc[(arms.trial_id == "PASO") & (arms.arm_id == "B"), "label"] = "Arm B: <i>x</i> & y"
    m = toxicity_matrix(data.adverse_events, arms, data.trials, "all", top_n=3)
    fig = toxicity_heatmap(m)
    assert "&lt;i&gt;x&lt;/i&gt; &amp; y" in fig.layout.xaxis.ticktext[1].replace("<br>", " ")  # wrapped header
    assert "<i>" not in fig.layout.xaxis.ticktext[1]


def test_heatmap_hover_of_hidden_derived_and_missing_difference_cells(data):
    hidden = toxicity_heatmap(matrix(data, "3-4", top_n=None, include_derived=False))
    not_reported, values = heat_traces(hidden)
    i, j = grid_position(hidden, "Allergic reaction", "E2100", "PB")
    assert values.text[i][j] == "NR" and not_reported.z[i][j] == 0.0
    assert not_reported.hovertext[i][j].endswith("Grade 3–4: derived value hidden (derived values switched off)")

    # A cell with no row in the differences given is drawn as not reported in both arms.
    m = matrix(data, "all")
    differences = toxicity_differences(m)
    fig = toxicity_heatmap(m, mode="difference", differences=differences[differences.term == "Diarrhea"])
    not_reported, values = heat_traces(fig)
    i, j = grid_position(fig, "Fatigue", "PASO")
    assert values.text[i][j] == "NR" and not_reported.z[i][j] == 0.0 and missing(values.z[i][j])
    assert not_reported.hovertext[i][j] == (
        "<b>Fatigue</b><br>PASO: B: paclitaxel + sorafenib minus A: paclitaxel<br>not reported in both arms"
    )
    i, j = grid_position(fig, "Diarrhea", "PASO")
    assert values.text[i][j] == "+15.8<br>[-9.7, 38.5]" and missing(not_reported.z[i][j])


# ---------------------------------------------------------------- grade bands: no reported event dropped


def band_table():
    """One trial, one arm of 50 patients, four terms: both grades, grade 3 only, grade 4 only, neither
    (all grades only), plus one event named in words only."""
    def row(term, grade, count, pct=None, words_only=False):
        # Named in words only = count, pct and n_at_risk all empty (the data contract's rule).
        return dict(
            trial_id="T", arm_id="E", level="term", soc="Organ", term_reported=term.lower(), term=term,
            grade=grade, count=count, pct=pct, n_at_risk=None if words_only else 50, ctcae_version="5.0",
            derived=False, source="DOC: Table 9", discrepancy=None,
        )  # fmt: skip

    return pd.DataFrame(
        [
            row("Both", "3", 3), row("Both", "4", 1), row("Both", "all", 10),
            row("Only3", "3", None, 7.0), row("Only3", "all", 9),
            row("Only4", "4", 2),
            row("Neither", "all", 5),
            row("Named", "all", None, None, words_only=True),
        ]
    ).astype({"count": "Int64", "pct": float, "n_at_risk": "Int64"})


def band(grade):
    return grade_band_rows(band_table(), grade).set_index("term")


def test_band_rule_both_grades_sum_patient_counts():
    both = band("3-4").loc["Both"]
    # 3 + 1 of 50 patients = 8.0%, computed here from counts (not a printed grade 3-4 figure).
    assert (both["count"], both["pct"], both["bound"]) == (4, 8.0, "exact")
    assert bool(both["derived"]) and "patient counts" in both["derived_method"]


def test_band_rule_only_grade_3_is_a_lower_bound():
    only3 = band("3-4").loc["Only3"]
    assert (only3["pct"], only3["bound"], only3["missing_grade"]) == (7.0, "lower", "4")
    assert not bool(only3["derived"]) and only3["source"] == "DOC: Table 9"


def test_band_rule_only_grade_4_is_a_lower_bound():
    only4 = band("3-4").loc["Only4"]
    assert (only4["count"], only4["bound"], only4["missing_grade"]) == (2, "lower", "3")


def test_band_rule_neither_grade_is_not_in_the_band():
    assert "Neither" not in band("3-4").index
    # Single grades take only their own rows: a grade 3-4 figure bounds neither grade from below.
    assert set(band("3").index) == {"Both", "Only3", "Named"}
    assert set(band("4").index) == {"Both", "Only4", "Named"}


def test_band_rule_all_grades_lower_bound_from_higher_grades():
    all_grades = band("all")
    assert all_grades.loc["Both", "bound"] == "exact" and all_grades.loc["Both", "count"] == 10
    # Only4 has no all-grades row: its grade 4 count (2 of 50) is a lower bound for all grades.
    assert (all_grades.loc["Only4", "count"], all_grades.loc["Only4", "bound"], all_grades.loc["Only4", "missing_grade"]) == (2, "lower", "all")


def test_band_rule_all_grades_bound_is_the_largest_higher_grade_figure():
    # Like PASO Arm B leukopenia, a text grade 3 figure can exceed a table's grade 3-4 figure: the
    # all-grades bound is the largest one reported, and a higher-grade 0 gives no bound at all.
    table = band_table()
    base = table.iloc[0].to_dict()
    extra = pd.DataFrame(
        [
            dict(base, term="Mixed", grade="3-4", count=None, pct=4.0),
            dict(base, term="Mixed", grade="3", count=None, pct=6.0),
            dict(base, term="Zero", grade="3-4", count=0, pct=0.0),
        ]
    ).astype({"count": "Int64", "pct": float, "n_at_risk": "Int64"})
    all_grades = grade_band_rows(pd.concat([table, extra], ignore_index=True), "all").set_index("term")
    assert (all_grades.loc["Mixed", "pct"], all_grades.loc["Mixed", "bound"], all_grades.loc["Mixed", "bound_grade"]) == (6.0, "lower", "3")
    assert all_grades.loc["Only4", "bound_grade"] == "3-4"  # the grade 3-4 lower bound, from grade 4
    assert "Zero" not in all_grades.index


def test_band_rule_words_only_events_are_kept_in_every_band():
    for grade in ("all", "3", "4", "3-4"):
        named = band(grade).loc["Named"]
        assert bool(named["no_figures"]) and math.isnan(named["pct"]) and named["source"] == "DOC: Table 9"


def test_band_rule_in_the_matrix_cells_and_export_text():
    table = band_table()
    arms = pd.DataFrame([dict(trial_id="T", arm_id="E", label="Arm E: drug", role="single")])
    m = toxicity_matrix(table, arms, None, "3-4", top_n=None)
    assert cell(m, "Only3", "T", "E")["shown"] == "≥ 7.0, grade 4 not reported"
    assert cell(m, "Only4", "T", "E")["shown"] == "≥ 4.0, grade 3 not reported"
    assert cell(m, "Both", "T", "E")["shown"] == "8.0"
    assert cell(m, "Named", "T", "E")["shown"] == "reported, no figures"
    assert "Neither" not in set(m.term)
    # The computed sum is derived: hidden with derived values, the lower bounds are not.
    hidden = toxicity_matrix(table, arms, None, "3-4", top_n=None, include_derived=False)
    assert cell(hidden, "Both", "T", "E")["shown"] == "derived value hidden"
    assert cell(hidden, "Only3", "T", "E")["shown"] == "≥ 7.0, grade 4 not reported"


def test_paso_hand_foot_and_thrombocytopenia_in_the_default_grade_3_4_band(data):
    # PASO Results: hand-foot syndrome grade 3 in 7% of Arm B (grade 4 not given); thrombocytopenia
    # grade 4 in 1 patient (4%) of Arm B (grade 3 not given). Default view: grade 3-4, top 30 by rate.
    m = matrix(data, "3-4")
    hand_foot = cell(m, "Hand-foot skin reaction", "PASO", "B")
    assert (hand_foot["pct"], bool(hand_foot["lower_bound"])) == (7.0, True)
    assert hand_foot["shown"] == "≥ 7.0, grade 4 not reported"
    thrombocytopenia = cell(m, "Thrombocytopenia", "PASO", "B")
    assert (thrombocytopenia["count"], thrombocytopenia["pct"]) == (1, 4.0)
    assert thrombocytopenia["shown"] == "≥ 4.0, grade 3 not reported"
    assert not bool(cell(m, "Hand-foot skin reaction", "PASO", "A")["reported"])  # no Arm A figure at all
    assert set(matrix(data, "3-4", search="hand").term) == {"Hand-foot skin reaction"}

    fig = toxicity_heatmap(m)
    _, values = heat_traces(fig)
    i, j = grid_position(fig, "Hand-foot skin reaction", "PASO", "B")
    assert values.z[i][j] == 7.0 and values.text[i][j] == "≥ 7.0<br>(G4 NR)"
    assert "≥ 7.0% (lower bound, grade 4 not reported)" in values.hovertext[i][j]
    assert "Grade 3 reported: 7.0% of 28 (count not printed)" in values.hovertext[i][j]
    assert any(t.name.startswith("≥ = lower bound") for t in fig.data)


def test_difference_mode_never_presents_a_lower_bound_as_exact():
    table = band_table()
    control = table.assign(arm_id="C")
    control.loc[control.term == "Only3", "grade"] = "3-4"  # the control arm prints a grade 3-4 figure
    arms = pd.DataFrame(
        [dict(trial_id="T", arm_id="E", label="E", role="experimental"), dict(trial_id="T", arm_id="C", label="C", role="control")]
    )
    m = toxicity_matrix(pd.concat([table, control]), arms, None, "3-4", top_n=None)
    diffs = toxicity_differences(m)
    row = diff_row(diffs, "Only3", "T")
    assert math.isnan(row["diff"]) and math.isnan(row["ci_low"])
    assert row["method"] == LOWER_BOUND_METHOD
    assert row["note"] == "E: at least 7.0% (grade 4 not reported)"
    assert diff_row(diffs, "Both", "T")["diff"] == pytest.approx(0.0)  # exact on both sides: computed
    fig = toxicity_heatmap(m, mode="difference", differences=diffs)
    not_reported, values = heat_traces(fig)
    i, j = grid_position(fig, "Only3", "T")
    assert values.text[i][j] == "≥ only:<br>no difference" and missing(values.z[i][j])
    assert "an arm's figure is only a lower bound" in not_reported.hovertext[i][j]


def test_e2100_all_grades_difference_is_refused_for_lower_bounds(data):
    # E2100 prints no all-grades rows: Table 2 grade 3 + 4 sensory neuropathy (23.6% vs 17.6%) only
    # bounds the all-grades figure from below, so no difference is computed.
    row = diff_row(toxicity_differences(matrix(data, "all", top_n=None)), "Peripheral sensory neuropathy", "E2100")
    assert math.isnan(row["diff"]) and row["method"] == LOWER_BOUND_METHOD
    assert row["note"] == "PB: at least 23.6% (all grades not reported); P: at least 17.6% (all grades not reported)"
    # Hypertension grade 3-4 is 0.0 in the paclitaxel arm: a 0 bounds nothing, so that cell is NR.
    assert not bool(cell(matrix(data, "all", top_n=None), "Hypertension", "E2100", "P")["reported"])


def test_empty_state_says_which_filter_hid_what(data):
    ae, arms, trials = data.adverse_events, data.arms, data.trials
    # PASO Table 3: alopecia in all grades and grade 3/4 ("-"), no grade 4 row anywhere.
    assert empty_selection_message(ae, arms, trials, "4", search="alopecia") == (
        "No adverse events match 'alopecia' in grade 4; 1 match in all grades; 1 match in grade 3–4"
    )
    assert empty_selection_message(ae, arms, trials, "3-4", search="zzz") == (
        "No adverse events match 'zzz' in grade 3–4; none in any other grade band either"
    )
    vascular = empty_selection_message(ae, arms, trials, "3-4", organ_classes=["Vascular disorders"], search="hand")
    assert vascular == "No adverse events match 'hand' and belong to Vascular disorders in grade 3–4; 1 in grade 3–4 without the organ-class filter"
    fig = toxicity_heatmap(matrix(data, "4", search="alopecia"), empty_message="No adverse events match 'alopecia' in grade 4")
    assert fig.layout.annotations[0].text == "No adverse events match 'alopecia' in grade 4"


def test_renal_abstract_events_are_reported_without_figures(data):
    # MRCC abstract (seed 004), Results: "Most treatment-related adverse events were of mild-to-moderate
    # intensity, and included fatigue, hypertension, diarrhea, and palmoplantar erythrodysesthesia (PPE)";
    # more PPE and mucositis after bevacizumab, more skin rash after sunitinib. No counts anywhere.
    ae = data.adverse_events
    renal = ae[ae.trial_id == "MRCC-SORAFENIB"]
    assert set(renal.term_reported) == {
        "fatigue", "hypertension", "diarrhea", "palmoplantar erythrodysesthesia (PPE)", "mucositis", "skin rash"
    }  # fmt: skip
    assert renal[["count", "pct", "n_at_risk"]].isna().all().all() and (renal.grade == "all").all()
    assert renal.source.str.startswith("MRCC_CANCER2010: Abstract, Results (").all()
    for grade in ("all", "3-4"):
        m = matrix(data, grade, top_n=None)
        ppe = cell(m, "Hand-foot skin reaction", "MRCC-SORAFENIB", "SOR")
        assert bool(ppe["no_figures"]) and not bool(ppe["reported"]) and ppe["shown"] == "reported, no figures"
    only_renal = toxicity_matrix(ae[ae.trial_id == "MRCC-SORAFENIB"], data.arms, data.trials, "3-4", top_n=None)
    assert only_renal.term.nunique() == 6 and only_renal.no_figures.all()
    fig = toxicity_heatmap(only_renal)
    not_reported, values = heat_traces(fig)
    i, j = grid_position(fig, "Fatigue", "MRCC-SORAFENIB", "SOR")
    assert values.text[i][j] == "reported,<br>no figures" and not_reported.z[i][j] == 1.0 and missing(values.z[i][j])
    assert "reported, no figures (named in words only" in not_reported.hovertext[i][j]
    assert "term as reported: fatigue" in not_reported.hovertext[i][j]
    assert any(t.name == "reported, no figures (named in words only)" for t in fig.data)


# ---------------------------------------------------------------- figure dict: clicks, markup in data


def dash_click(fig: dict, curve: int, i: int, j: int) -> dict:
    """The clickData dcc.Graph sends for heatmap cell (i, j) of trace `curve`: plotly.js's event point
    (pointNumber [i, j], customdata the cell's entry) through dcc.Graph's filter (dash/dcc/async-graph.js,
    filterEventData: array- and object-valued fields dropped, customdata re-read from the trace only
    for a numeric pointNumber, which a heatmap point does not have)."""
    trace = fig["data"][curve]
    point = {
        "curveNumber": curve, "pointNumber": [i, j], "x": j, "y": i, "z": trace["z"][i][j],
        "text": trace["text"][i][j], "customdata": trace["customdata"][i][j],
    }  # fmt: skip
    kept = {key: value for key, value in point.items() if not isinstance(value, (dict, list, tuple))}
    if isinstance(point["pointNumber"], int):
        kept["customdata"] = trace["customdata"][point["pointNumber"]]
    return {"points": [kept]}


@pytest.mark.parametrize("mode", ["rate", "difference"])
def test_a_click_on_any_heatmap_cell_highlights_its_trial(data, mode):
    from components.sync import clicked_trial

    m = matrix(data, "3-4")
    fig = toxicity_figures.toxicity_heatmap(m, mode=mode)
    validated(fig)
    if mode == "rate":
        # Columns: trials in trials.csv order, control arm first (PASO A, B; E2100 P, PB), the renal arm.
        expected = list(m.drop_duplicates(["trial_id", "arm_id"]).sort_values("column_order").trial_id)
        assert expected == ["PASO", "PASO", "E2100", "E2100", "MRCC-SORAFENIB"]
    else:
        expected = ["PASO", "E2100"]  # one experimental − control pair each
    heatmaps = [k for k, trace in enumerate(fig["data"]) if trace["type"] == "heatmap"]
    assert len(heatmaps) == 2
    for k in heatmaps:
        grid = fig["data"][k]["customdata"]
        assert len(grid) == m.term.nunique() and all(row == expected for row in grid)
        for i in range(len(grid)):
            for j, trial in enumerate(expected):
                assert clicked_trial(dash_click(fig, k, i, j)) == trial
    # Derived-value markers are scatter points: customdata [trial_id, arm_id], read by pointNumber.
    markers = [t for t in fig["data"] if t["type"] == "scatter" and t.get("customdata")]
    assert markers and all(clicked_trial({"points": [{"customdata": c}]}) == c[0] for t in markers for c in t["customdata"])
    # Why a string: the [trial_id, arm_id] pairs the cells held before never reached the callback.
    pairs = {**fig, "data": [{**fig["data"][1], "customdata": [[[t, "A"] for t in row] for row in fig["data"][1]["customdata"]]}]}
    assert clicked_trial(dash_click(pairs, 0, 0, 0)) == ""


def test_markup_in_uploaded_data_is_escaped_and_the_builders_own_markup_kept(data):
    from tests.unit.figure_dicts import PHISH, PHISH_ESCAPED, assert_data_markup_escaped, strings

    arms = data.arms.copy()
    arms.loc[(arms.trial_id == "PASO") & (arms.arm_id == "B"), "label"] = PHISH
    events = data.adverse_events.copy()
    events.loc[events.term == "Hand-foot skin reaction", "term"] = "<b>bold</b>"
    m = toxicity_matrix(events, arms, data.trials, "3-4", top_n=None)
    for fig in (
        toxicity_figures.toxicity_heatmap(m),
        toxicity_figures.toxicity_heatmap(m, highlight="PASO"),
        toxicity_figures.toxicity_heatmap(m, mode="difference", highlight="PASO"),
    ):
        validated(fig)
        assert_data_markup_escaped(fig)  # no "<a " anywhere, the escaped label shown, <br> and <b> kept
        texts = [text for _, text in strings(fig)]
        assert not any("<b>bold</b>" in t for t in texts)
        assert any("<b>&lt;b&gt;bold&lt;/b&gt;</b>" in t for t in texts)  # the hover's own bold term
    rate = toxicity_figures.toxicity_heatmap(m, highlight="PASO")
    assert "&lt;b&gt;bold&lt;/b&gt;" in rate["layout"]["yaxis"]["ticktext"]
    assert rate["layout"]["xaxis"]["ticktext"][1].startswith("<b>PASO ★</b><br>B: &lt;a")
    assert all(t["hovertemplate"] == "%{hovertext}<extra></extra>" for t in rate["data"] if "hovertemplate" in t)
    # The empty state quotes the search as typed, escaped.
    empty = toxicity_figures.toxicity_heatmap(m.iloc[0:0], empty_message=f"No adverse events match '{PHISH}' in grade 3–4")
    assert validated(empty).layout.annotations[0].text == f"No adverse events match '{PHISH_ESCAPED}' in grade 3–4"


def test_markup_in_trial_ids_organ_classes_and_sources_is_escaped():
    table = band_table().assign(trial_id="<i>T</i>", soc="<s>Organ</s>", source="DOC: <u>Table 9</u>", term_reported="<sup>x</sup>")
    arms = pd.DataFrame([dict(trial_id="<i>T</i>", arm_id="E", label="Arm E: <em>drug</em>", role="single")])
    fig = toxicity_figures.toxicity_heatmap(toxicity_matrix(table, arms, None, "3-4", top_n=None), highlight="<i>T</i>")
    validated(fig)
    from tests.unit.figure_dicts import strings

    shown = [(path, text) for path, text in strings(fig) if ".customdata" not in path]
    for tag in ("<i>", "<s>", "<u>", "<sup>", "<em>"):
        assert not [path for path, text in shown if tag in text], tag
    for escaped in ("&lt;i&gt;T&lt;/i&gt;", "&lt;s&gt;Organ&lt;/s&gt;", "DOC: &lt;u&gt;Table 9&lt;/u&gt;", "&lt;sup&gt;x&lt;/sup&gt;"):
        assert any(escaped in text for _, text in shown), escaped
    # Click data keeps the trial id as it is, so a click highlights that very trial.
    assert {c for row in fig["data"][0]["customdata"] for c in row} == {"<i>T</i>"}
    assert fig["layout"]["xaxis"]["ticktext"][0].startswith("<b>&lt;i&gt;T&lt;/i&gt; ★</b>")


def test_a_slide_cutting_an_organ_class_run_keeps_its_label_beside_the_rows_it_shows(data):
    """export/split.py cuts a tall heatmap into slides of a few rows. An organ class whose run of
    rows a cut divides keeps its label on each part, moved to the middle of the run's rows that part
    shows: the middle of the part of its bracket on that slide (centred on the whole run it could sit
    off the slide, beside a bare bracket). The run is found by its bracket (toxicity.is_run_bracket,
    drawn from 0.42 row above the run's first row to 0.42 below its last). Blood and lymphatic system
    disorders are rows 0-3 (Anemia .. Thrombocytopenia) when the rows are grouped by organ class."""
    from evidence import views
    from evidence.export import split
    from evidence.state import parse_query

    figure = views.toxicity_panel(data, parse_query("grade=all&tox_sort=soc")).figure
    brackets = [s for s in figure["layout"]["shapes"] if toxicity_figures.is_run_bracket(s)]
    assert brackets and all(s["yref"] == "y" for s in brackets)
    blood = next(a for a in toxicity_figures.run_labels(figure["layout"]) if a["text"].startswith("Blood"))
    assert blood["y"] == 1.5  # the middle of rows 0-3 in the whole figure
    first, second = split.split_rows(figure, max_rows=3)[:2]  # rows 0-2, then 3-5
    labels = [{a["text"]: a["y"] for a in toxicity_figures.run_labels(part["layout"])} for part in (first, second)]
    assert labels[0][blood["text"]] == pytest.approx((-0.42 + 2.5) / 2)  # bracket from -0.42 to the cut
    assert labels[1][blood["text"]] == pytest.approx((2.5 + 3.42) / 2)  # from the cut to row 3's end
    assert blood["y"] == 1.5  # the view's own figure is not changed (parts are copies)
