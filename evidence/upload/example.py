"""The example trial of the template: one made-up trial with a row in every table, consistent with
every validation rule, plainly marked "Illustrative example, not real data"."""

from __future__ import annotations

EXAMPLE_TRIAL = "EXAMPLE-TRIAL"
EXAMPLE_SOURCE = "EXAMPLE_SOURCE"
_EX = f"{EXAMPLE_SOURCE}: "
_PFS_PASSAGE = (
    "Illustrative example: median PFS was 4.0 months (95% CI 3.1 to 5.2) with placebo and 6.0 months "
    "(95% CI 4.8 to 7.5) with the example drug (hazard ratio 0.65, 95% CI 0.42 to 0.99; log-rank P = 0.045)."
)
"""The example's `passage`: the words a row was read from (optional; some example rows leave it empty)."""

EXAMPLE_ROWS: dict[str, list[dict[str, str]]] = {
    "sources": [
        {
            "source_id": EXAMPLE_SOURCE,
            "citation": "Illustrative example, not real data",
            "kind": "article",
            "document": "none (illustrative example)",
        }
    ],
    "trials": [
        {
            "trial_id": EXAMPLE_TRIAL,
            "acronym": "EXAMPLE",
            "title": "Illustrative example trial: example drug versus placebo (not real data)",
            "disease": "Illustrative example population (not real data)",
            "disease_group": "illustrative example",
            "setting": "1st line",
            "phase": "2",
            "design": "Randomized 1:1, two-arm (illustrative)",
            "blinding": "double-blind",
            "randomized": "yes",
            "status": "completed",
            "n_planned": "100",
            "n_enrolled": "100",
            "start": "2020-01",
            "end": "2022-12",
            "enrolment_end": "2021-06",
            "data_cutoff": "2022-06",
            "agent": "example drug",
            "source_id": EXAMPLE_SOURCE,
            "source": _EX + "Table 1",
            "notes": "Illustrative example, not real data: shows the format of an upload.",
        }
    ],
    "arms": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "A", "label": "Arm A: placebo", "role": "control",
            "regimen": "Placebo twice daily", "n_randomized": "50", "n_efficacy": "50", "n_safety": "50",
            "source": _EX + "Table 1",
        },
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "label": "Arm B: example drug", "role": "experimental",
            "regimen": "Example drug 400 mg twice daily", "n_randomized": "50", "n_efficacy": "50", "n_safety": "49",
            "source": _EX + "Table 1",
        },
    ],
    "efficacy": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "endpoint": "PFS", "statistic": "median", "value": value,
            "unit": "months", "ci_low": low, "ci_high": high, "count": events, "n_analysed": "50",
            "population": "ITT", "analysis": "primary", "derived": "false", "source": _EX + "Table 2",
            "passage": _PFS_PASSAGE,
        }
        for arm, value, low, high, events in (("A", "4.0", "3.1", "5.2", "40"), ("B", "6.0", "4.8", "7.5", "35"))
    ]
    + [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "endpoint": "ORR", "statistic": "rate", "value": value,
            "unit": "percent", "count": count, "n_analysed": "50", "population": "ITT", "analysis": "secondary",
            "derived": "false", "source": _EX + "Table 2",
        }
        for arm, value, count in (("A", "10.0", "5"), ("B", "24.0", "12"))
    ],
    "comparisons": [
        {
            "trial_id": EXAMPLE_TRIAL, "endpoint": "PFS", "experimental_arm": "B", "control_arm": "A",
            "statistic": "HR", "value": "0.65", "ci_low": "0.42", "ci_high": "0.99", "p_value": "0.045",
            "p_text": "0.045", "test": "log-rank", "analysis": "primary", "derived": "false",
            "source": _EX + "Table 2", "passage": _PFS_PASSAGE,
        }
    ],
    "adverse_events": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "level": "term", "soc": soc, "term_reported": term,
            "term": term, "grade": grade, "count": count, "pct": pct, "n_at_risk": n, "ctcae_version": "5.0",
            "derived": "false", "source": _EX + "Table 3",
        }
        for arm, n, term, soc, grade, count, pct in (
            ("A", "50", "Diarrhoea", "Gastrointestinal disorders", "all", "10", "20.0"),
            ("A", "50", "Diarrhoea", "Gastrointestinal disorders", "3-4", "2", "4.0"),
            ("B", "49", "Diarrhoea", "Gastrointestinal disorders", "all", "20", "40.8"),
            ("B", "49", "Diarrhoea", "Gastrointestinal disorders", "3-4", "5", "10.2"),
            ("A", "50", "Rash", "Skin and subcutaneous tissue disorders", "all", "4", "8.0"),
            ("B", "49", "Rash", "Skin and subcutaneous tissue disorders", "all", "15", "30.6"),
        )
    ],
    "ae_terms": [
        {"trial_id": EXAMPLE_TRIAL, "term_reported": "Diarrhoea", "term": "Diarrhoea", "soc": "Gastrointestinal disorders", "level": "term"},
        {"trial_id": EXAMPLE_TRIAL, "term_reported": "Rash", "term": "Rash", "soc": "Skin and subcutaneous tissue disorders", "level": "term"},
    ],
    "dosing": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "drug": "example drug", "cycle": cycle, "cycle_days": "28",
            "planned_daily_mg": "800", "planned_derived": "true", "delivered_mean_daily_mg": delivered,
            "schedule": "400 mg twice daily", "source": _EX + "Table 4",
            "note": "Planned daily dose computed from the twice-daily schedule",
        }
        for cycle, delivered in (("1", "760"), ("2", "720"))
    ],
    "design": [
        {
            "trial_id": EXAMPLE_TRIAL, "endpoint": "PFS", "scenario": "primary", "assumed_control_median": "4",
            "assumed_experimental_median": "6", "target_hr": "0.67", "planned_events": "80", "planned_n": "100",
            "alpha": "0.05", "sided": "two", "power": "0.8", "source": _EX + "Methods",
        }
    ],
    "baseline": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "characteristic": "Age (years)", "category": "mean (SD)",
            "mean": mean, "sd": sd, "n": "50", "source": _EX + "Table 1",
        }
        for arm, mean, sd in (("A", "60.1", "9.8"), ("B", "59.4", "10.2"))
    ]
    + [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "characteristic": "Sex", "category": "female",
            "count": count, "pct": pct, "n": "50", "source": _EX + "Table 1",
        }
        for arm, count, pct in (("A", "26", "52.0"), ("B", "24", "48.0"))
    ],
    "flow": [
        {"trial_id": EXAMPLE_TRIAL, "stage": "randomised", "count": "100", "derived": "false", "source": _EX + "Figure 1"},
    ]
    + [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": arm, "stage": stage, "count": count, "population": population,
            "derived": "false", "source": _EX + "Figure 1",
        }
        for arm, stage, count, population in (
            ("A", "efficacy set", "50", "ITT: all randomised, as randomised"),
            ("B", "efficacy set", "50", "ITT: all randomised, as randomised"),
            ("A", "safety set", "50", "all treated, as treated"),
            ("B", "safety set", "49", "all treated, as treated"),
            ("B", "never treated", "1", ""),
        )
    ]
    + [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "stage": "never treated", "reason": "withdrew consent",
            "count": "1", "derived": "false", "source": _EX + "Figure 1",
        }
    ],
    "exposure": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "drug": "example drug", "measure": "at least one dose reduction",
            "count": "18", "count_of": "patients", "denominator": "49", "pct": "36.7", "population": "safety set",
            "derived": "false", "source": _EX + "Table 4",
        },
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "drug": "example drug", "measure": "median duration of treatment",
            "value": "5.5", "unit": "months", "population": "safety set", "derived": "false", "source": _EX + "Table 4",
        },
    ],
    "event_outcomes": [
        {
            "trial_id": EXAMPLE_TRIAL, "arm_id": "B", "event_reported": "Diarrhoea", "term": "Diarrhoea", "grade": "3",
            "outcome": "drug discontinued", "drug": "example drug", "attribution": "related", "count": "2",
            "n_at_risk": "49", "derived": "false", "source": _EX + "Results",
        }
    ],
    "findings": [
        {
            "trial_id": EXAMPLE_TRIAL, "topic": "quality of life", "finding": "Quality-of-life questionnaire completed",
            "timepoint": "baseline", "count": "95", "derived": "false", "source": _EX + "Results",
            "passage": "Illustrative example: the questionnaire was completed by 95 patients at baseline.",
        }
    ],
    "survival_ipd": [
        {"trial_id": EXAMPLE_TRIAL, "arm_id": arm, "endpoint": "PFS", "time_months": t, "event": e}
        for arm, times in (
            ("A", (("1.8", "1"), ("2.9", "1"), ("3.6", "1"), ("4.1", "1"), ("5.0", "0"), ("6.3", "1"), ("8.2", "0"), ("9.5", "1"))),
            ("B", (("2.4", "1"), ("4.4", "1"), ("5.2", "0"), ("6.1", "1"), ("7.0", "1"), ("8.8", "0"), ("11.3", "1"), ("13.0", "0"))),
        )
        for t, e in times
    ],
}
"""One made-up trial, every table, consistent with every validation rule."""
