"""Values the curators compute rather than copy, each by one stated rule (pure, no I/O).

Grade bands. A grade 3-4 row marked derived is built from the same arm's grade 3 and grade 4
rows of the same term: each grade's patients are taken from its printed count, or recovered from
its printed percentage as count = round(pct × n / 100) (checked to give the printed percentage
back, so a count is never guessed); the counts are summed and the band's percentage is
100 × count / n, rounded half up to the printed precision. Adding the two rounded percentages
instead can be off by a tenth: E2100 Table 2 arthralgia 2.7% + 0.5% of 365 prints as 3.2, but
10 + 2 = 12 patients is 3.3%. The sum is right because each patient counts once, at the worst
grade (E2100 Table 2, footnote: "The worst grade ... is given").

Planned doses. A planned daily dose marked derived is the daily total of the printed schedule
("200 mg twice daily" = 400 mg; "200 mg morning + 400 mg evening" = 600 mg).
"""

from __future__ import annotations

import csv
import io
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from evidence.stats import counts_from_percent

GRADE_PARTS = ("3", "4")
BAND = "3-4"
BAND_KEYS = ["trial_id", "arm_id", "level", "term"]


def count_from_percent(pct: float, n: int, decimals: int = 1) -> int:
    """Patients behind a printed percentage: the one whole k with 100·k/n printing as `pct`
    (`evidence.stats.counts_from_percent`).

    Raises ValueError when no k or more than one does (the percentage is not k/n, or n is
    wrong): a derived value must rest on counts, never on a guess.
    """
    count = counts_from_percent(pct, n, decimals)
    if count is None:
        raise ValueError(f"{pct}% of {n} is not a whole number of patients (no single count prints as it)")
    return count


def percent_of(count: int, n: int, decimals: int = 1) -> Decimal:
    """100 × count / n rounded half up to `decimals` places (exact decimal arithmetic)."""
    unit = Decimal(1).scaleb(-decimals)
    return (Decimal(100 * int(count)) / Decimal(int(n))).quantize(unit, rounding=ROUND_HALF_UP)


def grade_band_from_grades(parts: list[tuple[float | None, float | None]], n: int, decimals: int = 1) -> tuple[int, Decimal]:
    """(count, pct) of a grade band from its grades' (count, pct) pairs, each of n patients.

    A grade's printed count is used as it is; without one, the count is recovered from its
    printed percentage (`count_from_percent`). The band's percentage is `percent_of` the sum.
    """
    total = 0
    for count, pct in parts:
        if count is not None and not _missing(count):
            total += int(count)
        elif pct is not None and not _missing(pct):
            total += count_from_percent(float(pct), n, decimals)
        else:
            raise ValueError("a grade row has neither a count nor a percentage")
    return total, percent_of(total, n, decimals)


def derived_grade_bands(adverse_events: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """Every grade 3-4 row marked derived, recomputed from its grade 3 and grade 4 rows.

    One row per derived band, indexed like `adverse_events` (CSV line numbers when loaded), with
    the band's keys, n_at_risk, and the recomputed `count` and `pct` (pct a Decimal). Raises
    ValueError naming the row when a part row is missing or duplicated: a band is derived from
    both of its grades or not at all.
    """
    frame = adverse_events
    derived = frame["derived"].fillna(False).astype(bool)
    bands = frame[derived & frame["grade"].eq(BAND)]
    parts = frame[~derived & frame["grade"].isin(GRADE_PARTS)]
    rows = []
    for line, band in bands.iterrows():
        same = parts
        for key in BAND_KEYS:
            same = same[same[key] == band[key]]
        found = []
        for grade in GRADE_PARTS:
            rows_of_grade = same[same["grade"] == grade]
            if len(rows_of_grade) != 1:
                raise ValueError(
                    f"adverse_events line {line}: a derived grade 3-4 band needs exactly one grade {grade} row "
                    f"of {band['trial_id']} arm {band['arm_id']} {band['term']!r}; found {len(rows_of_grade)}"
                )
            part = rows_of_grade.iloc[0]
            if int(part["n_at_risk"]) != int(band["n_at_risk"]):
                raise ValueError(f"adverse_events line {line}: grade {grade} row has another n_at_risk")
            found.append((part["count"], part["pct"]))
        count, pct = grade_band_from_grades(found, int(band["n_at_risk"]), decimals)
        rows.append({**{key: band[key] for key in BAND_KEYS}, "n_at_risk": int(band["n_at_risk"]),
                     "line": line, "count": count, "pct": pct})
    columns = [*BAND_KEYS, "n_at_risk", "line", "count", "pct"]
    return pd.DataFrame(rows, columns=columns).set_index("line")


_TWICE_DAILY = re.compile(r"^(\d+(?:\.\d+)?)\s*mg\b[^;]*?\btwice daily\b")
_MORNING_EVENING = re.compile(r"^(\d+(?:\.\d+)?)\s*mg morning \+ (\d+(?:\.\d+)?)\s*mg evening\b")


def planned_daily_dose(schedule: str) -> float:
    """Daily total of a printed twice-daily schedule, in mg; ValueError for any other wording."""
    text = str(schedule).strip()
    if match := _MORNING_EVENING.match(text):
        return float(match[1]) + float(match[2])
    if match := _TWICE_DAILY.match(text):
        return 2 * float(match[1])
    raise ValueError(f"no daily total can be read from the schedule {schedule!r}")


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def with_derived_bands(csv_text: str, bands: pd.DataFrame) -> tuple[str, list[str]]:
    """adverse_events.csv text with each derived band's `count` and `pct` cells set from `bands`
    (as `derived_grade_bands` returns them, indexed by CSV line); every other cell is kept.

    Returns (text, changes), one change per cell that differs: 'line 189: pct 3.2 -> 3.3'.
    """
    reader = csv.reader(io.StringIO(csv_text, newline=""), strict=True)
    records, lines, line = [], [], 1
    for record in reader:
        records.append(record)
        lines.append(line)
        line = reader.line_num + 1
    header = records[0]
    where = {name: header.index(name) for name in ("count", "pct")}
    changes = []
    for record, line in zip(records, lines):
        if line not in bands.index:
            continue
        for column, value in (("count", str(int(bands.at[line, "count"]))), ("pct", str(bands.at[line, "pct"]))):
            old = record[where[column]]
            if old != value:
                changes.append(f"line {line}: {column} {old or '(empty)'} -> {value}")
                record[where[column]] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue(), changes
