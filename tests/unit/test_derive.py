"""Derived values (evidence.derive) against the numbers printed in the documents, and every derived
row of the bundled data recomputed from the rows it is derived from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from evidence.derive import (
    count_from_percent,
    derived_grade_bands,
    grade_band_from_grades,
    percent_of,
    planned_daily_dose,
    with_derived_bands,
)
from evidence.loading import load_dataset

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("pct", "n", "count"),
    [
        (2.7, 365, 10),  # 9.855 -> 10 prints 2.7
        (0.5, 365, 2),  # 1.825 -> 2 prints 0.5
        (0.6, 346, 2),  # 2.076 -> 2 prints 0.6
        (0.9, 346, 3),  # 3.114 -> 3 prints 0.9
        (0.0, 346, 0),
        (23.0, 365, 84),  # 83.95 -> 84 prints 23.0
    ],
)
def test_count_from_percent(pct, n, count):
    assert count_from_percent(pct, n) == count


def test_count_from_percent_refuses_a_percentage_no_count_gives():
    # 3.2% of 365: 11 patients print 3.0, 12 print 3.3.
    with pytest.raises(ValueError, match="not a whole number of patients"):
        count_from_percent(3.2, 365)
    with pytest.raises(ValueError, match="n must be"):
        count_from_percent(3.0, 0)


def test_percent_rounds_half_up_exactly():
    assert percent_of(1, 8, 1) == Decimal("12.5")
    assert percent_of(1, 16, 1) == Decimal("6.3")  # 6.25 half up, not half even
    assert percent_of(12, 365) == Decimal("3.3")


@pytest.mark.parametrize(
    ("grade3", "grade4", "n", "count", "pct"),
    [
        # Issue 11's four corrections (E2100 Table 2, grade 3 and grade 4 percent of N):
        (2.7, 0.5, 365, 12, "3.3"),  # bevacizumab arm arthralgia, sum of rounded 3.2
        (1.6, 0.5, 365, 8, "2.2"),  # bevacizumab arm myalgia, 2.1
        (1.6, 0.5, 365, 8, "2.2"),  # bevacizumab arm thrombosis or embolism, 2.1
        (0.6, 0.9, 346, 5, "1.4"),  # paclitaxel arm thrombosis or embolism, 1.5
        # The paper's own grade 3-4 figures follow the same rule (Results, Abstract):
        (23.0, 0.5, 365, 86, "23.6"),  # neuropathy "23.6% vs. 17.6%" (rounded sum 23.5)
        (17.1, 0.6, 346, 61, "17.6"),
        (2.7, 0.8, 365, 13, "3.6"),  # proteinuria "3.6% vs. 0.0%" (rounded sum 3.5)
        (8.8, 0.5, 365, 34, "9.3"),  # infection "9.3% vs. 2.9%"
        (14.5, 0.3, 365, 54, "14.8"),  # hypertension "14.8% vs. 0.0%"
        (0.8, 1.1, 365, 7, "1.9"),  # cerebrovascular ischemia "1.9% vs. 0.0%"
    ],
)
def test_grade_band_from_grade_counts(grade3, grade4, n, count, pct):
    assert grade_band_from_grades([(None, grade3), (None, grade4)], n) == (count, Decimal(pct))


def test_grade_band_uses_a_printed_count_as_it_is():
    assert grade_band_from_grades([(2, 7.0), (0, 0.0)], 29) == (2, Decimal("6.9"))
    with pytest.raises(ValueError, match="neither a count nor a percentage"):
        grade_band_from_grades([(None, None), (0, 0.0)], 29)


@pytest.mark.parametrize(
    ("schedule", "mg"),
    [
        ("200 mg twice daily", 400),
        ("200 mg morning + 400 mg evening", 600),
        ("400 mg (2 tablets) twice daily", 800),
        ("400 mg twice daily; dose escalation permitted in the absence of significant toxicity", 800),
    ],
)
def test_planned_daily_dose_of_a_twice_daily_schedule(schedule, mg):
    assert planned_daily_dose(schedule) == mg


def test_planned_daily_dose_refuses_other_wording():
    with pytest.raises(ValueError, match="no daily total"):
        planned_daily_dose("twice daily (dose not stated in the record)")


# ---------------------------------------------------------------- every derived row of data/


def test_every_derived_grade_band_equals_its_recomputation(data):
    events = data.adverse_events
    bands = derived_grade_bands(events)
    derived_34 = events[events.derived & (events.grade == "3-4")]
    assert list(bands.index) == list(derived_34.index) and len(bands) == 32
    for line, band in bands.iterrows():
        stored = events.loc[line]
        assert stored["count"] == band["count"], line
        assert Decimal(data.raw["adverse_events"].at[line, "pct"]) == band["pct"], line


def test_the_four_corrected_bands(data):
    events = data.adverse_events

    def band(arm_id, term):
        rows = events[(events.trial_id == "E2100") & (events.arm_id == arm_id) & (events.term == term)
                      & (events.grade == "3-4")]
        assert len(rows) == 1 and bool(rows.iloc[0].derived)
        return rows.iloc[0]["count"], rows.iloc[0].pct

    assert band("PB", "Arthralgia") == (12, 3.3)
    assert band("PB", "Myalgia") == (8, 2.2)
    assert band("PB", "Thrombosis or embolism") == (8, 2.2)
    assert band("P", "Thrombosis or embolism") == (5, 1.4)


def test_every_derived_row_of_every_table_has_a_rule(data):
    """A derived row without a rule here fails: each must be recomputed from what it comes from."""
    events = data.adverse_events
    derived = events[events.derived]
    bands = derived[derived.grade == "3-4"]
    # Grade bands: recomputed above. PASO "Apart from 1 patient in Arm A, all patients experienced
    # at least 1 AE" (Results, Safety results): Arm A n - 1 = 28 of 29, Arm B all 28.
    others = derived.drop(index=bands.index)
    assert [(r.trial_id, r.arm_id, r.level, r.grade, r.count, r.n_at_risk) for r in others.itertuples()] == [
        ("PASO", "A", "any", "all", 28, 29),
        ("PASO", "B", "any", "all", 28, 28),
    ]
    dosing = data.dosing[data.dosing.planned_derived]
    assert len(dosing) == 4  # PASO cycles 1 and 2, SOR, MRCC-SORAFENIB
    for r in dosing.itertuples():
        assert r.planned_daily_mg == planned_daily_dose(r.schedule), r
    for name in ("efficacy", "comparisons"):
        assert not data.tables[name].derived.any(), name


def test_derive_rewrites_only_the_derived_cells():
    text = (DATA / "adverse_events.csv").read_text(encoding="utf-8")
    old = text.replace(
        "Arthralgia,Arthralgia,3-4,12,3.3,365", "Arthralgia,Arthralgia,3-4,,3.2,365"
    )
    assert old != text
    data = load_dataset(DATA)
    new, changes = with_derived_bands(old, derived_grade_bands(data.adverse_events))
    assert new == text
    assert len(changes) == 2 and changes[0].endswith("count (empty) -> 12") and changes[1].endswith("pct 3.2 -> 3.3")
    assert with_derived_bands(text, derived_grade_bands(data.adverse_events)) == (text, [])


def test_a_derived_band_without_its_grade_rows_is_refused(data):
    events = data.adverse_events
    part = events[(events.trial_id == "E2100") & (events.arm_id == "PB") & (events.term == "Myalgia")
                  & (events.grade == "4")].index
    with pytest.raises(ValueError, match="needs exactly one grade 4 row"):
        derived_grade_bands(events.drop(index=part))


def run(*args: str) -> subprocess.CompletedProcess:
    """`python -m evidence ...` as a real subprocess, from the repository root."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "evidence", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_derive_check_and_rewrite(tmp_path):
    assert run("derive", "data", "--check").returncode == 0
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    path = copy / "adverse_events.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Myalgia,Myalgia,3-4,8,2.2,365", "Myalgia,Myalgia,3-4,,2.1,365"), encoding="utf-8")
    checked = run("derive", str(copy), "--check")
    assert checked.returncode == 1 and "pct 2.1 -> 2.2" in checked.stdout
    assert path.read_text(encoding="utf-8") != text
    rewritten = run("derive", str(copy))
    assert rewritten.returncode == 0 and "2 derived cell(s) rewritten" in rewritten.stdout
    assert path.read_text(encoding="utf-8") == text
    assert isinstance(load_dataset(copy).adverse_events, pd.DataFrame)
