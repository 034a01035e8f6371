"""File names, media types and ZIP archives of exports."""

from __future__ import annotations

import io
import re
import zipfile

MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def safe_name(*parts: str, ext: str) -> str:
    """'forest-plot_PASO-E2100_PFS_2026-11-21.png': letters, digits, '.', '-' and '_' only."""
    cleaned = []
    for part in parts:
        text = re.sub(r"[^A-Za-z0-9.\-]+", "-", str(part)).strip("-.")
        if text:
            cleaned.append(re.sub(r"-{2,}", "-", text)[:60])
    stem = "_".join(cleaned) or "export"
    return f"{stem}.{re.sub(r'[^a-z0-9]', '', ext.lower())}"


def zip_files(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
