"""Load the curated tables into typed DataFrames, collecting every problem before failing.

Reading is strict (UTF-8 without BOM, comma-delimited, rectangular); per-column rules (required,
allowed values, ranges, unique keys) are vectorised pandas checks; relations between tables and between
columns of a row are checked explicitly below. Nothing is returned unless there is no error:
a caller gets a complete `CuratedData` or a `DataValidationError` listing every problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evidence.contract import TABLES, Column, Table
from evidence.problems import DataValidationError, Problem

_FLOAT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INT = re.compile(r"^[+-]?\d+$")
_BOOL = {"true": True, "false": False}


@dataclass(frozen=True)
class CuratedData:
    """All curated tables, validated. DataFrames are indexed by CSV line number."""

    tables: dict[str, pd.DataFrame]
    warnings: tuple[Problem, ...] = ()
    version: str = ""
    raw: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    digest: str = ""
    """SHA-256 of the files (hex, 256 bits); ``version`` is its first 12 digits, for people."""

    @property
    def content_key(self) -> str:
        """What cache keys hold for these data: the full digest. Views of uploaded data are shared
        between users through the cache by this key, so a 48-bit ``version`` that two different
        data sets shared would show one user the other's figures."""
        return self.digest or self.version

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


# ---------------------------------------------------------------- reading one file


def read_table_text(table: Table, text: bytes | None, file_label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one CSV file's bytes into a frame of strings (index = line number).

    Returns (None, problems) when the file cannot be read as a table at all.
    """
    problems: list[Problem] = []

    def fail(line, column, expected, found):
        problems.append(Problem(file_label, line, column, expected, found))
        return None, problems

    if text is None:
        return fail(None, None, "the file to exist", "no such file")
    if text.startswith(b"\xef\xbb\xbf"):
        return fail(1, table.columns[0].name, "UTF-8 without a byte-order mark", "a UTF-8 byte-order mark (BOM)")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as err:
        line = text[: err.start].count(b"\n") + 1
        return fail(line, None, "UTF-8 text", f"byte 0x{text[err.start]:02x} that is not UTF-8")
    if not decoded.strip():
        return fail(1, None, "a header row: " + ", ".join(c.name for c in table.columns), "an empty file")
    if "\x00" in decoded:
        return fail(decoded[: decoded.index("\x00")].count("\n") + 1, None, "text", "a NUL byte")

    reader = csv.reader(io.StringIO(decoded, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for record in reader:
            records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as err:
        return fail(line, None, "well-formed CSV quoting (a record starting here)", str(err))

    header_line, header = records[0]
    header = [h.strip() for h in header]
    if len(header) == 1 and any(d in header[0] for d in ";\t|"):
        delimiter = next(d for d in ";\t|" if d in header[0])
        name = {";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter]
        return fail(1, None, "comma-delimited columns", f"a {name}-delimited header {header[0][:60]!r}")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file_label, 1, name, "each column once", "a duplicate column"))
        if not name:
            problems.append(Problem(file_label, 1, None, "a name for every column", "an empty column name"))
        seen.add(name)
    for column in table.columns:
        if column.name not in header:
            problems.append(Problem(file_label, 1, column.name, "this column in the header", "it missing"))
    if problems:
        return None, problems
    width = len(header)
    rows, lines = [], []
    for line_no, record in records[1:]:
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line
        if len(record) != width:
            column = header[len(record)] if len(record) < width else f"(extra field {width + 1})"
            problems.append(
                Problem(file_label, line_no, column, f"{width} fields as in the header", f"{len(record)} fields")
            )
            continue
        rows.append([cell.strip() for cell in record])
        lines.append(line_no)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=object)
    return frame, problems


# ---------------------------------------------------------------- typing and per-column rules


def _parse_cell(column: Column, text: str):
    """Convert one cell; raises ValueError for a value of the wrong type."""
    if text == "":
        return None
    if column.kind == "str":
        return text
    if column.kind == "float":
        if not _FLOAT.match(text):
            raise ValueError
        value = float(text)
        if not math.isfinite(value):
            raise ValueError
        return value
    if column.kind == "int":
        if not _INT.match(text):
            raise ValueError
        return int(text)
    if column.kind == "bool":
        if text.lower() not in _BOOL:
            raise ValueError
        return _BOOL[text.lower()]
    raise AssertionError(column.kind)


def type_table(table: Table, raw: pd.DataFrame, file_label: str) -> tuple[pd.DataFrame, list[Problem], set]:
    """Typed copy of a raw frame; cells of the wrong type become missing and are reported."""
    problems: list[Problem] = []
    bad_cells: set[tuple[int, str]] = set()
    typed = pd.DataFrame(index=raw.index)
    for column in table.columns:
        values = []
        for line, text in raw[column.name].items():
            try:
                values.append(_parse_cell(column, text))
            except ValueError:
                values.append(None)
                bad_cells.add((line, column.name))
                problems.append(Problem(file_label, line, column.name, column.expected(), text))
        dtype = {"str": object, "float": "float64", "int": "Int64", "bool": "boolean"}[column.kind]
        typed[column.name] = pd.Series(values, index=raw.index, dtype=dtype)
    for extra in raw.columns.difference([c.name for c in table.columns]):
        typed[extra] = raw[extra].replace("", None)
    return typed, problems, bad_cells


def _column_failures(column: Column, values: pd.Series) -> list[tuple[int, str, object]]:
    """(line, check, value) for each cell breaking a per-column rule, in the order the rules
    are listed: a missing required value, then a value outside the allowed set, below the
    minimum or above the maximum (missing values are only the first rule's business)."""
    failures: list[tuple[int, str, object]] = []
    missing = values.isna()
    if column.required:
        failures += [(line, "not_nullable", None) for line in values.index[missing]]
    present = values[~missing]
    if column.allowed:
        outside = present[~present.isin(column.allowed)]
        failures += [(line, "isin", value) for line, value in outside.items()]
    if column.minimum is not None:
        below = present[present < column.minimum]
        failures += [(line, "ge", value) for line, value in below.items()]
    if column.maximum is not None:
        above = present[present > column.maximum]
        failures += [(line, "le", value) for line, value in above.items()]
    return failures


def check_columns(table: Table, typed: pd.DataFrame, file_label: str, bad_cells: set) -> list[Problem]:
    """Required cells, allowed values, ranges and unique keys (every problem, not the first)."""
    problems: list[Problem] = []
    for column in table.columns:
        for line, check, value in _column_failures(column, typed[column.name]):
            if (line, column.name) in bad_cells:
                continue  # already reported as the wrong type
            if check == "not_nullable":
                problems.append(Problem(file_label, line, column.name, "a value (" + column.expected() + ")", ""))
            else:
                problems.append(Problem(file_label, line, column.name, column.expected(), value))
    key_columns = list(table.key)
    # a row whose whole key is missing is reported as missing above, not as a duplicate of another
    # blank (an optional key part, e.g. subgroup, may be blank in rows that are still distinct)
    keyed = typed.dropna(subset=key_columns, how="all") if key_columns else typed
    duplicate_lines = set(keyed.index[keyed.duplicated(subset=key_columns, keep=False)]) if key_columns else set()
    if duplicate_lines:
        by_key: dict[tuple, list[int]] = {}
        for line in sorted(duplicate_lines):
            key = tuple("" if pd.isna(v) else v for v in typed.loc[line, key_columns])
            by_key.setdefault(key, []).append(line)
        for key, lines in by_key.items():
            for line in lines[1:]:
                problems.append(
                    Problem(
                        file_label,
                        line,
                        ",".join(table.key),
                        f"a unique key ({', '.join(table.key)})",
                        f"{key} already on line {lines[0]}",
                    )
                )
    return problems


# ---------------------------------------------------------------- whole data set


def read_directory(data_dir: Path) -> dict[str, bytes | None]:
    """Bytes of every contract file in a directory (None when missing)."""
    files = {}
    for name, table in TABLES.items():
        path = Path(data_dir) / table.file
        files[name] = path.read_bytes() if path.is_file() else None
    return files


def validate_files(files: dict[str, bytes | None]) -> tuple[CuratedData | None, list[Problem]]:
    """Validate a whole data set given as {table name: file bytes or None}.

    Returns (data, problems); data is None when any problem is an error.
    """
    from evidence.relations import check_relations

    problems: list[Problem] = []
    typed_tables: dict[str, pd.DataFrame] = {}
    raw_tables: dict[str, pd.DataFrame] = {}
    bad_rows: dict[str, set[int]] = {}
    for name, table in TABLES.items():
        content = files.get(name)
        if content is None and table.optional:
            continue
        raw, read_problems = read_table_text(table, content, table.file)
        problems += read_problems
        if raw is None:
            continue
        typed, type_problems, bad_cells = type_table(table, raw, table.file)
        problems += type_problems
        problems += check_columns(table, typed, table.file, bad_cells)
        typed_tables[name] = typed
        raw_tables[name] = raw
        bad_rows[name] = {line for line, _ in bad_cells}
    problems += check_relations(typed_tables, raw_tables, bad_rows)
    errors = [p for p in problems if p.severity == "error"]
    warnings = tuple(p for p in problems if p.severity == "warning")
    if errors:
        return None, problems
    digest = hashlib.sha256()
    for name in sorted(files):
        if files[name] is not None:
            digest.update(name.encode() + b"\0" + files[name])
    full = digest.hexdigest()
    data = CuratedData(tables=typed_tables, warnings=warnings, version=full[:12], raw=raw_tables, digest=full)
    return data, problems


def load_dataset(data_dir: str | Path) -> CuratedData:
    """Load and validate a data directory; raises DataValidationError listing every error."""
    data, problems = validate_files(read_directory(Path(data_dir)))
    if data is None:
        raise DataValidationError([p for p in problems if p.severity == "error"], str(data_dir))
    return data
