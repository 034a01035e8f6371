"""The registry is the one place a view is declared (issue 12): ids, slices, callbacks and exports
follow it, and a view that reads a state field it did not declare fails here, loudly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from components import exports, ids, slices
from evidence import export_views, upload, views
from evidence.session import session_data
from evidence.state import ViewState
from evidence.upload_store import UploadStore, new_id
from evidence.view_memo import DeclaredState, UndeclaredField, memoised
from evidence.view_registry import VIEWS, exported_views, pool_control

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def uploaded(data, tmp_path_factory):
    """The bundled data plus the template's example upload, which carries PFS patient-level data."""
    parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in upload.example_files().items()])
    update = upload.apply_upload(parsed, None, data)
    assert update.ok, update.problems
    store, owner = UploadStore(tmp_path_factory.mktemp("state")), "session:registry"
    session, message = session_data(data, {"session": new_id(), "upload": store.put(owner, update.store)}, store, owner)
    assert message == "" and upload.EXAMPLE_TRIAL in set(session.trials.trial_id)
    return session


@pytest.fixture(scope="module")
def built_app(data):
    from app import create_app
    from config import Settings

    return create_app(Settings(export_enabled=False), data)


# ------------------------------------------------------------------ everything follows the registry


def test_slices_ids_and_exports_are_the_registry(data):
    assert set(slices.FIELDS) == set(VIEWS) | {slices.ANSWERS}
    assert all(slices.FIELDS[key] == view.fields for key, view in VIEWS.items())
    assert {name: spec["view"] for name, spec in slices.browser_slices().items() if name in VIEWS} == ids.GRAPHS
    assert ids.GRAPHS == {key: view.graph_id for key, view in VIEWS.items()}
    assert set(ids.CLICKABLE_GRAPHS) == {v.graph_id for v in VIEWS.values() if v.click == "clickData"}
    exported = {view.export.key for view in exported_views()}
    assert set(export_views.VIEWS) == exported == set(exports.GRAPH_VIEWS.values())
    assert exports.GRAPH_VIEWS == {view.graph_id: view.export.key for view in exported_views()}
    assert [v.label for v in export_views.VIEWS.values()] == [v.title for v in exported_views()]
    assert all(export_views.VIEWS[v.export.key].rows is v.table for v in exported_views())


def _answer(app, name: str, state: dict | None = None) -> dict:
    response = app.server.test_client().post(f"/_evidence/view/{name}", json={"slice": state or {}, "upload": None})
    assert response.status_code == 200, (name, response.status_code)
    return response.get_json()


def _set(answer: dict) -> set[str]:
    """'component.prop' for everything a view's answer sets."""
    return ({f"{c}.children" for c, _ in answer["text"]} | {f"{c}.{a}" for c, a, _ in answer["attrs"]}
            | {f"{c}.{p}" for c, props in answer["props"] for p in props})


def test_every_view_is_answered_by_the_view_route_not_by_a_callback(built_app):
    """Every view is one request to the view route (components/view_requests.py), no Dash
    callback: a figure view's answer sets figure, caption, config (and its note); a view the
    browser draws as a table, its data and caption; the forest's also sets the pool control."""
    for view in VIEWS.values():
        answer = _answer(built_app, view.key)
        if view.drawn_in_browser:  # the toxicity table: its data and caption (assets/heatmap_table.js)
            assert _set(answer) == {f"{view.graph_id}.data-table", f"{ids.caption(view.graph_id)}.children"}
        elif view.is_figure:
            wanted = {f"{view.graph_id}.figure", f"{ids.caption(view.graph_id)}.children", f"{view.graph_id}.config"}
            wanted |= {f"{view.note_id}.children"} if view.note_id else set()
            wanted |= {f"{ids.FILTERS['pool']}.options", f"{ids.POOL_HINT}.children"} if view.key == "forest" else set()
            assert _set(answer) == wanted, view.key
        else:
            assert _set(answer) == {f"{view.graph_id}.rowData"}
    outputs = {o.split("@")[0] for c in built_app._callback_list for o in c["output"].strip(".").split("...")}
    assert not {f"{v.graph_id}.figure" for v in VIEWS.values()} & outputs, "a view drawn by a callback"
    assert f"{ids.TRIAL_GRID}.rowData" not in outputs
    # the URL/controls/clicks -> state callback runs in the browser (components/state_sync.py)
    sync = next(c for c in built_app._callback_list if f"{ids.STATE}.data" in c["output"].split("..."))
    clicks = {(i["id"], i["property"]) for i in sync["inputs"]}
    assert {(v.graph_id, v.click) for v in VIEWS.values() if v.click} <= clicks


def test_a_view_answer_is_the_cached_rendering_of_its_slice(built_app, data):
    """What the route answers for a slice is the view's rendering of that state (the same
    figure JSON a callback sent), fields it does not read left out."""
    from components.render import rendered

    state = ViewState(endpoint="OS", grade="all", trial=("PASO", "E2100"))
    answer = _answer(built_app, "forest", state.as_dict())
    figure = dict(answer["props"])[ids.FOREST]["figure"]
    expected = rendered(VIEWS["forest"], data, state)[0]
    assert [t.get("name") for t in figure["data"]] == [t.get("name") for t in expected["data"]]
    assert dict(answer["text"])[ids.caption(ids.FOREST)] == rendered(VIEWS["forest"], data, state)[1]
    assert "E2100" in dict(answer["text"])[ids.caption(ids.FOREST)] and "MRCC" not in figure["layout"]["yaxis"].get("ticktext", "")


def test_the_layout_shows_every_view(built_app):
    layout = str(built_app.layout)
    for view in VIEWS.values():
        assert f"id='{view.graph_id}'" in layout, view.key
        assert not view.is_figure or f"id='{ids.caption(view.graph_id)}'" in layout, view.key
        assert not view.note_id or f"id='{view.note_id}'" in layout, view.key


ADDED_VIEW = textwrap.dedent(
    """
    from evidence import views, view_registry
    from evidence.view_registry import Export, _view

    added = _view("trial_count", "Trial count", "trial-count-figure", view_registry.SELECTION,
                  lambda data, state: views.Panel({"data": [], "layout": {}}, str(len(views._tables(data, state)["trials"]))),
                  lambda data, state: data.trials.head(1), click="clickData",
                  export=Export("trial-count", ("trials",)))
    view_registry.VIEWS[added.key] = added

    from app import create_app
    from components import exports, ids, slices
    from config import Settings
    from evidence import export_views

    app = create_app(Settings(export_enabled=False))
    answer = app.server.test_client().post("/_evidence/view/trial_count", json={"slice": {}, "upload": None}).get_json()
    assert dict(answer["props"])["trial-count-figure"]["figure"] == {"data": [], "layout": {}}, answer
    assert dict(answer["text"])["trial-count-figure-caption"] == "5", answer
    assert slices.browser_slices()["trial_count"]["view"] == "trial-count-figure" and "trial-count-figure" in ids.CLICKABLE_GRAPHS
    assert exports.GRAPH_VIEWS["trial-count-figure"] == "trial-count" and "trial-count" in export_views.VIEWS
    assert any({"id": "trial-count-figure", "property": "clickData"} in c["inputs"] for c in app._callback_list)
    print("ADDED VIEW FOLLOWS")
    """
)


def test_adding_a_view_touches_only_the_registry():
    """A view added to the registry alone gets its slice, its answer, click input and export
    (its card in the layout is its own module's business)."""
    done = subprocess.run([sys.executable, "-c", ADDED_VIEW], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "ADDED VIEW FOLLOWS" in done.stdout, done.stderr[-3000:]


def test_the_export_code_names_no_view():
    """A view's slide layout and wording (split, footnote, model words, labels, subtitle, the
    trial its files name) are declared with it (Export.slides, .shows, .drawn_trial; issue 13
    review): the code making slides and files never picks a view out by its key."""
    code = [REPO_ROOT / "evidence" / "export_views.py", REPO_ROOT / "evidence" / "slide_rules.py",
            *sorted((REPO_ROOT / "evidence" / "export").glob("*.py"))]
    for path in code:
        text = path.read_text()
        named = [view.export.key for view in exported_views() if f'"{view.export.key}"' in text or f"'{view.export.key}'" in text]
        assert named == [], f"{path.relative_to(REPO_ROOT)} names views {named}: declare their choice in evidence/view_registry.py"


# ------------------------------------------------------------------ undeclared fields fail loudly


def test_reading_an_undeclared_field_names_the_view_and_the_field(data):
    def reads_grade(_data, state):
        return state.grade

    panel = memoised("view:test-undeclared", "medians-test", ("endpoint",), reads_grade)
    with pytest.raises(UndeclaredField, match=r"view 'medians-test' read state field 'grade'"):
        panel(data, ViewState())
    assert DeclaredState(ViewState(endpoint="OS"), "x", ("endpoint",)).endpoint == "OS"
    with pytest.raises(AttributeError):
        DeclaredState(ViewState(), "x", ("endpoint",)).endpoint = "OS"
    assert getattr(DeclaredState(ViewState(), "x", ()), "__deepcopy__", None) is None  # not a state field


STATES = [
    ViewState(),
    ViewState(endpoint="OS", highlight="PASO", pool=True),
    ViewState(grade="all", tox_mode="difference", tox_sort="soc", tox_top=10, tox_search="hand"),
    ViewState(trial=("E2100",), derived=False, surv_trial="E2100", endpoint="TTP"),
    ViewState(organ=("Gastrointestinal disorders",), tox_search="diarr", ramp_start=200, ramp_step=0),
    ViewState(agent=("sorafenib",), endpoint="TTT", highlight="MRCC-SORAFENIB", page=2),
    ViewState(trial=("SOR",), grade="4", ramp_horizon=12),  # empty views
    ViewState(pool=True, endpoint="OS", trial=("PASO", "E2100"), derived=False, grade="3"),
    ViewState(ramp_start=900, ramp_step=0, ramp_horizon=1),  # what-if error path
]
UPLOAD_STATES = [  # the example upload: patient-level PFS (Kaplan-Meier), its own arms and doses
    ViewState(),
    ViewState(trial=(upload.EXAMPLE_TRIAL,), surv_trial=upload.EXAMPLE_TRIAL, endpoint="PFS", grade="all"),
    ViewState(trial=(upload.EXAMPLE_TRIAL, "PASO"), surv_trial=upload.EXAMPLE_TRIAL, endpoint="OS",
              tox_mode="difference", pool=True, highlight=upload.EXAMPLE_TRIAL),
]


def _run_every_view(data, states):
    for state in states:
        for view in VIEWS.values():
            panel = view.panel.uncached(data, state)
            assert panel is not None, view.key
            if view.table is not None:
                assert view.table(data, state) is not None, view.key
        pool_control.uncached(data, state)


def test_every_view_reads_only_declared_fields_on_the_bundled_data(data):
    """Each view runs on a DeclaredState: a field it reads without declaring raises here."""
    _run_every_view(data, STATES)


def test_every_view_reads_only_declared_fields_with_uploaded_patient_data(uploaded):
    _run_every_view(uploaded, UPLOAD_STATES)
    km = VIEWS["survival"].panel.uncached(uploaded, UPLOAD_STATES[1])
    assert "Kaplan" in km.caption  # the patient-level path ran


def test_the_cache_key_is_data_version_and_declared_fields(data, uploaded):
    forest = VIEWS["forest"].panel
    first = forest(data, ViewState(endpoint="OS"))
    assert forest(data, ViewState(endpoint="OS", grade="all", tox_top=10, ramp_step=0)) is first
    assert forest(uploaded, ViewState(endpoint="OS")) is not first  # another data version
    assert forest(data, ViewState(endpoint="OS", highlight="E2100")) is not first  # a style field is drawn
    assert views.forest_panel(data, ViewState(endpoint="OS")).caption == first.caption
