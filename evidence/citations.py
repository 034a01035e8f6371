"""Source ids said as citations a reader can look up ('E2100_NEJM2007: Results' -> 'N Engl J Med
2007;357:2666'): shared by the slides' wording (evidence/export/wording.py) and the views' own
sentences (the absolute-effects view's reason for drawing nothing). No Dash, no export machinery.

Namespaced ids: when two uploaded trials cite one source id with different documents, the later
one's source becomes ``SOURCE_ID [TRIAL]`` (``evidence.upload.entries.namespaced_source_id``), an
internal key. Readers see ``SOURCE_ID, uploaded with TRIAL`` instead (``reader_source_id``): the id
the uploader typed and the trial named once, in captions, hovers, the Evidence box and slides.
"""

from __future__ import annotations

import re

import pandas as pd

JOURNAL = re.compile(r"(N Engl J Med \d{4};\d+)(?:\(\d+\))?(:\d+)|(Cancer \d{4})")
"""A journal reference inside a citation: NEJM volume and first page, or the journal and year."""


NAMESPACED = re.compile(r"(?P<source_id>[^:\[\]]+?) \[(?P<trial>[^:\[\]]+?)(?: \d+)?\]")
"""``SOURCE_ID [TRIAL]`` or ``SOURCE_ID [TRIAL 2]`` (entries.namespaced_source_id; no ':' in either)."""


def reader_source_id(source_id: object) -> str:
    """A source id as readers see it: a namespaced ``SOURCE_ID [TRIAL]`` as ``SOURCE_ID, uploaded
    with TRIAL``; any other id as it is."""
    text = str(source_id)
    found = NAMESPACED.fullmatch(text)
    return f"{found.group('source_id')}, uploaded with {found.group('trial')}" if found else text


def reader_locator(source: object) -> str:
    """A row's ``source`` cell ('SOURCE_ID: locator', or several joined by ' | ') with each id as
    readers see it."""
    said = []
    for part in str(source).split(" | "):
        cited, colon, locator = part.partition(":")
        said.append(f"{reader_source_id(cited.strip())}{colon}{locator}" if colon else reader_source_id(part.strip()))
    return " | ".join(said)


def journal_reference(citation: str) -> str:
    """'N Engl J Med 2007;357:2666' or 'Cancer 2010' from a citation ('' when none)."""
    found = JOURNAL.search(citation or "")
    if not found:
        return ""
    return found.group(3) or f"{found.group(1)}{found.group(2)}"


def cite_source_ids(text: str, sources: pd.DataFrame) -> str:
    """Source ids inside sentences ('P < 0.001; E2100_NEJM2007: Results, Efficacy') replaced by
    what a reader looks up: the journal reference, else the document's short name. The locator
    after the id goes too (the speaker notes keep the full caption). Longer ids first, so a
    namespaced ``SOURCE_ID [TRIAL]`` (or its reader's form) is not read as ``SOURCE_ID``."""
    for source in sorted(sources.itertuples(), key=lambda s: -len(str(s.source_id))):
        reader = journal_reference(str(source.citation)) or str(source.citation).split(":")[0]
        for said in dict.fromkeys((reader_source_id(source.source_id), str(source.source_id))):
            text = re.sub(rf"(?<!\w){re.escape(said)}(?!\w|, uploaded with)(?::[^;)]*)?", reader, text)
    return text
