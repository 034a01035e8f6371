"""Markup in uploaded data is drawn as text in every view's figure (issue 14 item 6).

plotly renders a subset of HTML in text properties; an uploaded arm label such as
`<a href="https://evil.example/phish">Click for results</a>` must never become a live link.
This walks every string of every view's figure, as the browser receives it, for one upload whose
arm labels, acronym and notes carry markup."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from evidence import upload, views
from evidence.loading import load_dataset
from evidence.session import session_data
from evidence.state import ViewState
from evidence.upload_store import UploadStore, new_id
from figure_dicts import PHISH, PHISH_ESCAPED, strings

BOLD = "<b>EXAMPLE</b>"
PANELS = {
    "design": views.design_panel,
    "forest": views.forest_panel,
    "medians": views.medians_panel,
    "rates": views.rates_panel,
    "toxicity": views.toxicity_panel,
    "dosing": views.dosing_panel,
    "survival": views.survival_panel,
}


def _with_markup(files: dict[str, bytes]) -> dict[str, bytes]:
    """The template's example upload with markup in its arm labels and its acronym."""
    arms = pd.read_csv(io.BytesIO(files["arms"]), dtype=str, keep_default_na=False)
    arms["label"] = [f"{PHISH} {label}" for label in arms["label"]]
    trials = pd.read_csv(io.BytesIO(files["trials"]), dtype=str, keep_default_na=False)
    trials["acronym"] = BOLD
    return {**files, "arms": arms.to_csv(index=False).encode(), "trials": trials.to_csv(index=False).encode()}


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    base = load_dataset("data")
    parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in _with_markup(upload.example_files()).items()])
    update = upload.apply_upload(parsed, None, base)
    assert update.ok, update.problems
    store, owner = UploadStore(tmp_path_factory.mktemp("state")), "session:markup"
    data, message = session_data(base, {"session": new_id(), "upload": store.put(owner, update.store)}, store, owner)
    assert message == "" and (data.arms.label.str.contains("evil.example")).any()
    return data


STATES = [  # (state, the views that draw the uploaded arm label in it: escaped, not dropped)
    (ViewState(), {"forest", "medians", "rates", "toxicity", "design"}),
    (ViewState(trial=(upload.EXAMPLE_TRIAL,), surv_trial=upload.EXAMPLE_TRIAL, grade="all"), {"forest", "medians", "toxicity"}),
    (ViewState(trial=(upload.EXAMPLE_TRIAL, "PASO"), endpoint="OS", tox_mode="difference"), {"toxicity"}),
]


@pytest.mark.parametrize(("state", "labelled"), STATES, ids=["default", "example-trial", "example-and-paso-os"])
def test_no_view_draws_markup_from_data(session, state, labelled):
    showing_label = []
    for name, panel in PANELS.items():
        figure = panel(session, state).figure_json()
        texts = list(strings(figure))
        raw = [path for path, text in texts if "<a " in text or "evil.example/phish\">" in text or BOLD in text]
        assert not raw, (name, raw[:3])
        assert not [p for p, t in texts if p.endswith("hovertemplate") and "evil.example" in t], name
        if any(PHISH_ESCAPED in text for _, text in texts):
            showing_label.append(name)
    assert labelled <= set(showing_label), showing_label
