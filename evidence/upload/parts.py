"""What parsing gives: the rows each user file or sheet gives a table (``TablePart``), the parsed
upload (``UploadResult``) with canonical CSV per table, and several uploads merged into one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from evidence.contract import TABLES
from evidence.problems import Problem


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


@dataclass
class Source:
    """One table-shaped thing found in an upload: a CSV file or a sheet."""

    label: str
    name: str  # file name or sheet name: names the table
    records: list[tuple[int, list[str]]]  # non-blank records, header first
    comma_mode: bool  # decimal-comma rule of comma-delimited CSV / workbook text cells
    pad_short: bool  # workbook rows may be shorter than the header


def canonical_csv(parts: Sequence[TablePart], first: Sequence[str] = ()) -> tuple[bytes, list[str]]:
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


def result_of(parts: dict[str, list[TablePart]], problems: list[Problem], kind: str | None = None) -> UploadResult:
    """An UploadResult of these parts: canonical CSV per table, contract columns first."""
    frozen = {name: tuple(p) for name, p in parts.items() if p}
    files = {}
    for name, table_parts in frozen.items():
        files[name] = canonical_csv(table_parts, [c.name for c in TABLES[name].columns])[0]
    if kind is None:
        kind = "survival" if frozen and set(frozen) == {"survival_ipd"} else "tables"
    return UploadResult(files=files, problems=problems, kind=kind, parts=frozen)


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
    return result_of(parts, problems, kind)
