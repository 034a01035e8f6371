"""Bring-your-own-trials uploads: parse, validate and carry user tables, never trusting the file.

Pure functions, no dash. The flow for one upload:

1. ``parse_upload(filename, content, limits)`` turns one uploaded file (a contract CSV, an .xlsx
   workbook with one sheet per table, or a .zip of CSVs) into canonical UTF-8 comma CSV bytes per
   contract table, plus every *parsing* problem (encoding, delimiter, quoting, header, limits),
   each naming the file or sheet as the user knows it and the row in the user's file. Several
   files combine with ``merge_uploads``.
2. ``validate_upload(result, base)`` validates the user's rows together with ``base`` (the
   bundled data, or the bundled data plus earlier uploads) through ``evidence.loading``'s rules,
   so references to bundled sources and trials resolve and keys duplicating bundled rows are
   reported. Problems are re-labelled to the user's files and rows. On success every table gets
   an ``origin`` column: ``"curated"`` or ``"uploaded"``.
3. ``to_store(data)`` keeps only the uploaded rows as JSON (kept on the server by
   ``evidence.upload_store``, the browser holds an id); ``from_store(payload, base)`` re-validates
   them with the bundled data when a process first reads them.

Patient-level survival data: ``parse_survival_upload`` (time in days, weeks, months or years,
converted to months), and ``survival_as_upload`` to merge the rows like any other table.

Safety: nothing from a file is executed or evaluated (no eval, no pickle, no formulas: openpyxl
reads with ``read_only=True, data_only=True``); archives are read in memory only, member names
with path traversal, links, encrypted or nested archives are refused, member count and declared
and actually read uncompressed sizes are limited (reading stops as soon as the budget is spent).

Decimal commas (the rule): a cell in a column whose contract type is a number (float or int) that
looks like ``6,6`` / ``-0,041`` / ``1,5e-3`` (digits, one comma, digits) has its comma turned into
a point when the file is semicolon- or tab-delimited. In a comma-delimited file (where such a cell
can only be a quoted one) and in a text cell of a workbook the same holds, except when the cell
reads as a thousands group (``1,234``: a first group of 1-3 digits not starting with 0, then
exactly three digits); that cell is left alone and reported as not a number. Text columns are
never touched.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import csv
import datetime as _dt
import io
import json
import math
import re
import warnings
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from evidence.contract import CONTRACT_VERSION, TABLES, Table, data_dictionary_markdown
from evidence.loading import CuratedData, check_columns, type_table, validate_files
from evidence.problems import Problem

MiB = 1024 * 1024

SEP = " \u203a "
"""Between an archive or workbook name and the member or sheet in a problem's file label."""

ORIGIN_CURATED = "curated"
ORIGIN_UPLOADED = "uploaded"
META_COLUMNS = ("origin", "_upload_file", "_upload_line")
"""Added to validated tables (``origin``) and raw frames (all three); reserved in uploads."""

TIME_UNITS: dict[str, float] = {"days": 1 / 30.4375, "weeks": 7 / 30.4375, "months": 1.0, "years": 12.0}
"""Months per unit (a month is 365.25 / 12 = 30.4375 days)."""

SURVIVAL_COLUMNS = ("trial_id", "arm_id", "endpoint", "time_months", "event")
STORE_FORMAT = "evidence-upload"
STORE_MAX_BYTES = 8 * MiB

ACCEPTED = "a CSV file (.csv, .tsv or .txt), an .xlsx workbook or a .zip of CSV files"
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ARCHIVE_SUFFIXES = (
    ".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".jar",
)
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_MAX_ROW = 1_048_576
_XLSX_MAX_PARTS = 1000
# What a workbook may make openpyxl do, checked on its XML before openpyxl reads it (a 67 KB
# workbook whose styles.xml holds 350,000 <xf/> took 13 s and 615 MB to open). Generous for
# curated workbooks, which hold a few hundred styles, a few dozen fonts, and tables of at most
# tens of thousands of rows by a few dozen columns. Counted over every part, whatever its name.
_XLSX_MAX_PART_BYTES = 16 * MiB  # one part, uncompressed (the whole upload also has a budget)
_XLSX_MAX_STYLES = 20_000  # <xf> cell formats (cellXfs + cellStyleXfs) and <dxf> formats
_XLSX_MAX_FONTS = 2_000  # <font>; Excel itself offers at most 1,024 fonts
_XLSX_MAX_SHARED_STRINGS = 500_000  # <si> entries of the shared-string table
_XLSX_MAX_CELLS = 5_000_000  # sum over sheets of last row x last column read (e.g. 50,000 x 100)
_XLSX_COUNTED = {
    "styles": (re.compile(rb"<(?:[\w.-]+:)?d?xf[\s/>]"), _XLSX_MAX_STYLES, "cell styles (<xf> and <dxf> records)"),
    "fonts": (re.compile(rb"<(?:[\w.-]+:)?font[\s/>]"), _XLSX_MAX_FONTS, "fonts (<font> records)"),
    "strings": (re.compile(rb"<(?:[\w.-]+:)?si[\s/>]"), _XLSX_MAX_SHARED_STRINGS, "shared strings (<si> entries)"),
}
_XLSX_ROW_NUMBER = re.compile(rb"<(?:[\w.-]+:)?row\b[^>]*?\sr=[\"'](\d{1,9})")
_XLSX_CELL_COLUMN = re.compile(rb"<(?:[\w.-]+:)?c\b[^>]*?\sr=[\"']([A-Za-z]{1,3})\d")
_XLSX_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_KNOWN_TABLES = ", ".join(TABLES)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$")
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")
_DUPLICATE = re.compile(r"^(?P<key>.*) already on line (?P<line>\d+)$", re.S)


# ---------------------------------------------------------------- public types


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may hold. ``max_bytes`` is the file as uploaded; ``max_rows`` counts data
    rows over all tables of the upload; ``max_uncompressed_bytes`` is the budget for everything
    read out of archives (a .zip or the parts of an .xlsx)."""

    max_bytes: int = 5 * MiB
    max_rows: int = 50_000
    max_zip_members: int = 30
    max_uncompressed_bytes: int = 20 * MiB
    max_field_chars: int = 10_000
    max_columns: int = 200
    max_problems: int = 500

    @classmethod
    def from_megabytes(cls, max_upload_mb: float, **overrides) -> UploadLimits:
        """Limits with ``max_bytes`` from a size in MiB (``Settings.max_upload_mb``)."""
        return cls(max_bytes=int(max_upload_mb * MiB), **overrides)


@dataclass(frozen=True)
class TablePart:
    """The rows one user file (or sheet) gives one table: header and (user row number, cells)."""

    label: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class UploadResult:
    """Parsed upload. ``files`` holds canonical UTF-8 comma CSV per contract table (ready for
    ``evidence.loading.validate_files``); ``parts`` keeps where every row came from."""

    files: dict[str, bytes]
    problems: list[Problem]
    kind: str  # "tables" | "survival"
    parts: dict[str, tuple[TablePart, ...]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def row_count(self) -> int:
        return sum(len(part.rows) for parts in self.parts.values() for part in parts)


class UploadError(ValueError):
    """A file that cannot be read at all; carries the pieces of a Problem."""

    def __init__(self, expected: str, found: str, line: int | None = None, column: str | None = None):
        super().__init__(f"expected {expected}; found {found}")
        self.expected, self.found, self.line, self.column = expected, found, line, column


class StoreError(ValueError):
    """A stored upload payload that is malformed, too large, or no longer validates."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


# ---------------------------------------------------------------- small helpers


class _Context:
    """Per-parse state: limits, problems (capped), rows and uncompressed bytes used so far."""

    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.problems: list[Problem] = []
        self.suppressed = 0
        self.rows = 0
        self.uncompressed = 0
        self.sheet_rows = 0  # workbook rows iterated, empty ones included

    def add(self, problem: Problem) -> None:
        if len(self.problems) < self.limits.max_problems:
            self.problems.append(problem)
        else:
            self.suppressed += 1

    def finish(self, label: str) -> list[Problem]:
        problems = list(self.problems)
        if self.suppressed:
            problems.append(
                Problem(
                    label,
                    None,
                    None,
                    f"at most {self.limits.max_problems} problems listed",
                    f"{self.suppressed:,} more problems not listed; fix the ones above and upload again",
                )
            )
        return problems


@dataclass
class _Source:
    """One table-shaped thing found in an upload: a CSV file or a sheet."""

    label: str
    name: str  # file name or sheet name: names the table
    records: list[tuple[int, list[str]]]  # non-blank records, header first
    comma_mode: bool  # decimal-comma rule of comma-delimited CSV / workbook text cells
    pad_short: bool  # workbook rows may be shorter than the header


def _clean_name(name: object, default: str = "upload") -> str:
    text = str(name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = _CONTROL.sub("", text).strip()[:120]
    return text or default


def _bytes(n: int) -> str:
    return f"{n:,} bytes"


def _limit_words(n: int) -> str:
    if n >= MiB:
        return f"{n / MiB:.4g} MiB ({n:,} bytes)"
    return f"{n:,} bytes"


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def table_name_for(name: str) -> str | None:
    """Contract table named by a file or sheet name (``Efficacy (1).csv`` -> ``efficacy``)."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if _suffix(stem) in _TEXT_SUFFIXES:
        stem = stem[: -len(_suffix(stem))]
    stem = _COPY_SUFFIX.sub("", stem).strip().lower().replace(" ", "_").replace("-", "_")
    return stem if stem in TABLES else None


def _decimal_point(cell: str, comma_mode: bool) -> str:
    """Apply the decimal-comma rule (module docstring) to one numeric cell."""
    if "," not in cell or not _DECIMAL_COMMA.match(cell):
        return cell
    if comma_mode and _THOUSANDS.match(cell):
        return cell
    return cell.replace(",", ".")


def _first_line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + text.count("\r", 0, position) - text.count("\r\n", 0, position) + 1


# ---------------------------------------------------------------- text: encoding and delimiter


def normalise_text(raw: bytes) -> tuple[str, str]:
    """Decode an uploaded text file; returns (text, encoding name).

    UTF-8 (a byte-order mark is removed: "utf-8-sig"), UTF-16 with a byte-order mark, else
    Windows-1252 (the usual "ANSI"/Latin-1 export), else Latin-1. Content with NUL or other control
    bytes is binary, not text: raises UploadError.
    """
    if raw.startswith(codecs.BOM_UTF8):
        body, encoding = raw[len(codecs.BOM_UTF8):], "utf-8-sig"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as err:
            line = body[: err.start].count(b"\n") + 1
            raise UploadError(
                "UTF-8 text after the UTF-8 byte-order mark", f"byte 0x{body[err.start]:02x} that is not UTF-8", line
            ) from None
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise UploadError("UTF-16 text after the UTF-16 byte-order mark", "bytes that are not UTF-16") from None
    else:
        if b"\x00" in raw:
            line = raw[: raw.index(b"\x00")].count(b"\n") + 1
            raise UploadError("a text (CSV) file", "binary content (a NUL byte)", line)
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                text, encoding = raw.decode("latin-1"), "latin-1"
    text = text.lstrip("\ufeff").rstrip("\x1a")  # a stray BOM; a DOS end-of-file mark
    bad = _CONTROL.search(text)
    if bad:
        line = _first_line(text, bad.start())
        raise UploadError("a text (CSV) file", f"binary content (control character 0x{ord(bad.group()):02x})", line)
    return text, encoding


_KNOWN_COLUMNS = frozenset(
    {c.name for t in TABLES.values() for c in t.columns} | {f"time_{u}" for u in TIME_UNITS} | {"time"}
)


def sniff_delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the header line into the most
    contract column names (ties: the most fields; then comma, semicolon, tab)."""
    header = next((line for line in text.splitlines() if line.strip()), "")[:100_000]
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            continue
        known = sum(1 for cell in cells if cell.strip().lower() in _KNOWN_COLUMNS)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_error_words(message: str, limits: UploadLimits) -> tuple[str, str]:
    if "field larger than field limit" in message:
        return f"at most {limits.max_field_chars:,} characters in a cell", "a cell of more than 131,072 characters"
    if "unexpected end of data" in message or "EOF" in message:
        return "a closing quote for the quoted cell that starts in this record", "the end of the file"
    if "expected after" in message:
        return "a delimiter right after a closing quote", "more text after the closing quote"
    return "well-formed CSV quoting", message


def _text_source(label: str, raw: bytes, ctx: _Context) -> _Source | None:
    try:
        text, _encoding = normalise_text(raw)
    except UploadError as err:
        ctx.add(Problem(label, err.line, err.column, err.expected, err.found))
        return None
    if not text.strip():
        ctx.add(Problem(label, None, None, "a header row naming the columns", "an empty file"))
        return None
    delimiter = sniff_delimiter(text)
    stream = io.StringIO(text, newline="")
    line = 1
    hint = re.match(r"sep=([,;\t])[ \t]*(\r\n|\r|\n)", text)  # Excel's "sep=;" first line
    if hint:
        delimiter = hint.group(1)
        stream.seek(hint.end())
        line = 2
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    offset = line - 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if records:
                    ctx.rows += 1
                    if ctx.rows > ctx.limits.max_rows:
                        ctx.add(_row_limit_problem(label, line, ctx))
                        return None
                records.append((line, record))
            line = reader.line_num + 1 + offset
    except csv.Error as err:
        expected, found = _csv_error_words(str(err), ctx.limits)
        ctx.add(Problem(label, line, None, expected, found))
        return None
    if not records:  # e.g. an empty sheet saved from Excel: ",,,,\r\n,,,,\r\n"
        ctx.add(_no_header_problem(label, label.rsplit(SEP, 1)[-1]))
        return None
    return _Source(label, label, records, comma_mode=delimiter == ",", pad_short=False)


def _no_header_problem(label: str, name: str) -> Problem:
    """A file whose every cell is empty: name the columns its table needs, so the fix is plain."""
    table = TABLES.get(table_name_for(name) or "")
    wanted = f" ({', '.join(c.name for c in table.columns[:4])}, ...)" if table else ""
    return Problem(label, None, None, f"a header row naming the columns{wanted}", "no header row: every cell is empty")


def _row_limit_problem(label: str, line: int, ctx: _Context) -> Problem:
    return Problem(
        label, line, None, f"at most {ctx.limits.max_rows:,} data rows in one upload", f"more than {ctx.limits.max_rows:,}"
    )


# ---------------------------------------------------------------- archives


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    lowered = base.lower()
    return (
        name.startswith("__MACOSX/")
        or base.startswith(".")
        or lowered in ("thumbs.db", "desktop.ini")
        or lowered.startswith("readme")
    )


def _unsafe_member_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in name.split("/"))


def _zip_members(label: str, content: bytes, ctx: _Context, workbook: bool) -> list[tuple[str, bytes]] | None:
    """Every member's bytes, or None after reporting why the archive is refused."""
    what = "a readable .xlsx workbook" if workbook else "a readable .zip archive"
    limits = ctx.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception:  # noqa: BLE001 - any damage means: not a readable archive
        ctx.add(Problem(label, None, None, what, "a damaged or incomplete archive"))
        return None
    with archive:
        try:
            infos = [i for i in archive.infolist() if not i.is_dir()]
        except Exception:  # noqa: BLE001
            ctx.add(Problem(label, None, None, what, "a damaged or incomplete archive"))
            return None
        if not workbook:
            infos = [i for i in infos if not _is_junk(i.filename)]
        most = _XLSX_MAX_PARTS if workbook else limits.max_zip_members
        if len(infos) > most:
            ctx.add(Problem(label, None, None, f"at most {most} files in the archive", f"{len(infos):,} files"))
            return None
        budget = limits.max_uncompressed_bytes - ctx.uncompressed
        declared = sum(max(i.file_size, 0) for i in infos)
        if declared > budget:
            ctx.add(
                Problem(
                    label,
                    None,
                    None,
                    f"at most {_limit_words(limits.max_uncompressed_bytes)} once uncompressed",
                    f"{_bytes(declared)} uncompressed",
                )
            )
            return None
        members: list[tuple[str, bytes]] = []
        refused = False
        for info in infos:
            name = info.filename
            member_label = f"{label}{SEP}{_CONTROL.sub('?', name)[:200]}"
            if _unsafe_member_name(name):
                ctx.add(Problem(member_label, None, None, "a plain relative path inside the archive", "a path that leaves the archive folder"))
                refused = True
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                ctx.add(Problem(member_label, None, None, "a regular file", "a symbolic link"))
                refused = True
                continue
            if info.flag_bits & 0x1:
                ctx.add(Problem(member_label, None, None, "an unencrypted file", "a password-protected file"))
                refused = True
                continue
            if not workbook:
                suffix = _suffix(name)
                if suffix in _ARCHIVE_SUFFIXES:
                    ctx.add(Problem(member_label, None, None, "CSV files only (no archive inside the archive)", "a nested archive or workbook"))
                    refused = True
                    continue
                if suffix not in _TEXT_SUFFIXES:
                    ctx.add(Problem(member_label, None, None, "CSV files only (.csv, .tsv or .txt)", f"a {suffix or 'file without extension'} file"))
                    refused = True
                    continue
            data = _bounded_read(archive, info, member_label, ctx)
            if data is None:
                return None
            if not workbook and data.startswith(_ARCHIVE_MAGIC):
                ctx.add(Problem(member_label, None, None, "CSV files only (no archive inside the archive)", "a nested archive"))
                refused = True
                continue
            members.append((name, data))
        return None if refused else members


def _bounded_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, ctx: _Context) -> bytes | None:
    """Read one member, stopping as soon as the uncompressed budget is exceeded."""
    limit = ctx.limits.max_uncompressed_bytes
    budget = limit - ctx.uncompressed
    chunks, total = [], 0
    try:
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(64 * 1024)
                if not chunk:
                    break
                total += len(chunk)
                if total > budget:
                    ctx.add(
                        Problem(
                            label,
                            None,
                            None,
                            f"at most {_limit_words(limit)} once uncompressed",
                            "more (reading stopped: the archive expands far beyond its size)",
                        )
                    )
                    return None
                chunks.append(chunk)
    except Exception as err:  # noqa: BLE001 - damaged data, bad CRC, unsupported compression
        ctx.add(Problem(label, None, None, "a readable file in the archive", f"a damaged entry ({type(err).__name__})"))
        return None
    ctx.uncompressed += total
    return b"".join(chunks)


def _is_workbook(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist() or "xl/workbook.bin" in archive.namelist()
    except Exception:  # noqa: BLE001
        return False


# ---------------------------------------------------------------- workbooks


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold (numbers shortest, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def _sheet_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) a worksheet's XML reaches: what openpyxl will iterate over."""
    rows = max((int(n) for n in _XLSX_ROW_NUMBER.findall(xml)), default=0)
    rows = max(rows, len(_XLSX_ROW_TAG.findall(xml)))  # rows without r="" follow one another
    columns = max((_column_number(c) for c in set(_XLSX_CELL_COLUMN.findall(xml))), default=0)
    return rows, columns


def _workbook_work_problem(label: str, members: Sequence[tuple[str, bytes]], limits: UploadLimits) -> Problem | None:
    """The first bound (module constants ``_XLSX_*``) the workbook's parts exceed, or None.

    Checked on the raw XML before openpyxl parses anything, so a refused workbook costs one
    regular-expression pass over at most ``max_uncompressed_bytes``."""
    counts = dict.fromkeys(_XLSX_COUNTED, 0)
    cells = 0
    for name, data in members:
        where = f"{label}{SEP}{_CONTROL.sub('?', name)[:200]}"
        if len(data) > _XLSX_MAX_PART_BYTES:
            return Problem(where, None, None, f"a workbook part of at most {_limit_words(_XLSX_MAX_PART_BYTES)} uncompressed", _bytes(len(data)))
        if not name.lower().endswith((".xml", ".rels", ".vml")):
            continue
        for key, (pattern, most, what) in _XLSX_COUNTED.items():
            counts[key] += len(pattern.findall(data))
            if counts[key] > most:
                return Problem(where, None, None, f"at most {most:,} {what} in a workbook", f"{counts[key]:,} or more")
        if b"sheetData" in data:  # a worksheet, wherever the workbook's relations put it
            rows, columns = _sheet_extent(data)
            cells += rows * min(columns, limits.max_columns + 1)
            if cells > _XLSX_MAX_CELLS:
                return Problem(
                    where,
                    None,
                    None,
                    f"at most {_XLSX_MAX_CELLS:,} cells (last row \u00d7 last column, over all sheets) in a workbook",
                    f"a sheet reaching row {rows:,} and column {columns:,}",
                )
    return None


def _workbook_sources(label: str, content: bytes, ctx: _Context) -> list[_Source]:
    members = _zip_members(label, content, ctx, workbook=True)
    if members is None:
        return []
    too_much = _workbook_work_problem(label, members, ctx.limits)
    if too_much is not None:
        ctx.add(too_much)
        return []
    # Hand openpyxl a fresh archive holding exactly the bytes read under the size budget.
    repacked = io.BytesIO()
    with zipfile.ZipFile(repacked, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    import openpyxl  # local: only workbook uploads need it
    from openpyxl.utils import get_column_letter

    sources: list[_Source] = []
    limits = ctx.limits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(repacked, read_only=True, data_only=True, keep_links=False)
        except Exception as err:  # noqa: BLE001 - any failure means: not a workbook we can read
            ctx.add(Problem(label, None, None, "a readable .xlsx workbook", f"a workbook that cannot be read ({type(err).__name__})"))
            return []
        try:
            for sheet in book.worksheets:
                sheet_label = f"{label}{SEP}{_CONTROL.sub('?', str(sheet.title))}"
                records: list[tuple[int, list[str]]] = []
                rows = sheet.iter_rows(
                    min_row=1, max_row=_EXCEL_MAX_ROW, min_col=1, max_col=limits.max_columns + 1, values_only=True
                )
                stop = False
                for row_no, values in enumerate(rows, start=1):
                    ctx.sheet_rows += 1
                    if ctx.sheet_rows > _EXCEL_MAX_ROW:
                        ctx.add(
                            Problem(
                                sheet_label,
                                row_no,
                                None,
                                f"at most {_EXCEL_MAX_ROW:,} rows in a workbook, counting empty rows",
                                "more",
                            )
                        )
                        return sources
                    if values.count(None) == len(values):  # fast path: empty (or gap-filled) row
                        continue
                    cells = [_cell_text(v) for v in values]
                    if not any(cell.strip() for cell in cells):
                        continue
                    if len(cells) > limits.max_columns and cells[limits.max_columns].strip():
                        ctx.add(
                            Problem(
                                sheet_label,
                                row_no,
                                None,
                                f"at most {limits.max_columns} columns",
                                f"a value in column {get_column_letter(limits.max_columns + 1)}",
                            )
                        )
                        stop = True
                        break
                    bad = next((c for c in cells if _CONTROL.search(c)), None)
                    if bad is not None:
                        char = _CONTROL.search(bad).group()
                        ctx.add(Problem(sheet_label, row_no, None, "text without control characters", f"control character 0x{ord(char):02x}"))
                        continue
                    if records:
                        ctx.rows += 1
                        if ctx.rows > limits.max_rows:
                            ctx.add(_row_limit_problem(sheet_label, row_no, ctx))
                            return sources
                    records.append((row_no, cells[: limits.max_columns]))
                if records and not stop:
                    sources.append(_Source(sheet_label, str(sheet.title), records, comma_mode=True, pad_short=True))
        except Exception as err:  # noqa: BLE001
            ctx.add(Problem(label, None, None, "a readable .xlsx workbook", f"a workbook that cannot be read ({type(err).__name__})"))
        finally:
            book.close()
    return sources


# ---------------------------------------------------------------- one upload -> sources -> parts


def _sources(label: str, content: bytes, ctx: _Context) -> list[_Source]:
    limits = ctx.limits
    if not isinstance(content, (bytes, bytearray, memoryview)):
        ctx.add(Problem(label, None, None, ACCEPTED, f"no file content ({type(content).__name__})"))
        return []
    content = bytes(content)
    if len(content) > limits.max_bytes:
        ctx.add(Problem(label, None, None, f"a file of at most {_limit_words(limits.max_bytes)}", _bytes(len(content))))
        return []
    if not content:
        ctx.add(Problem(label, None, None, ACCEPTED, "an empty file"))
        return []
    suffix = _suffix(label)
    if content.startswith(_OLE_MAGIC):
        ctx.add(Problem(label, None, None, ACCEPTED, "an old-format Excel (.xls) or password-protected workbook; save it as .xlsx or CSV"))
        return []
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if _is_workbook(content):
            return _workbook_sources(label, content, ctx)
        if suffix in _WORKBOOK_SUFFIXES:
            ctx.add(Problem(label, None, None, "a readable .xlsx workbook", "an archive that is not an Excel workbook"))
            return []
        members = _zip_members(label, content, ctx, workbook=False)
        if members is None:
            return []
        sources = []
        for name, data in members:
            source = _text_source(f"{label}{SEP}{name}", data, ctx)
            if source is not None:
                source.name = name
                sources.append(source)
        if not members and not ctx.problems:
            ctx.add(Problem(label, None, None, "at least one CSV file in the archive", "no CSV files"))
        return sources
    if suffix in _WORKBOOK_SUFFIXES or suffix == ".zip":
        if suffix == ".zip":
            ctx.add(Problem(label, None, None, "a readable .zip archive", "content that is not a zip archive"))
        else:
            ctx.add(Problem(label, None, None, "a readable .xlsx workbook", "content that is not an Excel workbook"))
        return []
    if suffix and suffix not in _TEXT_SUFFIXES:
        ctx.add(Problem(label, None, None, ACCEPTED, f"a {suffix} file"))
        return []
    source = _text_source(label, content, ctx)
    return [source] if source is not None else []


def _build_part(
    source: _Source,
    columns: Sequence[str],
    numeric: Collection[str],
    ctx: _Context,
    rename: Mapping[str, str] | None = None,
) -> TablePart | None:
    """Check the header against the contract columns and collect the data rows (cells stripped,
    decimal commas converted in numeric columns). None when the header is unusable."""
    from openpyxl.utils import get_column_letter

    label = source.label
    limits = ctx.limits
    header_line, header_cells = source.records[0]
    names = [cell.strip() for cell in header_cells]
    while names and not names[-1]:
        names.pop()
    width = len(names)
    canonical = {name.lower(): name for name in columns}
    for original, target in (rename or {}).items():
        canonical[original.lower()] = target
    names = [canonical.get(name.lower(), name) for name in names]
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            problems.append(Problem(label, header_line, None, "a name for every column", f"an empty name for column {index + 1}"))
        elif name in seen:
            problems.append(Problem(label, header_line, name, "each column once", "a duplicate column"))
        elif name in META_COLUMNS:
            problems.append(Problem(label, header_line, name, "a column name other than origin, _upload_file, _upload_line (reserved)", "a reserved name"))
        elif len(name) > 200:
            problems.append(Problem(label, header_line, None, "column names of at most 200 characters", f"{len(name):,} characters"))
        seen.add(name)
    for column in columns:
        if column not in seen:
            problems.append(Problem(label, header_line, column, "this column in the header", "it missing"))
    if problems:
        for problem in problems:
            ctx.add(problem)
        return None
    numeric_at = [i for i, name in enumerate(names) if name in numeric]
    rows: list[tuple[int, tuple[str, ...]]] = []
    for line, record in source.records[1:]:
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]
        if len(cells) < width and source.pad_short:
            cells += [""] * (width - len(cells))
        if len(cells) != width:
            if source.pad_short:
                last = max(i for i, cell in enumerate(cells) if cell)
                ctx.add(Problem(label, line, None, f"values only under the {width} named header columns", f"a value in column {get_column_letter(last + 1)}"))
            else:
                column = names[len(cells)] if len(cells) < width else f"(extra field {width + 1})"
                ctx.add(Problem(label, line, column, f"{width} fields as in the header", f"{len(cells)} fields"))
            continue
        too_long = [i for i, cell in enumerate(cells) if len(cell) > limits.max_field_chars]
        for i in too_long:
            ctx.add(Problem(label, line, names[i], f"at most {limits.max_field_chars:,} characters in a cell", f"{len(cells[i]):,} characters"))
        if too_long:
            continue
        for i in numeric_at:
            cells[i] = _decimal_point(cells[i], source.comma_mode)
        rows.append((line, tuple(cells)))
    return TablePart(label, tuple(names), tuple(rows))


def _canonical_csv(parts: Sequence[TablePart], first: Sequence[str] = ()) -> tuple[bytes, list[str]]:
    """One UTF-8 comma CSV from parts (header: ``first``, then every part's columns in order)."""
    header = list(first)
    for part in parts:
        header += [name for name in part.header if name not in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for part in parts:
        positions = [part.header.index(name) if name in part.header else None for name in header]
        for _line, cells in part.rows:
            writer.writerow(["" if p is None else cells[p] for p in positions])
    return buffer.getvalue().encode("utf-8"), header


def _result(parts: dict[str, list[TablePart]], problems: list[Problem], kind: str | None = None) -> UploadResult:
    frozen = {name: tuple(p) for name, p in parts.items() if p}
    files = {}
    for name, table_parts in frozen.items():
        files[name] = _canonical_csv(table_parts, [c.name for c in TABLES[name].columns])[0]
    if kind is None:
        kind = "survival" if frozen and set(frozen) == {"survival_ipd"} else "tables"
    return UploadResult(files=files, problems=problems, kind=kind, parts=frozen)


def parse_upload(filename: str, content: bytes, limits: UploadLimits = UploadLimits()) -> UploadResult:
    """Parse one uploaded file into canonical CSV per contract table, collecting every problem.

    Never raises for anything in the file; a problem names the file (or ``file › sheet`` /
    ``archive › member``) and the row in the user's file (CSV: the line a record starts on, header =
    1; workbook: the sheet row).
    """
    ctx = _Context(limits)
    label = _clean_name(filename)
    parts: dict[str, list[TablePart]] = {}
    for source in _sources(label, content, ctx):
        name = table_name_for(source.name)
        if name is None:
            stem = source.name.replace("\\", "/").rsplit("/", 1)[-1]
            ctx.add(
                Problem(
                    source.label,
                    None,
                    None,
                    f"a file or sheet named after a contract table ({_KNOWN_TABLES})",
                    f"the name {stem!r}",
                )
            )
            continue
        table = TABLES[name]
        numeric = {c.name for c in table.columns if c.kind in ("float", "int")}
        part = _build_part(source, [c.name for c in table.columns], numeric, ctx)
        if part is not None:
            parts.setdefault(name, []).append(part)
    result = _result(parts, ctx.finish(label))
    if not result.problems and result.row_count() == 0:
        result.problems.append(Problem(label, None, None, "at least one data row below a header", "no data rows"))
    return result


def merge_uploads(results: Iterable[UploadResult]) -> UploadResult:
    """Several uploads (several files chosen at once) as one; rows of a table concatenate."""
    parts: dict[str, list[TablePart]] = {}
    problems: list[Problem] = []
    kinds = set()
    for result in results:
        problems += result.problems
        kinds.add(result.kind)
        for name, table_parts in result.parts.items():
            parts.setdefault(name, []).extend(table_parts)
    kind = "survival" if kinds == {"survival"} else "tables"
    return _result(parts, problems, kind)


def decode_data_url(filename: str, contents: str, limits: UploadLimits = UploadLimits()) -> tuple[bytes | None, list[Problem]]:
    """Bytes of a ``dcc.Upload`` value (``data:<type>;base64,<data>``), size-checked before decoding."""
    label = _clean_name(filename)
    if not isinstance(contents, str) or not contents.startswith("data:") or ";base64," not in contents[:300]:
        return None, [Problem(label, None, None, "an uploaded file (a base64 data URL)", "something else")]
    encoded = contents.split(";base64,", 1)[1]
    if len(encoded) > (limits.max_bytes + 2) // 3 * 4 + 4:
        size = len(encoded) * 3 // 4
        return None, [Problem(label, None, None, f"a file of at most {_limit_words(limits.max_bytes)}", f"about {_bytes(size)}")]
    try:
        return base64.b64decode(encoded, validate=True), []
    except (binascii.Error, ValueError):
        return None, [Problem(label, None, None, "an uploaded file (a base64 data URL)", "damaged base64 data")]


def parse_upload_contents(
    filenames: Sequence[str] | str, contents: Sequence[str] | str, limits: UploadLimits = UploadLimits()
) -> UploadResult:
    """``dcc.Upload``'s (filename, contents) - one or several files - decoded, parsed and merged."""
    if isinstance(filenames, str) or isinstance(contents, str):
        filenames, contents = [filenames], [contents]
    results = []
    for filename, content in zip(filenames or [], contents or []):
        raw, problems = decode_data_url(filename, content, limits)
        if raw is None:
            results.append(UploadResult({}, problems, "tables"))
        else:
            results.append(parse_upload(filename, raw, limits))
    if not results:
        return UploadResult({}, [Problem("upload", None, None, ACCEPTED, "no file")], "tables")
    return merge_uploads(results)


# ---------------------------------------------------------------- validation with the bundled data


def _origin_of(table: str, raw: pd.DataFrame) -> list[tuple[str, int, str]]:
    """(file label, line, origin) for every row of a validated raw frame."""
    if "_upload_file" in raw.columns:
        return [
            (str(f), int(line), str(o))
            for f, line, o in zip(raw["_upload_file"], raw["_upload_line"], raw["origin"])
        ]
    return [(f"{table}.csv (bundled data)", int(line), ORIGIN_CURATED) for line in raw.index]


def _record_lines(text: bytes) -> list[int]:
    """Start line of every record after the header, counted exactly as evidence.loading does."""
    reader = csv.reader(io.StringIO(text.decode("utf-8"), newline=""))
    lines, line, first = [], 1, True
    for record in reader:
        if not first and record and any(cell.strip() for cell in record):
            lines.append(line)
        first = False
        line = reader.line_num + 1
    return lines


def _combined(upload: UploadResult, base: CuratedData):
    """Bundled (base) rows then the user's rows, per table; and line -> (label, line, origin, new)."""
    files: dict[str, bytes | None] = {}
    origins: dict[str, dict[int, tuple[str, int, str, bool]]] = {}
    for name, table in TABLES.items():
        base_raw = base.raw.get(name)
        parts = list(upload.parts.get(name, ()))
        if base_raw is None and not parts:
            files[name] = None
            continue
        row_origins: list[tuple[str, int, str, bool]] = []
        all_parts: list[TablePart] = []
        if base_raw is not None:
            columns = tuple(c for c in base_raw.columns if c not in META_COLUMNS)
            values = base_raw[list(columns)].fillna("").astype(str).values.tolist()
            meta = _origin_of(name, base_raw)
            all_parts.append(TablePart("base", columns, tuple((m[1], tuple(v)) for m, v in zip(meta, values))))
            row_origins += [(f, line, o, False) for f, line, o in meta]
        for part in parts:
            all_parts.append(part)
            row_origins += [(part.label, line, ORIGIN_UPLOADED, True) for line, _cells in part.rows]
        first = list(all_parts[0].header) if base_raw is not None else [c.name for c in table.columns]
        files[name], _header = _canonical_csv(all_parts, first)
        lines = _record_lines(files[name])
        origins[name] = dict(zip(lines, row_origins))
    return files, origins


def _relabel(problem: Problem, origins: Mapping[str, Mapping[int, tuple]]) -> tuple[Problem, bool]:
    """Problem re-labelled to the user's file and row; second: whether it is about a new row."""
    table = problem.file[:-4] if problem.file.endswith(".csv") else problem.file
    mapping = origins.get(table, {})
    origin = mapping.get(problem.line) if problem.line is not None else None
    if origin is None:
        return problem, True
    label, line, _kind, new = origin
    found = problem.found
    if isinstance(found, str):
        match = _DUPLICATE.match(found)
        if match and int(match.group("line")) in mapping:
            other_label, other_line, _k, _n = mapping[int(match.group("line"))]
            where = f"line {other_line}" if other_label == label else f"{other_label} line {other_line}"
            found = f"{match.group('key')} already on {where}"
    return replace(problem, file=label, line=line, found=found), new


def validate_upload(
    files: UploadResult | Mapping[str, bytes],
    base: CuratedData,
    limits: UploadLimits = UploadLimits(),
) -> tuple[CuratedData | None, list[Problem]]:
    """Validate uploaded rows together with ``base``; (data with an ``origin`` column, problems).

    ``files`` is a parse result (preferred: problems then name the user's files and rows) or
    {table name: CSV bytes}. The user's rows follow the base rows of each table, so references to
    base sources/trials/arms resolve and keys duplicating base rows are reported. Errors block
    (data None); warnings about base rows are not repeated; new warnings are returned and kept in
    ``data.warnings``.
    """
    if isinstance(files, UploadResult):
        upload = files
    else:
        upload = merge_uploads(parse_upload(f"{name}.csv", content, limits) for name, content in files.items())
    if not upload.ok:
        return None, list(upload.problems)
    if not upload.parts:
        return None, list(upload.problems) or [Problem("upload", None, None, "at least one table", "no tables")]
    combined, origins = _combined(upload, base)
    data, problems = validate_files(combined)
    relabelled: list[Problem] = []
    for problem in problems:
        new_problem, about_new_row = _relabel(problem, origins)
        if problem.severity == "warning" and not about_new_row:
            continue  # already known with the base data
        relabelled.append(new_problem)
    if data is None:
        return None, relabelled
    tables, raw_tables = {}, {}
    for name, frame in data.tables.items():
        mapping = origins.get(name, {})
        meta = [mapping.get(int(line), (f"{name}.csv", int(line), ORIGIN_UPLOADED, True)) for line in frame.index]
        typed = frame.copy()
        typed["origin"] = pd.Series([m[2] for m in meta], index=frame.index, dtype=object)
        raw = data.raw[name].copy()
        raw["origin"] = typed["origin"]
        raw["_upload_file"] = [m[0] for m in meta]
        raw["_upload_line"] = [m[1] for m in meta]
        tables[name], raw_tables[name] = typed, raw
    warnings_ = tuple(base.warnings) + tuple(p for p in relabelled if p.severity == "warning")
    result = CuratedData(tables=tables, warnings=warnings_, version=data.version, raw=raw_tables)
    return result, relabelled


# ---------------------------------------------------------------- patient-level survival data


def parse_survival_upload(
    filename: str,
    content: bytes,
    time_unit: str,
    limits: UploadLimits = UploadLimits(),
    known_arms: Collection[tuple[str, str]] | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Patient-level survival data (trial_id, arm_id, endpoint, time, event) -> months.

    The time column is ``time`` or ``time_<unit>`` (``time_days`` for days, ...); ``time_unit`` is
    one of days, weeks, months, years and converts to months (days / 30.4375, weeks * 7 / 30.4375,
    years * 12). Rules: those of ``survival_ipd`` in the contract (event 0/1, time >= 0, a
    time-to-event endpoint), plus every (trial_id, arm_id) pair is an arm in ``known_arms`` (when
    given: the arms of the bundled and uploaded data) and every arm has at least 2 patients per
    endpoint. Returns a frame indexed by the user's row number, columns as ``survival_ipd``.
    """
    ctx = _Context(limits)
    label = _clean_name(filename)
    if time_unit not in TIME_UNITS:
        return None, [Problem(label, None, None, "a time unit: " + ", ".join(TIME_UNITS), repr(time_unit))]
    sources = _sources(label, content, ctx)
    if ctx.problems:
        return None, ctx.finish(label)
    if len(sources) != 1:
        found = "no table" if not sources else f"{len(sources)} tables ({', '.join(s.label for s in sources)})"
        return None, [Problem(label, None, None, "one table of patient-level survival data", found)]
    source = sources[0]
    header_line, header = source.records[0]
    names = [cell.strip().lower() for cell in header]
    wanted = {"time", f"time_{time_unit}"}
    time_columns = [cell.strip() for cell in header if cell.strip().lower() in wanted]
    other_times = [
        cell.strip() for cell in header if cell.strip().lower().startswith("time_") and cell.strip().lower() not in wanted
    ]
    if len(time_columns) != 1:
        if len(time_columns) > 1:
            return None, [Problem(source.label, header_line, time_columns[1], "one time column", "two time columns")]
        if other_times:
            return None, [
                Problem(
                    source.label,
                    header_line,
                    other_times[0],
                    f"a time column named time or time_{time_unit} (the time unit chosen is {time_unit})",
                    f"a column named {other_times[0]}",
                )
            ]
        return None, [
            Problem(source.label, header_line, f"time_{time_unit}", f"a time column (time or time_{time_unit}) in the header", "it missing")
        ]
    time_column = time_columns[0]
    del names
    if other_times:
        return None, [
            Problem(
                source.label,
                header_line,
                other_times[0],
                f"one time column ({time_column}, for the time unit chosen: {time_unit})",
                f"also a column named {other_times[0]}",
            )
        ]
    part = _build_part(
        source, SURVIVAL_COLUMNS, {"time_months", "event"}, ctx, rename={time_column: "time_months"}
    )
    if part is None:
        return None, [_rename_column(p, time_column) for p in ctx.finish(label)]
    if not part.rows:
        return None, [Problem(source.label, None, None, "at least one data row below a header", "no data rows")]
    table = TABLES["survival_ipd"]
    raw = pd.DataFrame(
        [cells for _line, cells in part.rows],
        columns=list(part.header),
        index=pd.Index([line for line, _cells in part.rows], name="line"),
        dtype=object,
    )
    typed, type_problems, bad_cells = type_table(table, raw, source.label)
    column_problems = check_columns(table, typed, source.label, bad_cells)
    for problem in type_problems + column_problems:
        ctx.add(problem)
    bad_rows = {line for line, _column in bad_cells} | {p.line for p in column_problems if p.line is not None}
    good = typed.drop(index=list(bad_rows)).dropna(subset=["trial_id", "arm_id", "endpoint"])
    if known_arms is not None:
        known = {(str(t), str(a)) for t, a in known_arms}
        reported: set[tuple[str, str]] = set()
        for line, trial_id, arm_id in zip(good.index, good["trial_id"], good["arm_id"]):
            if (trial_id, arm_id) not in known and (trial_id, arm_id) not in reported:
                reported.add((trial_id, arm_id))
                arms = sorted(a for t, a in known if t == trial_id)
                expected = (
                    f"an arm of {trial_id} ({', '.join(arms)})" if arms else "a trial_id with arms in the trial tables"
                )
                ctx.add(Problem(source.label, int(line), "arm_id" if arms else "trial_id", expected, arm_id if arms else trial_id))
    if not good.empty:
        groups = good.groupby(["trial_id", "arm_id", "endpoint"], sort=False)
        for (trial_id, arm_id, endpoint), rows in groups:
            if len(rows) < 2:
                ctx.add(
                    Problem(
                        source.label,
                        int(rows.index[0]),
                        "arm_id",
                        f"at least 2 patients per arm for {endpoint}",
                        f"1 patient in {trial_id} arm {arm_id}",
                    )
                )
    problems = [_rename_column(p, time_column) for p in ctx.finish(label)]
    if any(p.severity == "error" for p in problems):
        return None, problems
    frame = typed[list(SURVIVAL_COLUMNS)].copy()
    frame["time_months"] = frame["time_months"].astype(float) * TIME_UNITS[time_unit]
    frame["event"] = frame["event"].astype(int)
    frame.attrs.update({"file": source.label, "time_unit": time_unit, "time_column": time_column})
    return frame, problems


def known_arms(data: CuratedData) -> set[tuple[str, str]]:
    """(trial_id, arm_id) of every arm, for ``parse_survival_upload(known_arms=...)``."""
    arms = data.tables["arms"]
    return {(str(t), str(a)) for t, a in zip(arms["trial_id"], arms["arm_id"])}


def _rename_column(problem: Problem, user_column: str) -> Problem:
    return replace(problem, column=user_column) if problem.column == "time_months" else problem


def survival_as_upload(frame: pd.DataFrame, label: str | None = None) -> UploadResult:
    """Survival rows from ``parse_survival_upload`` as an upload of the ``survival_ipd`` table
    (time in months), to validate against the arms with ``validate_upload`` and keep in the store."""
    label = label or frame.attrs.get("file", "survival_ipd.csv")
    rows = tuple(
        (int(line), (str(t), str(a), str(e), repr(float(m)), str(int(ev))))
        for line, t, a, e, m, ev in zip(
            frame.index, frame["trial_id"], frame["arm_id"], frame["endpoint"], frame["time_months"], frame["event"]
        )
    )
    return _result({"survival_ipd": [TablePart(label, SURVIVAL_COLUMNS, rows)]}, [], "survival")


# ---------------------------------------------------------------- the stored payload


def _uploaded_rows(data: CuratedData):
    """(table name, raw rows of uploaded origin) for each table holding any."""
    for name, raw in data.raw.items():
        if "origin" not in raw.columns:
            continue
        uploaded = raw[raw["origin"] == ORIGIN_UPLOADED]
        if not uploaded.empty:
            yield name, uploaded


def to_store(data: CuratedData, max_bytes: int = STORE_MAX_BYTES) -> dict:
    """JSON-ready payload of the uploaded rows only (raw text as validated, with where each row
    came from). Raises StoreError when it would exceed ``max_bytes``."""
    tables = {}
    for name, uploaded in _uploaded_rows(data):
        contract = [c.name for c in TABLES[name].columns]
        extra = [
            c
            for c in uploaded.columns
            if c not in contract and c not in META_COLUMNS and uploaded[c].fillna("").astype(str).str.len().any()
        ]
        columns = contract + extra
        tables[name] = {
            "columns": columns,
            "rows": uploaded[columns].fillna("").astype(str).values.tolist(),
            "origin": [[str(f), int(line)] for f, line in zip(uploaded["_upload_file"], uploaded["_upload_line"])],
        }
    payload = {"format": STORE_FORMAT, "contract": CONTRACT_VERSION, "tables": tables}
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > max_bytes:
        raise StoreError(
            f"The uploaded data would take {size:,} bytes; at most {max_bytes:,} bytes can be kept for a session. "
            "Remove earlier uploads or upload fewer rows."
        )
    return payload


def _parts_from_store(payload: object, limits: UploadLimits) -> dict[str, list[TablePart]]:
    def bad(why: str) -> StoreError:
        return StoreError(f"The uploaded data kept for this session is not readable ({why}).")

    if not isinstance(payload, dict) or payload.get("format") != STORE_FORMAT:
        raise bad("unknown format")
    if payload.get("contract") != CONTRACT_VERSION:
        raise bad(f"it was made for data contract v{payload.get('contract')!s:.20}")
    tables = payload.get("tables")
    if not isinstance(tables, dict):
        raise bad("no tables")
    parts: dict[str, list[TablePart]] = {}
    total = 0
    for name, body in tables.items():
        if name not in TABLES or not isinstance(body, dict):
            raise bad(f"unknown table {str(name)[:40]!r}")
        columns, rows, origin = body.get("columns"), body.get("rows"), body.get("origin")
        if (
            not isinstance(columns, list)
            or not 0 < len(columns) <= limits.max_columns
            or not all(isinstance(c, str) and 0 < len(c) <= 200 for c in columns)
            or len(set(columns)) != len(columns)
            or any(c in META_COLUMNS for c in columns)
        ):
            raise bad(f"columns of {name}")
        if not isinstance(rows, list) or not isinstance(origin, list) or len(rows) != len(origin):
            raise bad(f"rows of {name}")
        total += len(rows)
        if total > limits.max_rows * 4:
            raise bad("too many rows")
        by_label: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for row, where in zip(rows, origin):
            if (
                not isinstance(row, list)
                or len(row) != len(columns)
                or not all(isinstance(c, str) and len(c) <= limits.max_field_chars for c in row)
            ):
                raise bad(f"a row of {name}")
            if (
                not isinstance(where, list)
                or len(where) != 2
                or not isinstance(where[0], str)
                or not isinstance(where[1], int)
                or isinstance(where[1], bool)
            ):
                raise bad(f"a row origin of {name}")
            by_label.setdefault(_CONTROL.sub("?", where[0])[:400], []).append((where[1], tuple(row)))
        parts[name] = [TablePart(label, tuple(columns), tuple(rs)) for label, rs in by_label.items()]
    return parts


def from_store(payload: object, base: CuratedData, limits: UploadLimits = UploadLimits()) -> CuratedData:
    """``base`` plus the uploaded rows of a stored payload, re-validated together.

    An empty payload gives ``base``. Raises StoreError (with ``problems``) when the payload is
    malformed or its rows no longer validate against ``base`` (e.g. the bundled data changed);
    the caller should then set it aside and tell the user. Callers that read the same payload
    often cache the result (``evidence.session``); nothing is cached here.
    """
    if not payload:
        return base
    parts = _parts_from_store(payload, limits)
    if not parts:
        return base
    data, problems = validate_upload(_result(parts, []), base, limits)
    if data is None:
        errors = [p for p in problems if p.severity == "error"]
        raise StoreError(
            f"The uploaded data kept for this session no longer validates ({len(errors)} problem(s)); "
            f"first: {errors[0] if errors else 'unknown'}",
            problems,
        )
    return data


@dataclass(frozen=True)
class SessionUpdate:
    """Outcome of ``apply_upload``: on success a new store payload and data; else problems only."""

    store: dict | None
    data: CuratedData | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.data is not None


def apply_upload(
    upload: UploadResult,
    store: object,
    bundled: CuratedData,
    limits: UploadLimits = UploadLimits(),
    max_store_bytes: int = STORE_MAX_BYTES,
) -> SessionUpdate:
    """Add a parsed upload to a session: bundled + stored uploads + this one, validated together.

    On any error nothing changes: ``store`` is None (keep the old one) and ``problems`` lists them.
    """
    if not upload.ok:
        return SessionUpdate(None, None, list(upload.problems))
    try:
        current = from_store(store, bundled, limits)
    except StoreError as err:
        return SessionUpdate(
            None, None, err.problems or [Problem("stored uploads", None, None, "readable stored uploads", str(err))]
        )
    data, problems = validate_upload(upload, current, limits)
    if data is None:
        return SessionUpdate(None, None, problems)
    try:
        payload = to_store(data, max_store_bytes)
    except StoreError as err:
        return SessionUpdate(None, None, [Problem("upload", None, None, f"at most {max_store_bytes:,} bytes of uploaded data", str(err))])
    return SessionUpdate(payload, data, problems)


# ---------------------------------------------------------------- downloads


def uploaded_files(data: CuratedData) -> dict[str, bytes]:
    """Canonical CSV bytes of the uploaded rows of each table (contract columns first)."""
    files = {}
    for name, uploaded in _uploaded_rows(data):
        columns = [c for c in uploaded.columns if c not in META_COLUMNS]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(uploaded[columns].fillna("").astype(str).values.tolist())
        files[name] = buffer.getvalue().encode("utf-8")
    return files


def bundle_zip(files: Mapping[str, bytes] | CuratedData | UploadResult) -> bytes:
    """A .zip of ``<table>.csv`` files: from {table: CSV bytes}, a parse result, or the uploaded
    rows of validated data. Uploading it again gives the same rows."""
    if isinstance(files, CuratedData):
        files = uploaded_files(files)
    elif isinstance(files, UploadResult):
        files = files.files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if name not in TABLES:
                raise ValueError(f"not a contract table: {name!r}")
            if content is not None:
                archive.writestr(f"{name}.csv", content)
    return buffer.getvalue()


# ---------------------------------------------------------------- template

EXAMPLE_TRIAL = "EXAMPLE-TRIAL"
EXAMPLE_SOURCE = "EXAMPLE_SOURCE"
_EX = f"{EXAMPLE_SOURCE}: "

EXAMPLE_ROWS: dict[str, list[dict[str, str]]] = {
    "sources": [
        {
            "source_id": EXAMPLE_SOURCE,
            "citation": "Illustrative example, not real data",
            "kind": "article",
            "document": "none (illustrative example)",
        }
    ],
    "trials": [
        {
            "trial_id": EXAMPLE_TRIAL,
            "acronym": "EXAMPLE",
            "title": "Illustrative example trial: example drug versus placebo (not real data)",
            "disease": "Illustrative example population (not real data)",
            "disease_group": "illustrative example",
            "setting": "1st line",
            "phase": "2",
            "design": "Randomized 1:1, two-arm (illustrative)",
            "blinding": "double-blind",
            "randomized": "yes",
            "status": "completed",
            "n_planned": "100",
            "n_enrolled": "100",
            "start": "2020-01",
            "end": "2022-12",
            "enrolment_end": "2021-06",
            "data_cutoff": "2022-06",
            "agent": "example drug",
            "source_id": EXAMPLE_SOURCE,
            "source": _EX + "Table 1",
            "notes": "Illustrative example, not real data: shows the format of an upload.",
        }
    ],
    "arms": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "A", "label": "Arm A: placebo", "role": "control",
            "regimen": "Placebo twice daily", "n_randomized": "50", "n_efficacy": "50", "n_safety": "50",
            "source": _EX + "Table 1",
        },
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "label": "Arm B: example drug", "role": "experimental",
            "regimen": "Example drug 400 mg twice daily", "n_randomized": "50", "n_efficacy": "50", "n_safety": "49",
            "source": _EX + "Table 1",
        },
    ],
    "efficacy": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "endpoint": "PFS", "statistic": "median", "value": value,
            "unit": "months", "ci_low": low, "ci_high": high, "count": events, "n_analysed": "50",
            "population": "ITT", "analysis": "primary", "derived": "false", "source": _EX + "Table 2",
        }
        for arm, value, low, high, events in (("A", "4.0", "3.1", "5.2", "40"), ("B", "6.0", "4.8", "7.5", "35"))
    ]
    + [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "endpoint": "ORR", "statistic": "rate", "value": value,
            "unit": "percent", "count": count, "n_analysed": "50", "population": "ITT", "analysis": "secondary",
            "derived": "false", "source": _EX + "Table 2",
        }
        for arm, value, count in (("A", "10.0", "5"), ("B", "24.0", "12"))
    ],
    "comparisons": [
        {
            "trial_id": EXAMPLE_TRIAL, "endpoint": "PFS", "experimental_arm": "B", "control_arm": "A",
            "statistic": "HR", "value": "0.65", "ci_low": "0.42", "ci_high": "0.99", "p_value": "0.045",
            "p_text": "0.045", "test": "log-rank", "analysis": "primary", "derived": "false",
            "source": _EX + "Table 2",
        }
    ],
    "adverse_events": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "level": "term", "soc": soc, "term_reported": term,
            "term": term, "grade": grade, "count": count, "pct": pct, "n_at_risk": n, "ctcae_version": "5.0",
            "derived": "false", "source": _EX + "Table 3",
        }
        for arm, n, term, soc, grade, count, pct in (
            ("A", "50", "Diarrhoea", "Gastrointestinal disorders", "all", "10", "20.0"),
            ("A", "50", "Diarrhoea", "Gastrointestinal disorders", "3-4", "2", "4.0"),
            ("B", "49", "Diarrhoea", "Gastrointestinal disorders", "all", "20", "40.8"),
            ("B", "49", "Diarrhoea", "Gastrointestinal disorders", "3-4", "5", "10.2"),
            ("A", "50", "Rash", "Skin and subcutaneous tissue disorders", "all", "4", "8.0"),
            ("B", "49", "Rash", "Skin and subcutaneous tissue disorders", "all", "15", "30.6"),
        )
    ],
    "ae_terms": [
        {"trial_id": EXAMPLE_TRIAL, "term_reported": "Diarrhoea", "term": "Diarrhoea", "soc": "Gastrointestinal disorders", "level": "term"},
        {"trial_id": EXAMPLE_TRIAL, "term_reported": "Rash", "term": "Rash", "soc": "Skin and subcutaneous tissue disorders", "level": "term"},
    ],
    "dosing": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "drug": "example drug", "cycle": cycle, "cycle_days": "28",
            "planned_daily_mg": "800", "planned_derived": "true", "delivered_mean_daily_mg": delivered,
            "schedule": "400 mg twice daily", "source": _EX + "Table 4",
            "note": "Planned daily dose computed from the twice-daily schedule",
        }
        for cycle, delivered in (("1", "760"), ("2", "720"))
    ],
    "design": [
        {
            "trial_id": EXAMPLE_TRIAL, "endpoint": "PFS", "scenario": "primary", "assumed_control_median": "4",
            "assumed_experimental_median": "6", "target_hr": "0.67", "planned_events": "80", "planned_n": "100",
            "alpha": "0.05", "sided": "two", "power": "0.8", "source": _EX + "Methods",
        }
    ],
    "baseline": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "characteristic": "Age (years)", "category": "mean (SD)",
            "mean": mean, "sd": sd, "n": "50", "source": _EX + "Table 1",
        }
        for arm, mean, sd in (("A", "60.1", "9.8"), ("B", "59.4", "10.2"))
    ]
    + [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "characteristic": "Sex", "category": "female",
            "count": count, "pct": pct, "n": "50", "source": _EX + "Table 1",
        }
        for arm, count, pct in (("A", "26", "52.0"), ("B", "24", "48.0"))
    ],
    "survival_ipd": [
        {"trial_id": EXAMPLE_TRIAL, "arm_id": arm, "endpoint": "PFS", "time_months": t, "event": e}
        for arm, times in (
            ("A", (("1.8", "1"), ("2.9", "1"), ("3.6", "1"), ("4.1", "1"), ("5.0", "0"), ("6.3", "1"), ("8.2", "0"), ("9.5", "1"))),
            ("B", (("2.4", "1"), ("4.4", "1"), ("5.2", "0"), ("6.1", "1"), ("7.0", "1"), ("8.8", "0"), ("11.3", "1"), ("13.0", "0"))),
        )
        for t, e in times
    ],
}
"""One made-up trial, every table, consistent with every validation rule."""


def _table_csv(table: Table, rows: Sequence[Mapping[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [c.name for c in table.columns]
    writer.writerow(names)
    for row in rows:
        unknown = set(row) - set(names)
        if unknown:
            raise AssertionError(f"{table.name}: unknown columns {unknown}")
        writer.writerow([row.get(name, "") for name in names])
    return buffer.getvalue().encode("utf-8")


def example_files() -> dict[str, bytes]:
    """The example trial as {table: CSV bytes}."""
    return {name: _table_csv(TABLES[name], EXAMPLE_ROWS.get(name, [])) for name in TABLES}


_TEMPLATE_README = """# Upload template (data contract v{version})

Upload your own trials as CSV files named after the tables below (`trials.csv`, `arms.csv`, ...),
as one .xlsx workbook with one sheet per table (sheet names = table names), or as a .zip of CSV
files. An upload may be partial: only the rows of your new trial(s). It is checked together with
the bundled data, so it may refer to bundled sources and trials, but it may not repeat their keys.

- The files in this folder are empty tables with their headers.
- `example/` holds one complete made-up trial, {trial} (source {source}: "Illustrative example,
  not real data"). Upload that folder as a .zip to see how uploaded data appears.
- Encodings: UTF-8 (with or without byte-order mark) or Windows-1252/Latin-1. Delimiters: comma,
  semicolon or tab. In semicolon- or tab-delimited files numbers may use a decimal comma (6,6).
- Limits: {max_bytes}, {max_rows:,} data rows, {members} files in a .zip.
- Patient-level survival data (optional): columns trial_id, arm_id, endpoint, time (or time_days,
  time_weeks, time_months, time_years) and event (1 = event, 0 = censored), uploaded separately
  with its time unit.

{dictionary}
"""


def template_zip() -> bytes:
    """Empty CSVs with headers for every contract table, README.md, and ``example/`` holding the
    made-up trial EXAMPLE-TRIAL (source EXAMPLE_SOURCE, "Illustrative example, not real data")."""
    limits = UploadLimits()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        readme = _TEMPLATE_README.format(
            version=CONTRACT_VERSION,
            trial=EXAMPLE_TRIAL,
            source=EXAMPLE_SOURCE,
            max_bytes=_limit_words(limits.max_bytes),
            max_rows=limits.max_rows,
            members=limits.max_zip_members,
            dictionary=data_dictionary_markdown(),
        )
        archive.writestr("README.md", readme)
        for name, table in TABLES.items():
            archive.writestr(table.file, _table_csv(table, []))
        for name, content in example_files().items():
            archive.writestr(f"example/{name}.csv", content)
    return buffer.getvalue()


def template_xlsx(example: bool = True) -> bytes:
    """A workbook with one sheet per contract table: headers, and the example trial's rows."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, table in TABLES.items():
        sheet = book.create_sheet(name)
        sheet.append([c.name for c in table.columns])
        for row in EXAMPLE_ROWS.get(name, []) if example else []:
            values = []
            for column in table.columns:
                text = row.get(column.name, "")
                if text and column.kind == "int":
                    values.append(int(text))
                elif text and column.kind == "float":
                    values.append(float(text))
                else:
                    values.append(text or None)
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
