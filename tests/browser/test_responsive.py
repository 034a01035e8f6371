"""Issue 13's layout gaps, in the real page: the heatmap's column headers and key stay in view while
its rows scroll; on a phone the efficacy plots keep a readable width and the answer strip is short
before the tabs. Screenshots land in tests/artifacts/responsive-*.png."""

from __future__ import annotations

import pytest

from components import ids
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import TAB_FIGURES, show_tab, wait_for_drawn

HEADER_POSITIONS_JS = """() => {
  // the heatmap table (assets/heatmap_table.js): its head (title, key, scale) and column headers,
  // sticky in the scroll box, and where its cells' columns and rows are
  const box = document.querySelector('#card-toxicity .scroll-box');
  const head = box.querySelector('.hm-head');
  const rect = (e) => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent}; };
  const cells = Array.from(box.querySelectorAll('tbody tr:first-child .hm-cell'));
  // a header's words are its text nodes (the star shown for a highlighted trial is apart)
  const header = (e) => Object.assign(rect(e), {text: Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join('')});
  return {box: rect(box), head: rect(head), headers: Array.from(box.querySelectorAll('thead .hm-column')).map(header),
          keys: Array.from(head.querySelectorAll('.hm-key')).map(rect), columns: cells.map(c => { const r = rect(c); return (r.left + r.right) / 2; }),
          rows: Array.from(box.querySelectorAll('tbody .hm-term')).map(rect), scrollTop: box.scrollTop};
}"""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def _centre(box):
    return (box["left"] + box["right"]) / 2


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_heatmap_headers_and_key_stay_in_view_while_its_rows_scroll(page, base_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_drawn(page, ["heatmap-figure"])
    box = page.locator("#card-toxicity .scroll-box")
    box.scroll_into_view_if_needed()
    page.evaluate("() => { const b = document.querySelector('#card-toxicity .scroll-box'); b.scrollTop = (b.scrollHeight - b.clientHeight) / 2; }")
    page.wait_for_timeout(300)
    at = page.evaluate(HEADER_POSITIONS_JS)
    assert at["scrollTop"] > 200  # the rows did scroll
    headers, keys = at["headers"], at["keys"]
    # middle rows show in the box below the headers, the first ones have scrolled out of it
    below = max(h["bottom"] for h in headers)
    shown = [r for r in at["rows"] if below <= r["top"] and r["bottom"] <= at["box"]["bottom"]]
    assert shown and at["rows"][0]["bottom"] < at["box"]["top"]
    # title, key and headers: inside the box and the window, at the box's top, headers under the key
    viewport = page.viewport_size
    assert at["head"]["top"] == pytest.approx(at["box"]["top"], abs=1)
    assert [h["text"] for h in headers][:2] == ["PASOA: paclitaxel", "PASOB: paclitaxel+ sorafenib"]
    assert any(k["text"].startswith("NR = not reported") for k in keys)
    assert any("derived value" in k["text"] for k in keys)  # the ◇ mark's key
    for item in keys:
        assert at["head"]["top"] <= item["top"] and item["bottom"] <= at["head"]["bottom"] + 0.5
    for item in headers:
        assert at["head"]["bottom"] - 1 <= item["top"] and item["bottom"] <= at["head"]["bottom"] + 140
    for item in headers + keys:
        assert 0 <= item["top"] and item["bottom"] <= viewport["height"]
    # each header over its own column of cells, also after the box scrolls sideways (a phone)
    assert len(headers) == len(at["columns"])
    for header, column in zip(headers, at["columns"]):
        assert _centre(header) == pytest.approx(column, abs=2)
    page.evaluate("() => { document.querySelector('#card-toxicity .scroll-box').scrollLeft = 300; }")
    page.wait_for_timeout(200)
    moved = page.evaluate(HEADER_POSITIONS_JS)
    if page.evaluate("() => { const b = document.querySelector('#card-toxicity .scroll-box'); return b.scrollWidth > b.clientWidth; }"):
        assert moved["columns"][0] < at["columns"][0] - 100  # it scrolled sideways
        assert moved["rows"][0]["left"] == pytest.approx(moved["box"]["left"], abs=3)  # the terms stay in view
    for header, column in zip(moved["headers"], moved["columns"]):
        assert _centre(header) == pytest.approx(column, abs=2)
    page.screenshot(path=str(ARTIFACTS / f"responsive-heatmap-scrolled-{width}x{height}.png"))
    assert page.console_errors == []


def test_heatmap_header_follows_a_new_table(page, base_url):
    """A new table (difference mode, other columns) has its own headers over its own cells."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, ["heatmap-figure"])
    page.locator("#tox-mode input[value='difference']").check()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#card-toxicity thead .hm-column')).some(t => t.textContent.includes('minus'))",
        timeout=30000,
    )
    at = page.evaluate(HEADER_POSITIONS_JS)
    assert len(at["headers"]) == len(at["columns"]) == 2  # PASO B minus A, E2100 PB minus P
    for header, column in zip(at["headers"], at["columns"]):
        assert _centre(header) == pytest.approx(column, abs=2)


def test_on_a_tablet_the_whole_heatmap_table_fits_its_card(page, base_url):
    """At 768 px the table was 40 px wider than its card: the organ classes were cut at the card's
    edge until scrolled sideways. Their column wraps narrower on a tablet (assets/views.css)."""
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(base_url)
    page.locator("#heatmap-figure").scroll_into_view_if_needed()  # drawn once seen
    wait_for_drawn(page, ["heatmap-figure"])
    fit = page.evaluate("""() => { const box = document.querySelector('#card-toxicity .scroll-box');
      const organs = Array.from(box.querySelectorAll('.hm-organ'));
      const right = box.getBoundingClientRect().right;
      return {scroll: box.scrollWidth, client: box.clientWidth, organs: organs.length,
              cut: organs.filter(o => o.getBoundingClientRect().right > right + 0.5).map(o => o.textContent)}; }""")
    assert fit["organs"] >= 10 and fit["cut"] == []
    assert fit["scroll"] <= fit["client"]
    page.screenshot(path=str(ARTIFACTS / "responsive-heatmap-768.png"))


def test_on_a_phone_the_forest_and_medians_plots_keep_a_readable_width_and_scroll_sideways(page, base_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure", "medians-figure"])
    for graph in ("forest-figure", "medians-figure"):
        plot_width = page.evaluate("(id) => document.querySelector('#' + id + ' .js-plotly-plot')._fullLayout._size.w", graph)
        assert plot_width >= 250, (graph, plot_width)  # was 64 px
        wrapper = page.locator(f'.figure[data-view="{graph}"]')
        assert wrapper.evaluate("(e) => e.scrollWidth > e.clientWidth + 100")  # the figure scrolls in its card
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # the page itself does not
    # PASO's row: its label in view at first, its HR text after a sideways scroll
    wrapper = page.locator('.figure[data-view="forest-figure"]')
    wrapper.scroll_into_view_if_needed()
    label = page.locator("#forest-figure .ytick text", has_text="PASO").first
    hr = page.locator("#forest-figure text", has_text="1.80 [1.02–3.20]").first
    assert 0 <= label.bounding_box()["x"] and hr.bounding_box()["x"] > 390
    wrapper.evaluate("(e) => { e.scrollLeft = e.scrollWidth; }")
    box = hr.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "responsive-forest-scrolled-390x844.png"))


def test_on_a_phone_the_answer_strip_is_short_and_its_details_open_without_highlighting(page, base_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url)
    page.wait_for_function("() => document.querySelectorAll('#answer-cards .answer-card').length === 5", timeout=30000)
    paso = page.locator("#answer-cards .answer-card", has_text="PASO").first
    assert paso.locator(".answer-hr").is_visible() and not paso.locator(".answer-medians").is_visible()
    tabs = page.locator("#view-tab").bounding_box()
    assert tabs["y"] + tabs["height"] <= 844  # the tabs on the first screen (were below four screens of cards)
    paso.locator("summary").click()
    medians = paso.locator(".answer-medians")
    medians.wait_for(state="visible")
    assert medians.inner_text().startswith("Median PFS: 5.6 mo (3.8–6.5) with paclitaxel + sorafenib")  # PASO Table 2
    page.wait_for_timeout(500)
    assert "highlight" not in page.url and "answer-highlighted" not in (paso.get_attribute("class") or "")
    page.screenshot(path=str(ARTIFACTS / "responsive-answers-390x844.png"))


def test_on_a_wide_screen_the_answer_details_show_without_a_disclosure(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    page.wait_for_function("() => document.querySelectorAll('#answer-cards .answer-card').length === 5", timeout=30000)
    paso = page.locator("#answer-cards .answer-card", has_text="PASO").first
    assert paso.locator(".answer-medians").is_visible() and paso.locator(".answer-tox-item").first.is_visible()
    assert not paso.locator("summary").is_visible()


SUBGROUP_TEXT_JS = """() => {
  const gd = document.querySelector('#subgroups-figure .js-plotly-plot');
  const paper = gd.querySelector('.main-svg').getBoundingClientRect();
  const texts = Array.from(gd.querySelectorAll('.main-svg text')).filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
      return {text: t.textContent, left: r.left - paper.left, right: r.right - paper.left}; });
  return {width: paper.width, plot: gd._fullLayout._size.w, texts: texts};
}"""


def test_on_a_phone_the_subgroup_forest_keeps_its_text_inside_and_scrolls_sideways(page, base_url):
    """At 390 px the subgroup forest's title and Interaction P column ran past the figure's edges:
    it keeps the forest's 620 px minimum and scrolls sideways in its card, every text inside."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url)
    wait_for_drawn(page, ["subgroups-figure"])
    page.wait_for_function("() => (document.querySelector('#subgroups-figure .js-plotly-plot')"
                           "._fullLayout.title.text || '').startsWith('Subgroups')", timeout=30000)
    drawn = page.evaluate(SUBGROUP_TEXT_JS)
    assert drawn["width"] >= 620 and drawn["plot"] >= 200, drawn["plot"]
    assert any(t["text"].startswith("Subgroups: hazard ratio") for t in drawn["texts"]), [t["text"] for t in drawn["texts"]]
    outside = [t for t in drawn["texts"] if t["left"] < -0.5 or t["right"] > drawn["width"] + 0.5]
    assert outside == []
    wrapper = page.locator('.figure[data-view="subgroups-figure"]')
    assert wrapper.evaluate("(e) => e.scrollWidth > e.clientWidth + 100")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    wrapper.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "responsive-subgroups-390x844.png"))


ROWS_BELOW_JS = """
  // a text table: how far its last row reaches below the table's own height (rows out of sight
  // behind the table's scroll); null for any other figure
  const rowsBelow = (gd) => {
    if (!(gd._fullData || []).some(t => t.type === 'table')) return null;
    const paper = gd.querySelector('.main-svg').getBoundingClientRect();
    let bottom = 0;
    gd.querySelectorAll('g.column-cell rect.cell-rect').forEach(c => { bottom = Math.max(bottom, c.getBoundingClientRect().bottom); });
    return Math.round(bottom - paper.top - (paper.height - gd._fullLayout.margin.b));
  };
"""

PHONE_TEXT_JS = """(id) => {""" + ROWS_BELOW_JS + """
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const paper = gd.querySelector('.main-svg').getBoundingClientRect();
  const table = (gd._fullData || []).some(t => t.type === 'table');
  // a table's cell text is clipped to its cell by plotly; every other text must lie on the paper
  const texts = table ? [] : Array.from(gd.querySelectorAll('.main-svg text')).filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
      // tick labels: plotly's groups 'xtick', 'x2tick', 'ytick', ...
      const tick = /^[xy]\\d*tick$/.test(t.parentNode.getAttribute('class') || '');
      const heading = t.classList.contains('gtitle') ? 'title' : t.closest('.legend') ? 'key' : null;
      return {text: t.textContent, left: r.left - paper.left, right: r.right - paper.left,
              top: r.top - paper.top, bottom: r.bottom - paper.top, tick: tick, heading: heading}; });
  // a table's cells: plotly wraps their text at spaces only and clips the rest to the column, so
  // a word wider than its column is cut (the findings' "MRCC-SORAFENIB" at every width)
  const cut = [];
  if (table) gd.querySelectorAll('g.column-cell').forEach(cell => {
    const box = cell.querySelector('rect.cell-rect').getBoundingClientRect();
    const text = cell.querySelector('text.cell-text');
    const r = text ? text.getBoundingClientRect() : null;
    if (r && r.width > 0 && r.right > box.right + 1) cut.push(text.textContent);
  });
  const unseen = rowsBelow(gd) || 0;
  return {width: paper.width, texts: texts, cut: cut, unseen: unseen};
}"""


TABLE_CUT_JS = """(id) => Array.from(document.querySelectorAll(['th', 'td', '.hm-key'].map(s => '#' + id + ' ' + s).join(', ')))
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1).map(e => e.textContent)"""
"""A table the page draws (the toxicity heatmap, findings): its cells, headers and key entries whose
text overflows them (cut or drawn past them; a text table breaks lines at spaces only)."""


def wait_for_data(page, graph_id):
    """Drawn with the server's figure, not only the empty first draw (wait_for_drawn passes on it)."""
    page.wait_for_function(f"() => document.querySelector('#{graph_id} .js-plotly-plot')._fullData.length > 0", timeout=30000)


def _apart(a, b, gap):
    """Two boxes at least `gap` px apart (sideways or up and down)."""
    return (a["right"] + gap <= b["left"] or b["right"] + gap <= a["left"]
            or a["bottom"] + gap <= b["top"] or b["bottom"] + gap <= a["top"])


def _ticks_touching_text(texts, gap=2.0):
    """Tick labels drawn over (or within `gap` px of) another text of the same plot: rotated cycle
    labels of the dose ramp ran into the second panel's title and the axis title at 768 px."""
    ticks = [t for t in texts if t["tick"]]
    return [(t["text"], o["text"]) for t in ticks for o in texts if o is not t and not _apart(t, o, gap)
            and not (o["tick"] and texts.index(o) < texts.index(t))]


def _headings_touching_text(texts, gap=1.0):
    """The title or a key text drawn over (or within `gap` px of) another text of the plot (key
    entries among themselves excepted): at 768 px the flow figure's key, top right, wrapped to two
    rows and its "Arm:" ran over the end of the title."""
    headings = [t for t in texts if t["heading"]]
    return sorted({tuple(sorted((h["text"], o["text"]))) for h in headings for o in texts
                   if o is not h and not (h["heading"] == o["heading"] == "key") and not _apart(h, o, gap)})


@pytest.mark.parametrize("width,height", [(1366, 768), (1024, 768), (768, 1024), (390, 844)])
def test_every_plot_keeps_its_text_inside_and_on_a_phone_a_readable_width(page, base_url, width, height):
    """No text of any plot runs past its edges: at 1366 the response-rate key line and the exposure
    footnote were cut (one line each, wider than half the screen); at 768 the dose-ramp footnote,
    the exposure axis title and the what-if title. At 390 plots were squeezed to the screen (the
    response-rate key over its title, exposure labels cut, cycle ticks piled up): every plot but the
    heatmap (its own scroll box) keeps 720 px and scrolls sideways in its card; the page itself
    never scrolls sideways. No tick label touches another text: at 768 and 390 plotly rotated the
    dose ramp's cycle labels into the next panel's title and the axis title; at 1024 a design note
    ran into its row's label and two patient counts read "685722". Nor does a title or key.
    No word of a text table is cut by its column at any width (a table too wide for its card
    scrolls sideways in it), and every row of each table is in its figure, none behind the table's
    own scroll (at 768 half the baseline table was)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    for tab, graphs in TAB_FIGURES.items():
        show_tab(page, tab)
        wait_for_drawn(page, graphs)
        page.wait_for_timeout(300)
        for graph_id in graphs:
            if graph_id in ids.BROWSER_DRAWN:  # an HTML table: no word of a cell or header cut by it
                assert page.evaluate(TABLE_CUT_JS, graph_id) == [], (width, graph_id)
                continue
            wait_for_data(page, graph_id)
            drawn = page.evaluate(PHONE_TEXT_JS, graph_id)
            if width < 600 and graph_id != "heatmap-figure":
                assert drawn["width"] >= 720, (graph_id, drawn["width"])
            outside = [t["text"] for t in drawn["texts"] if t["left"] < -0.5 or t["right"] > drawn["width"] + 0.5]
            assert outside == [], (width, graph_id, outside)
            assert _ticks_touching_text(drawn["texts"]) == [], (width, graph_id)
            assert _headings_touching_text(drawn["texts"]) == [], (width, graph_id)
            assert drawn["cut"] == [], (width, graph_id, drawn["cut"])
            assert drawn["unseen"] <= 1, (width, graph_id, drawn["unseen"])
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        if width < 600:
            page.screenshot(path=str(ARTIFACTS / f"responsive-phone-{tab}-390x844.png"), full_page=True)


RATE_MARKS_JS = """() => {
  const gd = document.querySelector('#rates-figure .js-plotly-plot');
  const paper = gd.querySelector('.main-svg').getBoundingClientRect();
  const box = (e) => { const r = e.getBoundingClientRect();
    return {text: e.textContent, left: r.left - paper.left, right: r.right - paper.left,
            top: r.top - paper.top, bottom: r.bottom - paper.top}; };
  const labels = Array.from(gd.querySelectorAll('.textpoint text')).filter(t => t.textContent.trim()).map(box);
  // a whisker is one path: a cap at each end of a vertical stem (plotly's errorbars)
  const whiskers = Array.from(gd.querySelectorAll('.errorbar path.yerror')).map(p => {
    const b = box(p); return {...b, thickness: parseFloat(getComputedStyle(p).strokeWidth) || 1}; });
  const ticks = Array.from(gd.querySelectorAll('.ytick text')).filter(t => t.textContent.trim()).map(box);
  const trials = Array.from(gd.querySelectorAll('.xaxislayer-above text')).filter(t => t.textContent.trim()).map(box);
  return {labels: labels, whiskers: whiskers, ticks: ticks, trials: trials};
}"""


def _whisker_parts(whisker):
    """A whisker's stem and its two caps as boxes (its path's box is as wide as a cap all the way down)."""
    centre, half = (whisker["left"] + whisker["right"]) / 2, whisker["thickness"] / 2
    stem = dict(whisker, left=centre - half, right=centre + half)
    caps = [dict(whisker, top=y - half, bottom=y + half) for y in (whisker["top"] + half, whisker["bottom"] - half)]
    return [stem, *caps]


@pytest.mark.parametrize("width,height", [(1366, 768), (768, 1024), (390, 844)])
def test_response_rate_labels_keep_clear_of_every_whisker(page, base_url, width, height):
    """E2100's 36.9% (written left of its marker) ran over PASO's control whisker at 1366 px and
    came within a pixel of it at 768 and 390; PASO control's 43.3% touched E2100's experimental
    whisker; at 1366 the first trial's 40.0% came within 3.4 px of the y tick label "40". Every rate
    label keeps 4 px from every whisker (stem and caps), from the y tick labels and from the other labels.
    The trial names under neighbouring one-trial panels keep 4 px apart too ("MRCC-SORAFENIB" came
    within a pixel of "E2100" at 1366 before it was given two lines)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_drawn(page, ["rates-figure"])
    wait_for_data(page, "rates-figure")
    page.wait_for_timeout(300)
    drawn = page.evaluate(RATE_MARKS_JS)
    labels, whiskers = drawn["labels"], drawn["whiskers"]
    assert sorted(t["text"] for t in labels) == sorted(["40.0%", "43.3%", "36.9%", "21.2%", "70.0%", "93.3%", "30.0%",
                                                         "81.2%", "73.4%"])  # the bundled rates (PASO, E2100, MRCC-SORAFENIB)
    assert len(whiskers) == 7  # the two 1-year survival rates have no CI
    parts = [part for whisker in whiskers for part in _whisker_parts(whisker)]
    crossing = [(label["text"], round(part["left"])) for label in labels for part in parts if not _apart(label, part, 4)]
    assert crossing == [], (width, crossing)
    crowded = [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:] if not _apart(a, b, 4)]
    assert crowded == [], (width, crowded)
    assert drawn["ticks"], "no y tick labels found"
    by_ticks = [(a["text"], t["text"]) for a in labels for t in drawn["ticks"] if not _apart(a, t, 4)]
    assert by_ticks == [], (width, by_ticks)
    trials = drawn["trials"]
    assert sorted(t["text"] for t in trials) == sorted(["PASO", "E2100", "PASO", "MRCC-SORAFENIB", "E2100"])
    touching = [(a["text"], b["text"]) for i, a in enumerate(trials) for b in trials[i + 1:] if not _apart(a, b, 4)]
    assert touching == [], (width, touching)
    page.locator("#rates-figure").screenshot(path=str(ARTIFACTS / f"responsive-rates-{width}x{height}.png"))


MODEBAR_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const bar = gd.querySelector('.modebar');
  if (!bar) return null;
  const box = (e) => { const r = e.getBoundingClientRect();
    return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  // the key (its entries and its title) and the figure's title
  const texts = Array.from(gd.querySelectorAll('.legend text, .gtitle')).filter(t => t.textContent.trim()).map(box);
  return {bar: box(bar), texts: texts, orientation: gd._fullLayout.modebar.orientation};
}"""


@pytest.mark.parametrize("width,height", [(1366, 768), (768, 1024)])
def test_the_modebar_shown_on_hover_covers_no_key_entry_or_title(page, base_url, width, height):
    """plotly's modebar (top right, shown while the pointer is over a plot) covered the end of the
    dose-ramp key's first row ("MRCC-SORAFENIB planned") at 1366 px and the patient-flow key at 768:
    on those two it runs down the right margin. Across the top it covered the end of the forest,
    medians and response-rate titles in half a 1366 px screen until the buttons nobody uses went
    (components/layout.py GRAPH_CONFIG)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    covered = []
    for tab, graphs in TAB_FIGURES.items():
        show_tab(page, tab)
        wait_for_drawn(page, graphs)
        for graph_id in graphs:
            if graph_id in ids.BROWSER_DRAWN:  # an HTML table: no modebar
                continue
            wait_for_data(page, graph_id)
            drawn = page.evaluate(MODEBAR_JS, graph_id)
            assert drawn is not None, graph_id
            covered += [(graph_id, t["text"]) for t in drawn["texts"] if not _apart(t, drawn["bar"], 0)]
            if graph_id in ("dose-figure", "flow-figure"):
                assert drawn["orientation"] == "v" and drawn["texts"], graph_id
    assert covered == [], (width, covered)
