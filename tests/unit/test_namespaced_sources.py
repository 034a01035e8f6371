"""A namespaced source id (`SOURCE_ID [TRIAL]`: two shared uploaded trials cite one id with
different documents) is an internal key: readers see `SOURCE_ID, uploaded with TRIAL` and the
document's own citation in captions, hovers, the Evidence box, slide footnotes and exports."""

from datetime import date

import pytest

from evidence import upload
from evidence.citations import cite_source_ids, reader_locator, reader_source_id
from evidence.clicked_passage import evidence_text
from evidence.export_views import _with_citations, render_view
from evidence.loading import load_dataset
from evidence.session import IPD_SOURCE_ID, session_data
from evidence.state import ViewState
from evidence.upload.entries import namespaced_source_id
from evidence.upload_store import UploadStore
from evidence.view_registry import VIEWS, figure_views

KEY = "EXAMPLE_SOURCE [OTHER-TRIAL]"
READER = "EXAMPLE_SOURCE, uploaded with OTHER-TRIAL"


def test_the_readers_form_names_the_id_typed_and_the_trial_once():
    assert namespaced_source_id("EXAMPLE_SOURCE", "OTHER-TRIAL") == KEY
    assert reader_source_id(KEY) == READER
    assert reader_source_id("EXAMPLE_SOURCE [OTHER-TRIAL 2]") == READER
    assert reader_source_id("E2100_NEJM2007") == "E2100_NEJM2007"
    assert reader_locator(f"{KEY}: Table 2 | E2100_NEJM2007: Results") == f"{READER}: Table 2 | E2100_NEJM2007: Results"


@pytest.fixture(scope="module")
def carol(tmp_path_factory):
    """What Carol sees after Alice and Bob each shared a trial citing EXAMPLE_SOURCE, with
    different documents behind the id (Bob's, the later, becomes `EXAMPLE_SOURCE [OTHER-TRIAL]`)."""
    bundled = load_dataset("data")
    store = UploadStore(tmp_path_factory.mktemp("state"))
    files = upload.example_files()
    other = {k: v.replace(b"EXAMPLE-TRIAL", b"OTHER-TRIAL") for k, v in files.items()}
    other["sources"] = other["sources"].replace(b"Illustrative example, not real data", b"A different document")
    for owner, trial, tables in (("user:alice", "EXAMPLE-TRIAL", files), ("user:bob", "OTHER-TRIAL", other)):
        parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in tables.items()])
        update = upload.apply_upload(parsed, None, bundled)
        assert update.ok, update.problems
        store.put(owner, update.store)
        store.share(trial, owner)
    data, message = session_data(bundled, None, store, "user:carol")
    assert not message and KEY in set(data.sources["source_id"])  # the case under test
    return data


STATE = ViewState(trial=("EXAMPLE-TRIAL", "OTHER-TRIAL"), endpoint="PFS")


def test_captions_and_hovers_of_every_view_say_the_readers_form(carol):
    said_somewhere = ""
    for view in figure_views():
        panel = view.panel(carol, STATE)
        shown = panel.caption + str(panel.figure_json())
        assert KEY not in shown, view.key
        said_somewhere += shown
    assert f"A different document [{READER}] (Table 2)" in VIEWS["forest"].panel(carol, STATE).caption
    assert "Illustrative example, not real data [EXAMPLE_SOURCE] (Table 2)" in VIEWS["forest"].panel(carol, STATE).caption
    assert f"source: {READER}: Table 2" in said_somewhere


def test_the_evidence_box_reads_the_readers_form_and_finds_the_full_passage(carol):
    figure = VIEWS["forest"].panel(carol, STATE).figure_json()
    points = [
        {"hovertext": text, "customdata": custom}
        for trace in figure["data"]
        for text, custom in zip(trace.get("hovertext") or trace.get("text") or [], trace.get("customdata") or [])
        if isinstance(text, str) and READER in text
    ]
    assert points, "no forest point of OTHER-TRIAL"
    said = evidence_text(carol, {"points": points[:1]})
    efficacy = carol.tables["efficacy"]
    passage = efficacy.loc[efficacy["source"].eq(f"{KEY}: Table 2") & efficacy["passage"].notna(), "passage"].iloc[0]
    assert said == f"Evidence — {READER}: Table 2 — “{' '.join(passage.split())}”"


def test_slides_and_exports_cite_the_document_not_the_key(carol):
    footnote = render_view(carol, STATE, "forest-plot", date(2026, 1, 1)).footnote
    assert KEY not in footnote and READER not in footnote
    assert "A different document" in footnote and "Illustrative example, not real data" in footnote
    assert cite_source_ids(f"read in {KEY}: Table 2; and EXAMPLE_SOURCE: Table 1", carol.sources) == (
        "read in A different document; and Illustrative example, not real data"
    )
    rows = _with_citations(VIEWS["forest"].table(carol, STATE), carol)
    read = rows[~rows["source"].str.startswith(IPD_SOURCE_ID)]  # not the HRs computed from patient data
    cited = read.groupby("trial_id")["source_citation"].agg(set).to_dict()
    assert (cited["EXAMPLE-TRIAL"], cited["OTHER-TRIAL"]) == ({"Illustrative example, not real data"}, {"A different document"})
