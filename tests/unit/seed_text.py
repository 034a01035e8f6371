"""The seed documents as the curated-data tests read them, shared by test_curated_values.py,
test_curated_flow_exposure.py and test_passages.py (and scripts/curate_passages.py): one
normalisation, one list of the columns whose numbers are traced to a document, one rule for how a
CSV number may be printed, one allow-list of numbers printed in another form.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from evidence.contract import PASSAGE_SEPARATOR

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"
SEEDS_DIR = Path(os.environ.get("SEEDS_DIR", REPO / ".." / "shared" / "seeds"))


def normalise(text: str) -> str:
    """Whitespace collapsed and line-break hyphenation joined ('treat- ment' -> 'treatment')."""
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(?<=[a-z])- (?=[a-z])", "", text)


def comparable(text: str) -> str:
    """normalise(), then hyphens between letters dropped: a line-break hyphen joined by
    normalise() ('paclitaxel-\nrelated' -> 'paclitaxelrelated') and the same hyphen kept in a
    passage ('paclitaxel-related') compare equal."""
    return re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", "", normalise(text))


def documents() -> dict[str, str]:
    """{source_id: the document's raw text} for every source in sources.csv."""
    reader = csv.DictReader(io.StringIO((DATA_DIR / "sources.csv").read_text(encoding="utf-8")))
    return {r["source_id"]: (SEEDS_DIR / r["document"]).read_text(encoding="utf-8") for r in reader}


def excerpts(passage: str) -> list[str]:
    """A passage's excerpts (joined by PASSAGE_SEPARATOR where not adjacent in the document)."""
    return [e for e in passage.split(PASSAGE_SEPARATOR) if e.strip()]


# Columns whose numbers are traced to the document. Derived rows (derived = true) and derived
# planned doses (planned_derived = true) are computed, not printed, and are skipped.
TRACE_COLUMNS = {
    "efficacy": ("value", "ci_low", "ci_high", "count", "n_analysed"),
    "comparisons": ("value", "ci_low", "ci_high", "p_text"),
    "adverse_events": ("count", "pct", "n_at_risk"),
    "dosing": ("delivered_mean_daily_mg", "planned_daily_mg", "cycle_days"),
    "design": (
        "assumed_control_median", "assumed_experimental_median", "target_hr", "decision_hr",
        "null_rate", "alternative_rate", "planned_events", "planned_n", "alpha", "power",
    ),
    "baseline": ("count", "pct", "mean", "sd", "median", "range_low", "range_high", "n"),
    "arms": ("n_randomized", "n_efficacy", "n_safety"),
    "trials": ("n_planned", "n_enrolled"),
    # Issue 16; each of these rows is also traced to its own passage in test_curated_flow_exposure.py.
    "flow": ("count",),
    "exposure": ("count", "denominator", "pct", "value"),
    "event_outcomes": ("count", "n_at_risk"),
    "findings": ("count", "value"),
}


@dataclass(frozen=True)
class Printed:
    """A number the document prints in another form. Every entry is reported to the curator."""

    table: str
    column: str
    raw: str  # the CSV text
    source_id: str
    printed: str  # regular expression for the form printed in the document
    why: str
    locator_contains: str = ""  # restrict to cells whose source locator contains this


ALLOW_LIST = (
    Printed("design", "power", "0.8", "PASO_REPORT", r"80% power",
            "PASO Methods: '(one-sided test, α = 0.1, 80% power)'"),
    Printed("design", "power", "0.90", "SOR_REGISTRY", r"false negative error rate of 0\.10",
            "SOR: 'an observed HR of 0.82 has a false negative error rate of 0.10' -> power = 1 - 0.10"),
    Printed("design", "power", "0.66", "SOR_REGISTRY", r"power of 66%",
            "SOR: 'this trial has power of 66% to achieve a one-sided p-value <0.025'"),
    Printed("design", "power", "0.85", "E2100_NEJM2007", r"85% power",
            "E2100: 'The design yielded an 85% power to detect a 33% improvement'"),
    Printed("design", "alpha", "0.027", "E2100_NEJM2007", r"one-sided\s+type I error of 2\.7%",
            "E2100: 'with a one-sided type I error of 2.7%' (O'Brien-Fleming boundary)"),
    Printed("trials", "n_enrolled", "48", "MRCC_CANCER2010", r"Forty-eight patients were enrolled",
            "Renal abstract spells the number out: 'Forty-eight patients were enrolled.'"),
    Printed("adverse_events", "count", "0", "PASO_REPORT", r"(?<!\S)-(?!\S)",
            "PASO Table 3 prints '-' (no event of that grade) where the CSV has count 0",
            locator_contains="'-'"),
    Printed("adverse_events", "pct", "0", "PASO_REPORT", r"(?<!\S)-(?!\S)",
            "PASO Table 3 prints '-' (no event of that grade) where the CSV has pct 0",
            locator_contains="'-'"),
    Printed("flow", "count", "49", "E2100_NEJM2007", r"Forty-nine enrolled patients",
            "E2100 Results spells the number out: 'Forty-nine enrolled patients (6.8%) did not meet all the "
            "eligibility criteria'"),
    Printed("findings", "count", "1", "MRCC_CANCER2010", r"One unconfirmed objective partial response",
            "Renal abstract spells the number out: 'One unconfirmed objective partial response was observed.'"),
    Printed("adverse_events", "count", "0", "PASO_REPORT", r"No grade 4 events were reported in\s+Arm\s+A",
            "PASO Safety results: 'No grade 4 events were reported in Arm A' -> grade 4 count 0",
            locator_contains="Safety results"),
)

_NUMBER = re.compile(r"(?P<op><=|>=|<|>)?(?P<int>\d*)(?:\.(?P<dec>\d+))?")


def number_pattern(raw: str) -> re.Pattern:
    """Regex for a CSV number as it may be printed: '40.0' also as '40', '6.60' also as '6.6', '0.60' also as '.60',
    '<0.001' also as '< 0.001' / '<.001'; never inside a longer number ('6.6' not in '66.6')."""
    m = _NUMBER.fullmatch(raw)
    assert m and (m["int"] or m["dec"]), f"not a number: {raw!r}"
    whole, dec = m["int"], m["dec"]
    forms = {f"{whole}.{dec}" if dec is not None else whole}
    if dec is not None and whole == "0":
        forms.add(f".{dec}")
    if dec is not None and set(dec) == {"0"}:
        forms.add(whole)
    elif dec is not None and dec != dec.rstrip("0"):  # '6.60' also as '6.6'
        forms.add(f"{whole}.{dec.rstrip('0')}")
    body = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    op = re.escape(m["op"]) + r"\s*" if m["op"] else ""
    return re.compile(op + r"(?<![\d.])(?:" + body + r")(?!\.?\d)")




WORDS = {"1": ("one",), "2": ("two",), "3": ("three",), "6": ("six",)}
"""Small numbers the documents spell out in the passages ('one patient', 'Six eligible patients')."""


def rule_for(table: str, column: str, raw: str, source_id: str, locator: str) -> Printed | None:
    """The allow-list entry for a cell, if its number is printed in another form."""
    hits = [
        p for p in ALLOW_LIST
        if (p.table, p.column, p.raw, p.source_id) == (table, column, raw, source_id)
        and p.locator_contains in locator
    ]
    assert len(hits) <= 1
    return hits[0] if hits else None


def printed_in(table: str, column: str, raw: str, source: str, text: str) -> bool:
    """Whether a CSV number is printed in `text`: as number_pattern reads it, in the allow-list's
    other form, or spelled out (WORDS)."""
    source_id, _, locator = source.partition(":")
    rule = rule_for(table, column, raw, source_id.strip(), locator.strip())
    if rule is not None and re.search(rule.printed, text):
        return True
    if number_pattern(raw).search(text):
        return True
    return any(re.search(rf"\b{word}\b", text, re.I) for word in WORDS.get(raw, ()))


def row_numbers_missing(table: str, row: dict[str, str], passage: str) -> list[tuple[str, str]]:
    """(column, raw) of the row's traced numbers that its passage does not print; none for a
    derived row (computed, not printed) or a derived planned dose."""
    if row.get("derived", "").lower() == "true":
        return []
    text = normalise(passage)
    missing = []
    for column in TRACE_COLUMNS.get(table, ()):
        raw = row[column].strip()
        if not raw or (column == "planned_daily_mg" and row["planned_derived"].lower() == "true"):
            continue
        if not printed_in(table, column, raw, row["source"], text):
            missing.append((column, raw))
    return missing


def csv_rows(table: str) -> list[tuple[int, dict[str, str]]]:
    """(line, record) of a bundled CSV, read independently of the data layer."""
    reader = csv.DictReader(io.StringIO((DATA_DIR / f"{table}.csv").read_text(encoding="utf-8"), newline=""))
    rows, line = [], 2
    for record in reader:
        rows.append((line, record))
        line = reader.line_num + 1
    return rows
