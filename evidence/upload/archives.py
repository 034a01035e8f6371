"""Archives (a .zip of CSV files, and the parts of an .xlsx) read in memory, never trusted.

Member names with path traversal, links, encrypted or nested archives are refused; member count
and declared and actually read uncompressed sizes are limited (reading stops as soon as the
budget is spent).
"""

from __future__ import annotations

import io
import re
import zipfile

from evidence.problems import Problem
from evidence.zip_members import read_member
from evidence.upload.limits import ParseContext, byte_words, limit_words
from evidence.upload.names import TEXT_SUFFIXES, member_label, suffix_of

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
WORKBOOK_MAX_PARTS = 1000
_ARCHIVE_SUFFIXES = (
    ".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".jar",
)
_ARCHIVE_MAGIC = (*ZIP_MAGIC, b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")
_NESTED = "CSV files only (no archive inside the archive)"
_DAMAGED = "a damaged or incomplete archive"


def _is_junk(name: str) -> bool:
    """Files an archiver or a desktop adds (macOS forks, hidden files, Thumbs.db, a README)."""
    base = name.rsplit("/", 1)[-1]
    lowered = base.lower()
    return (
        name.startswith("__MACOSX/")
        or base.startswith(".")
        or lowered in ("thumbs.db", "desktop.ini")
        or lowered.startswith("readme")
    )


def _unsafe_member_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in name.split("/"))


def zip_members(label: str, content: bytes, ctx: ParseContext, workbook: bool) -> list[tuple[str, bytes]] | None:
    """Every member's bytes, or None after reporting why the archive is refused."""
    what = "a readable .xlsx workbook" if workbook else "a readable .zip archive"
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception:  # noqa: BLE001 - any damage means: not a readable archive
        ctx.add(Problem(label, None, None, what, _DAMAGED))
        return None
    with archive:
        try:
            infos = [i for i in archive.infolist() if not i.is_dir()]
        except Exception:  # noqa: BLE001
            ctx.add(Problem(label, None, None, what, _DAMAGED))
            return None
        if not workbook:
            infos = [i for i in infos if not _is_junk(i.filename)]
        too_many = _size_problem(label, infos, ctx, workbook)
        if too_many is not None:
            ctx.add(too_many)
            return None
        return _read_members(archive, infos, label, ctx, workbook)


def _size_problem(label: str, infos: list[zipfile.ZipInfo], ctx: ParseContext, workbook: bool) -> Problem | None:
    """Too many members, or more declared uncompressed bytes than the budget left."""
    limits = ctx.limits
    most = WORKBOOK_MAX_PARTS if workbook else limits.max_zip_members
    if len(infos) > most:
        return Problem(label, None, None, f"at most {most} files in the archive", f"{len(infos):,} files")
    declared = sum(max(i.file_size, 0) for i in infos)
    if declared > limits.max_uncompressed_bytes - ctx.uncompressed:
        expected = f"at most {limit_words(limits.max_uncompressed_bytes)} once uncompressed"
        return Problem(label, None, None, expected, f"{byte_words(declared)} uncompressed")
    return None


def _read_members(archive, infos, label: str, ctx: ParseContext, workbook: bool) -> list[tuple[str, bytes]] | None:
    """The members' bytes; None when any member is refused (all refusals reported) or the budget runs out."""
    members: list[tuple[str, bytes]] = []
    refused = False
    for info in infos:
        where = member_label(label, info.filename)
        refusal = _refusal(info, workbook)
        if refusal is None:
            data = _bounded_read(archive, info, where, ctx)
            if data is None:
                return None
            if not workbook and data.startswith(_ARCHIVE_MAGIC):
                refusal = (_NESTED, "a nested archive")
        if refusal is not None:
            ctx.add(Problem(where, None, None, *refusal))
            refused = True
            continue
        members.append((info.filename, data))
    return None if refused else members


def _refusal(info: zipfile.ZipInfo, workbook: bool) -> tuple[str, str] | None:
    """(expected, found) when a member is refused before reading it: by its name or flags."""
    name = info.filename
    if _unsafe_member_name(name):
        return "a plain relative path inside the archive", "a path that leaves the archive folder"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "a regular file", "a symbolic link"
    if info.flag_bits & 0x1:
        return "an unencrypted file", "a password-protected file"
    if workbook:
        return None
    suffix = suffix_of(name)
    if suffix in _ARCHIVE_SUFFIXES:
        return _NESTED, "a nested archive or workbook"
    if suffix not in TEXT_SUFFIXES:
        return "CSV files only (.csv, .tsv or .txt)", f"a {suffix or 'file without extension'} file"
    return None


def _bounded_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, ctx: ParseContext) -> bytes | None:
    """Read one member within what is left of the uncompressed budget, or add the problem."""
    limit = ctx.limits.max_uncompressed_bytes
    data = read_member(archive, info, limit - ctx.uncompressed)
    if data is None:
        found = "more (reading stopped: the archive expands far beyond its size)"
        ctx.add(Problem(label, None, None, f"at most {limit_words(limit)} once uncompressed", found))
        return None
    if isinstance(data, Exception):
        ctx.add(Problem(label, None, None, "a readable file in the archive", f"a damaged entry ({type(data).__name__})"))
        return None
    ctx.uncompressed += len(data)
    return data


def is_workbook(content: bytes) -> bool:
    """Whether a zip archive is an Excel workbook (it holds xl/workbook.xml or .bin)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist() or "xl/workbook.bin" in archive.namelist()
    except Exception:  # noqa: BLE001
        return False
