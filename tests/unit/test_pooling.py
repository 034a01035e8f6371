"""Pooling on request only, over the bundled trials plus an uploaded one (the template's made-up
EXAMPLE-TRIAL): the forest view, its exports and its words follow the `pool` state field."""

from __future__ import annotations

import math
from datetime import date

import pytest

from evidence import export, export_rows, export_views, upload, views
from evidence.session import session_data
from evidence.state import ViewState
from evidence.upload_store import UploadStore, new_id

TODAY = date(2026, 11, 21)
Z95 = 1.959963984540054


def _session(base, files, tmp_path_factory):
    """The session data after uploading ``files``, read back through the server-side store."""
    parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in files.items()])
    update = upload.apply_upload(parsed, None, base)
    assert update.ok, update.problems
    uploads, owner = UploadStore(tmp_path_factory.mktemp("state")), "session:pooling"
    data, message = session_data(base, {"session": new_id(), "upload": uploads.put(owner, update.store)}, uploads, owner)
    assert message == ""
    return data


def _example(hr: bytes = b"0.65,0.42,0.99", ipd: bool = True) -> dict[str, bytes]:
    files = {k: v for k, v in upload.example_files().items() if ipd or k != "survival_ipd"}
    files["comparisons"] = files["comparisons"].replace(b"0.65,0.42,0.99", hr)
    return files


@pytest.fixture(scope="module")
def base(data):
    """The bundled data set (the session's `data`, tests/unit/conftest.py)."""
    return data


@pytest.fixture(scope="module")
def example(base, tmp_path_factory):
    """PASO's primary PFS HR 1.80 [1.02-3.20] and EXAMPLE's 0.65 [0.42-0.99]: far apart."""
    return _session(base, _example(), tmp_path_factory)


@pytest.fixture(scope="module")
def agreeing(base, tmp_path_factory):
    """EXAMPLE's PFS HR edited to 1.50 [1.00-2.25], close to PASO's: poolable."""
    return _session(base, _example(b"1.50,1.00,2.25", ipd=False), tmp_path_factory)


def _diamonds(panel):
    return [t for t in panel.figure_object().data if t.fill == "toself"]


def test_no_pooled_estimate_by_default_even_when_trials_could_be_pooled(agreeing):
    panel = views.forest_panel(agreeing, ViewState())
    assert not _diamonds(panel)
    assert not any("Pooled" in t for t in panel.figure_object().layout.yaxis.ticktext)
    assert "2 trials' primary hazard ratios can be pooled with 'Pool trials'" in panel.caption
    rows = export_rows.forest_rows(agreeing, ViewState())
    assert set(rows.trial_id) == {"PASO", "E2100", "EXAMPLE-TRIAL"} and "k" not in rows.columns


def test_requested_pooling_draws_the_diamond_with_k_i2_tau2_and_says_it_mixes_origins(agreeing):
    panel = views.forest_panel(agreeing, ViewState(pool=True))
    (diamond,) = _diamonds(panel)
    # DerSimonian–Laird by hand over PASO 1.80 [1.02, 3.20] and EXAMPLE 1.50 [1.00, 2.25].
    y = [math.log(1.80), math.log(1.50)]
    v = [((math.log(3.20) - math.log(1.02)) / (2 * Z95)) ** 2, ((math.log(2.25) - math.log(1.00)) / (2 * Z95)) ** 2]
    w = [1 / x for x in v]
    fixed = sum(a * b for a, b in zip(w, y)) / sum(w)
    q = sum(a * (b - fixed) ** 2 for a, b in zip(w, y))
    assert q < 1  # the two agree: tau² = 0, so the pooled HR is the fixed-effect one
    assert math.exp(fixed) in [pytest.approx(x) for x in diamond.x]
    assert min(diamond.x) == pytest.approx(math.exp(fixed - Z95 * math.sqrt(1 / sum(w))))
    # The row label is wrapped to fit a phone, each line bold (issue 13): read as one text.
    ticks = " ".join(t.replace("</b><br><b>", " ") for t in panel.figure_object().layout.yaxis.ticktext)
    assert "Pooled, random effects (k = 2, primary analyses; mixes curated and uploaded trials)" in ticks
    assert "k = 2, I² 0%, τ² 0.000, 95% prediction interval not defined for fewer than 3 trials" in panel.caption
    assert "mixes curated and uploaded trials" in panel.caption


def test_pooled_export_row_only_when_requested(agreeing):
    off = export_rows.forest_rows(agreeing, ViewState())
    on = export_rows.forest_rows(agreeing, ViewState(pool=True))
    assert len(on) == len(off) + 1
    pooled = on.iloc[-1]
    assert pooled.label.startswith("Pooled, random effects (k = 2") and pooled.derived
    assert (pooled.k, pooled.pooled_trials) == (2, "PASO, EXAMPLE-TRIAL")
    assert math.isnan(pooled.pi_low) and math.isnan(pooled.pi_high)  # undefined for k = 2
    assert export.filter_phrases(ViewState(), agreeing)["pooling"] == "trials not pooled"
    rendered = export_views.render_view(agreeing, ViewState(pool=True), "forest-plot", TODAY)
    # Slide subtitles speak to the audience; the dashboard's settings go to the speaker notes.
    assert "trials pooled (random effects) where offered" in rendered.filters
    assert "trials not pooled" in export_views.render_view(agreeing, ViewState(), "forest-plot", TODAY).filters
    name = export_views.build_export(agreeing, ViewState(pool=True), "forest-plot", "csv", TODAY).filename
    assert name == "forest-plot_PASO-E2100-EXAMPLE-TRIAL_PFS-pooled_2026-11-21.csv"


def test_heterogeneous_trials_get_no_pooled_estimate_and_a_plain_reason(example):
    """PASO 1.80 [1.02, 3.20] against EXAMPLE 0.65 [0.42, 0.99]: Q = 7.8 on 1 df, I² 87%."""
    y = [math.log(1.80), math.log(0.65)]
    se = [(math.log(3.20) - math.log(1.02)) / (2 * Z95), (math.log(0.99) - math.log(0.42)) / (2 * Z95)]
    w = [1 / s**2 for s in se]
    fixed = sum(a * b for a, b in zip(w, y)) / sum(w)
    q = sum(a * (b - fixed) ** 2 for a, b in zip(w, y))
    i2 = 100 * (q - 1) / q
    assert i2 > 75
    panel = views.forest_panel(example, ViewState(pool=True))
    assert not _diamonds(panel)
    assert f"No pooled estimate: I² = {i2:.0f}% (above 75%)" in panel.caption
    hr_column = panel.figure_object().layout.yaxis2.ticktext  # the HR column beside the plot (issue 13)
    assert "<b>not meaningful:<br>I² > 75%</b>" in hr_column
    pooled = export_rows.forest_rows(example, ViewState(pool=True)).iloc[-1]
    assert math.isnan(pooled.value) and pooled.i2 == pytest.approx(i2, abs=1e-3)
    assert pooled.label == f"Not pooled: I² {i2:.0f}% > 75%" and pooled.k == 2
    assert pooled.note.startswith("No pooled estimate")


def test_the_patient_data_row_is_labelled_and_not_pooled_with_published_hrs(example):
    rows = views.forest_rows_and_pooling(example, ViewState(pool=True))[0]
    mine = rows[rows.trial_id == "EXAMPLE-TRIAL"]
    assert [label.split(":")[0] for label in mine.label] == [
        "EXAMPLE — uploaded summary",
        "EXAMPLE — from your patient data",
    ]
    assert list(mine.derived) == [False, True]
    _, decision = views.forest_rows_and_pooling(example, ViewState(pool=True))
    assert decision.trial_ids == ("PASO", "EXAMPLE-TRIAL") and decision.analysis == "primary"
    # With derived values hidden the patient-data row goes, and the labels need no telling apart.
    hidden = views.forest_rows_and_pooling(example, ViewState(derived=False))[0]
    assert list(hidden[hidden.trial_id == "EXAMPLE-TRIAL"].label) == ["EXAMPLE: [uploaded] example drug vs [uploaded] placebo"]


def test_the_control_is_disabled_with_the_reason_when_nothing_can_be_pooled(base, agreeing):
    (option,), hint = views.pool_control(base, ViewState())
    assert option["disabled"] and hint.startswith("Pooling not offered") and "here only PASO (primary)" in hint
    (option,), _ = views.pool_control(base, ViewState(pool=True))
    assert not option["disabled"]  # switched on (e.g. from a link): it can still be switched off
    (option,), hint = views.pool_control(agreeing, ViewState())
    assert not option["disabled"] and hint.startswith("Offered: the primary hazard ratios of PASO, EXAMPLE-TRIAL")


def test_the_pooled_forest_on_slides_shows_the_diamond_row_its_caveats_and_the_uploaded_trial(agreeing):
    """Pooled rows and uploaded labels on slides (issue 15). The pooled HR checked by hand:
    inverse-variance weights from the CIs, PASO ln 1.80 (SE 0.2917), EXAMPLE ln 1.50 (SE 0.2069);
    Q < df so tau² = 0 and DerSimonian-Laird equals the fixed effect: exp(0.4665) = 1.59,
    95% CI exp(0.4665 ± 1.96 × 0.1687) = 1.15 to 2.22."""
    from evidence.text_measure import plain_text

    rendered = export_views.render_view(agreeing, ViewState(pool=True), "forest-plot", date(2026, 11, 21))
    rows = []
    for figure, title in export_views._slide_parts(rendered):
        assert title.startswith("Hazard ratios: Progression-free survival")
        layout = figure["layout"]
        columns = [dict(zip(layout[n]["tickvals"], layout[n]["ticktext"])) for n in ("yaxis2", "yaxis3")]
        for value, label in zip(layout["yaxis"]["tickvals"], layout["yaxis"]["ticktext"]):
            rows.append((plain_text(label).replace("\n", " "), *(plain_text(c[value]) for c in columns)))
    by_label = {r[0]: r[1:] for r in rows}
    assert by_label["PASO: paclitaxel ± sorafenib"] == ("1.80 [1.02–3.20]", "0.041")
    assert by_label["EXAMPLE: [uploaded] example drug vs [uploaded] placebo"] == ("1.50 [1.00–2.25]", "0.045")
    pooled = by_label["Pooled, random effects (k = 2, primary analyses; mixes curated and uploaded trials)"]
    assert pooled == ("1.59 [1.15–2.22]", "I² 0%")
    assert by_label["95% prediction interval"] == ("not defined (k < 3)", "τ² 0.000")
    # the audience reads the method and its caveat under the picture, and the made-up trial as such
    assert "Pooled: random effects (DerSimonian–Laird) over the primary HRs of PASO, EXAMPLE-TRIAL." in rendered.footnote
    assert "Few trials: interpret the pooled estimate with caution." in rendered.footnote
    assert "Illustrative example, not real data." in rendered.footnote
