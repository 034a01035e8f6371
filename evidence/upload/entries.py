"""Stored upload payloads (``evidence.upload.payload``) per trial: split, merge, compare.

The server keeps one entry per (owner, trial) so each trial can be shared or removed on its own
(``evidence.upload_store``). An entry's payload holds that trial's uploaded rows and a copy of
every uploaded ``sources`` row they cite, so it validates on its own with the bundled data; a
viewer's uploads are the merge of the entries they may see.

Pure functions on the JSON payload; no database, no dash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from evidence.contract import CONTRACT_VERSION
from evidence.upload.names import shared_entry_label
from evidence.upload.payload import STORE_FORMAT

SOURCE_COLUMNS = ("source", "source_id")


def _empty() -> dict:
    return {"format": STORE_FORMAT, "contract": CONTRACT_VERSION, "tables": {}}


def is_payload(payload: object) -> bool:
    """The shape ``to_store`` writes (a dict of table bodies); rows are checked by ``from_store``."""
    return isinstance(payload, dict) and payload.get("format") == STORE_FORMAT and isinstance(payload.get("tables"), dict)


def _records(payload: dict | None):
    """(table, row as {column: value}, origin) for every stored row."""
    tables = payload.get("tables") if isinstance(payload, dict) else None
    for name, body in (tables if isinstance(tables, dict) else {}).items():
        if not isinstance(body, dict):
            continue
        columns = body.get("columns") or []
        for row, origin in zip(body.get("rows") or [], body.get("origin") or []):
            yield name, dict(zip(columns, row)), origin


def _row_key(name: str, row: dict) -> tuple:
    """A row's identity for comparison: its non-empty cells (added empty columns do not count)."""
    return name, tuple(sorted((c, v) for c, v in row.items() if v != ""))


def _build(records: Iterable[tuple[str, dict, list]]) -> dict:
    """A payload from (table, row, origin): each table's columns in first-seen order."""
    tables: dict[str, dict] = {}
    for name, row, origin in records:
        body = tables.setdefault(name, {"columns": [], "rows": [], "origin": []})
        for column in row:
            if column not in body["columns"]:
                body["columns"].append(column)
        body["rows"].append(row)
        body["origin"].append(list(origin))
    for body in tables.values():
        body["rows"] = [[row.get(c, "") for c in body["columns"]] for row in body["rows"]]
    return {**_empty(), "tables": tables}


def new_rows(before: dict | None, after: dict) -> dict:
    """The rows of ``after`` that ``before`` does not hold (counted: a repeated row is new once
    more): what one upload added to what its user already saw."""
    seen = Counter(_row_key(name, row) for name, row, _origin in _records(before))
    added = []
    for name, row, origin in _records(after):
        key = _row_key(name, row)
        if seen[key] > 0:
            seen[key] -= 1
        else:
            added.append((name, row, origin))
    return _build(added)


def cited_source_ids(rows: Iterable[dict]) -> set[str]:
    """Source ids cited by rows (``source`` / ``source_id`` cells: the text before the first ':')."""
    cited = set()
    for row in rows:
        for column in SOURCE_COLUMNS:
            value = row.get(column, "")
            if value:
                cited.add(value.partition(":")[0].strip())
    return cited


def trial_ids(payload: dict | None) -> list[str]:
    """Trial ids a payload holds rows for, in first-seen order."""
    return list(dict.fromkeys(row["trial_id"] for name, row, _o in _records(payload) if row.get("trial_id")))


def split_by_trial(new: dict, context: dict | None = None) -> dict[str, dict]:
    """{trial id: payload} of ``new``'s rows per trial, each with the ``sources`` rows its rows cite,
    taken from ``new`` or else from ``context`` (the user's whole upload after this one); sources
    ``new`` adds that no row cites go with every trial of this upload."""
    records = list(_records(new))
    sources = {row.get("source_id"): (row, origin) for name, row, origin in _records(context) if name == "sources"}
    new_sources = {row.get("source_id"): (row, origin) for name, row, origin in records if name == "sources"}
    sources.update(new_sources)
    by_trial: dict[str, list] = {}
    for name, row, origin in records:
        if name != "sources" and row.get("trial_id"):
            by_trial.setdefault(row["trial_id"], []).append((name, row, origin))
    all_cited = set()
    entries = {}
    for trial, rows in by_trial.items():
        cited = cited_source_ids(row for _n, row, _o in rows)
        all_cited |= cited
        entries[trial] = cited
    uncited = [sid for sid in new_sources if sid not in all_cited]
    return {
        trial: _build(
            [("sources", *sources[sid]) for sid in sorted(cited | set(uncited)) if sid in sources] + by_trial[trial]
        )
        for trial, cited in entries.items()
    }


def merge(payloads: Iterable[dict]) -> dict:
    """One payload of several entries' rows; a ``sources`` row whose id came already with the same
    cells is left out (entries carry copies of the sources they cite).

    Two entries may cite one source id with different text (two users uploaded privately, then
    shared; or a viewer's own entry and another's shared one): keeping the first would put the
    later entry's numbers under a document they were not read from. So the later entry's source
    is namespaced by its trial (``namespaced_source_id``) and its rows cite that id: every number
    keeps its own source, and the sources table shows both, visibly apart."""
    records, sources = [], {}  # source id -> the identity of the row kept under it
    for payload in payloads:
        rows = list(_records(payload))
        renamed = _clashing_sources(rows, sources, trial_ids(payload))
        for name, row, origin in rows:
            row = _cite_renamed(row, renamed) if renamed else row
            if name == "sources":
                key = _row_key(name, row)
                if sources.get(row.get("source_id")) == key:
                    continue
                sources[row.get("source_id")] = key
            records.append((name, row, origin))
    merged = _build(sorted(records, key=lambda r: r[0] != "sources"))  # sources first, stable otherwise
    return merged if merged["tables"] else {}


def namespaced_source_id(source_id: str, trial: str) -> str:
    """The id an entry's source takes when another entry already uses ``source_id`` for a different
    document: ``SOURCE_ID [TRIAL]`` (no ':', which ends a source id in a ``source`` cell)."""
    return f"{source_id} [{trial.replace(':', '')}]"


def _clashing_sources(rows: list, kept: dict, trials: list[str]) -> dict[str, str]:
    """{source id: new id} for this entry's sources whose id is kept already with other cells."""
    renamed = {}
    for name, row, _origin in rows:
        sid = row.get("source_id")
        if name == "sources" and sid in kept and kept[sid] != _row_key(name, row):
            new, n = namespaced_source_id(sid, trials[0] if trials else "upload"), 2
            while new in kept or new in renamed.values():
                new, n = f"{namespaced_source_id(sid, trials[0] if trials else 'upload')[:-1]} {n}]", n + 1
            renamed[sid] = new
    return renamed


def _cite_renamed(row: dict, renamed: dict[str, str]) -> dict:
    """``row`` with its ``source_id`` cell and ``source`` citations pointing at the renamed ids."""
    row = dict(row)
    if row.get("source_id") in renamed:
        row["source_id"] = renamed[row["source_id"]]
    cited, colon, locator = str(row.get("source", "")).partition(":")
    if colon and cited.strip() in renamed:
        row["source"] = f"{renamed[cited.strip()]}:{locator}"
    return row


def as_seen_by_others(payload: dict, trial: str, added_by: str) -> dict:
    """``payload`` (one entry) as a viewer other than its owner receives it: each row's origin names
    the shared trial and who added it, numbered within its table, instead of the owner's file and
    line (a file name is the owner's own; problems and copies of cited sources would carry it)."""
    counts: Counter = Counter()
    records = []
    for name, row, _origin in _records(payload):
        counts[name] += 1
        records.append((name, row, [shared_entry_label(trial, added_by, name), counts[name]]))
    return _build(records)


def without_trial(payload: dict, trial: str) -> dict:
    """``payload`` without ``trial``'s rows (sources kept)."""
    return _build((n, r, o) for n, r, o in _records(payload) if n == "sources" or r.get("trial_id") != trial)


def has_trial_row(payload: dict, trial: str) -> bool:
    """Whether the payload defines the trial itself (a ``trials`` row), not only rows about it."""
    return any(name == "trials" and row.get("trial_id") == trial for name, row, _o in _records(payload))


def title_of(payload: dict, trial: str) -> str:
    for name, row, _origin in _records(payload):
        if name == "trials" and row.get("trial_id") == trial:
            return str(row.get("title", ""))[:2000]
    return ""
