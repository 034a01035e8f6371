"""What an import gives back: contract tables as text frames, the registry's own tables (groups,
outcomes, analyses, participant flow), the import report of what was not placed, and problems.

Cells are text exactly as they would stand in a CSV file ('' = not reported), so printed
precision survives (validation compares a printed percentage to one unit of its last digit).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from evidence.contract import TABLES
from evidence.problems import Problem

SEP = " \u203a "
NOT_MAPPED = "not mapped"
ASSUMED = "assumed"
WARNING = "warning"
"""Report kinds: a value not placed; what the mapping had to assume; where the record disagrees
with itself (e.g. a participant flow whose completed and not completed do not add up to started)."""

EXTRA_TABLES = {
    "groups": ("trial_id", "module", "group_id", "title", "arm_id", "matched_by", "path"),
    "outcomes": (
        "trial_id", "arm_id", "outcome", "outcome_type", "title", "time_frame", "param_type", "dispersion_type",
        "unit", "class_title", "category_title", "value", "spread", "ci_level", "lower_limit", "upper_limit",
        "n_analysed", "denominator_units", "comment", "placed_in", "path",
    ),
    "analyses": (
        "trial_id", "outcome", "title", "group_ids", "arm_ids", "param_type", "estimate", "ci_level", "ci_sides",
        "ci_low", "ci_high", "p_text", "p_value", "p_relation", "p_bound", "method", "description", "placed_in", "path",
    ),
    "flow": ("trial_id", "arm_id", "period", "kind", "label", "count", "comment", "placed_in", "path"),
}
"""Registry tables kept beside the contract: every results group and the arm it joined, every
outcome measurement and statistical analysis as posted (placed or not), and the participant flow
as posted. This `flow` is the registry's (every period, milestone and drop-out reason), with
`placed_in` naming the contract flow.csv stage a value went to ('' when it was not placed: a
later period, a milestone type flow.csv has no stage for, a count that is not a number)."""


@dataclass(frozen=True)
class ImportNote:
    """One entry of the import report: where in the record (file, JSON path), and why the value
    was not placed (``kind`` 'not mapped'), what the mapping had to assume ('assumed'), or where
    the record disagrees with itself ('warning': the values are kept as posted, or left out where
    the contract's rules would refuse them, and the reason says which)."""

    file: str
    path: str
    reason: str
    kind: str = NOT_MAPPED

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.kind}: {self.reason}"


@dataclass(frozen=True)
class ImportResult:
    """A record (or several) mapped to the data contract. ``ok`` is false when a problem blocks
    the import; then ``tables`` is empty: nothing loads."""

    tables: dict[str, pd.DataFrame]
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: tuple[ImportNote, ...] = ()
    problems: tuple[Problem, ...] = ()
    label: str = ""
    records: tuple[ImportResult, ...] = ()  # of a combined import: each record's own result

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def trial_ids(self) -> list[str]:
        trials = self.tables.get("trials")
        return [] if trials is None else trials["trial_id"].tolist()

    def report_rows(self) -> list[dict[str, str]]:
        """The import report as plain rows (file, path, kind, reason) for a table in the UI."""
        return [dict(file=n.file, path=n.path, kind=n.kind, reason=n.reason) for n in self.report]

    def files(self) -> dict[str, bytes]:
        """Canonical UTF-8 comma CSV per contract table (contract columns first, then the extra
        columns the importer adds): what ``evidence.loading.validate_files`` and
        ``evidence.upload.validate_upload`` read."""
        return {name: _csv_bytes(frame) for name, frame in self.tables.items() if not frame.empty}

    def as_upload(self):
        """The tables as a parsed upload (``evidence.upload.UploadResult``): one part per record and
        table, labelled 'NCT….json › efficacy', rows numbered from 2 as in a CSV file, so
        ``apply_upload`` / ``validate_upload`` take it like any uploaded file and name the record
        and table in every problem."""
        from evidence.upload import TablePart, UploadResult

        parts: dict[str, list] = {}
        for record in self.records or (self,):
            for name, table in record.tables.items():
                if table.empty:
                    continue
                rows = tuple(enumerate((tuple(r) for r in table.astype(str).values.tolist()), start=2))
                parts.setdefault(name, []).append(TablePart(f"{record.label}{SEP}{name}", tuple(table.columns), rows))
        return UploadResult(
            files=self.files(), problems=list(self.problems), kind="tables", parts={k: tuple(v) for k, v in parts.items()}
        )


def frame(table: str, rows: Sequence[Mapping[str, str]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """A text frame of a contract table: its columns in declared order, then ``extra`` columns; a
    missing cell is ''."""
    return _text_frame(table, [c.name for c in TABLES[table].columns], rows, extra)


def registry_frame(table: str, rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """A text frame of one of the registry's own tables (EXTRA_TABLES). Its `flow` shares a name
    with the contract's flow.csv, not its columns."""
    return _text_frame(table, list(EXTRA_TABLES[table]), rows)


def _text_frame(table: str, columns: list[str], rows: Sequence[Mapping[str, str]], extra: Sequence[str] = ()) -> pd.DataFrame:
    columns = columns + [c for c in extra if c not in columns]
    unknown = {key for row in rows for key in row} - set(columns)
    if unknown:
        raise RuntimeError(f"{table}: columns {sorted(unknown)} are not declared")  # a bug here, not bad input
    return pd.DataFrame([[str(row.get(c, "") or "") for c in columns] for row in rows], columns=columns, dtype=object)


def combine(results: Iterable[ImportResult], label: str) -> ImportResult:
    """Several records' results as one; any problem in any record means nothing loads."""
    results = list(results)
    problems = tuple(p for r in results for p in r.problems)
    report = tuple(n for r in results for n in r.report)
    if any(p.severity == "error" for p in problems):
        return ImportResult({}, {}, report, problems, label)

    def merged(attribute: str) -> dict[str, pd.DataFrame]:
        names = dict.fromkeys(name for r in results for name in getattr(r, attribute))
        return {
            name: pd.concat([getattr(r, attribute)[name] for r in results if name in getattr(r, attribute)], ignore_index=True).fillna("")
            for name in names
        }

    return ImportResult(merged("tables"), merged("extras"), report, problems, label, tuple(results))


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    writer.writerows(frame.astype(str).values.tolist())
    return buffer.getvalue().encode("utf-8")
