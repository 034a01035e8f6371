"""Uploads (evidence.upload): parsing never trusts the file, validation runs with the bundled data,
every malformed upload gets an exact message, and survival computed through the upload path
reproduces R's published results on the NCCTG lung data."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import struct
import time
import warnings
import zipfile
from datetime import timedelta

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines.datasets import load_lung

from evidence.contract import TABLES
from evidence.loading import load_dataset, read_table_text
from evidence.problems import Problem
from evidence.survival import compare_two_arms, kaplan_meier
from evidence.upload import (
    EXAMPLE_ROWS,
    SEP,
    StoreError,
    UploadLimits,
    UploadResult,
    apply_upload,
    bundle_zip,
    decode_data_url,
    example_files,
    from_store,
    known_arms,
    merge_uploads,
    normalise_text,
    parse_survival_upload,
    parse_upload,
    parse_upload_contents,
    sniff_delimiter,
    survival_as_upload,
    template_xlsx,
    template_zip,
    to_store,
    validate_upload,
)

BASE = load_dataset("data")


# ---------------------------------------------------------------- helpers


def header(table: str, sep: str = ",") -> str:
    return sep.join(c.name for c in TABLES[table].columns)


def row(table: str, values: dict, sep: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerow([values.get(c.name, "") for c in TABLES[table].columns])
    return out.getvalue()


def table_csv(table: str, rows: list[dict], sep: str = ",") -> str:
    return header(table, sep) + "\n" + "".join(row(table, r, sep) for r in rows)


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # duplicate member names are part of the test
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


SOURCE_ROW = {"source_id": "S1", "citation": "c", "kind": "article", "document": "d"}
SOURCES = table_csv("sources", [SOURCE_ROW]).encode()
COLUMNS = {name: [c.name for c in t.columns] for name, t in TABLES.items()}
PASO_ROW = BASE.raw["trials"].iloc[[0]].to_csv(header=False, index=False)
NEW_EFFICACY = EXAMPLE_ROWS["efficacy"][0] | {
    "trial_id": "PASO",
    "arm_id": "A",
    "analysis": "sensitivity",
    "source": "PASO_REPORT: Table 2",
}


def lying_zip() -> bytes:
    """A member that says it holds 100 bytes but holds 10,000 (central and local headers patched)."""
    content = bytearray(zip_of([("sources.csv", SOURCES + b"x" * 10_000)]))
    local = content.index(b"PK\x03\x04")
    struct.pack_into("<I", content, local + 22, 100)
    central = content.index(b"PK\x01\x02")
    struct.pack_into("<I", content, central + 24, 100)
    return bytes(content)


def encrypted_zip() -> bytes:
    """A member flagged as password-protected (general-purpose bit 0 in both headers)."""
    content = bytearray(zip_of([("sources.csv", SOURCES)]))
    struct.pack_into("<H", content, content.index(b"PK\x03\x04") + 6, 1)
    struct.pack_into("<H", content, content.index(b"PK\x01\x02") + 8, 1)
    return bytes(content)


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("trials.csv")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


# ---------------------------------------------------------------- text decoding and delimiters


@pytest.mark.parametrize(
    "raw, text, encoding",
    [
        ("a,b\n1,é\n".encode(), "a,b\n1,é\n", "utf-8"),
        (b"\xef\xbb\xbfa,b\n", "a,b\n", "utf-8-sig"),
        ("a;b\n€,é\n".encode("cp1252"), "a;b\n€,é\n", "windows-1252"),
        (b"a\n\x81\x8d\xe9\n", "a\n\x81\x8dé\n", "latin-1"),
        ("a\tb\nü\n".encode("utf-16"), "a\tb\nü\n", "utf-16"),
    ],
)
def test_normalise_text_decodes_the_usual_exports(raw, text, encoding):
    assert normalise_text(raw) == (text, encoding)


@pytest.mark.parametrize(
    "text, delimiter",
    [
        ("trial_id,arm_id,label\n", ","),
        ("trial_id;arm_id;label\nA;1,5;x\n", ";"),
        ("trial_id\tarm_id\tlabel\n", "\t"),
        ('"trial_id";"note, with comma";"arm_id"\n', ";"),
        ("\n\nsource_id,citation\n", ","),
        ("whatever\n", ","),
    ],
)
def test_sniff_delimiter_reads_the_header(text, delimiter):
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    "cell, sep, expected",
    [
        ("6,6", ";", "6.6"),
        ("-0,041", "\t", "-0.041"),
        ("1,5e-3", ";", "1.5e-3"),
        ("1,234", ";", "1.234"),  # semicolon files: always a decimal comma
        ("0,041", ",", "0.041"),  # comma files: a quoted cell, not a thousands group
        ("1,234", ",", "1,234"),  # comma files: reads as thousands, left alone (then reported)
        ("12,5", ",", "12.5"),
        ("6.6", ";", "6.6"),
    ],
)
def test_decimal_comma_rule_in_numeric_columns(cell, sep, expected):
    values = NEW_EFFICACY | {"value": cell, "note": "6,6 stays text"}
    result = parse_upload("efficacy.csv", table_csv("efficacy", [values], sep).encode())
    assert result.problems == []
    (part,) = result.parts["efficacy"]
    cells = dict(zip(part.header, part.rows[0][1]))
    assert cells["value"] == expected
    assert cells["note"] == "6,6 stays text"  # text columns are never touched


def test_excel_sep_hint_line_is_honoured():
    content = b"sep=;\r\n" + table_csv("sources", [SOURCE_ROW], ";").replace("\n", "\r\n").encode()
    result = parse_upload("sources.csv", content)
    assert result.problems == []
    assert result.parts["sources"][0].rows[0][0] == 3  # the user's line numbers, hint line included


# ---------------------------------------------------------------- a bundled table in every encoding


@pytest.mark.parametrize(
    "table, sep, encoding, newline",
    [
        ("efficacy", ";", "utf-8-sig", "\r\n"),
        ("adverse_events", "\t", "cp1252", "\n"),
        ("baseline", ",", "utf-8", "\r\n"),
        ("comparisons", ";", "latin-1", "\r"),
    ],
)
def test_bundled_tables_survive_any_export_style(table, sep, encoding, newline):
    raw = BASE.raw[table]
    numeric = {c.name for c in TABLES[table].columns if c.kind in ("float", "int")}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline)
    writer.writerow(raw.columns)
    for values in raw.itertuples(index=False):
        cells = list(values)
        if sep != ",":  # decimal commas, as a German Excel writes them
            cells = [v.replace(".", ",") if c in numeric else v for c, v in zip(raw.columns, cells)]
        writer.writerow(cells)
    result = parse_upload(f"{table}.csv", buffer.getvalue().encode(encoding, errors="replace"))
    assert result.problems == []
    frame, problems = read_table_text(TABLES[table], result.files[table], f"{table}.csv")
    assert problems == []
    if encoding in ("cp1252", "latin-1"):
        raw = raw.map(lambda v: v.encode(encoding, errors="replace").decode(encoding))
    assert frame.reset_index(drop=True).equals(raw.reset_index(drop=True))


# ---------------------------------------------------------------- validation with the bundled data


def test_template_zip_has_headers_and_a_clearly_fake_example():
    archive = zipfile.ZipFile(io.BytesIO(template_zip()))
    names = set(archive.namelist())
    assert {t.file for t in TABLES.values()} <= names
    assert {f"example/{t.file}" for t in TABLES.values()} <= names
    assert "README.md" in names
    for table in TABLES.values():
        assert archive.read(table.file).decode() == header(table.name) + "\n"
    sources = archive.read("example/sources.csv").decode()
    assert "EXAMPLE_SOURCE,\"Illustrative example, not real data\"" in sources
    assert "EXAMPLE-TRIAL" in archive.read("example/trials.csv").decode()


def test_template_example_validates_with_the_bundled_data_and_is_marked_uploaded():
    before = {name: frame.copy() for name, frame in BASE.tables.items()}
    result = parse_upload("template.zip", template_zip())
    assert result.problems == [] and result.kind == "tables"
    data, problems = validate_upload(result, BASE)
    assert problems == []
    trials = data.trials.set_index("trial_id")["origin"]
    assert trials["EXAMPLE-TRIAL"] == "uploaded" and trials["PASO"] == "curated"
    for name, frame in data.tables.items():
        uploaded = frame[frame["origin"] == "uploaded"]
        assert len(uploaded) == len(EXAMPLE_ROWS.get(name, [])), name
        assert set(frame["origin"]) <= {"curated", "uploaded"}
    assert (data.survival_ipd["origin"] == "uploaded").all()
    assert data.warnings == BASE.warnings
    # The base is untouched: a failed or successful upload never changes the bundled data.
    for name, frame in BASE.tables.items():
        assert frame.equals(before[name]) and "origin" not in frame.columns


def test_template_workbook_round_trip():
    result = parse_upload("template.xlsx", template_xlsx())
    assert result.problems == []
    assert result.row_count() == sum(len(rows) for rows in EXAMPLE_ROWS.values())
    data, problems = validate_upload(result, BASE)
    assert problems == [] and "EXAMPLE-TRIAL" in set(data.trials.trial_id)


def test_a_partial_upload_refers_to_bundled_sources():
    new_trial = BASE.raw["trials"].iloc[0].to_dict() | {"trial_id": "NEW-1", "acronym": "NEW"}
    arms = [
        {"trial_id": "NEW-1", "arm_id": "X", "label": "X", "role": "single", "regimen": "r", "source": "PASO_REPORT: Table 1"}
    ]
    upload = merge_uploads(
        [
            parse_upload("trials.csv", table_csv("trials", [new_trial]).encode()),
            parse_upload("arms.csv", table_csv("arms", arms).encode()),
        ]
    )
    data, problems = validate_upload(upload, BASE)
    assert problems == []
    assert data.trials.set_index("trial_id").loc["NEW-1", "origin"] == "uploaded"
    # Without its arms file, the same trial is refused, pointing at the user's row.
    data, problems = validate_upload(parse_upload("trials.csv", table_csv("trials", [new_trial]).encode()), BASE)
    assert data is None
    assert messages(problems) == ["trials.csv, line 2, column trial_id: expected at least one arm in arms.csv; found no arms"]


def test_plain_dict_of_bytes_is_accepted():
    data, problems = validate_upload(example_files(), BASE)
    assert problems == [] and data is not None


def test_store_round_trip_and_tampering():
    data, _ = validate_upload(parse_upload("template.zip", template_zip()), BASE)
    payload = to_store(data)
    assert json.loads(json.dumps(payload)) == payload
    assert set(payload["tables"]) == set(EXAMPLE_ROWS)  # only uploaded rows travel
    assert sum(len(t["rows"]) for t in payload["tables"].values()) == sum(map(len, EXAMPLE_ROWS.values()))
    restored = from_store(payload, BASE)
    assert restored.counts() == data.counts()
    assert list(restored.trials["origin"]) == list(data.trials["origin"])
    assert from_store(None, BASE) is BASE and from_store({}, BASE) is BASE
    with pytest.raises(StoreError, match="not readable"):
        from_store({"format": "pickle", "tables": {}}, BASE)
    with pytest.raises(StoreError, match="not readable"):
        from_store(payload | {"tables": {"trials": {"columns": ["x"], "rows": [["1", "2"]], "origin": [["a", 1]]}}}, BASE)
    tampered = json.loads(json.dumps(payload))
    trials = tampered["tables"]["trials"]
    trials["rows"][0][trials["columns"].index("status")] = "<script>"
    with pytest.raises(StoreError) as err:
        from_store(tampered, BASE)
    assert messages(err.value.problems) == [
        "template.zip › example/trials.csv, line 2, column status: expected one of: completed, stopped early, "
        "terminated, ongoing, not reported; found <script>"
    ]
    with pytest.raises(StoreError, match="at most 100 bytes"):
        to_store(data, max_bytes=100)


def test_bundle_zip_downloads_the_uploaded_rows_again():
    data, _ = validate_upload(parse_upload("template.zip", template_zip()), BASE)
    again = parse_upload("bundle.zip", bundle_zip(data))
    assert again.problems == []
    assert {name: len(p[0].rows) for name, p in again.parts.items()} == {n: len(r) for n, r in EXAMPLE_ROWS.items()}
    assert set(zipfile.ZipFile(io.BytesIO(bundle_zip(example_files()))).namelist()) == {t.file for t in TABLES.values()}


def test_apply_upload_leaves_the_session_as_it_was_on_failure():
    first = apply_upload(parse_upload("template.zip", template_zip()), None, BASE)
    assert first.ok and first.problems == []
    # The same trial again collides with the first upload, named as the user named it.
    second = apply_upload(parse_upload("example.zip", bundle_zip(example_files())), first.store, BASE)
    assert not second.ok and second.store is None and second.data is None
    assert messages(second.problems)[0] == (
        "example.zip › sources.csv, line 2, column source_id: expected a unique key (source_id); "
        "found ('EXAMPLE_SOURCE',) already on template.zip › example/sources.csv line 2"
    )
    broken = apply_upload(parse_upload("trials.csv", b""), first.store, BASE)
    assert not broken.ok and broken.store is None
    assert from_store(first.store, BASE).counts() == first.data.counts()


def test_upload_contents_from_dash():
    encoded = "data:text/csv;base64," + base64.b64encode(SOURCES).decode()
    assert decode_data_url("sources.csv", encoded) == (SOURCES, [])
    result = parse_upload_contents(["sources.csv"], [encoded])
    assert isinstance(result, UploadResult) and result.problems == [] and "sources" in result.files


# ---------------------------------------------------------------- malformed uploads, exact messages

ACCEPTED = "a CSV file (.csv, .tsv or .txt), an .xlsx workbook or a .zip of CSV files"
KNOWN = ", ".join(TABLES)
SMALL = UploadLimits(max_bytes=50, max_rows=3)

NO_HEADER = "expected a header row naming the columns (trial_id, acronym, title, registry_ids, ...); found no header row: every cell is empty"

MALFORMED = {
    "empty file": ("trials.csv", b"", None, [f"trials.csv, whole file: expected {ACCEPTED}; found an empty file"]),
    # An empty sheet saved from Excel as CSV: delimiters only (was an IndexError).
    "all commas": ("trials.csv", b",,,,\r\n,,,,\r\n", None, [f"trials.csv, whole file: {NO_HEADER}"]),
    "one comma": ("trials.csv", b",", None, [f"trials.csv, whole file: {NO_HEADER}"]),
    "semicolons and blanks": ("trials.csv", b" ; ;\n\n;\n", None, [f"trials.csv, whole file: {NO_HEADER}"]),
    "all commas in a zip": (
        "mine.zip",
        zip_of([("arms.csv", b",,\n,,\n")]),
        None,
        ["mine.zip \u203a arms.csv, whole file: expected a header row naming the columns "
         "(trial_id, arm_id, label, role, ...); found no header row: every cell is empty"],
    ),
    "too large": ("sources.csv", SOURCES, SMALL, ["sources.csv, whole file: expected a file of at most 50 bytes; found 62 bytes"]),
    "too many rows": (
        "sources.csv",
        table_csv("sources", [SOURCE_ROW | {"source_id": f"S{i}"} for i in range(4)]).encode(),
        UploadLimits(max_rows=3),
        ["sources.csv, line 5: expected at most 3 data rows in one upload; found more than 3"],
    ),
    "NUL byte": ("sources.csv", SOURCES + b"\x00\x01", None, ["sources.csv, line 3: expected a text (CSV) file; found binary content (a NUL byte)"]),
    "control character": (
        "sources.csv",
        SOURCES.replace(b"S1", b"S\x01"),
        None,
        ["sources.csv, line 2: expected a text (CSV) file; found binary content (control character 0x01)"],
    ),
    "unknown table name": (
        "trial.csv",
        SOURCES,
        None,
        [f"trial.csv, whole file: expected a file or sheet named after a contract table ({KNOWN}); found the name 'trial.csv'"],
    ),
    "old xls": (
        "trials.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        None,
        [f"trials.xls, whole file: expected {ACCEPTED}; found an old-format Excel (.xls) or password-protected workbook; save it as .xlsx or CSV"],
    ),
    "json file": ("trials.json", b'{"a": 1}', None, [f"trials.json, whole file: expected {ACCEPTED}; found a .json file"]),
    "pickle file": ("trials.pkl", b"\x80\x04\x95", None, [f"trials.pkl, whole file: expected {ACCEPTED}; found a .pkl file"]),
    "xlsx that is text": (
        "trials.xlsx",
        SOURCES,
        None,
        ["trials.xlsx, whole file: expected a readable .xlsx workbook; found content that is not an Excel workbook"],
    ),
    "unclosed quote": (
        "sources.csv",
        SOURCES + b'S2,"unclosed,article,d,\n',
        None,
        ["sources.csv, line 3: expected a closing quote for the quoted cell that starts in this record; found the end of the file"],
    ),
    "text after a closing quote": (
        "sources.csv",
        SOURCES + b'S2,"c"x,article,d,\n',
        None,
        ["sources.csv, line 3: expected a delimiter right after a closing quote; found more text after the closing quote"],
    ),
    "short row": ("sources.csv", SOURCES + b"S2,c,article\n", None, ["sources.csv, line 3, column document: expected 5 fields as in the header; found 3 fields"]),
    "extra field": (
        "sources.csv",
        SOURCES + b"S2,c,article,d,,extra\n",
        None,
        ["sources.csv, line 3, column (extra field 6): expected 5 fields as in the header; found 6 fields"],
    ),
    "missing column": (
        "sources.csv",
        b"source_id,citation,kind,registry_ids\nS1,c,article,\n",
        None,
        ["sources.csv, line 1, column document: expected this column in the header; found it missing"],
    ),
    "duplicate column": (
        "sources.csv",
        b"source_id,citation,kind,document,registry_ids,kind\nS1,c,article,d,,article\n",
        None,
        ["sources.csv, line 1, column kind: expected each column once; found a duplicate column"],
    ),
    "reserved column": (
        "sources.csv",
        b"source_id,citation,kind,document,registry_ids,origin\nS1,c,article,d,,x\n",
        None,
        ["sources.csv, line 1, column origin: expected a column name other than origin, _upload_file, _upload_line (reserved); found a reserved name"],
    ),
    "empty column name": (
        "sources.csv",
        b"source_id,,citation,kind,document,registry_ids\nS1,,c,article,d,\n",
        None,
        ["sources.csv, line 1: expected a name for every column; found an empty name for column 2"],
    ),
    "long cell": (
        "sources.csv",
        (header("sources") + "\nS1," + "x" * 10_001 + ",article,d,\n").encode(),
        None,
        ["sources.csv, line 2, column citation: expected at most 10,000 characters in a cell; found 10,001 characters"],
    ),
    "huge cell": (
        "sources.csv",
        (header("sources") + '\nS1,"' + "x" * 200_000 + '",article,d,\n').encode(),
        None,
        ["sources.csv, line 2: expected at most 10,000 characters in a cell; found a cell of more than 131,072 characters"],
    ),
    "header only": (
        "sources.csv",
        header("sources").encode() + b"\n",
        None,
        ["sources.csv, whole file: expected at least one data row below a header; found no data rows"],
    ),
    "zip path traversal": (
        "bundle.zip",
        zip_of([("../sources.csv", SOURCES)]),
        None,
        [f"bundle.zip{SEP}../sources.csv, whole file: expected a plain relative path inside the archive; found a path that leaves the archive folder"],
    ),
    "zip absolute path": (
        "bundle.zip",
        zip_of([("/etc/sources.csv", SOURCES)]),
        None,
        [f"bundle.zip{SEP}/etc/sources.csv, whole file: expected a plain relative path inside the archive; found a path that leaves the archive folder"],
    ),
    "nested zip": (
        "bundle.zip",
        zip_of([("inner.zip", zip_of([("sources.csv", SOURCES)]))]),
        None,
        [f"bundle.zip{SEP}inner.zip, whole file: expected CSV files only (no archive inside the archive); found a nested archive or workbook"],
    ),
    "archive disguised as CSV": (
        "bundle.zip",
        zip_of([("sources.csv", zip_of([("sources.csv", SOURCES)]))]),
        None,
        [f"bundle.zip{SEP}sources.csv, whole file: expected CSV files only (no archive inside the archive); found a nested archive"],
    ),
    "too many members": (
        "bundle.zip",
        zip_of([(f"t{i}.csv", SOURCES) for i in range(31)]),
        None,
        ["bundle.zip, whole file: expected at most 30 files in the archive; found 31 files"],
    ),
    "zip bomb": (
        "bundle.zip",
        zip_of([("sources.csv", b"0" * (21 * 1024 * 1024))]),
        None,
        ["bundle.zip, whole file: expected at most 20 MiB (20,971,520 bytes) once uncompressed; found 22,020,096 bytes uncompressed"],
    ),
    "zip with a lying size": (
        "bundle.zip",
        lying_zip(),
        None,
        [f"bundle.zip{SEP}sources.csv, whole file: expected a readable file in the archive; found a damaged entry (BadZipFile)"],
    ),
    "password-protected member": (
        "bundle.zip",
        encrypted_zip(),
        None,
        [f"bundle.zip{SEP}sources.csv, whole file: expected an unencrypted file; found a password-protected file"],
    ),
    "symbolic link in zip": (
        "bundle.zip",
        symlink_zip(),
        None,
        [f"bundle.zip{SEP}trials.csv, whole file: expected a regular file; found a symbolic link"],
    ),
    "image in zip": (
        "bundle.zip",
        zip_of([("sources.csv", SOURCES), ("logo.png", b"\x89PNG")]),
        None,
        [f"bundle.zip{SEP}logo.png, whole file: expected CSV files only (.csv, .tsv or .txt); found a .png file"],
    ),
    "damaged zip": (
        "bundle.zip",
        b"PK\x03\x04" + b"garbage" * 20,
        None,
        ["bundle.zip, whole file: expected a readable .zip archive; found a damaged or incomplete archive"],
    ),
    "zip with only a readme": (
        "bundle.zip",
        zip_of([("README.md", b"hello"), ("__MACOSX/._sources.csv", b"\x00\x05")]),
        None,
        ["bundle.zip, whole file: expected at least one CSV file in the archive; found no CSV files"],
    ),
    "unknown sheet": (
        "book.xlsx",
        workbook({"Sheet1": [COLUMNS["sources"], ["S1", "c", "article", "d"]]}),
        None,
        [f"book.xlsx{SEP}Sheet1, whole file: expected a file or sheet named after a contract table ({KNOWN}); found the name 'Sheet1'"],
    ),
    "sheet value outside the header": (
        "book.xlsx",
        workbook({"sources": [COLUMNS["sources"], ["S1", "c", "article", "d", None, "stray"]]}),
        None,
        [f"book.xlsx{SEP}sources, line 2: expected values only under the 5 named header columns; found a value in column F"],
    ),
    "sheet too wide": (
        "book.xlsx",
        workbook({"sources": [COLUMNS["sources"] + [f"x{i}" for i in range(200)], ["S1", "c", "article", "d"]]}),
        None,
        [f"book.xlsx{SEP}sources, line 1: expected at most 200 columns; found a value in column GS"],
    ),
    "sheet missing a column": (
        "book.xlsx",
        workbook({"sources": [COLUMNS["sources"][:4], ["S1", "c", "article", "d"]]}),
        None,
        [f"book.xlsx{SEP}sources, line 1, column registry_ids: expected this column in the header; found it missing"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_upload_gets_its_exact_message(case):
    filename, content, limits, expected = MALFORMED[case]
    result = parse_upload(filename, content, limits or UploadLimits())
    assert messages(result.problems) == expected
    assert not result.ok
    data, problems = validate_upload(result, BASE)  # nothing is loaded after a parse problem
    assert data is None and problems == result.problems


VALIDATION_CASES = {
    "key duplicates a bundled row": (
        "trials.csv",
        (header("trials") + "\n" + PASO_ROW).encode(),
        ["trials.csv, line 2, column trial_id: expected a unique key (trial_id); found ('PASO',) already on trials.csv (bundled data) line 2"],
    ),
    "unknown source in a semicolon Windows export": (
        "efficacy.csv",
        table_csv("efficacy", [NEW_EFFICACY | {"value": "6,6", "ci_low": "5,1", "ci_high": "9,0", "source": "NOPE: Table 2"}], ";").encode("cp1252"),
        ["efficacy.csv, line 2, column source: expected a source_id listed in sources.csv; found NOPE"],
    ),
    "thousands-looking number in a comma file": (
        "efficacy.csv",
        table_csv("efficacy", [NEW_EFFICACY | {"value": "1,234", "ci_low": "", "ci_high": ""}]).encode(),
        ["efficacy.csv, line 2, column value: expected a number >= 0; found 1,234"],
    ),
    "negative value in a workbook": (
        "book.xlsx",
        workbook({"efficacy": [COLUMNS["efficacy"], [], [NEW_EFFICACY.get(c) or None for c in COLUMNS["efficacy"]][:4] + [-1]]}),
        [
            f"book.xlsx{SEP}efficacy, line 3, column unit: expected a value (one of: months, percent); found an empty cell",
            f"book.xlsx{SEP}efficacy, line 3, column population: expected a value (text); found an empty cell",
            f"book.xlsx{SEP}efficacy, line 3, column analysis: expected a value (one of: primary, secondary, exploratory, sensitivity, subgroup); found an empty cell",
            f"book.xlsx{SEP}efficacy, line 3, column derived: expected a value (true or false); found an empty cell",
            f"book.xlsx{SEP}efficacy, line 3, column source: expected a value ('SOURCE_ID: locator' naming a source in sources.csv); found an empty cell",
            f"book.xlsx{SEP}efficacy, line 3, column value: expected a number >= 0; found -1.0",
        ],
    ),
    "arm that does not exist": (
        "efficacy.csv",
        table_csv("efficacy", [NEW_EFFICACY | {"arm_id": "Z"}]).encode(),
        ["efficacy.csv, line 2, column arm_id: expected an arm of PASO in arms.csv (A, B); found Z"],
    ),
}


@pytest.mark.parametrize("case", list(VALIDATION_CASES), ids=list(VALIDATION_CASES))
def test_invalid_upload_gets_its_exact_message_in_the_users_terms(case):
    filename, content, expected = VALIDATION_CASES[case]
    result = parse_upload(filename, content)
    assert result.problems == []
    data, problems = validate_upload(result, BASE)
    assert data is None
    assert sorted(messages(problems)) == sorted(expected)


def test_bad_data_urls():
    assert messages(decode_data_url("a.csv", "data:text/csv;base64,@@@")[1]) == [
        "a.csv, whole file: expected an uploaded file (a base64 data URL); found damaged base64 data"
    ]
    assert messages(decode_data_url("a.csv", "javascript:alert(1)")[1]) == [
        "a.csv, whole file: expected an uploaded file (a base64 data URL); found something else"
    ]
    big = "data:text/csv;base64," + "A" * 80
    assert messages(decode_data_url("a.csv", big, UploadLimits(max_bytes=50))[1]) == [
        "a.csv, whole file: expected a file of at most 50 bytes; found about 60 bytes"
    ]


# ---------------------------------------------------------------- survival uploads

SURV_HEADER = "trial_id,arm_id,endpoint,time_days,event\n"
SURV_ROWS = "PASO,A,OS,100,1\nPASO,A,OS,200,0\nPASO,B,OS,150,1\nPASO,B,OS,90,1\n"
ARMS = known_arms(BASE)

SURVIVAL_CASES = {
    "event not 0/1": ("days", SURV_HEADER + SURV_ROWS + "PASO,B,OS,10,2\n", ["s.csv, line 6, column event: expected a whole number from 0 to 1; found 2"]),
    "negative time": ("days", SURV_HEADER + SURV_ROWS + "PASO,B,OS,-3,1\n", ["s.csv, line 6, column time_days: expected a number >= 0; found -3.0"]),
    "time not a number": ("days", SURV_HEADER + SURV_ROWS + "PASO,B,OS,abc,1\n", ["s.csv, line 6, column time_days: expected a number >= 0; found abc"]),
    "rate endpoint": ("days", SURV_HEADER + SURV_ROWS + "PASO,B,ORR,3,1\n", ["s.csv, line 6, column endpoint: expected one of: PFS, OS, TTP, TTT; found ORR"]),
    "time column for another unit": (
        "days",
        SURV_HEADER.replace("time_days", "time_months") + SURV_ROWS,
        ["s.csv, line 1, column time_months: expected a time column named time or time_days (the time unit chosen is days); found a column named time_months"],
    ),
    "no time column": ("weeks", "trial_id,arm_id,endpoint,event\nPASO,A,OS,1\n", ["s.csv, line 1, column time_weeks: expected a time column (time or time_weeks) in the header; found it missing"]),
    "one patient in an arm": ("days", SURV_HEADER + SURV_ROWS[:-16], ["s.csv, line 4, column arm_id: expected at least 2 patients per arm for OS; found 1 patient in PASO arm B"]),
    "unknown arm": ("days", SURV_HEADER + SURV_ROWS + "PASO,C,OS,1,1\nPASO,C,OS,2,1\n", ["s.csv, line 6, column arm_id: expected an arm of PASO (A, B); found C"]),
    "unknown trial": ("days", SURV_HEADER + SURV_ROWS + "XX,A,OS,1,1\nXX,A,OS,2,1\n", ["s.csv, line 6, column trial_id: expected a trial_id with arms in the trial tables; found XX"]),
    "unknown time unit": ("fortnights", SURV_HEADER + SURV_ROWS, ["s.csv, whole file: expected a time unit: days, weeks, months, years; found 'fortnights'"]),
    "missing trial": ("days", SURV_HEADER + SURV_ROWS + ",B,OS,5,1\n", ["s.csv, line 6, column trial_id: expected a value (text); found an empty cell"]),
}


@pytest.mark.parametrize("case", list(SURVIVAL_CASES), ids=list(SURVIVAL_CASES))
def test_malformed_survival_upload_gets_its_exact_message(case):
    unit, text, expected = SURVIVAL_CASES[case]
    frame, problems = parse_survival_upload("s.csv", text.encode(), unit, known_arms=ARMS)
    assert frame is None
    assert messages(problems) == expected


@pytest.mark.parametrize(
    "unit, factor", [("days", 1 / 30.4375), ("weeks", 7 / 30.4375), ("months", 1.0), ("years", 12.0)]
)
def test_time_units_convert_to_months(unit, factor):
    text = f"trial_id;arm_id;endpoint;time_{unit};event\nPASO;A;OS;1,5;1\nPASO;A;OS;2;0\n"
    frame, problems = parse_survival_upload("s.csv", text.encode(), unit, known_arms=ARMS)
    assert problems == []
    assert frame["time_months"].tolist() == pytest.approx([1.5 * factor, 2 * factor])
    assert frame["event"].tolist() == [1, 0] and list(frame.index) == [2, 3]


def test_survival_rows_join_the_session_as_an_upload():
    frame, _ = parse_survival_upload("s.csv", (SURV_HEADER + SURV_ROWS).encode(), "days", known_arms=ARMS)
    upload = survival_as_upload(frame)
    assert upload.kind == "survival"
    data, problems = validate_upload(upload, BASE)
    assert problems == []
    assert list(data.survival_ipd["origin"]) == ["uploaded"] * 4
    assert data.survival_ipd["time_months"].tolist() == pytest.approx([100 / 30.4375, 200 / 30.4375, 150 / 30.4375, 90 / 30.4375])


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    frame = load_lung()
    # lifelines recodes R's status (1 censored, 2 dead) to 0/1; sex is R's 1 male, 2 female.
    assert set(frame["status"]) == {0, 1} and frame["status"].sum() == 165
    assert set(frame["sex"]) == {1, 2} and len(frame) == 228
    return frame


def _lung_upload(lung: pd.DataFrame, style: str) -> tuple[bytes, str]:
    frame = pd.DataFrame(
        {
            "trial_id": "LUNG",
            "arm_id": lung["sex"].map({1: "male", 2: "female"}),
            "endpoint": "OS",
            "time": lung["time"],
            "event": lung["status"],
        }
    )
    if style == "comma, days":
        return frame.rename(columns={"time": "time_days"}).to_csv(index=False).encode(), "days"
    # A German Excel export: semicolons, decimal commas, Windows-1252, BOM-less, CRLF, weeks.
    frame["time"] = [repr(days / 7).replace(".", ",") for days in lung["time"]]
    text = frame.rename(columns={"time": "Time_Weeks", "arm_id": "Arm_ID"}).to_csv(index=False, sep=";", lineterminator="\r\n")
    return text.encode("cp1252"), "weeks"


@pytest.mark.parametrize("style", ["comma, days", "semicolon, decimal comma, weeks"])
def test_lung_survival_through_the_upload_path_matches_r(lung, style):
    content, unit = _lung_upload(lung, style)
    frame, problems = parse_survival_upload("lung.csv", content, unit)
    assert problems == []
    assert len(frame) == 228 and frame["event"].sum() == 165
    male = frame[frame["arm_id"] == "male"]
    female = frame[frame["arm_id"] == "female"]
    # R: survfit(Surv(time, status) ~ sex, lung): medians 270 (male) and 426 (female) days.
    km_male = kaplan_meier(male["time_months"], male["event"], "male")
    km_female = kaplan_meier(female["time_months"], female["event"], "female")
    assert km_male.median * 30.4375 == pytest.approx(270, abs=1e-6)
    assert km_female.median * 30.4375 == pytest.approx(426, abs=1e-6)
    assert (km_male.n, km_male.events, km_female.n, km_female.events) == (138, 112, 90, 53)
    # R: survdiff: Chisq = 10.3 on 1 df, p = 0.00131; coxph: exp(coef) 0.588 (0.424-0.816).
    result = compare_two_arms(frame["time_months"], frame["event"], frame["arm_id"], "female", "male")
    assert round(result.logrank_chi2, 1) == 10.3
    assert round(result.logrank_p, 4) == 0.0013
    assert round(result.hazard_ratio, 3) == 0.588
    assert (round(result.hr_ci_low, 3), round(result.hr_ci_high, 3)) == (0.424, 0.816)


# ---------------------------------------------------------------- properties: never crash, never hang

# UPLOAD_FUZZ_SCALE=30 multiplies the examples (and randomises them) for a deeper, slower run.
SCALE = int(os.environ.get("UPLOAD_FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=SCALE == 1,
)
NAMES = st.sampled_from(["trials.csv", "efficacy.tsv", "sources.txt", "bundle.zip", "book.xlsx", "x", "a.json"])


def _well_formed(result: UploadResult) -> None:
    assert isinstance(result, UploadResult) and result.kind in ("tables", "survival")
    for problem in result.problems:
        assert isinstance(problem, Problem) and isinstance(problem.file, str) and str(problem)
        assert problem.line is None or isinstance(problem.line, int)
    if result.ok:
        assert result.files
        for name, content in result.files.items():
            frame, problems = read_table_text(TABLES[name], content, name)
            assert problems == [] and frame is not None


@FUZZ
@given(name=NAMES, content=st.binary(max_size=3000))
def test_random_bytes_load_or_report(name, content):
    _well_formed(parse_upload(name, content))


@FUZZ
@given(
    name=NAMES,
    content=st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b)
    | st.binary(max_size=500).map(lambda b: b"\xef\xbb\xbf" + header("sources").encode() + b"\n" + b),
)
def test_random_bytes_behind_known_magic_load_or_report(name, content):
    _well_formed(parse_upload(name, content))


CELL = st.text(alphabet=st.sampled_from(list("ab ,;\t\"\n\r.-019€£§°µ")), max_size=12)


@FUZZ
@given(
    table=st.sampled_from(["sources", "ae_terms", "efficacy"]),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=18), max_size=12),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_random_csv_shapes_load_or_report(table, rows, sep, encoding, newline, quoting):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline, quoting=quoting)
    writer.writerow(COLUMNS[table])
    writer.writerows(rows)
    result = parse_upload(f"{table}.csv", buffer.getvalue().encode(encoding))
    _well_formed(result)
    width = len(COLUMNS[table])
    kept = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    if table != "efficacy" and kept and all(len(r) == width for r in kept):
        # Text-only tables with rectangular rows: every cell comes back exactly (stripped).
        assert result.problems == []
        assert [list(cells) for _line, cells in result.parts[table][0].rows] == kept


@FUZZ
@given(size=st.integers(10_001, 400_000), quoted=st.booleans(), sep=st.sampled_from([",", ";"]))
def test_huge_fields_are_reported_not_loaded(size, quoted, sep):
    cell = "y" * size
    cell = f'"{cell}"' if quoted else cell
    content = (header("sources", sep) + f"\nS1{sep}{cell}{sep}article{sep}d{sep}\n").encode()
    started = time.perf_counter()
    result = parse_upload("sources.csv", content)
    assert time.perf_counter() - started < 2
    assert len(result.problems) == 1 and not result.ok
    assert result.problems[0].expected == "at most 10,000 characters in a cell"


@FUZZ
@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(["sources.csv", "../sources.csv", "a/trials.csv", "x.zip", "README.txt", "b.csv", "c:/d.csv"]),
            st.binary(max_size=300) | st.just(SOURCES),
        ),
        max_size=6,
    )
)
def test_random_zips_load_or_report(members):
    _well_formed(parse_upload("bundle.zip", zip_of(members)))


TEMPLATE_XLSX = template_xlsx()


@settings(FUZZ, max_examples=25 * SCALE)
@given(flips=st.lists(st.tuples(st.integers(0, len(TEMPLATE_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_workbooks_load_or_report(flips):
    content = bytearray(TEMPLATE_XLSX)
    for index, value in flips:
        content[index] = value
    _well_formed(parse_upload("book.xlsx", bytes(content)))


@settings(FUZZ, max_examples=40 * SCALE)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["PASO", "SOR", ""]),
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from(["OS", "PFS", "ORR"]),
            st.sampled_from(["0", "1,5", "-1", "abc", "3.25", "1e400", "nan", ""]),
            st.sampled_from(["0", "1", "2", "true", ""]),
        ),
        max_size=20,
    ),
    unit=st.sampled_from(["days", "weeks", "months", "years"]),
)
def test_random_survival_uploads_load_or_report(rows, unit):
    text = f"trial_id;arm_id;endpoint;time_{unit};event\n" + "".join(";".join(r) + "\n" for r in rows)
    frame, problems = parse_survival_upload("s.csv", text.encode(), unit, known_arms=ARMS)
    if frame is None:
        assert problems and all(isinstance(p, Problem) for p in problems)
    else:
        assert problems == []
        assert (frame["time_months"] >= 0).all() and set(frame["event"]) <= {0, 1}
        assert frame.groupby(["trial_id", "arm_id", "endpoint"]).size().min() >= 2


def test_sparse_workbook_does_not_hang():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sources"
    sheet.append(COLUMNS["sources"])
    sheet.append(["S1", "c", "article", "d"])
    sheet.cell(row=1_000_000, column=1, value="S2")
    buffer = io.BytesIO()
    book.save(buffer)
    started = time.perf_counter()
    result = parse_upload("book.xlsx", buffer.getvalue())
    assert result.problems == []
    assert [line for line, _cells in result.parts["sources"][0].rows] == [2, 1_000_000]
    # A second far-away cell exceeds the budget of cells per workbook (1,000,000 rows x 5 columns
    # + 100,000 x 1), refused from the XML before openpyxl iterates (it was: the rows budget).
    book.create_sheet("trials").cell(row=100_000, column=1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    result = parse_upload("book.xlsx", buffer.getvalue())
    assert messages(result.problems) == [
        f"book.xlsx{SEP}xl/worksheets/sheet2.xml, whole file: expected at most 5,000,000 cells (last row \u00d7 last "
        "column, over all sheets) in a workbook; found a sheet reaching row 100,000 and column 1"
    ]
    assert time.perf_counter() - started < 15


# ---------------------------------------------------------------- workbook bombs: bounded before openpyxl


def _with_part(workbook_bytes: bytes, part: str, content: bytes) -> bytes:
    """A real workbook with one part replaced (or added), recompressed like Excel does."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info))
        target.writestr(part, content)
    return out.getvalue()


STYLESHEET = b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def test_style_bomb_is_refused_before_parsing():
    # The reviewer's bomb: styles.xml with 350,000 <xf/> entries, deflated to a few tens of KB;
    # openpyxl took 13 s and 615 MB to open it.
    xfs = b'<cellXfs count="350000">' + b"<xf/>" * 350_000 + b"</cellXfs>"
    styles = STYLESHEET + b'<fonts count="1"><font/></fonts>' + xfs + b"</styleSheet>"
    bomb = _with_part(TEMPLATE_XLSX, "xl/styles.xml", styles)
    assert len(bomb) < 100_000
    started = time.perf_counter()
    result = parse_upload("trials.xlsx", bomb)
    assert time.perf_counter() - started < 1.0
    assert messages(result.problems) == [
        f"trials.xlsx{SEP}xl/styles.xml, whole file: expected at most 20,000 cell styles (<xf> and <dxf> records) "
        "in a workbook; found 350,000 or more"
    ]


def test_font_and_shared_string_bombs_are_refused():
    fonts = STYLESHEET + b'<fonts count="3000">' + b'<font><sz val="11"/></font>' * 3000 + b"</fonts></styleSheet>"
    result = parse_upload("book.xlsx", _with_part(TEMPLATE_XLSX, "xl/styles.xml", fonts))
    (message,) = messages(result.problems)  # the count also holds the theme's <a:font> entries
    assert message.startswith(f"book.xlsx{SEP}xl/styles.xml, whole file: expected at most 2,000 fonts (<font> records) in a workbook; found 3,")
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t/></si>" * 500_001 + b"</sst>"
    result = parse_upload("book.xlsx", _with_part(TEMPLATE_XLSX, "xl/sharedStrings.xml", strings))
    assert messages(result.problems) == [
        f"book.xlsx{SEP}xl/sharedStrings.xml, whole file: expected at most 500,000 shared strings (<si> entries) "
        "in a workbook; found 500,001 or more"
    ]


def test_a_sheet_reaching_too_many_cells_is_refused():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sources"
    sheet.append(COLUMNS["sources"])
    sheet.cell(row=60_000, column=150, value="x")  # 60,000 rows x 150 columns = 9,000,000 cells
    buffer = io.BytesIO()
    book.save(buffer)
    result = parse_upload("book.xlsx", buffer.getvalue())
    assert messages(result.problems) == [
        f"book.xlsx{SEP}xl/worksheets/sheet1.xml, whole file: expected at most 5,000,000 cells (last row \u00d7 last "
        "column, over all sheets) in a workbook; found a sheet reaching row 60,000 and column 150"
    ]


def test_an_ordinary_workbook_with_styles_still_loads():
    # Excel's own files carry styles, fonts and shared strings; a few hundred of each is normal.
    book = openpyxl.load_workbook(io.BytesIO(TEMPLATE_XLSX))
    for i, row in enumerate(book["sources"].iter_rows(min_row=1, max_row=2)):
        for cell in row:
            cell.font = openpyxl.styles.Font(bold=i == 0, size=10 + i)
            cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    result = parse_upload("template.xlsx", buffer.getvalue())
    assert result.problems == []
    assert result.parts["trials"][0].rows[0][1][0] == "EXAMPLE-TRIAL"


# ---------------------------------------------------------------- the upload callback (plain function calls)


def _text(children) -> str:
    if children is None:
        return ""
    if isinstance(children, (list, tuple)):
        return " ".join(_text(c) for c in children)
    if isinstance(children, str):
        return children
    return _text(getattr(children, "children", None))


def _data_url(content: bytes, kind: str = "text/csv") -> str:
    return f"data:{kind};base64," + base64.b64encode(content).decode()


@pytest.fixture
def callback_settings(tmp_path):
    from config import Settings

    return Settings(state_dir=tmp_path)


def test_upload_callback_reports_an_all_commas_csv_in_the_status(callback_settings):
    from dash import no_update

    from components import ids
    from components.uploads import receive_upload

    for content in (b",,,,\r\n,,,,\r\n", b","):
        files = {"tables": [_data_url(content)], "table_names": ["trials.csv"]}
        ref, status = receive_upload(ids.UPLOAD_TABLES, files, None, BASE, callback_settings)
        assert ref is no_update
        assert _text(status) == (
            "Nothing was loaded: 1 problem(s). Fix them and upload again. "
            f"trials.csv, whole file: {NO_HEADER}"
        )


def test_upload_callback_keeps_rows_on_the_server_and_only_ids_in_the_browser(callback_settings):
    from components import ids
    from components.uploads import receive_upload, session_reader, upload_store
    from evidence.upload_store import is_id

    bundle = bundle_zip(example_files())
    files = {"tables": [_data_url(bundle, "application/zip")], "table_names": ["example.zip"]}
    ref, status = receive_upload(ids.UPLOAD_TABLES, files, None, BASE, callback_settings)
    assert set(ref) == {"session", "upload"} and is_id(ref["session"]) and is_id(ref["upload"])
    assert "Loaded: EXAMPLE-TRIAL. Private to you until you share them" in _text(status)
    assert len(json.dumps(ref)) < 200  # what travels with every callback: two ids, not the rows
    data, message = session_reader(BASE, callback_settings)(ref)
    assert message == "" and "EXAMPLE-TRIAL" in set(data.trials.trial_id)
    # A second upload (patient data for the same trial) joins that trial's entry.
    survival = b"trial_id,arm_id,endpoint,time,event\n" + b"".join(
        f"EXAMPLE-TRIAL,{arm},OS,{t},1\n".encode() for arm in "AB" for t in (3, 5, 8)
    )
    files = {"survival": _data_url(survival), "survival_name": "os.csv", "unit": "months"}
    second, status = receive_upload(ids.UPLOAD_SURVIVAL, files, ref, BASE, callback_settings)
    assert second["session"] == ref["session"] and second["upload"] != ref["upload"], _text(status)
    store = upload_store(callback_settings)
    owner = f"session:{ref['session']}"
    (entry,) = store.entries(owner)
    assert entry.trial_id == "EXAMPLE-TRIAL" and entry.revision == 2 and not entry.shared
    assert store.files(second["upload"], owner) == [("os.csv", survival)]  # the original file, byte for byte
    data, _ = session_reader(BASE, callback_settings)(second)
    assert len(data.tables["survival_ipd"].query("trial_id == 'EXAMPLE-TRIAL' and endpoint == 'OS'")) == 6
    # Removing clears the private trials; the old reference then reads as expired, never an error.
    cleared, status = receive_upload(ids.UPLOAD_CLEAR, {}, second, BASE, callback_settings)
    assert cleared["session"] == ref["session"] and "upload" not in cleared and _text(status) == "No uploaded trials."
    data, message = session_reader(BASE, callback_settings)(second)
    assert data is BASE and message.startswith("Your last upload is no longer kept on the server")


def test_uploads_belong_to_the_signed_in_user_else_to_the_signed_anonymous_cookie(tmp_path):
    from flask import Flask

    from auth import hash_line
    from components.uploads import session_owner
    from config import Settings
    from security import authenticator

    ref = {"session": "s" * 43}
    users = tmp_path / "users.txt"
    users.write_text(hash_line("ann", "secret") + "\n")
    basic_settings = Settings(auth_mode="basic", auth_users_file=users, state_dir=tmp_path)
    proxy_settings = Settings(auth_mode="proxy", auth_trusted_proxies=("127.0.0.1/32",), state_dir=tmp_path)
    basic = base64.b64encode(b"ann:secret").decode()
    app = Flask(__name__)
    app.secret_key = "test key"
    # The owner is whom the authenticator accepted, never credentials it has not checked; the
    # browser's store (ref) never names the owner inside a request.
    with app.test_request_context(headers={"Authorization": f"Basic {basic}"}):
        assert session_owner(basic_settings, ref).startswith("anon:")  # not yet checked
        assert authenticator(basic_settings, frozenset())() is None
        assert session_owner(basic_settings, ref) == "user:ann"
    with app.test_request_context(headers={"Authorization": f"Basic {basic}"}):
        owner = session_owner(Settings(state_dir=tmp_path), ref)  # AUTH_MODE=none: the signed cookie's id
        assert owner.startswith("anon:") and len(owner) == 5 + 43 and "s" * 43 not in owner
    with app.test_request_context(headers={"X-Forwarded-User": "bob@example.org"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert authenticator(proxy_settings, frozenset())() is None
        assert session_owner(proxy_settings, ref) == "user:bob@example.org"
