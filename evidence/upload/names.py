"""Names an upload uses: file labels as the user knows them, the table a file or sheet names,
accepted suffixes, reserved columns and the time columns of patient-level data."""

from __future__ import annotations

import re

from evidence.contract import TABLES

SEP = " \u203a "
"""Between an archive or workbook name and the member or sheet in a problem's file label."""

ORIGIN_CURATED = "curated"
ORIGIN_UPLOADED = "uploaded"
META_COLUMNS = ("origin", "_upload_file", "_upload_line")
"""Added to validated tables (``origin``) and raw frames (all three); reserved in uploads."""

TIME_UNITS: dict[str, float] = {"days": 1 / 30.4375, "weeks": 7 / 30.4375, "months": 1.0, "years": 12.0}
"""Months per unit (a month is 365.25 / 12 = 30.4375 days)."""

SURVIVAL_COLUMNS = ("trial_id", "arm_id", "endpoint", "time_months", "event")

ACCEPTED = "a CSV file (.csv, .tsv or .txt), an .xlsx workbook or a .zip of CSV files"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

KNOWN_TABLES = ", ".join(TABLES)
KNOWN_COLUMNS = frozenset(
    {c.name for t in TABLES.values() for c in t.columns} | {f"time_{u}" for u in TIME_UNITS} | {"time"}
)
"""Every column name a header may hold: used to tell which delimiter splits it."""

SHARED_LABEL_START = "the shared trial "
"""Starts the label rows of another user's shared entry carry instead of that user's file names."""


def shared_entry_label(trial: str, added_by: str, table: str) -> str:
    """Where a row of another user's shared entry is said to come from: the trial and who added
    it (both listed to everyone), never the file they uploaded (their private name for it)."""
    return f"{SHARED_LABEL_START}{trial} (added by {added_by}){SEP}{table}.csv"


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")


def clean_name(name: object, default: str = "upload") -> str:
    """An uploaded file's name as a label: no folders, no control characters, at most 120 characters."""
    text = str(name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = CONTROL.sub("", text).strip()[:120]
    return text or default


def member_label(label: str, name: str) -> str:
    """'archive › member' (or 'workbook › part'), control characters shown as '?'."""
    return f"{label}{SEP}{CONTROL.sub('?', name)[:200]}"


def suffix_of(name: str) -> str:
    """The lower-case suffix of a file name ('.csv'), '' when it has none."""
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def table_name_for(name: str) -> str | None:
    """Contract table named by a file or sheet name (``Efficacy (1).csv`` -> ``efficacy``)."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if suffix_of(stem) in TEXT_SUFFIXES:
        stem = stem[: -len(suffix_of(stem))]
    stem = _COPY_SUFFIX.sub("", stem).strip().lower().replace(" ", "_").replace("-", "_")
    return stem if stem in TABLES else None
