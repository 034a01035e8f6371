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
    assert set(slices.SLICES.values()) == set(VIEWS)
    assert slices.SLICES == {view.graph_id: key for key, view in VIEWS.items()}
    assert ids.GRAPHS == {key: view.graph_id for key, view in VIEWS.items()}
    assert set(ids.CLICKABLE_GRAPHS) == {v.graph_id for v in VIEWS.values() if v.click == "clickData"}
    exported = {view.export.key for view in exported_views()}
    assert set(export_views.VIEWS) == exported == set(exports.GRAPH_VIEWS.values())
    assert exports.GRAPH_VIEWS == {view.graph_id: view.export.key for view in exported_views()}
    assert [v.label for v in export_views.VIEWS.values()] == [v.title for v in exported_views()]
    assert all(export_views.VIEWS[v.export.key].rows is v.table for v in exported_views())


def _server_callbacks(app) -> list[dict]:
    return [c for c in app._callback_list if not c.get("clientside_function")]


def test_the_built_app_registers_one_callback_per_view(built_app):
    """Every view's slice Store feeds exactly one server callback that draws it (the forest's
    also sets the pool control); every figure view's callback writes figure, caption, config (a
    view the browser draws as a table: its data and caption)."""
    readers: dict[str, list[str]] = {}
    for callback in _server_callbacks(built_app):
        for item in callback["inputs"]:
            readers.setdefault(item["id"], []).append(callback["output"])
    for view in VIEWS.values():
        drawn = [o for o in readers.get(ids.view_state(view.graph_id), []) if view.graph_id in o]
        assert len(drawn) == 1, (view.key, drawn)
        if view.drawn_in_browser:  # the toxicity table: its data and caption (assets/heatmap_table.js)
            assert f"{view.graph_id}.data-table" in drawn[0] and f"{ids.caption(view.graph_id)}.children" in drawn[0]
            assert f"{view.graph_id}.figure" not in drawn[0]
        elif view.is_figure:
            for part in (f"{view.graph_id}.figure", f"{ids.caption(view.graph_id)}.children", f"{view.graph_id}.config"):
                assert part in drawn[0], (view.key, part)
            assert (view.note_id and f"{view.note_id}.children" in drawn[0]) or not view.note_id
    assert all(len(readers[ids.view_state(v.graph_id)]) == 1 for v in VIEWS.values()), "one request per view and change"
    slice_inputs = {i for i in readers if i.endswith("-view-state")}
    assert slice_inputs == {ids.view_state(v.graph_id) for v in VIEWS.values()}
    # the URL/controls/clicks -> state callback runs in the browser (components/state_sync.py)
    sync = next(c for c in built_app._callback_list if f"{ids.STATE}.data" in c["output"].split("..."))
    clicks = {(i["id"], i["property"]) for i in sync["inputs"]}
    assert {(v.graph_id, v.click) for v in VIEWS.values() if v.click} <= clicks


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
    drawn = [c["output"] for c in app._callback_list if any(i["id"] == ids.view_state("trial-count-figure") for i in c["inputs"])]
    assert len(drawn) == 1 and "trial-count-figure.figure" in drawn[0], drawn
    assert slices.SLICES["trial-count-figure"] == "trial_count" and "trial-count-figure" in ids.CLICKABLE_GRAPHS
    assert exports.GRAPH_VIEWS["trial-count-figure"] == "trial-count" and "trial-count" in export_views.VIEWS
    assert any({"id": "trial-count-figure", "property": "clickData"} in c["inputs"] for c in app._callback_list)
    print("ADDED VIEW FOLLOWS")
    """
)


def test_adding_a_view_touches_only_the_registry():
    """A view added to the registry alone gets its slice, callback, click input and export
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
