"""Bring-your-own-trials uploads: parse, validate and carry user tables, never trusting the file.

Pure functions, no dash. The flow for one upload:

1. ``parse_upload(filename, content, limits)`` (``parsing``) turns one uploaded file (a contract
   CSV, an .xlsx workbook with one sheet per table, or a .zip of CSVs) into canonical UTF-8 comma
   CSV bytes per contract table, plus every *parsing* problem (encoding, delimiter, quoting,
   header, limits), each naming the file or sheet as the user knows it and the row in the user's
   file. Several files combine with ``merge_uploads``.
2. ``validate_upload(result, base)`` (``validation``) validates the user's rows together with
   ``base`` (the bundled data, or the bundled data plus earlier uploads) through
   ``evidence.loading``'s rules. On success every table gets an ``origin`` column.
3. ``to_store(data)`` / ``from_store(payload, base)`` (``payload``) keep the uploaded rows as JSON
   on the server (``evidence.upload_store``) and re-validate them when a process first reads them;
   ``apply_upload`` (``apply``) does 2 and 3 for one new upload.

Modules, one concern each: ``limits`` (what an upload may hold), ``names`` (file labels, table
names, reserved columns), ``parts`` (parse results), ``decoding`` (encodings, delimiters,
decimal commas), ``archives`` (zip safety), ``workbooks`` (XLSX bounds and reading), ``parsing``,
``validation``, ``survival`` (patient-level data, time units), ``payload``, ``apply``,
``downloads`` (the validated bundle), ``example`` and ``template`` (the template files),
``registry`` (ClinicalTrials.gov records dropped on the tables upload, through ``evidence.ctgov``).

Safety: nothing from a file is executed or evaluated (no eval, no pickle, no formulas: openpyxl
reads with ``read_only=True, data_only=True``); archives are read in memory only, member names
with path traversal, links, encrypted or nested archives are refused, member count and declared
and actually read uncompressed sizes are limited (reading stops as soon as the budget is spent).
"""

from evidence.upload.apply import SessionUpdate, apply_upload
from evidence.upload.decoding import UploadError, normalise_text, sniff_delimiter
from evidence.upload.downloads import bundle_zip, uploaded_files
from evidence.upload.example import EXAMPLE_ROWS, EXAMPLE_SOURCE, EXAMPLE_TRIAL
from evidence.upload.limits import MiB, UploadLimits
from evidence.upload.names import (
    ACCEPTED, META_COLUMNS, ORIGIN_CURATED, ORIGIN_UPLOADED, SEP, SURVIVAL_COLUMNS, TIME_UNITS, table_name_for,
)
from evidence.upload.parsing import decode_data_url, parse_upload, parse_upload_contents
from evidence.upload.parts import TablePart, UploadResult, merge_uploads
from evidence.upload.payload import STORE_FORMAT, STORE_MAX_BYTES, StoreError, from_store, to_store
from evidence.upload.registry import (
    TablesUpload, is_registry_file, parse_tables_contents, parse_tables_files, registry_upload,
)
from evidence.upload.survival import known_arms, parse_survival_upload, survival_as_upload
from evidence.upload.template import example_files, template_xlsx, template_zip
from evidence.upload.validation import validate_upload

__all__ = [
    "ACCEPTED", "EXAMPLE_ROWS", "EXAMPLE_SOURCE", "EXAMPLE_TRIAL", "META_COLUMNS", "MiB", "ORIGIN_CURATED",
    "ORIGIN_UPLOADED", "SEP", "STORE_FORMAT", "STORE_MAX_BYTES", "SURVIVAL_COLUMNS", "SessionUpdate",
    "StoreError", "TIME_UNITS", "TablePart", "TablesUpload", "UploadError", "UploadLimits", "UploadResult",
    "apply_upload", "bundle_zip", "decode_data_url", "example_files", "from_store", "is_registry_file",
    "known_arms", "merge_uploads", "normalise_text", "parse_survival_upload", "parse_tables_contents",
    "parse_tables_files", "parse_upload", "parse_upload_contents", "registry_upload", "sniff_delimiter", "survival_as_upload",
    "table_name_for", "template_xlsx", "template_zip", "to_store", "uploaded_files", "validate_upload",
]
