"""ClinicalTrials.gov results records dropped where contract tables go (issue 18).

A ``.json`` file (one study record or the registry's bulk JSON) or a ``.zip`` holding ``.json``
records is imported by ``evidence.ctgov`` instead of being parsed as tables. The import is all or
nothing: its problems (not a study record, no results, truncated JSON, too large), or an error of
``check_against`` (the study is loaded already), load nothing. Otherwise its tables go on as an
ordinary parsed upload (``ImportResult.as_upload``) with the import report beside them: what was
not mapped and what was assumed, with the JSON path of each.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from evidence import ctgov
from evidence.loading import CuratedData
from evidence.problems import Problem
from evidence.upload.archives import ZIP_MAGIC
from evidence.upload.limits import UploadLimits
from evidence.upload.names import clean_name, suffix_of
from evidence.upload.parsing import decode_data_url, parse_upload
from evidence.upload.parts import UploadResult, merge_uploads

ACCEPTED_ALL = (
    "a CSV file (.csv, .tsv or .txt), an .xlsx workbook, a .zip of CSV files, "
    "or ClinicalTrials.gov results records (.json, or a .zip of .json records)"
)


@dataclass(frozen=True)
class TablesUpload:
    """What the tables upload received: the merged parse, and the import report of any registry
    records in it (``ImportResult.report_rows()``: file, path, kind, reason)."""

    parsed: UploadResult
    report: list[dict[str, str]] = field(default_factory=list)


def is_registry_file(filename: str, raw: bytes) -> bool:
    """A .json file, or a .zip archive with a .json member: records for ``evidence.ctgov``."""
    if suffix_of(clean_name(filename)) == ".json":
        return True
    if not raw.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return any(name.lower().endswith(".json") for name in archive.namelist())
    except Exception:  # noqa: BLE001 - a damaged archive is reported by the table parser
        return False


def registry_upload(filename: str, raw: bytes, current: CuratedData, limits: UploadLimits) -> TablesUpload:
    """Registry records as a parsed upload checked against ``current`` (bundled + earlier uploads);
    on any import problem or ``check_against`` error, an upload holding only those problems."""
    result = ctgov.import_records(raw, filename, ctgov.ImportLimits(max_bytes=limits.max_bytes))
    if not result.ok:
        return TablesUpload(UploadResult({}, list(result.problems), "tables"))
    clashes = ctgov.check_against(result, current)
    if any(p.severity == "error" for p in clashes):
        return TablesUpload(UploadResult({}, clashes, "tables"))
    parsed = result.as_upload()  # warnings below only: the study is also listed under a loaded trial
    return TablesUpload(replace(parsed, problems=list(parsed.problems) + clashes), result.report_rows())


def parse_tables_contents(
    filenames: Sequence[str] | str, contents: Sequence[str] | str, current: CuratedData, limits: UploadLimits
) -> TablesUpload:
    """``dcc.Upload``'s files for the tables upload, decoded, then as ``parse_tables_files``."""
    if isinstance(filenames, str) or isinstance(contents, str):
        filenames, contents = [filenames], [contents]
    files, results = [], []
    for filename, content in zip(filenames or [], contents or []):
        raw, problems = decode_data_url(filename, content, limits)
        if raw is None:
            results.append(UploadResult({}, problems, "tables"))
        else:
            files.append((filename, raw))
    return parse_tables_files(files, current, limits, results)


def parse_tables_files(
    files: Sequence[tuple[str, bytes]], current: CuratedData, limits: UploadLimits, earlier: Sequence[UploadResult] = ()
) -> TablesUpload:
    """Files for the tables upload (the upload card's and the API's): registry records through
    ``evidence.ctgov``, everything else through ``parse_upload``; merged (with ``earlier``
    results, e.g. files that could not be decoded), with the registry import report."""
    results, report = list(earlier), []
    for filename, raw in files:
        if is_registry_file(filename, raw):
            imported = registry_upload(filename, raw, current, limits)
            results.append(imported.parsed)
            report += imported.report
        else:
            results.append(parse_upload(filename, raw, limits))
    if not results:
        return TablesUpload(UploadResult({}, [Problem("upload", None, None, ACCEPTED_ALL, "no file")], "tables"))
    return TablesUpload(merge_uploads(results), report)
