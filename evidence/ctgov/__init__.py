"""Import ClinicalTrials.gov results records (API v2 JSON) into the data contract (issue 18).

Pure Python, no dash. ``import_records(content, filename)`` takes an uploaded file (one record,
the registry's bulk JSON, or a .zip of records); ``import_record(record)`` one parsed record.
Both return an ``ImportResult``: contract tables (text frames), the registry's own tables
(groups, outcomes, analyses, flow), the import report (``ImportNote``: JSON path and reason for
everything not placed, assumed, or where the record disagrees with itself) and problems (bad
input: nothing loads).

Every value carries its source as ``CTGOV_NCTxxxxxxxx: <JSON path>`` and the trial its data
version (the record's last-update date). The upload path validates ``result.as_upload()`` with
``evidence.upload.apply_upload`` like any uploaded file.
"""

from evidence.ctgov.reading import ImportLimits
from evidence.ctgov.record import check_against, import_record, import_records
from evidence.ctgov.result import ASSUMED, NOT_MAPPED, WARNING, ImportNote, ImportResult

__all__ = [
    "ASSUMED", "NOT_MAPPED", "WARNING", "ImportLimits", "ImportNote", "ImportResult", "check_against", "import_record",
    "import_records",
]
