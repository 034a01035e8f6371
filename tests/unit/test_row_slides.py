"""Row figures on slides (issue 15): forest plot, subgroups, medians by arm and absolute effects
laid out by measurement (evidence/export/row_slide.py).

Values asserted against the documents: PASO trial report Table 2 (PFS HR 1.80, 95% CI 1.02 to
3.20, P = 0.041; Arm A paclitaxel, Arm B paclitaxel + sorafenib); E2100, N Engl J Med
2007;357:2666 (PFS HR 0.60, P < 0.001, no CI printed; Figure 3 subgroups: prior taxane-based
adjuvant therapy 0.46, measurable disease 0.55, nonmeasurable disease 0.68). The crowding of the
drawn pictures is measured in Chromium by test_slide_sizes.py (test_no_text_on_any_deck_picture_touches_another_or_is_cut).
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from evidence import export, export_views
from evidence.export import row_slide, wording
from evidence.text_measure import plain_text
from evidence.state import parse_query

TODAY = date(2026, 11, 21)
DECK_STATE = "?grade=all&highlight=PASO"


def _rendered(data, key, query=DECK_STATE):
    return export_views.render_view(data, parse_query(query), key, TODAY)


def _rows(figure) -> list[tuple[str, str, str]]:
    """(label, first column, second column) per row of a row slide, top to bottom, as drawn."""
    layout = figure.layout if not isinstance(figure, dict) else None
    spec = figure.to_dict() if layout is not None else figure
    y = spec["layout"]["yaxis"]
    columns = [spec["layout"][n] for n in ("yaxis2", "yaxis3")]
    out = []
    for value, label in sorted(zip(y["tickvals"], y["ticktext"]), key=lambda p: -p[0]):
        texts = [plain_text(dict(zip(c["tickvals"], c["ticktext"]))[value]) for c in columns]
        out.append((plain_text(label), *texts))
    return out


def test_the_bundled_forest_is_one_slide_of_labels_as_the_audience_reads_them(data):
    """Six rows (PASO's, E2100's with its sensitivity and three subgroups) on ONE slide: each
    comparison in short form, E2100's own rows under it without its name, one line each."""
    r = _rendered(data, "forest-plot")
    (figure, title), = export_views._slide_parts(r)
    figure = go.Figure(figure)  # checked against plotly's schema
    assert title == "Hazard ratios: Progression-free survival"
    assert _rows(figure) == [
        ("PASO: paclitaxel ± sorafenib", "1.80 [1.02–3.20]", "0.041"),
        ("E2100: Paclitaxel ± bevacizumab †", "0.60 [CI NR]", "<0.001"),
        ("sensitivity †", "0.61 [CI NR]", "<0.001"),
        ("prior taxane-based adjuvant therapy", "0.46 [CI NR]", "<0.001"),
        ("measurable disease", "0.55 [CI NR]", "NR"),
        ("nonmeasurable disease", "0.68 [CI NR]", "NR"),
    ]
    assert all("<br>" not in t for t in figure.layout.yaxis.ticktext)
    # the highlighted trial stays bold, E2100's own rows grey italics
    assert figure.layout.yaxis.ticktext[0].startswith("<b>") and "<i>" in figure.layout.yaxis.ticktext[2]


def test_medians_subgroups_and_absolute_effects_name_rows_without_arm_letters_or_repeats(data):
    medians = [row[0] for row in _rows(export_views._slide_parts(_rendered(data, "medians-by-arm"))[0][0])]
    assert medians == ["PASO · paclitaxel + sorafenib", "PASO · paclitaxel", "E2100 · Paclitaxel + bevacizumab",
                       "E2100 · Paclitaxel", "MRCC-SORAFENIB · Sorafenib"]
    subgroups = _rows(export_views._slide_parts(_rendered(data, "subgroups"))[0][0])
    assert [row[:2] for row in subgroups] == [
        ("E2100: Paclitaxel ± bevacizumab", "0.60 [CI NR]"), ("prior taxane-based adjuvant therapy", "0.46 [CI NR]"),
        ("measurable disease", "0.55 [CI NR]"), ("nonmeasurable disease", "0.68 [CI NR]")]
    absolute = [row[0] for row in _rows(export_views._slide_parts(_rendered(data, "absolute-effects"))[0][0])]
    assert absolute == ["PASO · 6 months", "PASO · 12 months", "PASO · 24 months"]


def test_short_labels_keep_a_comparison_that_is_not_an_added_drug():
    assert row_slide.short_label("PASO: paclitaxel + sorafenib vs paclitaxel", 1, False) == "PASO: paclitaxel ± sorafenib"
    assert row_slide.short_label("X: sorafenib vs sunitinib", 1, False) == "X: sorafenib vs sunitinib"
    assert row_slide.short_label("PASO · Arm B: paclitaxel + sorafenib", 1, False) == "PASO · paclitaxel + sorafenib"
    assert row_slide.short_label("E2100 · subgroup: measurable disease", 1, True) == "subgroup: measurable disease"
    assert row_slide.short_label("E2100 · subgroup: measurable disease", 2, True) == "measurable disease"
    # too wide for the column in the audience's form: shorter still, then wrapped
    narrow = row_slide.audience_labels(["<i>E2100 · subgroup: prior taxane-based adjuvant therapy</i>"], 250)
    assert narrow == ["<i>prior taxane-based</i><br><i>adjuvant therapy</i>"]


def test_rows_that_do_not_fit_go_on_further_slides_a_trial_kept_whole(data):
    """A room too short for both trials: PASO's row on one slide, E2100's five rows on the
    next (a trial is not cut while it fits a slide), each row on exactly one slide, titled
    '(k of n)'; the column headers over each slide's first row."""
    r = _rendered(data, "forest-plot")
    figure = export_views._slide_figure(r)
    pages = [go.Figure(p) for p in export.split_for_slides(figure, (1203, 380), r.view.slides.split)]
    drawn = [_rows(page) for page in pages]
    assert [len(rows) for rows in drawn] == [1, 5]
    assert [row[0] for rows in drawn for row in rows][0] == "PASO: paclitaxel ± sorafenib"
    for page in pages:
        low, high = page.layout.yaxis.range
        for name in ("yaxis2", "yaxis3"):
            axis = page.layout[name]
            header = max(axis.tickvals)
            assert plain_text(axis.ticktext[list(axis.tickvals).index(header)]) in ("HR [95% CI]", "p")
            assert low < header < high and all(v < header for v in axis.tickvals if v != header)
        # the points of the other slide's rows are not drawn
        ys = [y for t in page.data if t.type == "scatter" and (t.yaxis or "y") == "y" for y in (t.y or []) if y is not None]
        assert ys and all(low <= y <= high for y in ys)
    # not even E2100's rows fit one slide: cut between them, the continued rows name their trial
    squeezed = [_rows(p) for p in export.split_for_slides(figure, (1203, 300), r.view.slides.split)]
    assert [len(rows) for rows in squeezed] == [1, 3, 2]
    assert [rows[0][0] for rows in squeezed] == ["PASO: paclitaxel ± sorafenib", "E2100: Paclitaxel ± bevacizumab †",
                                                 "E2100 · measurable disease"]


def test_a_single_forest_png_export_stays_one_png(data):
    import io

    from PIL import Image

    def tiny(*args, **kwargs):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 9), "white").save(buffer, "PNG")
        return buffer.getvalue()

    f = export_views.build_export(data, parse_query(DECK_STATE), "forest-plot", "png", TODAY, render=tiny)
    assert f.filename.endswith(".png") and f.media_type == "image/png"


def test_a_row_slide_footnote_keeps_the_key_and_sources_and_the_notes_hold_the_rest(data):
    r = _rendered(data, "forest-plot")
    assert r.footnote.startswith("Marker area ∝ patients analysed. Open squares: 95% CI not reported (no whisker).")
    # E2100's model caveats (N Engl J Med 2007: treatment × time P < 0.001, × age P = 0.04), once each
    assert "† E2100: treatment × time interaction P < 0.001 — hazards not proportional" in r.footnote
    assert "† E2100: treatment × age interaction P = 0.04" in r.footnote and "sensitivity: P" not in r.footnote
    assert "Sources: PASO trial report (EudraCT 2009-018025-73; NCT01320111); E2100 trial report, N Engl J Med 2007;357:2666" in r.footnote
    assert r.footnote.endswith(f"Data version {data.version}; exported 2026-11-21.")
    # who the hazard ratios are about, short (PASO report: full analysis set (ITT set) of 60 of the
    # 61 randomised; E2100: 722 enrolled, 49 ineligible and excluded from efficacy analyses)
    assert "Analysed: PASO full analysis set (ITT set), 60 of 61 randomised; E2100 all eligible patients, 673 of 722." in r.footnote
    notes = export_views._notes(r, parse_query(DECK_STATE), "http://dash.example/")
    assert "Caption: " in notes and "Analysis population: PASO: full analysis set (ITT set), 60 of 61 randomised" in notes
    assert "Notes under the figure: Marker area" in notes and "(sensitivity: P < 0.001)" in notes
    assert "Rows, as labelled on screen: PASO: paclitaxel + sorafenib vs paclitaxel;" in notes
    # absolute effects: "model-based" said once on the slide, by its title (test_the_absolute_effects_slide_says_model_based_once)
    a = _rendered(data, "absolute-effects")
    assert "model-based" not in a.footnote.lower() and "not patient data" in a.footnote
    assert "Difference: experimental minus control, percentage points." in a.footnote
    assert len(export.figure_slide_layout(a.title, a.subtitle, a.footnote).footnote_lines) <= 5  # was 13


def test_short_notes_keep_whole_sentences_in_order():
    text = "Key one. Key two (sensitivity: P = 0.02). " + "Long sentence " * 30 + ". Last."
    assert row_slide.short_notes(text) == "Key one. Key two."
    assert row_slide.short_notes("Model-based, not patient data: x. Difference: y.", ["Model-based: z"]) == "Difference: y."


def test_the_subgroups_slide_says_the_direction_and_population_and_leaves_e2100s_caveats_to_the_notes(data):
    """The audience reads a subgroup forest only knowing which arm an HR < 1 favours and who was
    analysed: the subtitle says the direction (the footnote does not repeat it), the footnote the
    population (E2100: 673 of 722 eligible). E2100's words on its subgroups ("did not reach
    statistical significance in some of the smaller subgroups") and its model terms restate what
    the whiskers show: speaker notes."""
    r = _rendered(data, "subgroups")
    assert r.subtitle == ("Hazard ratio for progression-free survival by subgroup, experimental vs control, with 95% CI; "
                          "hazard ratio < 1 favours the experimental arm")
    assert r.footnote.startswith("Open circles: no CI in the document (no whisker); — no interaction test given.")
    assert "favours" not in r.footnote
    assert "Analysed: E2100 all eligible patients, 673 of 722 randomised." in r.footnote
    assert "smaller subgroups" not in r.footnote and "model terms" not in r.footnote
    notes = export_views._notes(r, parse_query(DECK_STATE), "")
    assert "did not reach statistical significance in some of the smaller subgroups" in notes
    assert "treatment assignment P < 0.001" in notes
    layout = export.figure_slide_layout(r.title, r.subtitle, r.footnote)
    assert len(layout.subtitle_lines) <= 2 and len(layout.footnote_lines) <= 3


def test_the_response_rate_footnote_is_the_key_sources_and_population_the_rest_in_the_notes(data):
    """issue 15: the rates slide's footnote ran to 7 lines. Now: the key (no "hover": a slide has
    none), the documents, the analysis population; the CI method (Clopper–Pearson) and the count
    of derived values (the key's open diamonds mark them) in the speaker notes."""
    r = _rendered(data, "response-rates")
    # "whole population" moved from the title (it ran under the screen's modebar) to the key's line
    assert r.footnote.startswith("Whole population (subgroups: see the subgroup forest). Filled: 95% CI as reported. "
                                 "Open diamond: CI derived (computed from counts). Open circle: CI not reported.")
    assert "hover" not in r.footnote.lower() and "Clopper" not in r.footnote and "Computed here" not in r.footnote
    assert "Analysed: PASO full analysis set (ITT set), 60 of 61 randomised; E2100 all eligible patients, 673 of 722." in r.footnote
    assert "Cancer 2010" in r.footnote and "N Engl J Med 2007;357:2666" in r.footnote
    lines = export.figure_slide_layout(r.title, r.subtitle, r.footnote).footnote_lines
    assert len(lines) <= 5, lines  # was 7
    (figure, _), = export_views._slide_parts(r)
    assert export.figure_notes(figure) == []  # said in the footnote, not again under the plot
    notes = export_views._notes(r, parse_query(DECK_STATE), "")
    assert "Clopper–Pearson exact" in notes and "hover says how" in notes and "Rows behind the figure: 9 (2 with derived" in notes


def test_the_absolute_effects_slide_says_model_based_once(data):
    """issue 15: the absolute-effects slide said "model-based" in its title, in both key entries
    ("control (model-based)") and in its footnote's label. The title says it; the key names the
    arms; the footnote keeps what the model is (Altman & Andersen, BMJ 1999: S_e(t) = S_c(t)^HR
    under proportional hazards) and that it is not patient data."""
    a = _rendered(data, "absolute-effects")
    assert a.title == "Absolute effect on progression-free survival at 6, 12 and 24 months (model-based)"
    (figure, title), = export_views._slide_parts(a)
    styled = export.presentation_spec(figure, "", width=1203, height=450, notes=False)
    drawn = " ".join(export.plain_text(x.get("text")) for x in styled["layout"].get("annotations") or [])
    drawn += " " + " ".join(str(t.get("name") or "") for t in styled["data"] if t.get("showlegend") is not False)
    said = " ".join([title, a.subtitle, drawn, a.footnote]).lower()
    assert said.count("model-based") == 1, said
    assert "control" in drawn and "experimental" in drawn  # the key still names the arms
    assert ("Absolute effects from published medians, rates and hazard ratios under proportional hazards "
            "(Altman & Andersen, BMJ 1999); not patient data.") in a.footnote
    notes = export_views._notes(a, parse_query(DECK_STATE), "")
    assert "model-based: proportional hazards" in notes  # the caption, whole, in the speaker notes
    # a title without the words keeps the label's lead
    assert wording.model_words_once("Model-based: absolute effects.", "Absolute effect") == "Model-based: absolute effects."
