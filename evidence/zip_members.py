"""Reading one zip member under a byte budget: the archive-bomb guard shared by the table upload
(`evidence.upload.archives`) and the registry-record import (`evidence.ctgov.reading`)."""

from __future__ import annotations

import zipfile

CHUNK_BYTES = 64 * 1024


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes | Exception | None:
    """A member's bytes; None as soon as more than ``budget`` bytes come out (the declared sizes
    of a zip can lie); the exception when the entry is damaged (bad CRC, unsupported compression,
    truncated data)."""
    chunks, total = [], 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                total += len(chunk)
                if total > budget:
                    return None
                chunks.append(chunk)
    except Exception as err:  # noqa: BLE001 - any damage is reported by the caller, never raised
        return err
    return b"".join(chunks)
