"""Sorafenib dose schedule, what-if ramp and their figures against the PASO report (Methods:
200 mg bid, 200 + 400 mg, 400 mg bid from cycle 3; Results: mean daily dose 407, 545, 629 mg)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
import pytest

from evidence import theme
from evidence.dosing import cycles_to_full_dose, dose_schedule, what_if_ramp
from evidence.figures import dosing as dosing_figures
from evidence.tables.dosing import dose_ramp_table
from figure_dicts import validated


@pytest.fixture(scope="module")
def schedule(data):
    return dose_schedule(data.dosing, data.arms, data.trials)


def dose_ramp_figure(schedule, highlight=None) -> go.Figure:
    """The dose view's table drawn, the dict validated and read as a go.Figure."""
    return validated(dosing_figures.dose_ramp_figure(dose_ramp_table(schedule), highlight=highlight))


def screen_parts(schedule, highlight=None) -> tuple[go.Figure, go.Figure]:
    """The dose ramp as the screen draws it: the reported panel and the derived panels."""
    reported, derived = dosing_figures.dose_ramp_figures(dose_ramp_table(schedule), highlight=highlight)
    return validated(reported), validated(derived)


def what_if_figure(ramp) -> go.Figure:
    return validated(dosing_figures.what_if_figure(ramp))


def arm(schedule, trial_id):
    return schedule[schedule.trial_id == trial_id].sort_values("cycle").reset_index(drop=True)


# ---------------------------------------------------------------- dose_schedule


def test_paso_planned_ramp_and_carry_forward(schedule):
    paso = arm(schedule, "PASO")
    assert list(paso.cycle) == [1, 2, 3, 4, 5, 6]
    assert list(paso.planned_daily_mg) == [400, 600, 800, 800, 800, 800]
    assert list(paso.carried_forward) == [False, False, False, True, True, True]
    assert list(paso.planned_derived[:3]) == [True, True, False]  # 200 bid and 200 + 400 are summed
    assert not paso.cycle_days_assumed.any() and set(paso.cycle_days) == {28}
    assert (paso.day_start[0], paso.day_end[0], paso.day_start[2], paso.day_end[2]) == (1, 28, 57, 84)


def test_paso_delivered_dose_and_relative_dose_intensity(schedule):
    paso = arm(schedule, "PASO")
    assert list(paso.delivered_mean_daily_mg[:3]) == [407, 545, 629]
    assert paso.delivered_mean_daily_mg[3:].isna().all()  # not reported, not carried
    # RDI vs full dose 800 mg: 407/800, 545/800, 629/800.
    assert [round(v, 1) for v in paso.rdi_full_pct[:3]] == [50.9, 68.1, 78.6]
    assert paso.rdi_full_pct[0] == pytest.approx(100 * 407 / 800)
    # Delivered / planned: 407/400, 545/600, 629/800.
    assert [round(v, 1) for v in paso.rdi_planned_pct[:3]] == [101.8, 90.8, 78.6]


def test_paso_cumulative_doses(schedule):
    paso = arm(schedule, "PASO")
    assert list(paso.cumulative_planned_mg[:3]) == [400 * 28, 1000 * 28, 1800 * 28]
    assert paso.cumulative_delivered_mg[2] == (407 + 545 + 629) * 28 == 44268
    assert paso.cumulative_delivered_mg[3:].isna().all()  # only through cycles with a delivered dose
    assert list(paso.cumulative_full_dose_mg) == [800 * 28 * c for c in range(1, 7)]
    deficit = paso.cumulative_full_dose_mg[2] - paso.cumulative_planned_mg[2]
    assert deficit == (400 + 200 + 0) * 28 == 16800


def test_full_dose_trials_and_assumed_cycle_length(schedule):
    for trial_id in ("SOR", "MRCC-SORAFENIB"):
        rows = arm(schedule, trial_id)
        assert set(rows.planned_daily_mg) == {800}
        assert rows.cycle_days_assumed.all() and set(rows.cycle_days) == {28}
        assert list(rows.carried_forward) == [False] + [True] * 5
        assert rows.delivered_mean_daily_mg.isna().all()


def test_unstated_dose_stays_missing(schedule):
    nct = arm(schedule, "NCT00573755")
    assert len(nct) == 6
    assert nct.planned_daily_mg.isna().all() and nct.cumulative_planned_mg.isna().all()
    assert not nct.carried_forward.any() and not nct.cycle_days_assumed.any()


def test_schedule_options_and_empty(data):
    assert dose_schedule(data.dosing, data.arms, data.trials, cycles=3).cycle.max() == 3
    assert dose_schedule(data.dosing.iloc[0:0], data.arms, data.trials).empty
    with pytest.raises(ValueError, match="cycles"):
        dose_schedule(data.dosing, data.arms, data.trials, cycles=0)


# ---------------------------------------------------------------- what_if_ramp


def test_paso_ramp_reproduced():
    ramp = what_if_ramp(400, 200, 3)
    assert list(ramp.planned_daily_mg) == [400, 600, 800, 800, 800, 800]
    assert ramp.deficit_mg[2] == (400 + 200 + 0) * 28 == 16800
    assert ramp.deficit_pct[2] == pytest.approx(25.0)  # 16,800 of 67,200 mg
    assert ramp.deficit_mg.iloc[-1] == 16800 and ramp.deficit_pct.iloc[-1] == pytest.approx(12.5)
    assert list(ramp.cumulative_full_dose_mg) == [800 * 28 * c for c in range(1, 7)]
    assert not ramp.jump_to_target.any()


def test_ramp_definition_jump_clamp_and_full_dose():
    # A step too small to reach the target by the chosen cycle jumps there at that cycle.
    slow = what_if_ramp(200, 50, 4, cycles=5)
    assert list(slow.planned_daily_mg) == [200, 250, 300, 800, 800]
    assert list(slow.jump_to_target) == [False, False, False, True, False]
    # A step that would overshoot is clamped to the target.
    assert list(what_if_ramp(400, 500, 6, cycles=3).planned_daily_mg) == [400, 800, 800]
    # Target from cycle 1 = full dose: no deficit.
    full = what_if_ramp(0, 0, 1, cycles=2)
    assert list(full.planned_daily_mg) == [800, 800] and (full.deficit_mg == 0).all()
    assert list(what_if_ramp(400, 200, 3, cycle_days=21, cycles=1).cumulative_mg) == [400 * 21]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 200, 3), "start dose (mg/day) must be at least 0"),
        ((400, -5, 3), "step (mg/day per cycle) must be at least 0"),
        ((900, 200, 3), "start dose (900 mg/day) must not exceed the target dose (800 mg/day)"),
        ((400, 200, 0), "cycles to reach the target must be at least 1"),
        ((400, 200, 2.5), "cycles to reach the target must be a whole number"),
        ((400, 200, 3, 800, 0), "number of cycles must be at least 1"),
        ((400, 200, 3, 0), "target dose (mg/day) must be greater than 0"),
        ((400, 200, 3, 800, 6, 0), "cycle length (days) must be at least 1"),
        ((None, 200, 3), "start dose (mg/day) must be a number"),
        ((float("nan"), 200, 3), "start dose (mg/day) must be a number"),
    ],
)
def test_what_if_validation(args, message):
    with pytest.raises(ValueError) as err:
        what_if_ramp(*args)
    assert str(err.value).startswith(message)


# ---------------------------------------------------------------- figures


def test_dose_ramp_figure(schedule):
    fig = dose_ramp_figure(schedule, highlight="PASO")
    by_name = {t.name: t for t in fig.data}
    planned = by_name["PASO planned"]
    assert planned.line.shape == "hv"
    assert list(planned.x) == [1, 2, 3, 4] and list(planned.y) == [400, 600, 800, 800]
    assert by_name["PASO planned (carried forward)"].line.dash == "dot"
    assert list(by_name["SOR planned (carried forward)"].y) == [800] * 6
    # the dotted part shares its solid part's key entry (the note says what dotted means): five
    # entries, two rows on a phone's 720 px figure, clear of the first panel's title
    keyed = [t.name for t in fig.data if t.showlegend is not False]
    assert sorted(keyed) == ["MRCC-SORAFENIB planned", "PASO delivered (mean)", "PASO planned", "SOR planned",
                             "full dose 800 mg/day"], keyed
    assert by_name["PASO planned (carried forward)"].legendgroup == planned.legendgroup
    delivered = by_name["PASO delivered (mean)"]
    assert list(delivered.y) == [407, 545, 629] and list(delivered.text) == ["407", "545", "629"]
    assert list(delivered.customdata[0]) == ["PASO", "B"]
    assert "(reported)" in delivered.hovertext[0] and "derived" in delivered.hovertext[0]
    rdi = by_name["PASO % of 800 mg (derived)"]
    assert list(rdi.text) == ["50.9%", "68.1%", "78.6%"] and rdi.marker.symbol == theme.DERIVED_SYMBOL
    cumulative = by_name["PASO delivered, cumulative (derived)"]
    assert cumulative.y[-1] == pytest.approx(44.268)
    texts = [a.text for a in fig.layout.annotations]
    assert any("NCT00573755" in t and "not stated" in t for t in texts)
    assert any("Cycle length 28 days assumed for SOR, MRCC-SORAFENIB" in t.replace("<br>", " ") for t in texts)
    assert "assumed (not stated in the source)" in by_name["SOR planned"].hovertext[0]
    assert fig.layout.yaxis.title.text == "mg/day" and fig.layout.yaxis2.title.text == "g"
    assert fig.layout.yaxis3.title.text == "%"
    assert "days 1–28" in fig.layout.xaxis3.ticktext[0]
    assert fig.layout.modebar.orientation == "v"  # down the right margin, off the key (test_responsive)
    assert dose_ramp_figure(schedule.iloc[0:0]).layout.annotations[0].text.startswith("No sorafenib")


def test_cycle_labels_stay_level_short_and_at_most_six(schedule):
    """Rotated by plotly in a 768 px tablet's 400 px plot area, the cycle labels ran into the next
    panel's title and the axis title: level two-line labels, 'days' named once, 12 px as the
    figure's other small text. Cycle c of 28 days is days 28(c − 1) + 1 to 28c."""
    fig = dose_ramp_figure(schedule)
    for axis in (fig.layout.xaxis, fig.layout.xaxis2, fig.layout.xaxis3):
        assert axis.tickangle == 0 and axis.tickfont.size == 12
    assert list(fig.layout.xaxis3.ticktext) == [
        "Cycle 1<br>days 1–28", "Cycle 2<br>29–56", "Cycle 3<br>57–84", "Cycle 4<br>85–112", "Cycle 5<br>113–140",
        "Cycle 6<br>141–168",
    ]
    assert list(fig.layout.xaxis3.tickvals) == [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]  # each cycle's centre
    # 24 cycles (the what-if ramp's most): every fourth labelled, six labels
    long = what_if_figure(what_if_ramp(400, 200, 3, cycles=24))
    assert list(long.layout.xaxis2.tickvals) == [1.5, 5.5, 9.5, 13.5, 17.5, 21.5]
    assert list(long.layout.xaxis2.ticktext)[:2] == ["Cycle 1<br>days 1–28", "Cycle 5<br>113–140"]
    assert long.layout.xaxis2.ticktext[-1] == "Cycle 21<br>561–588"
    seven = what_if_figure(what_if_ramp(400, 200, 3, cycles=7))
    assert list(seven.layout.xaxis2.tickvals) == [1.5, 3.5, 5.5, 7.5]


def test_what_if_figure():
    fig = what_if_figure(what_if_ramp(400, 200, 3, cycles=3))
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "cumulative deficit after 3 cycles: 16.8 g (25.0%)" in texts
    ramp_trace = next(t for t in fig.data if t.name == "your ramp (hypothetical)")
    assert ramp_trace.line.shape == "hv" and list(ramp_trace.y) == [400, 600, 800, 800]
    assert "hypothetical" in fig.layout.title.text
    assert math.isclose(next(t for t in fig.data if t.name == "your ramp, cumulative").y[-1], 50.4)


def _subplots_reference(fig: go.Figure, rows: int, row_heights: list[float], spacing: float) -> go.Figure:
    """plotly's own make_subplots grid holding the figure's traces (each in its panel), no shapes."""
    reference = make_subplots(rows=rows, cols=1, shared_xaxes=True, row_heights=row_heights, vertical_spacing=spacing)
    for trace in fig.data:
        reference.add_trace(trace, row=1 if trace.yaxis in (None, "y") else int(trace.yaxis[1:]), col=1)
    return reference


@pytest.mark.parametrize(
    ("build", "rows", "row_heights", "spacing"),
    [
        (lambda s: dose_ramp_figure(s), 3, [0.5, 0.28, 0.22], 0.09),
        (lambda s: what_if_figure(what_if_ramp(400, 200, 3)), 2, [0.5, 0.5], 0.12),
        # the screen's cuts: the derived panels keep their 0.28 : 0.22 share and their gap (0.09 of
        # the stacked plot is 0.18 of theirs, half as tall)
        (lambda s: screen_parts(s)[0], 1, None, 0.09),
        (lambda s: screen_parts(s)[1], 2, [0.28, 0.22], 0.18),
    ],
    ids=["dose ramp", "what-if", "screen: reported", "screen: derived"],
)
def test_panels_are_where_make_subplots_puts_them(schedule, build, rows, row_heights, spacing):
    # The axes are written out as dicts; plotly's make_subplots is the reference for their domains.
    fig = build(schedule)
    reference = _subplots_reference(fig, rows, row_heights, spacing)
    for n in [""] + [str(k) for k in range(2, rows + 1)]:
        for axis in (f"xaxis{n}", f"yaxis{n}"):
            ours, theirs = fig.layout[axis], reference.layout[axis]
            assert list(ours.domain) == pytest.approx(list(theirs.domain)), axis
            assert (ours.anchor, ours.matches) == (theirs.anchor, theirs.matches), axis


def test_dose_ramp_gridlines_are_the_lines_add_vline_draws(schedule):
    # Reference: plotly's own add_vline at every cycle boundary, on make_subplots' grid of the same traces.
    fig = dose_ramp_figure(schedule)
    reference = _subplots_reference(fig, 3, [0.5, 0.28, 0.22], 0.09)
    for x in [2, 3, 4, 5, 6, 7]:
        reference.add_vline(x=x, line=dict(color="#E5E5E5", width=1), layer="below")
    gridlines = tuple(s for s in fig.layout.shapes if s.yref.endswith("domain"))
    assert gridlines == reference.layout.shapes
    assert {(s.xref, s.yref) for s in gridlines} == {("x", "y domain"), ("x2", "y2 domain"), ("x3", "y3 domain")}


def test_dose_ramp_traces_sit_in_their_panels_highlighted_last(schedule):
    fig = dose_ramp_figure(schedule, highlight="PASO")
    panel = {t.name: (t.xaxis, t.yaxis) for t in fig.data}
    assert panel["PASO planned"] == panel["PASO delivered (mean)"] == ("x", "y")
    assert panel["PASO delivered, cumulative (derived)"] == panel["PASO planned, cumulative"] == ("x2", "y2")
    assert panel["PASO % of 800 mg (derived)"] == panel["PASO % of planned (derived)"] == ("x3", "y3")
    trial_traces = [t for t in fig.data if t.legendgroup not in (None, "reference")]
    assert trial_traces[-1].legendgroup == "PASO|B"
    assert {t.opacity for t in trial_traces if t.legendgroup != "PASO|B"} == {0.45}
    assert all(list(c) == ["PASO", "B"] for t in trial_traces if t.legendgroup == "PASO|B" for c in t.customdata)


def test_dose_ramp_does_not_depend_on_row_order(schedule):
    # Each arm's rows are gathered and put in cycle order, however the schedule is ordered.
    def drawn(fig):
        return sorted((t.name, t.line.dash or "", list(t.x), list(t.y), t.hovertext) for t in fig.data)

    assert drawn(dose_ramp_figure(schedule.sample(frac=1, random_state=7))) == drawn(dose_ramp_figure(schedule))


def test_dose_ramp_many_arms(schedule):
    # Twenty copies of the bundled trials under new ids: every copy drawn like the original.
    copies = pd.concat([schedule.assign(trial_id=schedule.trial_id + f"-{k}") for k in range(20)], ignore_index=True)
    one = dose_ramp_figure(schedule)
    many = dose_ramp_figure(copies)
    assert len(many.data) == 2 + 20 * (len(one.data) - 2)
    assert len(many.layout.shapes) == len(one.layout.shapes)
    paso = [t for t in many.data if t.name == "PASO-13 delivered (mean)"]
    assert len(paso) == 1 and list(paso[0].y) == [407, 545, 629]
    assert sum("planned dose not stated" in a.text for a in many.layout.annotations) == 20


def test_full_dose_intensity_reference_line_is_drawn(schedule):
    """The dashed 100% line on the dose-intensity panel (row 3); plotly used to skip it because
    it was added before that panel had traces."""
    fig = dose_ramp_figure(schedule)
    lines = [s for s in fig.layout.shapes if s.yref == "y3" and s.y0 == 100 and s.y1 == 100]
    assert len(lines) == 1 and lines[0].line.dash == "dash"


def test_paso_cycle_2_delivered_dose_is_marked_inferred(data, schedule):
    # PASO Results: "mean daily dose of 407 mg during cycle 1, 545 mg during cycle and 629 mg during
    # cycle 3": the 545 mg sentence lacks its cycle number, inferred as 2 from its place.
    from evidence import export_rows
    from evidence.state import ViewState

    inferred = "Cycle of the delivered dose inferred, not printed"
    reason = "'545 mg during cycle' without a number"
    paso = arm(schedule, "PASO")
    assert inferred in paso.note[1] and reason in paso.note[1]
    assert "cycle number inferred" in paso.source[1]
    assert not any(inferred in str(note) for note in paso.note.drop(index=1))
    by_name = {t.name: t for t in dose_ramp_figure(schedule).data}
    for name in ("PASO delivered (mean)", "PASO % of 800 mg (derived)", "PASO % of planned (derived)"):
        hovers = by_name[name].hovertext
        assert "545" in hovers[1] and inferred in hovers[1].replace("<br>", " ") and reason in hovers[1].replace("<br>", " "), name
        assert inferred not in hovers[0].replace("<br>", " ") and inferred not in hovers[2].replace("<br>", " "), name
    rows = export_rows.dosing_rows(data, ViewState())
    cycle_2 = rows[(rows.trial_id == "PASO") & (rows.cycle == 2)].iloc[0]
    assert cycle_2.delivered_mean_daily_mg == 545 and inferred in cycle_2.note


def test_markup_in_uploaded_dose_rows_is_drawn_as_text(data):
    # An uploaded arm label with a link, a trial id and a note with markup, a source with a template field.
    from figure_dicts import PHISH, PHISH_ESCAPED, assert_data_markup_escaped

    arms = data.arms.assign(label=data.arms.label.where(data.arms.trial_id != "PASO", PHISH))
    schedule = dose_schedule(data.dosing, arms, data.trials)
    marked = schedule.trial_id == "SOR"
    schedule = schedule.assign(
        trial_id=schedule.trial_id.where(~marked, "<b>SOR</b>"), note=schedule.note.where(~marked, "<i>see</i> %{x}"),
        source=schedule.source.where(~marked, "<a href='x'>src</a> %{y}"),
    )  # fmt: skip
    fig = dosing_figures.dose_ramp_figure(dose_ramp_table(schedule), highlight="<b>SOR</b>")
    assert_data_markup_escaped(fig)
    validated(fig)
    by_name = {t["name"]: t for t in fig["data"]}
    assert PHISH_ESCAPED in by_name["PASO delivered (mean)"]["hovertext"][0]
    sor = by_name["&lt;b&gt;SOR&lt;/b&gt; planned"]
    assert sor["customdata"][0] == ["<b>SOR</b>", "A"]  # click data keep the id as it is
    assert sor["hovertext"][0].startswith("<b>&lt;b&gt;SOR&lt;/b&gt; planned</b> · ")
    assert "&lt;a href='x'&gt;src&lt;/a&gt; %{y}" in sor["hovertext"][0] and sor["hovertemplate"] == "%{hovertext}<extra></extra>"
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert any("&lt;b&gt;SOR&lt;/b&gt;<br>" in t and t.endswith("planned 800 mg/day") for t in texts)  # the end label
    assert any("assumed for &lt;b&gt;SOR&lt;/b&gt;, MRCC-SORAFENIB" in t for t in texts)


@pytest.mark.parametrize(
    "start, step, cycle",
    [(400, 200, 3), (200, 100, 7), (0, 300, 4), (700, 300, 2), (800, 0, 1), (800, 200, 1), (400, 0, None)],
)
def test_cycle_of_full_dose_follows_start_and_step(start, step, cycle):
    """1 + ceil((800 − start) / step): PASO's 400 + 200 reaches 800 at cycle 3; 0 + 300 plans
    0, 300, 600, then 800 (capped) at cycle 4; a step of 0 below 800 never gets there."""
    assert cycles_to_full_dose(start, step) == cycle
    if cycle is not None:
        planned = what_if_ramp(start, step, cycle, cycles=cycle)["planned_daily_mg"].tolist()
        assert planned[-1] == 800 and all(p < 800 for p in planned[:-1])


def test_dose_intensity_labels_keep_off_the_100_percent_line(schedule):
    """PASO's % of planned (derived from the Results' 407/545/629 mg against 400/600/800 mg):
    101.8% above its point; 90.8% below it, since above it ran over the dashed 100% line; 78.6%
    not repeated, the solid line's label says it (planned = 800 mg there). The dashed line ends
    at the last cycle's end (day 168: x 7), where the "100%" label starts."""
    fig = dose_ramp_figure(schedule)
    planned = next(t for t in fig.data if t.name == "PASO % of planned (derived)")
    assert list(planned.text) == ["101.8%", "90.8%", ""]
    assert list(planned.textposition) == ["top center", "bottom center", "top center"]
    full = next(t for t in fig.data if t.name == "PASO % of 800 mg (derived)")
    assert list(full.text) == ["50.9%", "68.1%", "78.6%"]
    line = next(s for s in fig.layout.shapes if s.yref == "y3" and s.y0 == 100)
    label = next(a for a in fig.layout.annotations if a.text == "100%")
    assert (line.xref, line.x1) == ("x3", 7) and (label.xref, label.x, label.xanchor, label.xshift) == ("x3", 7, "left", 4)


def test_the_screen_draws_the_reported_and_the_derived_panels_apart_at_the_stacked_scale(schedule):
    stacked = dose_ramp_figure(schedule, highlight="PASO")
    reported, derived = screen_parts(schedule, highlight="PASO")
    by_panel = {ref: [t.name for t in stacked.data if (t.yaxis or "y") == ref] for ref in ("y", "y2", "y3")}
    assert [t.name for t in reported.data] == by_panel["y"]
    assert [t.name for t in derived.data if (t.yaxis or "y") == "y"] == by_panel["y2"]
    assert [t.name for t in derived.data if t.yaxis == "y2"] == by_panel["y3"]
    by_name = {t.name: t for t in reported.data}
    assert list(by_name["PASO delivered (mean)"].y) == [407, 545, 629]
    assert list(by_name["PASO planned"].y) == [400, 600, 800, 800]
    rdi = next(t for t in derived.data if t.name == "PASO % of 800 mg (derived)")
    assert (rdi.xaxis, rdi.yaxis, list(rdi.text)) == ("x2", "y2", ["50.9%", "68.1%", "78.6%"])
    assert next(t for t in derived.data if t.name == "PASO delivered, cumulative (derived)").y[-1] == pytest.approx(44.268)
    # the key stays with the reported panel; the derived panels name their lines at the end
    assert [t.name for t in derived.data if t.showlegend is not False] == []
    assert len([t for t in reported.data if t.showlegend is not False]) == 5
    # each panel as many px tall as in the stacked figure (plot 950 - 130 - 110 = 710 px)
    plot = lambda fig: fig.layout.height - fig.layout.margin.t - fig.layout.margin.b  # noqa: E731
    assert reported.layout.height == 531 and plot(reported) == pytest.approx(710 * 0.41, abs=1)
    assert derived.layout.margin.t == dosing_figures.DERIVED_TOP_MARGIN
    assert plot(derived) * (1 - derived.layout.yaxis2.domain[1]) == pytest.approx(710 * (0.5 - 0.1804), abs=1)
    assert plot(derived) * (derived.layout.yaxis2.domain[1] - derived.layout.yaxis2.domain[0]) == pytest.approx(710 * 0.1804, abs=1)
    # titles, labels and lines go with their panel
    placed = lambda fig: {(a.xref, a.yref, a.y): a.text for a in fig.layout.annotations}  # noqa: E731
    assert placed(reported)[("paper", "paper", 1.0)].startswith("Daily sorafenib dose per cycle")
    assert placed(derived)[("paper", "paper", 1.0)].startswith("Cumulative dose (g), derived")
    assert placed(derived)[("paper", "paper", 0.3608)].startswith("Relative dose intensity (%), derived")
    assert placed(derived)[("x", "y", 117.6)] == "PASO planned: 117.6 g"
    assert placed(derived)[("x2", "y2", 100)] == "100%"
    assert "full dose 800 mg/day (400 mg twice daily)" in placed(reported).values()
    for fig in (reported, derived):  # the note under the plot, and the cycle axis read at the bottom
        assert any(a.text.startswith("Dotted planned line") for a in fig.layout.annotations)
        bottom = fig.layout.xaxis if fig is reported else fig.layout.xaxis2
        assert bottom.title.text == "Treatment cycle (days since the start of sorafenib)" and bottom.showticklabels
        assert "days 1–28" in bottom.ticktext[0]
    assert {(s.xref, s.yref) for s in reported.layout.shapes} == {("x", "y domain")}
    assert {(s.xref, s.yref) for s in derived.layout.shapes} == {("x", "y domain"), ("x2", "y2 domain"), ("x2", "y2")}
    assert sum(s.yref == "y2" and s.y0 == 100 for s in derived.layout.shapes) == 1
    assert len(dose_ramp_figure(schedule).layout.shapes) == len(reported.layout.shapes) + len(derived.layout.shapes)


def test_an_empty_selection_says_so_in_both_screen_parts(schedule):
    reported, derived = screen_parts(schedule.iloc[0:0])
    assert reported.layout.annotations[0].text.startswith("No sorafenib") and derived == reported
