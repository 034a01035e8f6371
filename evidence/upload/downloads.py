"""Downloads: the uploaded rows of a session as CSV files, or a .zip that uploads again as is."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping

from evidence.contract import TABLES
from evidence.loading import CuratedData
from evidence.upload.names import META_COLUMNS
from evidence.upload.parts import UploadResult
from evidence.upload.payload import uploaded_rows


def uploaded_files(data: CuratedData) -> dict[str, bytes]:
    """Canonical CSV bytes of the uploaded rows of each table (contract columns first)."""
    files = {}
    for name, uploaded in uploaded_rows(data):
        columns = [c for c in uploaded.columns if c not in META_COLUMNS]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(uploaded[columns].fillna("").astype(str).values.tolist())
        files[name] = buffer.getvalue().encode("utf-8")
    return files


def bundle_zip(files: Mapping[str, bytes] | CuratedData | UploadResult) -> bytes:
    """A .zip of ``<table>.csv`` files: from {table: CSV bytes}, a parse result, or the uploaded
    rows of validated data. Uploading it again gives the same rows."""
    if isinstance(files, CuratedData):
        files = uploaded_files(files)
    elif isinstance(files, UploadResult):
        files = files.files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if name not in TABLES:
                raise ValueError(f"not a contract table: {name!r}")
            if content is not None:
                archive.writestr(f"{name}.csv", content)
    return buffer.getvalue()
