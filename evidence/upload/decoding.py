"""Text files as uploaded: encoding, delimiter, CSV records and the decimal-comma rule.

Decimal commas (the rule): a cell in a column whose contract type is a number (float or int) that
looks like ``6,6`` / ``-0,041`` / ``1,5e-3`` (digits, one comma, digits) has its comma turned into
a point when the file is semicolon- or tab-delimited. In a comma-delimited file (where such a cell
can only be a quoted one) and in a text cell of a workbook the same holds, except when the cell
reads as a thousands group (``1,234``: a first group of 1-3 digits not starting with 0, then
exactly three digits); that cell is left alone and reported as not a number. Text columns are
never touched.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from evidence.contract import TABLES
from evidence.problems import Problem
from evidence.upload.limits import ParseContext, UploadLimits
from evidence.upload.names import CONTROL, KNOWN_COLUMNS, SEP, table_name_for
from evidence.upload.parts import Source

_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$")
_SEP_HINT = re.compile(r"sep=([,;\t])[ \t]*(\r\n|\r|\n)")  # Excel's "sep=;" first line


class UploadError(ValueError):
    """A file that cannot be read at all; carries the pieces of a Problem."""

    def __init__(self, expected: str, found: str, line: int | None = None, column: str | None = None):
        super().__init__(f"expected {expected}; found {found}")
        self.expected, self.found, self.line, self.column = expected, found, line, column


def decimal_point(cell: str, comma_mode: bool) -> str:
    """Apply the decimal-comma rule (module docstring) to one numeric cell."""
    if "," not in cell or not _DECIMAL_COMMA.match(cell):
        return cell
    if comma_mode and _THOUSANDS.match(cell):
        return cell
    return cell.replace(",", ".")


def first_line(text: str, position: int) -> int:
    """The line (from 1) that ``position`` falls on, counting \\r\\n, \\n and \\r as line ends."""
    return text.count("\n", 0, position) + text.count("\r", 0, position) - text.count("\r\n", 0, position) + 1


def normalise_text(raw: bytes) -> tuple[str, str]:
    """Decode an uploaded text file; returns (text, encoding name).

    UTF-8 (a byte-order mark is removed: "utf-8-sig"), UTF-16 with a byte-order mark, else
    Windows-1252 (the usual "ANSI"/Latin-1 export), else Latin-1. Content with NUL or other control
    bytes is binary, not text: raises UploadError.
    """
    if raw.startswith(codecs.BOM_UTF8):
        text, encoding = _decode_utf8_bom(raw[len(codecs.BOM_UTF8):]), "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _decode_utf16(raw), "utf-16"
    else:
        text, encoding = _decode_without_bom(raw)
    text = text.lstrip("\ufeff").rstrip("\x1a")  # a stray BOM; a DOS end-of-file mark
    bad = CONTROL.search(text)
    if bad:
        line = first_line(text, bad.start())
        raise UploadError("a text (CSV) file", f"binary content (control character 0x{ord(bad.group()):02x})", line)
    return text, encoding


def _decode_utf8_bom(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        line = body[: err.start].count(b"\n") + 1
        raise UploadError(
            "UTF-8 text after the UTF-8 byte-order mark", f"byte 0x{body[err.start]:02x} that is not UTF-8", line
        ) from None


def _decode_utf16(raw: bytes) -> str:
    try:
        return raw.decode("utf-16")
    except UnicodeDecodeError:
        raise UploadError("UTF-16 text after the UTF-16 byte-order mark", "bytes that are not UTF-16") from None


def _decode_without_bom(raw: bytes) -> tuple[str, str]:
    """UTF-8, else Windows-1252, else Latin-1 (which decodes any byte); NUL means binary."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise UploadError("a text (CSV) file", "binary content (a NUL byte)", line)
    for codec, name in (("utf-8", "utf-8"), ("cp1252", "windows-1252")):
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


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
        known = sum(1 for cell in cells if cell.strip().lower() in KNOWN_COLUMNS)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_error_words(message: str, limits: UploadLimits) -> tuple[str, str]:
    """(expected, found) for a csv.Error message, in words a person can act on."""
    if "field larger than field limit" in message:
        return f"at most {limits.max_field_chars:,} characters in a cell", "a cell of more than 131,072 characters"
    if "unexpected end of data" in message or "EOF" in message:
        return "a closing quote for the quoted cell that starts in this record", "the end of the file"
    if "expected after" in message:
        return "a delimiter right after a closing quote", "more text after the closing quote"
    return "well-formed CSV quoting", message


def text_source(label: str, raw: bytes, ctx: ParseContext) -> Source | None:
    """One uploaded text file as a Source (non-blank records with their line), or None after
    reporting why it cannot be read."""
    try:
        text, _encoding = normalise_text(raw)
    except UploadError as err:
        ctx.add(Problem(label, err.line, err.column, err.expected, err.found))
        return None
    if not text.strip():
        ctx.add(Problem(label, None, None, "a header row naming the columns", "an empty file"))
        return None
    delimiter, stream, line = _delimited_stream(text)
    records = _records(label, stream, delimiter, line, ctx)
    if records is None:
        return None
    if not records:  # e.g. an empty sheet saved from Excel: ",,,,\r\n,,,,\r\n"
        ctx.add(no_header_problem(label, label.rsplit(SEP, 1)[-1]))
        return None
    return Source(label, label, records, comma_mode=delimiter == ",", pad_short=False)


def _delimited_stream(text: str) -> tuple[str, io.StringIO, int]:
    """(delimiter, stream positioned at the header, header line): Excel's "sep=" line wins over sniffing."""
    stream = io.StringIO(text, newline="")
    hint = _SEP_HINT.match(text)
    if not hint:
        return sniff_delimiter(text), stream, 1
    stream.seek(hint.end())
    return hint.group(1), stream, 2


def _records(label: str, stream: io.StringIO, delimiter: str, line: int, ctx: ParseContext) -> list | None:
    """Non-blank (line, cells) records, header first; None after a quoting or row-limit problem."""
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    offset = line - 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if records:
                    ctx.rows += 1
                    if ctx.rows > ctx.limits.max_rows:
                        ctx.add(row_limit_problem(label, line, ctx))
                        return None
                records.append((line, record))
            line = reader.line_num + 1 + offset
    except csv.Error as err:
        expected, found = _csv_error_words(str(err), ctx.limits)
        ctx.add(Problem(label, line, None, expected, found))
        return None
    return records


def no_header_problem(label: str, name: str) -> Problem:
    """A file whose every cell is empty: name the columns its table needs, so the fix is plain."""
    table = TABLES.get(table_name_for(name) or "")
    wanted = f" ({', '.join(c.name for c in table.columns[:4])}, ...)" if table else ""
    return Problem(label, None, None, f"a header row naming the columns{wanted}", "no header row: every cell is empty")


def row_limit_problem(label: str, line: int, ctx: ParseContext) -> Problem:
    """The row at which the upload passed ``max_rows`` data rows."""
    return Problem(
        label, line, None, f"at most {ctx.limits.max_rows:,} data rows in one upload", f"more than {ctx.limits.max_rows:,}"
    )
