"""Figures drawn alone at the graph widths the dashboard gives them on a 1366 px screen, a 768 px
tablet and a 390 px phone: nothing drawn over anything else, nothing past the figure's edges
(issue 13). Each figure is drawn by the plotly.js the dashboard serves (tests/browser/figure_page.py);
screenshots land in tests/artifacts/figure-*.png."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence import views
from evidence.figures.forest import hazard_ratio_forest
from evidence.loading import load_dataset
from evidence.state import ViewState
from evidence.tables.pooling import pooling
from tests.browser.conftest import ARTIFACTS, REPO_ROOT
from tests.browser.figure_page import boxes, draw, outside, overlapping_pairs, overlaps

GRAPH_WIDTHS = (1248, 700, 390)  # the graph in a 1366 px window beside the filters; a tablet; a phone
TEXT = ".ytick text, .y2tick text, .y3tick text, .xtick text, .g-xtitle text, .annotation-text, .gtitle"


@pytest.fixture(scope="module")
def data():
    return load_dataset(REPO_ROOT / "data")


@pytest.fixture
def figure_page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def _check_text_layout(page, fig, width, name, also=""):
    info = draw(page, fig, width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#graph").screenshot(path=str(ARTIFACTS / f"figure-{name}-{width}.png"))
    texts = boxes(page, TEXT + also)
    assert texts, "nothing drawn"
    assert overlapping_pairs(texts) == [], f"{name} at {width} px: text drawn over text"
    assert outside(texts, info["width"]) == [], f"{name} at {width} px: text past the figure's edge"
    return info, texts


def _cells(texts, *needles):
    return [next(t for t in texts if t["text"] == needle) for needle in needles]


@pytest.mark.parametrize("width", GRAPH_WIDTHS)
def test_forest_columns_labels_ticks_and_footnotes_fit_at_every_width(figure_page, data, width):
    fig = views.forest_panel(data, ViewState()).figure
    info, texts = _check_text_layout(figure_page, fig, width, "forest-pfs")
    hr, p = _cells(texts, "1.80 [1.02–3.20]", "0.041")  # PASO's row (the example)
    assert hr["right"] < p["left"] and abs((hr["top"] + hr["bottom"]) - (p["top"] + p["bottom"])) < 2
    plot_right = info["size"]["l"] + info["size"]["w"]
    assert hr["left"] >= plot_right  # the columns sit beside the plot, never over its marks
    footnotes = [t for t in texts if "E2100: treatment × time interaction" in t["text"]]
    assert footnotes and footnotes[0]["right"] <= width  # wrapped, not clipped (clipped before at 1248)
    ticks = boxes(figure_page, ".xtick text")
    assert len(ticks) >= 3 and overlapping_pairs(ticks) == []
    row_labels = [t["text"] for t in boxes(figure_page, ".ytick text")]
    assert "E2100 · subgroup:measurable disease" in row_labels  # subgroup rows name their trial (lines joined)


@pytest.mark.parametrize("width", (700, 390))
def test_forest_with_a_pooled_diamond_fits(figure_page, width):
    rows = pd.DataFrame(
        {
            "trial_id": ["A", "A", "B", "C"],
            "arm_id": [""] * 4,
            "label": ["A: sorafenib + paclitaxel vs paclitaxel", "  subgroup: prior taxane-based adjuvant therapy",
                      "B: sorafenib vs placebo", "C: bevacizumab + paclitaxel vs paclitaxel"],
            "analysis": ["primary", "subgroup", "primary", "primary"],
            "value": [0.70, 0.20, 0.85, 0.95],
            "ci_low": [0.55, 0.10, 0.70, 0.70],
            "ci_high": [0.90, 0.40, 1.03, 1.29],
            "has_ci": [True] * 4,
            "origin": ["curated", "curated", "uploaded", "curated"],
        }
    ).assign(p_label="NR", hr_text="0.70 [0.55–0.90]", n_patients=pd.NA, events=pd.NA, derived=False, caveat="")
    decision = pooling(rows, True)
    assert decision.drawn and decision.mixes_uploaded
    fig = hazard_ratio_forest(rows, "Progression-free survival", pooling=decision)
    _check_text_layout(figure_page, fig, width, "forest-pooled")


@pytest.mark.parametrize("width", GRAPH_WIDTHS)
def test_medians_columns_and_headers_do_not_overlap(figure_page, data, width):
    fig = views.medians_panel(data, ViewState()).figure
    info, texts = _check_text_layout(figure_page, fig, width, "medians-pfs")
    median, count = _cells(texts, "5.6 [3.8–6.5]", "27 / 30")  # PASO arm B
    assert median["right"] < count["left"]
    headers = [t for t in texts if t["text"] in ("Median[95% CI]", "Events/ n")]  # two-line headers
    assert len(headers) == 2 and overlapping_pairs(headers) == []
    legend = boxes(figure_page, ".legendtext")
    assert overlapping_pairs(legend + boxes(figure_page, ".gtitle")) == [] and outside(legend, info["width"]) == []


@pytest.mark.parametrize("width", GRAPH_WIDTHS)
def test_kaplan_meier_risk_table_labels_are_not_cut(figure_page, width):
    """lifelines' lung data (R's survival::lung) as patient-level data, with trial-length arm labels."""
    from lifelines.datasets import load_lung

    from evidence.figures.survival import kaplan_meier_figure
    from evidence.tables.survival import kaplan_meier_table

    lung = load_lung()
    ipd = pd.DataFrame({"trial_id": "LUNG", "arm_id": lung["sex"].map({1: "M", 2: "F"}), "endpoint": "OS",
                        "time_months": lung["time"] / 30.4375, "event": lung["status"].astype(int)})  # fmt: skip
    arms = pd.DataFrame({"trial_id": ["LUNG"] * 2, "arm_id": ["M", "F"], "role": ["control", "experimental"],
                         "label": ["Arm A: paclitaxel", "Arm B: paclitaxel + sorafenib"]})  # fmt: skip
    fig = kaplan_meier_figure(kaplan_meier_table(ipd, arms, "LUNG", "OS"))
    info = draw(figure_page, fig, width)
    figure_page.locator("#graph").screenshot(path=str(ARTIFACTS / f"figure-km-lung-{width}.png"))
    risk_table = boxes(figure_page, ".y2tick text, .x2tick text, .textpoint text, .annotation-text")
    labels = [t for t in risk_table if t["text"].startswith("Arm ")]
    assert len(labels) == 2 and outside(risk_table, info["width"]) == []  # the labels were cut at the left
    assert overlapping_pairs(risk_table) == []
    assert {"138", "90"} <= {t["text"] for t in risk_table}  # R: 138 men, 90 women at risk at 0


SURVIVAL_TEXT = ".gtitle, .gtitle-subtitle, .legendtext, .xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .annotation-text"


def _clear_of_the_plot(info, items):
    """Items drawn over the plot area (plotly's _size: l, t, w, h)."""
    s = info["size"]
    plot = {"left": s["l"], "right": s["l"] + s["w"], "top": s["t"], "bottom": s["t"] + s["h"], "text": "plot"}
    return [i["text"] for i in items if overlaps(i, plot)]


@pytest.mark.parametrize("width", GRAPH_WIDTHS)
def test_survival_title_subtitle_and_legend_wrap_and_sit_clear_of_the_curves(figure_page, data, width):
    """The bundled default (PASO, model-based curves): title, subtitle and legend inside the figure,
    apart, and off the curves (the legend was over them at 700 px, the subtitle past the edge at 390)."""
    fig = views.survival_panel(data, ViewState()).figure
    info = draw(figure_page, fig, width)
    figure_page.locator("#graph").screenshot(path=str(ARTIFACTS / f"figure-survival-model-{width}.png"))
    texts = boxes(figure_page, SURVIVAL_TEXT)
    legend, titles = boxes(figure_page, ".legendtext"), boxes(figure_page, ".gtitle, .gtitle-subtitle")
    assert len(legend) == 2 and any("Arm B" in t["text"] for t in legend)
    assert any("model-based" in t["text"] for t in titles)
    assert overlapping_pairs(texts) == [] and outside(texts, info["width"], info["height"]) == []
    assert _clear_of_the_plot(info, legend + titles) == []


@pytest.mark.parametrize("width", GRAPH_WIDTHS)
def test_kaplan_meier_title_and_legend_sit_clear_of_the_curves(figure_page, width):
    from lifelines.datasets import load_lung

    from evidence.figures.survival import kaplan_meier_figure
    from evidence.tables.survival import kaplan_meier_table

    lung = load_lung()
    ipd = pd.DataFrame({"trial_id": "LUNG", "arm_id": lung["sex"].map({1: "M", 2: "F"}), "endpoint": "OS",
                        "time_months": lung["time"] / 30.4375, "event": lung["status"].astype(int)})  # fmt: skip
    arms = pd.DataFrame({"trial_id": ["LUNG"] * 2, "arm_id": ["M", "F"], "role": ["control", "experimental"],
                         "label": ["Arm A: paclitaxel", "Arm B: paclitaxel + sorafenib"]})  # fmt: skip
    info = draw(figure_page, kaplan_meier_figure(kaplan_meier_table(ipd, arms, "LUNG", "OS")), width)
    figure_page.locator("#graph").screenshot(path=str(ARTIFACTS / f"figure-km-legend-{width}.png"))
    texts = boxes(figure_page, SURVIVAL_TEXT + ", .y2tick text, .x2tick text")
    legend, titles = boxes(figure_page, ".legendtext"), boxes(figure_page, ".gtitle, .gtitle-subtitle")
    assert len(legend) == 2 and any("Log-rank p" in t["text"] for t in titles)
    assert overlapping_pairs(texts) == [] and outside(texts, info["width"], info["height"]) == []
    assert _clear_of_the_plot(info, legend + titles) == []


@pytest.mark.parametrize("width", GRAPH_WIDTHS[:2])
def test_subgroup_ticks_stay_horizontal_and_apart(figure_page, data, width):
    """E2100's subgroup forest (HRs 0.46–0.68, as printed in the NEJM report's Figure 3 text): the
    hazard-ratio tick labels never rotate (they did in the 700 px of a 768 px tablet) nor overlap.
    Not yet at 390 px: on a phone the figure (title, side columns) is wider than the screen."""
    from evidence.view_registry import VIEWS

    fig = VIEWS["subgroups"].panel(data, ViewState()).figure
    _check_text_layout(figure_page, fig, width, "subgroups-pfs")
    ticks = boxes(figure_page, ".xtick text")
    assert len(ticks) >= 2 and overlapping_pairs(ticks) == []
    rotated = figure_page.evaluate(
        "() => Array.from(document.querySelectorAll('.xtick text')).filter(t => /rotate/.test(t.getAttribute('transform') || '')).length"
    )
    assert rotated == 0
