"""/api/v1/trials and who sees what: through the API, the views (real callbacks) and exports,
one user never sees another's private trial; shared trials reach everyone, marked with who added
them; only the owner or an admin removes; curated data are read-only; malformed requests get 4xx
JSON, never 500; requests are rate-limited. (The app on Flask's test client, SQLite under a temp
STATE_DIR; the same through real gunicorn on PostgreSQL + Redis: test_team.py.)"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

import api
from bench.scenarios import renderer_outputs
from tests.hosting.conftest import view_request
from components import ids
from evidence.upload import bundle_zip, example_files

PROXY = ("127.0.0.1/32",)
EXAMPLE = "EXAMPLE-TRIAL"


def as_user(app, user: str | None):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    if user:
        client.environ_base["HTTP_X_FORWARDED_USER"] = user
    return client


@pytest.fixture
def team_app(make_app, tmp_path):
    return make_app(auth_mode="proxy", auth_trusted_proxies=PROXY, state_dir=tmp_path, admin_users=("root",),
                    export_enabled=False)  # fmt: skip


def post_file(client, content: bytes, name: str = "example.zip"):
    return client.post("/api/v1/trials", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def listed(client) -> dict[str, dict]:
    response = client.get("/api/v1/trials")
    assert response.status_code == 200, response.data
    return {(t["trial_id"], t["origin"]): t for t in response.get_json()["trials"]}


def test_list_add_share_remove_through_the_api(team_app):
    alice, bob, root = (as_user(team_app, u) for u in ("alice", "bob", "root"))
    curated = listed(bob)
    assert {k[0] for k in curated} == {"PASO", "SOR", "NCT00573755", "E2100", "MRCC-SORAFENIB"}
    assert all(t["origin"] == "curated" and t["owner"] is None for t in curated.values())

    response = post_file(alice, bundle_zip(example_files()))
    assert response.status_code == 201, response.data
    assert response.get_json()["trial_ids"] == [EXAMPLE]
    mine = listed(alice)[(EXAMPLE, "uploaded")]
    assert (mine["owner"], mine["shared"], mine["mine"]) == ("alice", False, True) and mine["added"].endswith("Z")
    assert (EXAMPLE, "uploaded") not in listed(bob)  # private
    assert bob.post(f"/api/v1/trials/{EXAMPLE}/share").status_code == 404  # bob cannot even name it

    assert alice.post(f"/api/v1/trials/{EXAMPLE}/share").status_code == 200
    seen_by_bob = listed(bob)[(EXAMPLE, "uploaded")]
    assert (seen_by_bob["owner"], seen_by_bob["shared"], seen_by_bob["mine"]) == ("alice", True, False)

    refused = bob.delete(f"/api/v1/trials/{EXAMPLE}")
    assert refused.status_code == 403 and "alice" in refused.get_json()["error"]
    assert bob.delete("/api/v1/trials/PASO").status_code == 403  # curated: read-only
    assert root.delete("/api/v1/trials/PASO").status_code == 403
    assert root.delete(f"/api/v1/trials/{EXAMPLE}").status_code == 200  # an admin
    assert (EXAMPLE, "uploaded") not in listed(alice)


def test_a_registry_record_posted_to_the_api_joins_like_the_upload_card(team_app):
    """A ClinicalTrials.gov record (real fixture) through POST /api/v1/trials: 201 with its id and
    the import report; its values as posted in the record (issue 18)."""
    from pathlib import Path

    record = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ctgov" / "NCT02552212.json"
    if not record.exists():
        pytest.skip("shared fixtures not present")
    alice = as_user(team_app, "alice")
    response = post_file(alice, record.read_bytes(), record.name)
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["trial_ids"] == ["NCT02552212"]
    assert body["report"]  # what was not mapped or assumed, each with its JSON path
    mine = listed(alice)[("NCT02552212", "uploaded")]
    assert (mine["owner"], mine["shared"]) == ("alice", False)
    assert ("NCT02552212", "uploaded") not in listed(as_user(team_app, "bob"))


def test_an_invalid_upload_answers_422_with_the_problem_list(team_app):
    alice = as_user(team_app, "alice")
    bad = b"trial_id,acronym\nX-1,\n"
    response = post_file(alice, bad, "trials.csv")
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert problems and set(problems[0]) >= {"file", "row", "column", "expected", "found"}
    assert problems[0]["file"] == "trials.csv"
    assert listed(alice).keys() == listed(as_user(team_app, "bob")).keys()  # nothing was loaded


@pytest.mark.parametrize(
    "method, path, kwargs, status",
    [
        ("POST", "/api/v1/trials", {}, 400),  # no file
        ("POST", "/api/v1/trials", {"json": {"file": "x"}}, 400),
        ("POST", "/api/v1/trials", {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"}, 400),
        ("POST", "/api/v1/trials", {"data": {"file": (io.BytesIO(b""), "")}, "content_type": "multipart/form-data"}, 422),
        ("POST", "/api/v1/trials", {"data": {"file": (io.BytesIO(b"\x00\xff" * 100), "x.xlsx")},
                                    "content_type": "multipart/form-data"}, 422),  # fmt: skip
        ("POST", "/api/v1/trials", {"data": {"file": (io.BytesIO(b"{not json"), "record.json")},
                                    "content_type": "multipart/form-data"}, 422),  # fmt: skip
        ("POST", "/api/v1/trials/NOPE/share", {}, 404),
        ("POST", "/api/v1/trials/%00%ff/share", {}, 404),
        ("DELETE", "/api/v1/trials/NOPE", {}, 404),
        ("PUT", "/api/v1/trials", {}, 405),
        ("GET", "/api/v1/trials/NOPE/share", {}, 404),  # the app's catch-all: no such page
        ("GET", "/api/v1/nothing", {}, 404),
    ],
)
def test_malformed_requests_get_4xx_json_never_500(team_app, method, path, kwargs, status):
    response = as_user(team_app, "alice").open(path, method=method, **kwargs)
    assert response.status_code == status, response.data[:300]
    if method != "GET":
        assert "error" in response.get_json()


def test_a_body_over_the_limit_gets_413_json(make_app, tmp_path):
    app = make_app(auth_mode="proxy", auth_trusted_proxies=PROXY, state_dir=tmp_path, max_upload_mb=0.01)
    response = post_file(as_user(app, "alice"), b"x" * 400_000, "big.csv")  # over the request limit
    assert response.status_code == 413 and "error" in response.get_json()
    response = post_file(as_user(app, "alice"), b"x" * 200_000, "big.csv")  # a request, but over MAX_UPLOAD_MB
    assert response.status_code == 422 and "at most" in response.get_json()["problems"][0]["expected"]


def test_the_api_needs_the_same_authentication_as_the_app(make_app, tmp_path):
    app = make_app(auth_mode="proxy", auth_trusted_proxies=PROXY, state_dir=tmp_path)
    assert as_user(app, None).get("/api/v1/trials").status_code == 403  # no user header
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"  # not the proxy
    assert client.get("/api/v1/trials", headers={"X-Forwarded-User": "alice"}).status_code == 403


def test_requests_from_another_sites_page_are_refused(team_app):
    alice = as_user(team_app, "alice")
    evil = post_file_with(alice, {"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert post_file_with(alice, {"Sec-Fetch-Site": "cross-site"}).status_code == 403


def post_file_with(client, headers):
    return client.post("/api/v1/trials", data={"file": (io.BytesIO(bundle_zip(example_files())), "e.zip")},
                       content_type="multipart/form-data", headers=headers)  # fmt: skip


def test_requests_are_rate_limited_with_retry_after(make_app, tmp_path, monkeypatch):
    monkeypatch.setattr(api, "REQUESTS_PER_MINUTE", 5)
    app = make_app(auth_mode="proxy", auth_trusted_proxies=PROXY, state_dir=tmp_path)
    client = as_user(app, "alice")
    codes = [client.get("/api/v1/trials").status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    limited = client.get("/api/v1/trials")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 and "try again" in limited.get_json()["error"]


# --------------------------------------------------------------------------- views and exports


def dependencies(client) -> list[dict]:
    return client.get("/_dash-dependencies").get_json()


def callback(client, deps, output_prefix: str, values: dict, trigger: str | None = None):
    """POST the callback whose output starts with ``output_prefix`` with ``values`` by "id.property"
    or else by input/state id."""
    dep = next(d for d in deps if d["output"].lstrip(".").startswith(output_prefix) and not d.get("clientside_function"))
    body = {
        "output": dep["output"],
        "outputs": renderer_outputs(dep["output"]),
        "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}", values.get(i["id"]))} for i in dep["inputs"]],
        "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}", values.get(s["id"]))} for s in dep["state"]],
        "changedPropIds": [trigger] if trigger else [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:300]
    return response.get_data(as_text=True)


def view(client, name: str, state: dict, upload) -> str:
    """The answer to the browser's request for view ``name`` with ``upload`` (the upload Store)."""
    path, body = view_request(name, state, upload)
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def upload_through_the_card(client, deps) -> dict:
    content = "data:application/zip;base64," + base64.b64encode(bundle_zip(example_files())).decode()
    answer = json.loads(callback(client, deps, ids.UPLOAD_STORE, {ids.UPLOAD_TABLES: [content]} | {
        ids.UPLOAD_TABLES + "-names": None}, trigger=f"{ids.UPLOAD_TABLES}.contents"))  # fmt: skip
    return answer["response"][ids.UPLOAD_STORE]["data"]


def test_a_private_trial_never_reaches_another_user_through_views_or_exports(team_app):
    alice, bob = as_user(team_app, "alice"), as_user(team_app, "bob")
    deps = dependencies(alice)
    response = post_file(alice, bundle_zip(example_files()))
    assert response.status_code == 201
    ref = {"upload": response.get_json()["upload_id"]}
    state = {"endpoint": "PFS"}

    def views_of(client, store) -> str:
        values = {ids.STATE: state, ids.UPLOAD_STORE: store}
        texts = [view(client, "overview", state, store), view(client, "forest", state, store)]
        csv_button = ids.EXPORT_BUTTONS["csv"]
        texts.append(callback(client, deps, ids.EXPORT_DOWNLOAD, {**values, csv_button: 1, ids.EXPORT_VIEW: "all"},
                              trigger=f"{csv_button}.n_clicks"))  # fmt: skip
        texts.append(base64.b64decode(json.loads(texts[-1])["response"][ids.EXPORT_DOWNLOAD]["data"]["content"]).decode(
            "utf-8", "replace"))  # fmt: skip
        return "\n".join(texts)

    assert EXAMPLE in views_of(alice, ref)
    for store in (None, ref, {"upload": ref["upload"], "session": "s" * 43}):  # even holding alice's id
        assert EXAMPLE not in views_of(bob, store)
    assert alice.post(f"/api/v1/trials/{EXAMPLE}/share").status_code == 200
    assert EXAMPLE in views_of(bob, None)  # shared: everyone signed in sees it


def test_two_users_citing_one_source_id_with_different_text_each_keep_their_source(team_app, curated_data, tmp_path):
    """Alice and Bob each upload privately a trial citing EXAMPLE_SOURCE, with different documents
    behind the id, then both share: Carol sees both trials, and each trial's rows cite its own
    uploader's document (Bob's, the later entry, under `EXAMPLE_SOURCE [OTHER-TRIAL]`), never the
    other's. (Uploading a clashing source while the other is visible is refused: 422 below.)"""
    from evidence.session import IPD_SOURCE, session_data
    from evidence.upload_store import UploadStore

    alice, bob = as_user(team_app, "alice"), as_user(team_app, "bob")
    files = example_files()
    other = {k: v.replace(b"EXAMPLE-TRIAL", b"OTHER-TRIAL") for k, v in files.items()}
    other["sources"] = other["sources"].replace(b"Illustrative example, not real data", b"A different document")
    assert post_file(alice, bundle_zip(files)).status_code == 201
    assert post_file(bob, bundle_zip(other)).status_code == 201  # Alice's is private: no clash for Bob yet
    assert alice.post(f"/api/v1/trials/{EXAMPLE}/share").status_code == 200
    assert bob.post("/api/v1/trials/OTHER-TRIAL/share").status_code == 200

    data, _message = session_data(curated_data, None, UploadStore(tmp_path), "user:carol")
    citation = dict(zip(data.tables["sources"]["source_id"], data.tables["sources"]["citation"]))
    assert citation["EXAMPLE_SOURCE"] == "Illustrative example, not real data"
    assert citation["EXAMPLE_SOURCE [OTHER-TRIAL]"] == "A different document"
    arms = data.tables["arms"]
    for trial, cited in ((EXAMPLE, "EXAMPLE_SOURCE"), ("OTHER-TRIAL", "EXAMPLE_SOURCE [OTHER-TRIAL]")):
        assert set(arms.loc[arms["trial_id"] == trial, "source"].str.partition(":")[0]) == {cited}
    efficacy = data.tables["efficacy"]
    read = set(efficacy.loc[efficacy["trial_id"] == "OTHER-TRIAL", "source"]) - {IPD_SOURCE}  # computed from its IPD
    assert read == {"EXAMPLE_SOURCE [OTHER-TRIAL]: Table 2"}

    # with Alice's source visible, a third upload under that id with other text is refused, and says where
    third = {k: v.replace(b"EXAMPLE-TRIAL", b"THIRD-TRIAL") for k, v in files.items()}
    third["sources"] = third["sources"].replace(b"Illustrative example, not real data", b"A third document")
    refused = post_file(as_user(team_app, "dave"), bundle_zip(third), "third.zip")
    assert refused.status_code == 422
    (problem,) = refused.get_json()["problems"]
    assert (problem["file"], problem["row"], problem["column"]) == ("third.zip › sources.csv", 2, "source_id")
    assert problem["expected"] == "a unique key (source_id)"
    # names the shared trial and who added it (both listed to everyone), never Alice's file or line
    assert problem["found"] == "('EXAMPLE_SOURCE',) already in the shared trial EXAMPLE-TRIAL (added by alice) › sources.csv"
    assert "example.zip" not in refused.get_data(as_text=True)


SECRET_NAME = "alice-private-notes.zip"


def test_another_users_file_name_never_reaches_a_user_through_the_api_or_the_app(team_app):
    """Alice's file name is hers: Bob learns nothing of her private upload (his clashing source id
    is no clash at all, nothing names her file), and once she shares the trial, a clashing upload
    is refused naming Bob's own file, row, column, expected and found: her trial and name (listed
    to everyone), never her file name, through the API (422 text), the upload card, the trial
    list, the views, the CSV export of all views and the bundle of what Bob sees."""
    alice, bob = as_user(team_app, "alice"), as_user(team_app, "bob")
    deps = dependencies(bob)
    assert post_file(alice, bundle_zip(example_files()), SECRET_NAME).status_code == 201
    files = {k: v.replace(b"EXAMPLE-TRIAL", b"BOB-TRIAL") for k, v in example_files().items()}
    files["sources"] = files["sources"].replace(b"Illustrative example, not real data", b"Bob's own document")

    def everything_bob_sees(ref, zip_bytes: bytes, name: str) -> tuple[str, str, str]:
        """(API answer to posting the file, card status after uploading it, every other response)."""
        posted = post_file(bob, zip_bytes, name)
        content = "data:application/zip;base64," + base64.b64encode(zip_bytes).decode()
        card = callback(bob, deps, ids.UPLOAD_STORE, {f"{ids.UPLOAD_TABLES}.contents": [content],
                        f"{ids.UPLOAD_TABLES}.filename": [name], ids.UPLOAD_STORE: ref},
                        trigger=f"{ids.UPLOAD_TABLES}.contents")  # fmt: skip
        state = {"endpoint": "PFS"}
        values = {ids.STATE: state, ids.UPLOAD_STORE: ref}
        csv_button = ids.EXPORT_BUTTONS["csv"]
        texts = [bob.get("/api/v1/trials").get_data(as_text=True), view(bob, "overview", state, ref),
                 view(bob, "forest", state, ref), callback(bob, deps, "uploaded-trial-list", values)]
        exported = callback(bob, deps, ids.EXPORT_DOWNLOAD, {**values, csv_button: 1, ids.EXPORT_VIEW: "all"},
                            trigger=f"{csv_button}.n_clicks")  # fmt: skip
        bundle = callback(bob, deps, ids.UPLOAD_DOWNLOAD, {**values, ids.UPLOAD_BUNDLE: 1},
                          trigger=f"{ids.UPLOAD_BUNDLE}.n_clicks")  # fmt: skip
        for answer, output in ((exported, ids.EXPORT_DOWNLOAD), (bundle, ids.UPLOAD_DOWNLOAD)):
            data = json.loads(answer)["response"][output]["data"]
            raw = base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()
            if raw[:2] == b"PK":
                with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                    raw = b"\n".join(archive.read(n) for n in archive.namelist())
            texts += [answer, raw.decode("utf-8", "replace")]
        return posted.get_data(as_text=True), card, "\n".join(texts)

    # private: Bob's upload citing EXAMPLE_SOURCE with other text is accepted as if hers did not exist
    posted, card, seen = everything_bob_sees(None, bundle_zip(files), "bob.zip")
    assert json.loads(posted)["trial_ids"] == ["BOB-TRIAL"]
    assert "EXAMPLE-TRIAL" not in posted + card + seen and "alice" not in posted + card + seen
    assert "BOB-TRIAL" in seen
    assert bob.delete("/api/v1/trials/BOB-TRIAL").status_code == 200

    # shared: the same upload is refused, in Bob's own terms
    assert alice.post(f"/api/v1/trials/{EXAMPLE}/share").status_code == 200
    posted, card, seen = everything_bob_sees(None, bundle_zip(files), "bob.zip")
    (problem,) = json.loads(posted)["problems"]
    assert problem == {"file": "bob.zip › sources.csv", "row": 2, "column": "source_id",
                       "expected": "a unique key (source_id)", "severity": "error",
                       "found": "('EXAMPLE_SOURCE',) already in the shared trial EXAMPLE-TRIAL (added by alice) › sources.csv"}  # fmt: skip
    assert "bob.zip › sources.csv, line 2, column source_id" in card
    assert "EXAMPLE-TRIAL" in seen  # her shared trial is drawn and exported for Bob
    for text in (posted, card, seen):
        assert SECRET_NAME not in text and "alice-private" not in text


def test_a_users_own_trial_that_hides_a_shared_one_says_so_in_the_list_and_the_card(team_app, tmp_path):
    """Bob uploaded EXAMPLE-TRIAL privately; Alice then shared hers. His own stands in for hers
    (his views show his); the API list and the upload card tell him whose shared entry his hides."""
    from components.uploads import trial_list_children
    from evidence.upload_store import UploadStore

    alice, bob = as_user(team_app, "alice"), as_user(team_app, "bob")
    assert post_file(bob, bundle_zip(example_files())).status_code == 201  # private: Alice's was not there yet
    assert post_file(alice, bundle_zip(example_files())).status_code == 201
    assert alice.post(f"/api/v1/trials/{EXAMPLE}/share").status_code == 200
    mine = listed(bob)[(EXAMPLE, "uploaded")]
    assert (mine["owner"], mine["mine"], mine["hides"]) == ("bob", True, ["alice"])
    assert listed(as_user(team_app, "carol"))[(EXAMPLE, "uploaded")]["hides"] == []

    entries = UploadStore(tmp_path).entries("user:bob")  # team_app's STATE_DIR
    card = str(trial_list_children(entries, entries[0].owner, admin=False))
    assert "yours hides the shared EXAMPLE-TRIAL added by alice" in card
