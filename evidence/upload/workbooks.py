"""Excel workbooks (.xlsx): bounded before openpyxl opens them, then read one sheet per table.

Nothing in a workbook is executed or evaluated: openpyxl reads with ``read_only=True,
data_only=True`` (cached values, never formulas) from a fresh archive holding only the bytes read
under the size budget (``evidence.upload.archives``).
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Sequence

from evidence.problems import Problem
from evidence.upload.archives import zip_members
from evidence.upload.decoding import row_limit_problem
from evidence.upload.limits import MiB, ParseContext, UploadLimits, byte_words, limit_words
from evidence.upload.names import CONTROL, SEP, member_label
from evidence.upload.parts import Source

EXCEL_MAX_ROW = 1_048_576

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


def workbook_work_problem(label: str, members: Sequence[tuple[str, bytes]], limits: UploadLimits) -> Problem | None:
    """The first bound (module constants ``_XLSX_*``) the workbook's parts exceed, or None.

    Checked on the raw XML before openpyxl parses anything, so a refused workbook costs one
    regular-expression pass over at most ``max_uncompressed_bytes``."""
    counts = dict.fromkeys(_XLSX_COUNTED, 0)
    cells = 0
    for name, data in members:
        where = member_label(label, name)
        if len(data) > _XLSX_MAX_PART_BYTES:
            expected = f"a workbook part of at most {limit_words(_XLSX_MAX_PART_BYTES)} uncompressed"
            return Problem(where, None, None, expected, byte_words(len(data)))
        if not name.lower().endswith((".xml", ".rels", ".vml")):
            continue
        too_many = _record_count_problem(where, data, counts)
        if too_many is not None:
            return too_many
        if b"sheetData" in data:  # a worksheet, wherever the workbook's relations put it
            rows, columns = _sheet_extent(data)
            cells += rows * min(columns, limits.max_columns + 1)
            if cells > _XLSX_MAX_CELLS:
                expected = f"at most {_XLSX_MAX_CELLS:,} cells (last row \u00d7 last column, over all sheets) in a workbook"
                return Problem(where, None, None, expected, f"a sheet reaching row {rows:,} and column {columns:,}")
    return None


def _record_count_problem(where: str, data: bytes, counts: dict[str, int]) -> Problem | None:
    """Add one part's styles, fonts and shared strings to ``counts``; a Problem once one passes its bound."""
    for key, (pattern, most, what) in _XLSX_COUNTED.items():
        counts[key] += len(pattern.findall(data))
        if counts[key] > most:
            return Problem(where, None, None, f"at most {most:,} {what} in a workbook", f"{counts[key]:,} or more")
    return None


def workbook_sources(label: str, content: bytes, ctx: ParseContext) -> list[Source]:
    """Every non-empty sheet of a workbook as a Source (sheet name = table), problems in ``ctx``."""
    members = zip_members(label, content, ctx, workbook=True)
    if members is None:
        return []
    too_much = workbook_work_problem(label, members, ctx.limits)
    if too_much is not None:
        ctx.add(too_much)
        return []
    import openpyxl  # local: only workbook uploads need it

    sources: list[Source] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(_repacked(members), read_only=True, data_only=True, keep_links=False)
        except Exception as err:  # noqa: BLE001 - any failure means: not a workbook we can read
            ctx.add(_unreadable(label, err))
            return []
        try:
            for sheet in book.worksheets:
                source, go_on = _sheet_source(sheet, label, ctx)
                if source is not None:
                    sources.append(source)
                if not go_on:
                    break
        except Exception as err:  # noqa: BLE001
            ctx.add(_unreadable(label, err))
        finally:
            book.close()
    return sources


def _repacked(members: Sequence[tuple[str, bytes]]) -> io.BytesIO:
    """A fresh archive holding exactly the bytes read under the size budget, for openpyxl."""
    repacked = io.BytesIO()
    with zipfile.ZipFile(repacked, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return repacked


def _unreadable(label: str, err: Exception) -> Problem:
    return Problem(label, None, None, "a readable .xlsx workbook", f"a workbook that cannot be read ({type(err).__name__})")


def _sheet_source(sheet, label: str, ctx: ParseContext) -> tuple[Source | None, bool]:
    """(the sheet's non-empty rows as a Source, or None; whether to read further sheets).

    A value right of the last allowed column drops this sheet; passing the row limits stops the
    whole workbook."""
    sheet_label = f"{label}{SEP}{CONTROL.sub('?', str(sheet.title))}"
    limits = ctx.limits
    records: list[tuple[int, list[str]]] = []
    rows = sheet.iter_rows(min_row=1, max_row=EXCEL_MAX_ROW, min_col=1, max_col=limits.max_columns + 1, values_only=True)
    for row_no, values in enumerate(rows, start=1):
        ctx.sheet_rows += 1
        if ctx.sheet_rows > EXCEL_MAX_ROW:
            expected = f"at most {EXCEL_MAX_ROW:,} rows in a workbook, counting empty rows"
            ctx.add(Problem(sheet_label, row_no, None, expected, "more"))
            return None, False
        if values.count(None) == len(values):  # fast path: empty (or gap-filled) row
            continue
        cells = [_cell_text(v) for v in values]
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > limits.max_columns and cells[limits.max_columns].strip():
            ctx.add(_too_wide(sheet_label, row_no, limits.max_columns))
            return None, True
        bad = next((c for c in cells if CONTROL.search(c)), None)
        if bad is not None:
            found = f"control character 0x{ord(CONTROL.search(bad).group()):02x}"
            ctx.add(Problem(sheet_label, row_no, None, "text without control characters", found))
            continue
        if records:
            ctx.rows += 1
            if ctx.rows > limits.max_rows:
                ctx.add(row_limit_problem(sheet_label, row_no, ctx))
                return None, False
        records.append((row_no, cells[: limits.max_columns]))
    return (Source(sheet_label, str(sheet.title), records, comma_mode=True, pad_short=True) if records else None), True


def _too_wide(sheet_label: str, row_no: int, max_columns: int) -> Problem:
    from openpyxl.utils import get_column_letter

    found = f"a value in column {get_column_letter(max_columns + 1)}"
    return Problem(sheet_label, row_no, None, f"at most {max_columns} columns", found)
