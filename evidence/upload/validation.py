"""Validation of uploaded rows together with the bundled data (and earlier uploads).

``validate_upload(result, base)`` validates the user's rows together with ``base`` through
``evidence.loading``'s rules, so references to bundled sources and trials resolve and keys
duplicating bundled rows are reported. Problems are re-labelled to the user's files and rows. On
success every table gets an ``origin`` column: ``"curated"`` or ``"uploaded"``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from evidence.contract import TABLES
from evidence.loading import CuratedData, validate_files
from evidence.problems import Problem
from evidence.upload.limits import UploadLimits
from evidence.upload.names import META_COLUMNS, ORIGIN_CURATED, ORIGIN_UPLOADED, SHARED_LABEL_START
from evidence.upload.parsing import parse_upload
from evidence.upload.parts import TablePart, UploadResult, canonical_csv, merge_uploads

_DUPLICATE = re.compile(r"^(?P<key>.*) already on line (?P<line>\d+)$", re.S)


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
        all_parts, row_origins = _base_part(name, base_raw) if base_raw is not None else ([], [])
        for part in parts:
            all_parts.append(part)
            row_origins += [(part.label, line, ORIGIN_UPLOADED, True) for line, _cells in part.rows]
        first = list(all_parts[0].header) if base_raw is not None else [c.name for c in table.columns]
        files[name], _header = canonical_csv(all_parts, first)
        origins[name] = dict(zip(_record_lines(files[name]), row_origins))
    return files, origins


def _base_part(name: str, base_raw: pd.DataFrame) -> tuple[list[TablePart], list[tuple[str, int, str, bool]]]:
    """The base rows of one table as a part, and where each came from (not new)."""
    columns = tuple(c for c in base_raw.columns if c not in META_COLUMNS)
    values = base_raw[list(columns)].fillna("").astype(str).values.tolist()
    meta = _origin_of(name, base_raw)
    part = TablePart("base", columns, tuple((m[1], tuple(v)) for m, v in zip(meta, values)))
    return [part], [(f, line, o, False) for f, line, o in meta]


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
            if other_label.startswith(SHARED_LABEL_START):  # another user's entry: no file, no line
                found = f"{match.group('key')} already in {other_label}"
            else:
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
    return _with_origins(data, origins, base, relabelled), relabelled


def _with_origins(data: CuratedData, origins: Mapping, base: CuratedData, relabelled: list[Problem]) -> CuratedData:
    """The validated data with ``origin`` on every table and where each raw row came from."""
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
    return CuratedData(tables=tables, warnings=warnings_, version=data.version, raw=raw_tables, digest=data.digest)
