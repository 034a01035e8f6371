"""Data tables of exports: CSV and XLSX, with cells that could run as formulas neutralised."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Cell starts a spreadsheet may read as a formula (OWASP CSV injection; full-width forms too)."""


def _neutral(value):
    if isinstance(value, str) and value and (value[0] in FORMULA_PREFIXES or value.lstrip(" ")[:1] in FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy in which every text cell (and column name) that could start a formula is prefixed
    with a single quote. Numbers stay numbers, negative ones included."""
    out = frame.copy()
    out.columns = [_neutral(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(_neutral).astype(object)
    return out


def table_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read the non-ASCII characters) of a frame."""
    return neutralise_formulas(frame).to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").encode("utf-8-sig")


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("-", str(name)).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def table_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook, one sheet per frame: bold frozen header, filter, readable widths, and
    text cells neutralised against formula injection (stored as text, never as formulas)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    def cell_value(value):
        if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
            return None
        if hasattr(value, "item") and not isinstance(value, str):
            value = value.item()  # numpy scalar -> Python
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)
        return value

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, frame in frames.items():
        sheet = book.create_sheet(_sheet_name(name, taken))
        safe = neutralise_formulas(frame)
        sheet.append([cell_value(c) for c in safe.columns])
        for row in safe.itertuples(index=False, name=None):
            sheet.append([cell_value(v) for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":  # never a formula, whatever openpyxl guessed
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(safe.columns, start=1):
            texts = [str(column)] + [str(v) for v in safe.iloc[:200, index - 1].tolist() if v is not None]
            sheet.column_dimensions[get_column_letter(index)].width = min(max(len(t) for t in texts) + 2, 60)
        sheet.freeze_panes = "A2"
        if safe.shape[1] and len(safe):
            sheet.auto_filter.ref = sheet.dimensions
    if not book.sheetnames:
        book.create_sheet("Empty")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
