"""Figure captions: which documents (citation and locator) the shown numbers come from."""

from __future__ import annotations

import pandas as pd

from evidence.citations import reader_source_id


def source_locators(rows: pd.DataFrame) -> dict[str, list[str]]:
    """{source_id: [locators]} from the `source` column ('SOURCE_ID: locator; locator')."""
    found: dict[str, list[str]] = {}
    if rows is None or rows.empty or "source" not in rows.columns:
        return found
    for text in rows["source"].dropna():
        source_id, _, locator = str(text).partition(":")
        bucket = found.setdefault(source_id.strip(), [])
        for part in locator.split(";"):
            part = part.strip()
            if part and part not in bucket:
                bucket.append(part)
    return found


def sources_caption(row_sets: list[pd.DataFrame], sources: pd.DataFrame, notes: list[str] | None = None) -> str:
    """'Sources: <citation> [SOURCE_ID] (Table 2; Results). Derived: ... ' for the rows a figure
    shows; a namespaced id as readers see it (citations.reader_source_id)."""
    merged: dict[str, list[str]] = {}
    for rows in row_sets:
        for source_id, locators in source_locators(rows).items():
            bucket = merged.setdefault(source_id, [])
            bucket += [loc for loc in locators if loc not in bucket]
    citations = dict(zip(sources["source_id"], sources["citation"]))
    parts = []
    for source_id, locators in merged.items():
        citation = citations.get(source_id, source_id)
        short = citation.split(":")[0]
        parts.append(f"{short} [{reader_source_id(source_id)}] ({'; '.join(locators)})")
    text = "Sources: " + ("; ".join(parts) if parts else "none shown") + "."
    for note in notes or []:
        text += " " + note.rstrip(".") + "."
    return text
