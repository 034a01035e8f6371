"""Bytes in, study records out: one record, the registry's bulk JSON (a list of studies or
{"studies": [...]}), or a .zip of such .json files; every refusal is a Problem naming the file.

Nothing from the file is executed; JSON is parsed with the standard library (NaN and Infinity
literals refused), archives are read in memory with the member count and the uncompressed size
limited before and while reading (a zip bomb stops at the budget).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

from evidence.problems import Problem
from evidence.zip_members import read_member

MiB = 1024 * 1024
SEP = " \u203a "
"""Between an archive and a member, or a bulk file and a study, in a problem's file label."""

RECORD = "a ClinicalTrials.gov study record (API v2 JSON: protocolSection and resultsSection)"
ACCEPTED = f"{RECORD}, the registry's bulk JSON (a list of studies or {{\"studies\": [...]}}) or a .zip of .json records"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OTHER_ARCHIVES = (b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ImportLimits:
    """What one import may hold. ``max_record_bytes`` is one study record's JSON text; a real
    record with posted results is well under 2 MiB. ``max_bytes`` is the uploaded file, and
    ``max_uncompressed_bytes`` everything read out of a .zip."""

    max_bytes: int = 20 * MiB
    max_record_bytes: int = 10 * MiB
    max_records: int = 50
    max_zip_members: int = 50
    max_uncompressed_bytes: int = 40 * MiB


def clean_label(name: object, default: str = "record.json") -> str:
    text = re.split(r"[\\/]", str(name or ""))[-1]
    return _CONTROL.sub("", text).strip()[:120] or default


def _size_words(n: int) -> str:
    return f"{n / MiB:.3g} MiB ({n:,} bytes)" if n >= MiB else f"{n:,} bytes"


def _refuse_constant(name: str):
    raise ValueError(f"the literal {name}, which JSON does not allow")


def parse_json(label: str, content: bytes, limits: ImportLimits) -> tuple[object, list[Problem]]:
    """One JSON document, or (None, [a problem with the line where reading stopped])."""
    if len(content) > max(limits.max_record_bytes, limits.max_bytes):
        return None, [Problem(label, None, None, f"a file of at most {_size_words(limits.max_bytes)}", _size_words(len(content)))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = content[: err.start].count(b"\n") + 1
        return None, [Problem(label, line, None, "UTF-8 JSON text", f"byte 0x{content[err.start]:02x} that is not UTF-8")]
    if not text.strip():
        return None, [Problem(label, None, None, ACCEPTED, "an empty file")]
    try:
        return json.loads(text, parse_constant=_refuse_constant), []
    except json.JSONDecodeError as err:
        if err.pos >= len(text.rstrip()):
            found = f"the text ends before the JSON is complete (a truncated file; line {err.lineno}, column {err.colno})"
        else:
            found = f"{err.msg} (line {err.lineno}, column {err.colno})"
        return None, [Problem(label, err.lineno, None, "complete, well-formed JSON", found)]
    except (ValueError, RecursionError) as err:
        return None, [Problem(label, None, None, "well-formed JSON", str(err)[:200] or type(err).__name__)]


def studies_in(label: str, document: object) -> tuple[list[tuple[str, object]], list[Problem]]:
    """(label, study) for each study of a parsed document: a record, a list of records, or
    {"studies": [...]}. Shapes that are not study records are refused here; each study's own
    checks (protocolSection, resultsSection) happen when it is imported."""
    if isinstance(document, dict) and "protocolSection" in document:
        return [(label, document)], []
    if isinstance(document, dict) and isinstance(document.get("studies"), list):
        items = document["studies"]
        where = "studies"
    elif isinstance(document, list):
        items, where = document, ""
    elif isinstance(document, dict) and ({"FullStudiesResponse", "StudyFieldsResponse", "FullStudy", "Study"} & set(document)):
        return [], [Problem(label, None, None, RECORD, "a record of the retired classic API (v1); download it from the v2 API")]
    else:
        found = f"JSON with keys {', '.join(sorted(map(str, document))[:6])}" if isinstance(document, dict) else f"a JSON {type(document).__name__}"
        return [], [Problem(label, None, None, ACCEPTED, found)]
    if not items:
        return [], [Problem(label, None, None, "at least one study in the bulk JSON", "an empty list")]
    studies = []
    for index, item in enumerate(items):
        nct = ""
        protocol = item.get("protocolSection") if isinstance(item, dict) else None
        identification = protocol.get("identificationModule") if isinstance(protocol, dict) else None
        if isinstance(identification, dict):
            nct = str(identification.get("nctId") or "")
        studies.append((f"{label}{SEP}{where}[{index}]{' ' + clean_label(nct, '') if nct else ''}", item))
    return studies, []


def read_records(filename: str, content: bytes, limits: ImportLimits = ImportLimits()) -> tuple[list[tuple[str, object]], list[Problem]]:
    """Every study in an uploaded file, labelled for messages, and every problem reading it."""
    label = clean_label(filename)
    if not isinstance(content, (bytes, bytearray)):
        return [], [Problem(label, None, None, ACCEPTED, f"no file content ({type(content).__name__})")]
    if len(content) > limits.max_bytes:
        return [], [Problem(label, None, None, f"a file of at most {_size_words(limits.max_bytes)}", _size_words(len(content)))]
    if content.startswith(_ZIP_MAGIC):
        return _zip_records(label, bytes(content), limits)
    if content.startswith(_OTHER_ARCHIVES):
        return [], [Problem(label, None, None, ACCEPTED, "a compressed file that is not a .zip")]
    document, problems = parse_json(label, bytes(content), limits)
    if problems:
        return [], problems
    studies, problems = studies_in(label, document)
    return _limited(label, studies, problems, limits, len(content))


def _limited(label, studies, problems, limits: ImportLimits, size: int):
    if len(studies) > limits.max_records:
        return [], problems + [Problem(label, None, None, f"at most {limits.max_records} studies per import", f"{len(studies):,} studies")]
    if len(studies) == 1 and size > limits.max_record_bytes:
        return [], problems + [
            Problem(label, None, None, f"a study record of at most {_size_words(limits.max_record_bytes)}", _size_words(size))
        ]
    return studies, problems


def _zip_records(label: str, content: bytes, limits: ImportLimits) -> tuple[list[tuple[str, object]], list[Problem]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except Exception:  # noqa: BLE001 - any damage means: not a readable archive
        return [], [Problem(label, None, None, "a readable .zip archive", "a damaged or incomplete archive")]
    infos = [i for i in infos if not i.filename.startswith("__MACOSX/") and not i.filename.rsplit("/", 1)[-1].startswith(".")]
    problems: list[Problem] = []
    if len(infos) > limits.max_zip_members:
        return [], [Problem(label, None, None, f"at most {limits.max_zip_members} files in the archive", f"{len(infos):,} files")]
    declared = sum(max(i.file_size, 0) for i in infos)
    if declared > limits.max_uncompressed_bytes:
        return [], [Problem(label, None, None, f"at most {_size_words(limits.max_uncompressed_bytes)} once uncompressed", _size_words(declared))]
    studies: list[tuple[str, object]] = []
    used = 0
    with archive:
        for info in infos:
            name = info.filename
            member = f"{label}{SEP}{_CONTROL.sub('?', name)[:200]}"
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                problems.append(Problem(member, None, None, "a plain relative path inside the archive", "a path that leaves the archive folder"))
                continue
            if info.flag_bits & 0x1:
                problems.append(Problem(member, None, None, "an unencrypted file", "a password-protected file"))
                continue
            if not name.lower().endswith(".json"):
                problems.append(Problem(member, None, None, "study records as .json files only", f"the file {name.rsplit('/', 1)[-1][:80]!r}"))
                continue
            data = read_member(archive, info, limits.max_uncompressed_bytes - used)
            if data is None:
                return [], problems + [Problem(member, None, None, f"at most {_size_words(limits.max_uncompressed_bytes)} once uncompressed", "more (reading stopped)")]
            if isinstance(data, Exception):
                problems.append(Problem(member, None, None, "a readable file in the archive", f"a damaged entry ({type(data).__name__})"))
                continue
            used += len(data)
            if len(data) > limits.max_record_bytes:
                problems.append(Problem(member, None, None, f"a study record of at most {_size_words(limits.max_record_bytes)}", _size_words(len(data))))
                continue
            document, member_problems = parse_json(member, data, limits)
            problems += member_problems
            if not member_problems:
                found, found_problems = studies_in(member, document)
                studies += found
                problems += found_problems
    if not infos:
        problems.append(Problem(label, None, None, "at least one .json study record in the archive", "no files"))
    return _limited(label, studies, problems, limits, 0)
