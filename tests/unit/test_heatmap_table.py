"""The toxicity heatmap as the table the browser draws (evidence/figures/heatmap_table.py), against
the numbers printed in the PASO report (Table 3) and the E2100 NEJM 2007 paper, and against the
plotly figure slides are made from: the same cells, texts and hovers, the colours plotly gives."""

from __future__ import annotations

import json

import pytest

from evidence import colour, theme, views
from evidence.figures import heatmap_table
from evidence.figures.toxicity import toxicity_heatmap
from evidence.state import ViewState, parse_query
from evidence.tables.toxicity import toxicity_matrix
from evidence.text_measure import markup_lines
from tests.unit.figure_dicts import PHISH


def _table(data, query: str = "") -> tuple[dict, dict]:
    figure = views.toxicity_panel(data, parse_query(query)).figure_json()
    return heatmap_table.table_data(figure), figure


def _cell(table: dict, term: str, trial: str, arm_line: str) -> dict:
    """The cell of `term` in the column of `trial` whose header's second line starts with `arm_line`."""
    j = next(k for k, c in enumerate(table["columns"]) if c["trial"] == trial and c["lines"][1].startswith(arm_line))
    return next(r for r in table["rows"] if r["term"] == term)["cells"][j]


def test_the_default_table_holds_the_published_grade_3_4_figures(data):
    """PASO Table 3, arm B (paclitaxel + sorafenib, 28 patients): hand-foot skin reaction grade 3 in
    7.0% with grade 4 not reported (so grade 3-4 is at least 7.0%); E2100 Table 2: sensory
    neuropathy grade 3-4 in 23.6% of the paclitaxel + bevacizumab arm, 17.6% with paclitaxel alone."""
    table, _ = _table(data)
    assert table["title"] == "Adverse events, grade 3–4: % of patients per arm"
    assert [c["trial"] for c in table["columns"]] == ["PASO", "PASO", "E2100", "E2100", "MRCC-SORAFENIB"]
    assert table["columns"][1]["lines"] == ["PASO", "B: paclitaxel", "+ sorafenib"]
    hand_foot = _cell(table, "Hand-foot skin reaction", "PASO", "B:")
    assert hand_foot["text"] == ["≥ 7.0", "(G4 NR)"] and hand_foot["kind"] == "value"
    assert any("≥ 7.0% (lower bound, grade 4 not reported)" in line for line in hand_foot["hover"])
    neuropathy = "Peripheral sensory neuropathy"
    assert _cell(table, neuropathy, "E2100", "PB:")["text"] == ["23.6"]
    assert _cell(table, neuropathy, "E2100", "P:")["text"] == ["17.6"]
    not_reported = _cell(table, "Hand-foot skin reaction", "E2100", "PB:")
    assert not_reported["text"] == ["NR"] and not_reported["kind"] == "not-reported"
    assert not_reported["bg"] == theme.NOT_REPORTED_COLOUR
    no_figures = _cell(table, "Fatigue", "MRCC-SORAFENIB", "SOR:")
    assert no_figures["text"] == ["reported,", "no figures"] and no_figures["bg"] == theme.NO_FIGURES_COLOUR
    assert any("named in words only" in line for line in no_figures["hover"])
    keys = [k["label"] for k in table["keys"]]
    assert keys[0] == "NR = not reported (≠ 0%)" and any(k.startswith("≥ = lower bound") for k in keys)


def test_every_cell_is_the_figures_cell(data):
    """The screen and the slides never differ: each cell's text and hover lines are the figure's
    (markup read as lines), in the figure's rows and columns; derived cells are where the figure
    draws its diamonds."""
    for query in ("", "grade=all&tox_sort=soc", "tox_mode=difference", "grade=3&derived=0"):
        table, figure = _table(data, query)
        nr, values = [t for t in figure["data"] if t["type"] == "heatmap"]
        assert len(table["rows"]) == len(values["z"]) and len(table["columns"]) == len(values["z"][0])
        for i, row in enumerate(table["rows"]):
            for j, cell in enumerate(row["cells"]):
                assert cell["text"] == markup_lines(values["text"][i][j]), (query, i, j)
                layer = values if values["z"][i][j] is not None else nr
                assert cell["hover"] == markup_lines(layer["hovertext"][i][j]), (query, i, j)
        marks = [t for t in figure["data"] if t["type"] == "scatter" and t.get("mode") == "markers" and t["x"] != [None]]
        drawn = sum(len(t["x"]) for t in marks)
        assert sum(c["derived"] for r in table["rows"] for c in r["cells"]) == drawn, query
        assert table["title"] == " ".join(markup_lines(figure["layout"]["title"]["text"]))


def test_a_cell_is_coloured_as_plotly_colours_its_value(data):
    """Colours interpolated in RGB between the scale's stops on the figure's own range; white text
    on a dark cell, dark text on a light one (plotly.js's contrast rule)."""
    scale = theme.RATE_SCALE
    assert colour.scale_colour(scale, 0) == "#f7fbff" and colour.scale_colour(scale, 1) == "#08306b"
    assert colour.scale_colour(scale, 0.125) == "#dfebf7"  # halfway from F7FBFF to C6DBEF
    table, figure = _table(data, "grade=all")
    values = [t for t in figure["data"] if t["type"] == "heatmap"][1]
    assert values["zmax"] == 60  # the largest all-grades rate, 57.1% (PASO arm B diarrhea), rounded up
    diarrhea = _cell(table, "Diarrhea", "PASO", "B:")
    assert diarrhea["text"] == ["57.1"]
    assert diarrhea["bg"] == colour.scale_colour(scale, 57.1 / 60) and diarrhea["fg"] == colour.LIGHT_TEXT
    assert colour.text_colour("#f7fbff") == colour.DARK_TEXT
    assert [t["label"] for t in table["scale"]["ticks"]] == ["0%", "20%", "40%", "60%"]
    difference, _ = _table(data, "tox_mode=difference")
    assert difference["scale"]["stops"] == [[0.0, "#0072B2"], [0.5, "#F7F7F7"], [1.0, "#D55E00"]]
    assert [c["lines"] for c in difference["columns"]] == [["PASO", "B minus A"], ["E2100", "PB minus P"]]
    assert "0" in [t["label"] for t in difference["scale"]["ticks"]]


def test_every_cells_text_is_readable_on_its_colour(data):
    """WCAG AA for the cells' 12 px text: at least 4.5:1 in every cell of every mode (the brightness
    rule plotly.js uses put dark grey text on the middle blues at ~3.4:1: axe-core flagged it), and
    on any colour of either scale."""
    for query in ("", "grade=all", "tox_mode=difference", "grade=all&tox_mode=difference"):
        table, _ = _table(data, query)
        worst = min(colour.contrast(c["bg"], c["fg"]) for r in table["rows"] for c in r["cells"])
        assert worst >= 4.5, query
    for scale in (theme.RATE_SCALE, theme.DIFFERENCE_SCALE):
        colours = [colour.scale_colour(scale, k / 100) for k in range(101)]
        assert min(colour.contrast(c, colour.text_colour(c)) for c in colours) >= 4.5
    assert colour.contrast("#ffffff", "#000000") == pytest.approx(21)


def test_organ_classes_group_their_runs_of_rows(data):
    """Grouped by organ class (all grades): blood and lymphatic system disorders are the first four
    rows (anemia .. thrombocytopenia), cardiac disorders the fifth; a rule separates the blocks.
    Sorted by rate, each run of rows is its own group."""
    table, _ = _table(data, "grade=all&tox_sort=soc")
    assert table["groups"][:2] == [
        {"start": 0, "rows": 4, "label": "Blood and lymphatic system disorders"},
        {"start": 4, "rows": 1, "label": "Cardiac disorders"},
    ]
    assert [r["term"] for r in table["rows"][:4]] == ["Anemia", "Febrile neutropenia", "Neutropenia", "Thrombocytopenia"]
    assert sum(g["rows"] for g in table["groups"]) == len(table["rows"])
    assert table["separated"][:2] == [4, 5]
    by_rate, _ = _table(data)
    assert by_rate["separated"] == [] and sum(g["rows"] for g in by_rate["groups"]) == len(by_rate["rows"])


def test_text_from_data_reaches_the_browser_as_the_text_typed(data):
    """Terms, organ classes and arm labels are data (an upload's files): the figure escapes them
    for plotly; the table reads them back once, so the browser's textContent shows exactly what was
    typed, markup included as characters, never a live element."""
    m = toxicity_matrix(data.adverse_events, data.arms, data.trials, "3-4", top_n=5).assign(soc=PHISH, term=PHISH + " x")
    m = m.drop_duplicates(["trial_id", "arm_id"]).assign(term_order=0)
    table = heatmap_table.table_data(toxicity_heatmap(m))
    assert table["groups"][0]["label"] == PHISH and table["rows"][0]["term"] == PHISH + " x"
    assert PHISH in table["rows"][0]["cells"][0]["hover"]
    assert "&lt;" not in json.dumps(table, ensure_ascii=False)  # decoded once, not shown as entities


def test_an_empty_selection_is_its_message(data):
    table, figure = _table(data, "tox_search=alopecia&grade=4")
    assert set(table) == {"empty"}
    assert table["empty"].startswith("No adverse events match 'alopecia' in grade 4")


def test_a_view_state_is_rendered_as_one_json_attribute(data):
    """The view's callback sends the table as a JSON string (components/render.py)."""
    from components.render import rendered
    from evidence.view_registry import VIEWS

    text, caption = rendered(VIEWS["toxicity"], data, ViewState())
    assert json.loads(text) == heatmap_table.table_data(VIEWS["toxicity"].panel(data, ViewState()).figure_json())
    assert "PASO_REPORT" in caption


@pytest.mark.parametrize("markup, expected", [
    ("a<br>b", ["a", "b"]), ("<b>PASO ★</b><br>x", ["PASO ★", "x"]), ("&lt;b&gt;", ["<b>"]), ("", []), (None, []),
])  # fmt: skip
def test_markup_lines_reads_plotly_text(markup, expected):
    assert markup_lines(markup) == expected


def test_a_cell_click_reads_as_a_graph_click_and_names_its_passage(data):
    """What assets/heatmap_table.js sends for a click on PASO arm B's hand-foot cell (its trial and
    its hover lines, escaped and joined by <br>, as JSON text): the state sync highlights PASO and
    the Evidence box shows the PASO report's passage, as for a plotly point."""
    import html as html_text

    from components.sync import clicked_trial
    from evidence.clicked_passage import HINT, evidence_text, point_click

    table, _ = _table(data)
    cell = _cell(table, "Hand-foot skin reaction", "PASO", "B:")
    point = {"customdata": "PASO", "hovertext": "<br>".join(html_text.escape(line, quote=False) for line in cell["hover"])}
    sent = json.dumps({"n": 1, "points": [point]})
    assert clicked_trial(sent) == "PASO"
    said = evidence_text(data, point_click(sent))
    assert said.startswith("Evidence — PASO_REPORT") and "“" in said
    # anything else a request could carry is no click: the hint, never an error
    for odd in ("not json", "[1]", '{"points": "x"}', '{"points": [1]}', "", 7, None):
        assert point_click(odd) is None or point_click(odd) == {}, odd
        assert evidence_text(data, point_click(odd)) == HINT
        assert clicked_trial(odd if isinstance(odd, str) else None) == ""
