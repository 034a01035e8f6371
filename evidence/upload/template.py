"""The upload template: empty tables with their headers, a README with the data dictionary, and
the example trial, as a .zip of CSVs or as one workbook with a sheet per table."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping, Sequence

from evidence.contract import CONTRACT_VERSION, TABLES, Table, data_dictionary_markdown
from evidence.upload.example import EXAMPLE_ROWS, EXAMPLE_SOURCE, EXAMPLE_TRIAL
from evidence.upload.limits import UploadLimits, limit_words


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
            max_bytes=limit_words(limits.max_bytes),
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
            sheet.append([_cell_value(column.kind, row.get(column.name, "")) for column in table.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_value(kind: str, text: str) -> int | float | str | None:
    """A template cell typed as Excel would hold it: numbers as numbers, empty as no value."""
    if text and kind == "int":
        return int(text)
    if text and kind == "float":
        return float(text)
    return text or None
