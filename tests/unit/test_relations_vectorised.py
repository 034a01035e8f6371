"""Cross-table checks (evidence.relations) on small hand-made tables.

The checks compare whole columns (merges, groupby) rather than walking rows. These cases pin down
what tests/unit/test_validation.py does not: the order problems come in (by line, then by check
within a row), the exact message of each, and the row-walk rules a vectorised version could miss
(the last of duplicate keys wins, a band's grade rows may be anywhere in the file, a dose cycle is
compared with the highest cycle before it).

Each case types a few rows with the loader and runs `check_relations` alone; tables not given are
absent, so only the checks on the given tables run. Line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
import io

from evidence.contract import TABLES
from evidence.loading import read_table_text, type_table
from evidence.problems import Problem
from evidence.relations import check_relations


def relations(**tables: list[dict[str, str]]) -> list[Problem]:
    """Problems of `check_relations` on tables given as rows ({column: text}; other cells empty)."""
    typed, raw, bad_rows = {}, {}, {}
    for name, rows in tables.items():
        table = TABLES[name]
        text = io.StringIO()
        writer = csv.DictWriter(text, [c.name for c in table.columns], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        frame, problems = read_table_text(table, text.getvalue().encode(), table.file)
        assert frame is not None and problems == []
        typed[name], _, bad_cells = type_table(table, frame, table.file)
        raw[name] = frame
        bad_rows[name] = {line for line, _ in bad_cells}
    return check_relations(typed, raw, bad_rows)


def arm(trial_id: str, arm_id: str, role: str = "single", n_safety: str = "") -> dict[str, str]:
    return dict(trial_id=trial_id, arm_id=arm_id, role=role, n_safety=n_safety)


def test_unknown_arms_are_reported_per_table_with_the_trials_arms():
    problems = relations(
        arms=[arm("T", "B"), arm("T", "A")],
        efficacy=[dict(trial_id="T", arm_id="A"), dict(trial_id="T", arm_id="C")],
        dosing=[dict(trial_id="T", arm_id="Z", drug="sorafenib", cycle="1")],
        survival_ipd=[dict(trial_id="T", arm_id="A"), dict(trial_id="U", arm_id="A"), dict(trial_id="T", arm_id="")],
    )
    assert problems == [
        Problem("efficacy.csv", 3, "arm_id", "an arm of T in arms.csv (A, B)", "C"),
        Problem("dosing.csv", 2, "arm_id", "an arm of T in arms.csv (A, B)", "Z"),
        Problem("survival_ipd.csv", 3, "arm_id", "an arm of U in arms.csv (none)", "A"),
    ]


def test_comparison_arms_and_values_in_check_order():
    problems = relations(
        arms=[arm("T", "A", "control"), arm("T", "B", "experimental"), arm("T", "N", "")],
        comparisons=[
            dict(trial_id="T", experimental_arm="A", control_arm="A"),
            dict(trial_id="T", experimental_arm="Q", control_arm="B"),
            dict(trial_id="T", experimental_arm="B", control_arm="N"),
            dict(trial_id="T", experimental_arm="B", control_arm="A", statistic="HR", endpoint="AE_G3_4",
                 ci_low="0.5", p_value="0.04"),
        ],
    )
    role = "an arm whose role is {} (ratios are experimental versus control)"
    assert problems == [
        # _comparison_arms: experimental before control within a row
        Problem("comparisons.csv", 2, "experimental_arm", role.format("experimental"), "A (role control)"),
        Problem("comparisons.csv", 3, "experimental_arm", "an arm of T in arms.csv", "Q"),
        Problem("comparisons.csv", 3, "control_arm", role.format("control"), "B (role experimental)"),
        Problem("comparisons.csv", 4, "control_arm", "an arm of T in arms.csv", "N"),  # an arm without a role
        # _comparison_values
        Problem("comparisons.csv", 2, "control_arm", "an arm other than experimental_arm", "A"),
        Problem("comparisons.csv", 5, "value", "a hazard ratio for statistic HR", ""),
        Problem("comparisons.csv", 5, "ci_high", "both confidence limits or neither", "only one"),
        Problem("comparisons.csv", 5, "term", "a harmonized term for an adverse-event endpoint", ""),
        Problem("comparisons.csv", 5, "p_text", "the P value as printed", ""),
    ]


def test_efficacy_problems_of_one_row_in_check_order():
    problems = relations(
        efficacy=[
            dict(statistic="rate", value="50.0", unit="months", ci_low="60", ci_high="70", count="40",
                 n_analysed="30"),
            dict(statistic="median", value="6.6", unit="months", ci_low="5.1"),
            dict(statistic="rate", value="136.9", unit="percent", ci_low="9", ci_high="8"),
            dict(statistic="rate", value="66.6", unit="percent", count="20", n_analysed="30"),  # truncated: fine
        ]
    )
    assert problems == [
        Problem("efficacy.csv", 2, "ci_low", "a 95% CI containing the estimate 50", "[60, 70]"),
        Problem("efficacy.csv", 2, "unit", "percent for a rate", "months"),
        Problem("efficacy.csv", 2, "count", "at most n_analysed (30)", 40),
        Problem("efficacy.csv", 2, "value", "count/n_analysed = 40/30 = 133.3% to rounding", "50.0"),
        Problem("efficacy.csv", 3, "ci_high", "both confidence limits or neither", "only one"),
        Problem("efficacy.csv", 4, "ci_low", "ci_low <= ci_high (8)", 9.0),
        Problem("efficacy.csv", 4, "value", "a percentage from 0 to 100", 136.9),
    ]


def test_adverse_event_values_in_row_order_with_severity():
    problems = relations(
        # The second T/A row has no n_safety: it does not hide the first row's.
        arms=[arm("T", "A", n_safety="20"), arm("T", "A")],
        adverse_events=[
            dict(trial_id="T", arm_id="A", count="35", pct="50.0", n_at_risk="30"),
            dict(trial_id="T", arm_id="A", n_at_risk="20"),
            dict(trial_id="T", arm_id="A", count="5", pct="30.0", n_at_risk="20", discrepancy="Table 2 differs"),
            dict(trial_id="T", arm_id="A", count="5", pct="25", n_at_risk="20"),
        ],
    )
    assert problems == [
        Problem("adverse_events.csv", 2, "count", "at most n_at_risk (30)", 35),
        Problem("adverse_events.csv", 2, "pct", "count/n_at_risk = 35/30 = 116.7% to rounding", "50.0"),
        Problem("adverse_events.csv", 2, "n_at_risk", "the arm's n_safety (20)", 30),
        Problem(
            "adverse_events.csv", 3, "count",
            "a count or a pct (or both; or count, pct and n_at_risk all empty for an event named in words only)", "neither",
        ),
        Problem("adverse_events.csv", 4, "pct", "count/n_at_risk = 5/20 = 25.0% to rounding", "30.0", "warning"),
    ]  # fmt: skip


def test_adverse_event_named_in_words_only_needs_no_figures_but_figures_need_n_at_risk():
    problems = relations(
        arms=[arm("T", "A")],
        adverse_events=[
            dict(trial_id="T", arm_id="A"),  # count, pct and n_at_risk empty: named in words only
            dict(trial_id="T", arm_id="A", pct="7"),
        ],
    )
    assert problems == [Problem("adverse_events.csv", 3, "n_at_risk", "a value (a whole number >= 1) with a count or a pct", "")]


def test_adverse_event_terms_each_column_against_the_last_mapping():
    mapping = dict(trial_id="T", term_reported="tired", soc="General", level="term")
    problems = relations(
        ae_terms=[dict(mapping, term="Fatigue"), dict(mapping, term="Tiredness")],
        adverse_events=[
            dict(trial_id="T", arm_id="A", term_reported="tired", term="Fatigue", soc="Other", level="soc",
                 count="1", n_at_risk="9"),
            dict(trial_id="T", arm_id="A", term_reported="sleepy", term="Fatigue", soc="General", level="term",
                 count="1", n_at_risk="9"),
            dict(trial_id="T", arm_id="A", term_reported="tired", term="Tiredness", soc="General", level="term",
                 count="1", n_at_risk="9"),
        ],
        comparisons=[
            dict(trial_id="T", endpoint="AE_G3_4", term="Tiredness"),
            dict(trial_id="T", endpoint="AE_G3_4", term="Sleepiness"),
            # On a time-to-event endpoint `term` names a model term, not an adverse event.
            dict(trial_id="T", endpoint="PFS", term="treatment × time interaction"),
        ],
    )
    assert problems == [
        Problem("adverse_events.csv", 2, "term", "'Tiredness' as mapped in ae_terms.csv", "Fatigue"),
        Problem("adverse_events.csv", 2, "soc", "'General' as mapped in ae_terms.csv", "Other"),
        Problem("adverse_events.csv", 2, "level", "'term' as mapped in ae_terms.csv", "soc"),
        Problem("adverse_events.csv", 3, "term_reported", "a term listed for T in ae_terms.csv", "sleepy"),
        Problem("comparisons.csv", 3, "term", "a harmonized term from ae_terms.csv", "Sleepiness"),
    ]


def test_grade_bands_in_order_of_first_appearance_with_the_last_duplicate():
    def band(term: str, grade: str, **cells: str) -> dict[str, str]:
        return dict(trial_id="T", arm_id="A", level="term", term=term, grade=grade, n_at_risk="50", **cells)

    problems = relations(
        adverse_events=[
            band("Y", "all", count="10"),
            band("X", "3-4", count="2"),
            band("X", "3", count="5"),
            band("X", "3", count="1"),  # the last grade 3 row of band X counts
            band("X", "4", count="2"),
            band("Y", "4", pct="10.0"),
            band("Y", "3-4", pct="8.0", discrepancy="Abstract and Table 2 differ"),
            band("Z", "3-4", pct="5.0"),
            band("Z", "3", pct="5.04"),  # within half a unit of the last digit of each row
        ]
    )
    assert problems == [
        # Band Y first appears on line 2, before band X (line 3), so it is reported first.
        Problem("adverse_events.csv", 8, "pct", "at least grade 3 + grade 4 = 10.0% to rounding", "8.0", "warning"),
        # 2 is not below either grade alone (1, 2): a patient may count under both grades.
        Problem("adverse_events.csv", 3, "count", "at least grade 3 + grade 4 = 3, unless some patients count "
                "under both grades (cannot be reconciled without per-patient data)", 2),
    ]


def test_dose_cycles_are_compared_with_the_highest_cycle_before():
    def dose(cycle: str, drug: str = "sorafenib") -> dict[str, str]:
        return dict(trial_id="T", arm_id="A", drug=drug, cycle=cycle)

    cycles = [dose("1"), dose("3"), dose("2"), dose("1", "paclitaxel"), dose(""), dose("2"), dose("4")]
    problems = relations(dosing=cycles)
    assert problems == [
        Problem("dosing.csv", 4, "cycle", "a cycle after 3 (cycles in increasing order)", 2),
        Problem("dosing.csv", 7, "cycle", "a cycle after 3 (cycles in increasing order)", 2),
    ]


def test_baseline_problems_of_one_row_in_check_order():
    problems = relations(
        baseline=[
            dict(count="40", pct="50.0", n="30", range_low="9", range_high="3"),
            dict(count="19", pct="61", n="30", discrepancy="Table 1 prints 61%"),
            dict(count="20", pct="66.6", n="30"),
        ]
    )
    assert problems == [
        Problem("baseline.csv", 2, "count", "at most n (30)", 40),
        Problem("baseline.csv", 2, "pct", "count/n = 40/30 = 133.3% to rounding", "50.0"),
        Problem("baseline.csv", 2, "range_low", "range_low <= range_high", 9.0),
        Problem("baseline.csv", 3, "pct", "count/n = 19/30 = 63.3% to rounding", "61", "warning"),
    ]


def test_an_empty_arm_id_is_reported_not_a_crash(tmp_path):
    """arms.csv with an empty arm_id and a per-arm row naming a missing arm of that trial: both
    are reported (this used to raise TypeError while listing the trial's arms)."""
    import shutil

    from evidence.loading import read_directory, validate_files

    data = tmp_path / "data"
    shutil.copytree("data", data)
    lines = (data / "arms.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("arm_id")] = ""
    lines[1] = ",".join(cells)
    (data / "arms.csv").write_text("\n".join(lines) + "\n")
    result, problems = validate_files(read_directory(data))
    assert result is None
    text = [str(p) for p in problems]
    assert any(t.startswith("arms.csv, line 2, column arm_id: expected a value") for t in text), text[:5]
    assert any("column arm_id: expected an arm of" in t for t in text), text[:5]


def test_a_documented_discrepancy_no_rule_reports_is_a_warning_once():
    def band(term: str, grade: str, **cells: str) -> dict[str, str]:
        return dict(trial_id="T", arm_id="A", level="term", term=term, grade=grade, n_at_risk="30", **cells)

    problems = relations(
        adverse_events=[
            band("X", "3", count="2", discrepancy="Text gives 2, Table 1"),  # band X is warned on its 3-4 row
            band("X", "3-4", count="1"),
            band("Y", "3-4", pct="5.0", discrepancy="Text P 0.03, Table P 0.05"),  # no rule sees this
        ],
        baseline=[dict(count="3", pct="10.0", n="30", discrepancy="Abstract says 4")],
    )
    assert problems == [
        Problem("adverse_events.csv", 3, "count", "at least grade 3 + grade 4 = 2", 1, "warning"),
        Problem("adverse_events.csv", 4, "discrepancy",
                "a source that agrees with itself (a documented discrepancy no rule checks)",
                "Text P 0.03, Table P 0.05", "warning"),
        Problem("baseline.csv", 2, "discrepancy",
                "a source that agrees with itself (a documented discrepancy no rule checks)", "Abstract says 4",
                "warning"),
    ]
