"""One uploaded file -> the table-shaped things in it (sources) -> rows per contract table.

``parse_upload(filename, content, limits)`` turns one uploaded file (a contract CSV, an .xlsx
workbook with one sheet per table, or a .zip of CSVs) into canonical UTF-8 comma CSV bytes per
contract table, plus every *parsing* problem (encoding, delimiter, quoting, header, limits), each
naming the file or sheet as the user knows it and the row in the user's file.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Mapping, Sequence

from evidence.contract import TABLES
from evidence.problems import Problem
from evidence.upload.archives import ZIP_MAGIC, is_workbook, zip_members
from evidence.upload.decoding import decimal_point, text_source
from evidence.upload.limits import ParseContext, UploadLimits, byte_words, limit_words
from evidence.upload.names import (
    ACCEPTED, KNOWN_TABLES, META_COLUMNS, SEP, TEXT_SUFFIXES, WORKBOOK_SUFFIXES, clean_name, suffix_of, table_name_for,
)
from evidence.upload.parts import Source, TablePart, UploadResult, merge_uploads, result_of
from evidence.upload.workbooks import workbook_sources

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_sources(label: str, content: bytes, ctx: ParseContext) -> list[Source]:
    """The CSV files or sheets in one uploaded file; why not, as problems in ``ctx``."""
    refusal = _content_refusal(label, content, ctx.limits)
    if refusal is not None:
        ctx.add(refusal)
        return []
    content = bytes(content)
    suffix = suffix_of(label)
    if content.startswith(ZIP_MAGIC):
        if is_workbook(content):
            return workbook_sources(label, content, ctx)
        if suffix in WORKBOOK_SUFFIXES:
            ctx.add(Problem(label, None, None, "a readable .xlsx workbook", "an archive that is not an Excel workbook"))
            return []
        return _archive_sources(label, content, ctx)
    if suffix == ".zip":
        ctx.add(Problem(label, None, None, "a readable .zip archive", "content that is not a zip archive"))
        return []
    if suffix in WORKBOOK_SUFFIXES:
        ctx.add(Problem(label, None, None, "a readable .xlsx workbook", "content that is not an Excel workbook"))
        return []
    if suffix and suffix not in TEXT_SUFFIXES:
        ctx.add(Problem(label, None, None, ACCEPTED, f"a {suffix} file"))
        return []
    source = text_source(label, content, ctx)
    return [source] if source is not None else []


def _content_refusal(label: str, content: object, limits: UploadLimits) -> Problem | None:
    """Content refused before looking inside: not bytes, too large, empty, an old .xls."""
    if not isinstance(content, (bytes, bytearray, memoryview)):
        return Problem(label, None, None, ACCEPTED, f"no file content ({type(content).__name__})")
    size = len(bytes(content))
    if size > limits.max_bytes:
        return Problem(label, None, None, f"a file of at most {limit_words(limits.max_bytes)}", byte_words(size))
    if not size:
        return Problem(label, None, None, ACCEPTED, "an empty file")
    if bytes(content).startswith(_OLE_MAGIC):
        found = "an old-format Excel (.xls) or password-protected workbook; save it as .xlsx or CSV"
        return Problem(label, None, None, ACCEPTED, found)
    return None


def _archive_sources(label: str, content: bytes, ctx: ParseContext) -> list[Source]:
    """Each CSV member of a .zip as a Source named by the member."""
    members = zip_members(label, content, ctx, workbook=False)
    if members is None:
        return []
    sources = []
    for name, data in members:
        source = text_source(f"{label}{SEP}{name}", data, ctx)
        if source is not None:
            source.name = name
            sources.append(source)
    if not members and not ctx.problems:
        ctx.add(Problem(label, None, None, "at least one CSV file in the archive", "no CSV files"))
    return sources


def build_part(
    source: Source,
    columns: Sequence[str],
    numeric: Collection[str],
    ctx: ParseContext,
    rename: Mapping[str, str] | None = None,
    may_omit: Collection[str] = (),
) -> TablePart | None:
    """Check the header against the contract columns and collect the data rows (cells stripped,
    decimal commas converted in numeric columns). None when the header is unusable. Columns in
    ``may_omit`` may be missing from the header (they are then empty in every row)."""
    header_line, header_cells = source.records[0]
    names = _header_names(header_cells, columns, rename or {})
    problems = _header_problems(source.label, header_line, names, [c for c in columns if c not in may_omit])
    if problems:
        for problem in problems:
            ctx.add(problem)
        return None
    numeric_at = [i for i, name in enumerate(names) if name in numeric]
    rows: list[tuple[int, tuple[str, ...]]] = []
    for line, record in source.records[1:]:
        cells = _row_cells(source, line, record, names, ctx)
        if cells is not None:
            for i in numeric_at:
                cells[i] = decimal_point(cells[i], source.comma_mode)
            rows.append((line, tuple(cells)))
    return TablePart(source.label, tuple(names), tuple(rows))


def _header_names(header_cells: Sequence[str], columns: Sequence[str], rename: Mapping[str, str]) -> list[str]:
    """Header cells stripped, trailing empty ones dropped, contract names matched whatever their case."""
    names = [cell.strip() for cell in header_cells]
    while names and not names[-1]:
        names.pop()
    canonical = {name.lower(): name for name in columns}
    for original, target in rename.items():
        canonical[original.lower()] = target
    return [canonical.get(name.lower(), name) for name in names]


def _header_problems(label: str, line: int, names: Sequence[str], columns: Sequence[str]) -> list[Problem]:
    """Empty, duplicate, reserved or over-long column names, and contract columns missing."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            problems.append(Problem(label, line, None, "a name for every column", f"an empty name for column {index + 1}"))
        elif name in seen:
            problems.append(Problem(label, line, name, "each column once", "a duplicate column"))
        elif name in META_COLUMNS:
            expected = "a column name other than origin, _upload_file, _upload_line (reserved)"
            problems.append(Problem(label, line, name, expected, "a reserved name"))
        elif len(name) > 200:
            problems.append(Problem(label, line, None, "column names of at most 200 characters", f"{len(name):,} characters"))
        seen.add(name)
    for column in columns:
        if column not in seen:
            problems.append(Problem(label, line, column, "this column in the header", "it missing"))
    return problems


def _row_cells(source: Source, line: int, record: Sequence[str], names: Sequence[str], ctx: ParseContext) -> list[str] | None:
    """A data row's cells, as wide as the header; None for a blank row or after reporting why not."""
    width = len(names)
    cells = [cell.strip() for cell in record]
    if not any(cells):
        return None
    if len(cells) > width and not any(cells[width:]):
        cells = cells[:width]
    if len(cells) < width and source.pad_short:
        cells += [""] * (width - len(cells))
    if len(cells) != width:
        ctx.add(_width_problem(source, line, cells, names))
        return None
    limit = ctx.limits.max_field_chars
    too_long = [i for i, cell in enumerate(cells) if len(cell) > limit]
    for i in too_long:
        ctx.add(Problem(source.label, line, names[i], f"at most {limit:,} characters in a cell", f"{len(cells[i]):,} characters"))
    return None if too_long else cells


def _width_problem(source: Source, line: int, cells: Sequence[str], names: Sequence[str]) -> Problem:
    """A row wider or narrower than the header: in a sheet, the column letter of the stray value."""
    width = len(names)
    if source.pad_short:
        from openpyxl.utils import get_column_letter

        last = max(i for i, cell in enumerate(cells) if cell)
        expected = f"values only under the {width} named header columns"
        return Problem(source.label, line, None, expected, f"a value in column {get_column_letter(last + 1)}")
    column = names[len(cells)] if len(cells) < width else f"(extra field {width + 1})"
    return Problem(source.label, line, column, f"{width} fields as in the header", f"{len(cells)} fields")


def parse_upload(filename: str, content: bytes, limits: UploadLimits = UploadLimits()) -> UploadResult:
    """Parse one uploaded file into canonical CSV per contract table, collecting every problem.

    Never raises for anything in the file; a problem names the file (or ``file › sheet`` /
    ``archive › member``) and the row in the user's file (CSV: the line a record starts on, header =
    1; workbook: the sheet row).
    """
    ctx = ParseContext(limits)
    label = clean_name(filename)
    parts: dict[str, list[TablePart]] = {}
    for source in read_sources(label, content, ctx):
        name = table_name_for(source.name)
        if name is None:
            stem = source.name.replace("\\", "/").rsplit("/", 1)[-1]
            expected = f"a file or sheet named after a contract table ({KNOWN_TABLES})"
            ctx.add(Problem(source.label, None, None, expected, f"the name {stem!r}"))
            continue
        table = TABLES[name]
        numeric = {c.name for c in table.columns if c.kind in ("float", "int")}
        may_omit = {c.name for c in table.columns if c.upload_may_omit}
        part = build_part(source, [c.name for c in table.columns], numeric, ctx, may_omit=may_omit)
        if part is not None:
            parts.setdefault(name, []).append(part)
    result = result_of(parts, ctx.finish(label))
    if not result.problems and result.row_count() == 0:
        result.problems.append(Problem(label, None, None, "at least one data row below a header", "no data rows"))
    return result


def decode_data_url(filename: str, contents: str, limits: UploadLimits = UploadLimits()) -> tuple[bytes | None, list[Problem]]:
    """Bytes of a ``dcc.Upload`` value (``data:<type>;base64,<data>``), size-checked before decoding."""
    label = clean_name(filename)
    if not isinstance(contents, str) or not contents.startswith("data:") or ";base64," not in contents[:300]:
        return None, [Problem(label, None, None, "an uploaded file (a base64 data URL)", "something else")]
    encoded = contents.split(";base64,", 1)[1]
    if len(encoded) > (limits.max_bytes + 2) // 3 * 4 + 4:
        size = len(encoded) * 3 // 4
        return None, [Problem(label, None, None, f"a file of at most {limit_words(limits.max_bytes)}", f"about {byte_words(size)}")]
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
