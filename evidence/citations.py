"""Source ids said as citations a reader can look up ('E2100_NEJM2007: Results' -> 'N Engl J Med
2007;357:2666'): shared by the slides' wording (evidence/export/wording.py) and the views' own
sentences (the absolute-effects view's reason for drawing nothing). No Dash, no export machinery.
"""

from __future__ import annotations

import re

import pandas as pd

JOURNAL = re.compile(r"(N Engl J Med \d{4};\d+)(?:\(\d+\))?(:\d+)|(Cancer \d{4})")
"""A journal reference inside a citation: NEJM volume and first page, or the journal and year."""


def journal_reference(citation: str) -> str:
    """'N Engl J Med 2007;357:2666' or 'Cancer 2010' from a citation ('' when none)."""
    found = JOURNAL.search(citation or "")
    if not found:
        return ""
    return found.group(3) or f"{found.group(1)}{found.group(2)}"


def cite_source_ids(text: str, sources: pd.DataFrame) -> str:
    """Source ids inside sentences ('P < 0.001; E2100_NEJM2007: Results, Efficacy') replaced by
    what a reader looks up: the journal reference, else the document's short name. The locator
    after the id goes too (the speaker notes keep the full caption)."""
    for source in sources.itertuples():
        reader = journal_reference(str(source.citation)) or str(source.citation).split(":")[0]
        text = re.sub(rf"\b{re.escape(str(source.source_id))}\b(?::[^;)]*)?", reader, text)
    return text
