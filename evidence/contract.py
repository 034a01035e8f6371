"""Data contract v3: every curated table and column, declared once with its meaning.

The loader, the validator, the data dictionary (`data/README.md`) and the upload template all read
these declarations, so a column is described in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT_VERSION = "3"

ENDPOINTS = ("PFS", "OS", "TTP", "TTT", "ORR", "CCR", "TBRR", "OS_12M")
"""Efficacy endpoints. Time-to-event: PFS, OS, TTP (time to progression), TTT (time to next
treatment). Rates: ORR (overall response), CCR (clinical control), TBRR (tumour burden
reduction), OS_12M (1-year survival)."""
TIME_TO_EVENT_ENDPOINTS = ("PFS", "OS", "TTP", "TTT")
RATE_ENDPOINTS = ("ORR", "CCR", "TBRR", "OS_12M")
AE_ENDPOINTS = ("AE_G3_4", "AE_G3_5")
"""Comparison endpoints for adverse-event P values: grade 3-4, or grades 3-5 combined."""

ENDPOINT_LABELS = {
    "PFS": "Progression-free survival",
    "OS": "Overall survival",
    "TTP": "Time to progression",
    "TTT": "Time to next treatment",
    "ORR": "Overall response rate",
    "CCR": "Clinical control rate",
    "TBRR": "Tumour burden reduction rate",
    "OS_12M": "1-year survival",
    "AE_G3_4": "Grade 3-4 adverse events",
    "AE_G3_5": "Grade 3-5 adverse events",
}

GRADES = ("all", "3", "4", "3-4")
REGISTRY_GRADES = ("serious", "non-serious")
"""Grade bands of registry results (ClinicalTrials.gov), which carry no CTCAE grade: serious
adverse events, and other (non-serious) adverse events reported above the record's frequency
threshold. Accepted in adverse_events.csv beside GRADES; the toxicity filter offers GRADES, and
these only when the session's data hold such rows."""
GRADE_LABELS = {
    "all": "All grades",
    "3": "Grade 3",
    "4": "Grade 4",
    "3-4": "Grade 3–4",
    "serious": "Serious (registry)",
    "non-serious": "Non-serious (registry)",
}
"""How a grade band reads in the filter panel, figure titles, hovers and export phrases (lower
case there): declared once, a range written with an en dash."""
ROLES = ("experimental", "control", "single", "other")
"""`other`: a group outside the randomised comparison (an open-label extension, a crossover subset,
a pooled group), as registry results list them."""
ANALYSES = ("primary", "secondary", "exploratory", "sensitivity", "subgroup")
STATUSES = ("completed", "stopped early", "terminated", "ongoing", "not reported")
AE_LEVELS = ("term", "soc", "any")
FLOW_STAGES = (
    "enrolled",
    "randomised",
    "ineligible",
    "never treated",
    "completed",
    "not completed",
    "not analysed",
    "baseline set",
    "efficacy set",
    "safety set",
    "within efficacy set",
    "events",
)
"""Steps of patient flow (flow.csv), in the order a flow diagram draws them. `within efficacy set`:
patients the document lists inside an analysed population (never started treatment, received
non-protocol therapy, refused follow-up); `events`: progression or death counted at the analysis.
`completed` / `not completed` (with the reasons for not completing) and `baseline set` (the
participants whose baseline characteristics are given) are the steps a ClinicalTrials.gov record
posts (its first period's COMPLETED and NOT COMPLETED milestones, drop-out reasons, and the
baseline participants); the curated documents use the others."""
EVENT_GRADES = ("1", "2", "3", "4", "5", "not stated")
"""CTCAE grade of one described event (event_outcomes.csv); 5 is death from the event."""
EVENT_OUTCOMES = ("death", "drug discontinued", "treatment interrupted", "dose reduced")
ATTRIBUTIONS = ("unrelated", "at least possibly related", "related", "not stated")
"""The investigators' judgement of whether an event was caused by treatment, as the document says."""
FINDING_TOPICS = ("quality of life", "efficacy", "safety", "exposure", "population", "registry")


@dataclass(frozen=True)
class Column:
    """One column: its type, whether a value is required, and what it may hold."""

    name: str
    kind: str  # "str", "int", "float", "bool"
    help: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    source_ref: bool = False  # "SOURCE_ID: locator" text, checked against sources.csv
    upload_may_omit: bool = False  # an uploaded file may leave the column out of its header

    def expected(self) -> str:
        """Plain words for what a cell must hold, used in every validation message."""
        words = {
            "str": "text",
            "int": "a whole number",
            "float": "a number",
            "bool": "true or false",
        }[self.kind]
        if self.allowed:
            words = "one of: " + ", ".join(self.allowed)
        if self.minimum is not None and self.maximum is not None:
            words += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            words += f" >= {self.minimum:g}"
        if self.source_ref:
            words = "'SOURCE_ID: locator' naming a source in sources.csv"
        return words


@dataclass(frozen=True)
class Table:
    """One CSV file of the contract."""

    name: str
    help: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _source(help_text: str = "Document and locator: 'SOURCE_ID: Table 2; Results'.") -> Column:
    return Column("source", "str", help_text, required=True, source_ref=True)


PASSAGE_SEPARATOR = " … "
"""Joins the excerpts of one passage that are not adjacent in the document (a table's header and
its row; two sentences of one paragraph). The documents never print it themselves."""

_PASSAGE = Column(
    "passage",
    "str",
    "The words the row was read from, copied from the document with whitespace collapsed: a "
    "sentence, or a flattened table row with its header (at most about 300 characters; the "
    "documents themselves are not redistributed). Excerpts that are not adjacent are joined by "
    f"'{PASSAGE_SEPARATOR.strip()}'. A derived row holds the passage of the rows it is computed "
    "from. Optional in an upload (the column may be left out or empty).",
    upload_may_omit=True,
)


_DERIVED = Column(
    "derived",
    "bool",
    "true when the value was computed (a sum, a CI from counts), not printed in the source.",
    required=True,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "sources",
            "The documents every number comes from.",
            (
                Column("source_id", "str", "Identifier used by other tables.", required=True),
                Column("citation", "str", "Human-readable citation.", required=True),
                Column(
                    "kind",
                    "str",
                    "Document type.",
                    required=True,
                    allowed=("article", "registry record", "abstract"),
                ),
                Column("document", "str", "Seed file name of the source text.", required=True),
                Column("registry_ids", "str", "Registry numbers, '; '-separated."),
            ),
            key=("source_id",),
        ),
        Table(
            "trials",
            "One row per trial.",
            (
                Column("trial_id", "str", "Trial identifier.", required=True),
                Column("acronym", "str", "Short name, when the trial has one."),
                Column("title", "str", "Full title.", required=True),
                Column("registry_ids", "str", "Registry numbers, '; '-separated."),
                Column("disease", "str", "Disease and population.", required=True),
                Column("disease_group", "str", "Disease for filtering (breast cancer, ...).", required=True),
                Column("setting", "str", "Line of therapy."),
                Column("phase", "str", "Phase as stated (2, 2b, 3).", required=True),
                Column("design", "str", "Design in words."),
                Column("blinding", "str", "open-label, double-blind, ...; empty if not stated."),
                Column("randomized", "str", "yes or no.", required=True, allowed=("yes", "no")),
                Column("status", "str", "Trial status.", required=True, allowed=STATUSES),
                Column("stop_reason", "str", "Why the trial stopped early, as stated."),
                Column("n_planned", "int", "Planned sample size.", minimum=0),
                Column("n_enrolled", "int", "Patients enrolled or randomized.", minimum=0),
                Column("start", "str", "Start of enrolment (YYYY-MM or YYYY-MM-DD)."),
                Column("end", "str", "Study completion date."),
                Column("enrolment_end", "str", "End of enrolment."),
                Column("data_cutoff", "str", "Data cut-off of the reported analysis."),
                Column("agent", "str", "Investigational agent.", required=True),
                Column("source_id", "str", "Main source document (sources.csv).", required=True),
                _source(),
                _PASSAGE,
                Column("notes", "str", "Qualitative findings and caveats, in words."),
            ),
            key=("trial_id",),
        ),
        Table(
            "arms",
            "Treatment arms of each trial.",
            (
                Column("trial_id", "str", "Trial (trials.csv).", required=True),
                Column("arm_id", "str", "Arm identifier within the trial.", required=True),
                Column("label", "str", "Arm name shown in the app.", required=True),
                Column("role", "str", "Role in comparisons.", required=True, allowed=ROLES),
                Column("regimen", "str", "Treatment regimen in words.", required=True),
                Column("n_randomized", "int", "Patients randomized to the arm.", minimum=0),
                Column("n_efficacy", "int", "Patients in the efficacy analysis set.", minimum=0),
                Column("n_safety", "int", "Patients in the safety analysis set.", minimum=0),
                _source(),
                _PASSAGE,
            ),
            key=("trial_id", "arm_id"),
        ),
        Table(
            "efficacy",
            "Efficacy results per arm: medians (months) and rates (percent).",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm (arms.csv).", required=True),
                Column("endpoint", "str", "Endpoint code.", required=True, allowed=ENDPOINTS),
                Column(
                    "statistic", "str", "median or rate.", required=True, allowed=("median", "rate")
                ),
                Column("value", "float", "The estimate.", required=True, minimum=0),
                Column(
                    "unit", "str", "months or percent.", required=True, allowed=("months", "percent")
                ),
                Column("ci_low", "float", "Lower 95% confidence limit.", minimum=0),
                Column("ci_high", "float", "Upper 95% confidence limit.", minimum=0),
                Column(
                    "count",
                    "int",
                    "Events (time-to-event) or responders (rates).",
                    minimum=0,
                ),
                Column("n_analysed", "int", "Patients analysed.", minimum=0),
                Column("population", "str", "Analysis population in words.", required=True),
                Column("analysis", "str", "Kind of analysis.", required=True, allowed=ANALYSES),
                Column("subgroup", "str", "Subgroup; empty for the whole population."),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column("note", "str", "Definition or caveat."),
            ),
            key=("trial_id", "arm_id", "endpoint", "statistic", "analysis", "subgroup"),
        ),
        Table(
            "comparisons",
            "Between-arm comparisons; every ratio is experimental versus control.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column(
                    "endpoint",
                    "str",
                    "Endpoint code.",
                    required=True,
                    allowed=ENDPOINTS + AE_ENDPOINTS,
                ),
                Column("experimental_arm", "str", "Arm with role experimental.", required=True),
                Column("control_arm", "str", "Arm with role control.", required=True),
                Column(
                    "statistic",
                    "str",
                    "HR (hazard ratio), or p_only when only a P value is reported.",
                    required=True,
                    allowed=("HR", "p_only"),
                ),
                Column("value", "float", "The ratio (empty for p_only).", minimum=0),
                Column("ci_low", "float", "Lower 95% confidence limit.", minimum=0),
                Column("ci_high", "float", "Upper 95% confidence limit.", minimum=0),
                Column("p_value", "float", "P value as a number, when exact.", minimum=0, maximum=1),
                Column("p_text", "str", "P value as printed, e.g. '<0.001'."),
                Column("test", "str", "Statistical test, when stated."),
                Column("analysis", "str", "Kind of analysis.", required=True, allowed=ANALYSES),
                Column("subgroup", "str", "Subgroup; empty for the whole population."),
                Column(
                    "term",
                    "str",
                    "Harmonized adverse-event term, for AE endpoints; for a time-to-event endpoint, the model "
                    "term a P value belongs to (e.g. treatment × time interaction).",
                ),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column("note", "str", "Caveat."),
            ),
            key=("trial_id", "endpoint", "statistic", "analysis", "subgroup", "term"),
        ),
        Table(
            "adverse_events",
            "Adverse events per arm and grade band, as reported.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm.", required=True),
                Column(
                    "level",
                    "str",
                    "term (one event), soc (organ-class total) or any (any event).",
                    required=True,
                    allowed=AE_LEVELS,
                ),
                Column("soc", "str", "System organ class.", required=True),
                Column("term_reported", "str", "Event term as printed.", required=True),
                Column("term", "str", "Harmonized term (ae_terms.csv).", required=True),
                Column(
                    "grade",
                    "str",
                    "Grade band (serious / non-serious: registry records, which give no CTCAE grade).",
                    required=True,
                    allowed=GRADES + REGISTRY_GRADES,
                ),
                Column(
                    "count",
                    "int",
                    "Patients with the event. count, pct and n_at_risk all empty: the document "
                    "names the event in words only (shown as 'reported, no figures').",
                    minimum=0,
                ),
                Column("pct", "float", "Percent of patients at risk.", minimum=0, maximum=100),
                Column(
                    "n_at_risk",
                    "int",
                    "Patients at risk (safety set); required with a count or a pct.",
                    minimum=1,
                ),
                Column("ctcae_version", "str", "CTCAE / CTC version used for grading."),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column(
                    "discrepancy",
                    "str",
                    "Where the document disagrees with itself: what disagrees (turns a "
                    "consistency error into a warning).",
                ),
            ),
            key=("trial_id", "arm_id", "level", "term", "grade"),
        ),
        Table(
            "dosing",
            "Sorafenib schedule and delivered dose per cycle.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm.", required=True),
                Column("drug", "str", "Drug.", required=True),
                Column("cycle", "int", "Cycle number (1-based).", required=True, minimum=1),
                Column("cycle_days", "int", "Cycle length in days.", minimum=1),
                Column("planned_daily_mg", "float", "Planned daily dose (mg).", minimum=0),
                Column(
                    "planned_derived",
                    "bool",
                    "true when the planned daily dose was computed from a twice-daily schedule.",
                    required=True,
                ),
                Column(
                    "delivered_mean_daily_mg", "float", "Mean daily dose delivered (mg).", minimum=0
                ),
                Column("schedule", "str", "Schedule as printed.", required=True),
                _source(),
                _PASSAGE,
                Column("note", "str", "Caveat."),
            ),
            key=("trial_id", "arm_id", "drug", "cycle"),
        ),
        Table(
            "design",
            "Design assumptions behind each trial's sample size.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("endpoint", "str", "Primary endpoint.", required=True, allowed=ENDPOINTS),
                Column("scenario", "str", "Which design calculation.", required=True),
                Column("assumed_control_median", "float", "Assumed control median (months).", minimum=0),
                Column(
                    "assumed_experimental_median",
                    "float",
                    "Assumed experimental median (months).",
                    minimum=0,
                ),
                Column("target_hr", "float", "Hazard ratio under the alternative.", minimum=0),
                Column("decision_hr", "float", "Observed HR that counts as success.", minimum=0),
                Column("null_rate", "float", "Rate under the null (percent).", minimum=0, maximum=100),
                Column(
                    "alternative_rate",
                    "float",
                    "Rate under the alternative (percent).",
                    minimum=0,
                    maximum=100,
                ),
                Column("planned_events", "int", "Events required.", minimum=0),
                Column("planned_n", "int", "Planned patients.", minimum=0),
                Column("alpha", "float", "Type I error.", minimum=0, maximum=1),
                Column("sided", "str", "one or two.", allowed=("one", "two")),
                Column("power", "float", "Power.", minimum=0, maximum=1),
                _source(),
                _PASSAGE,
                Column("note", "str", "Caveat."),
            ),
            key=("trial_id", "endpoint", "scenario"),
        ),
        Table(
            "baseline",
            "Patient characteristics by arm.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm.", required=True),
                Column("characteristic", "str", "Characteristic.", required=True),
                Column("category", "str", "Category or summary statistic.", required=True),
                Column("count", "int", "Patients.", minimum=0),
                Column("pct", "float", "Percent as printed.", minimum=0, maximum=100),
                Column("mean", "float", "Mean."),
                Column("sd", "float", "Standard deviation.", minimum=0),
                Column("median", "float", "Median."),
                Column("range_low", "float", "Range, lower end."),
                Column("range_high", "float", "Range, upper end."),
                Column("n", "int", "Denominator (patients in the arm).", minimum=1),
                _source(),
                _PASSAGE,
                Column("discrepancy", "str", "Where the printed numbers disagree, what disagrees."),
            ),
            key=("trial_id", "arm_id", "characteristic", "category"),
        ),
        Table(
            "ae_terms",
            "Reported adverse-event terms mapped to harmonized terms and organ classes.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("term_reported", "str", "Term as printed.", required=True),
                Column("term", "str", "Harmonized term.", required=True),
                Column("soc", "str", "System organ class.", required=True),
                Column("level", "str", "term, soc or any.", required=True, allowed=AE_LEVELS),
            ),
            key=("trial_id", "term_reported"),
        ),
        Table(
            "flow",
            "Patient flow: how many patients were enrolled, randomised, excluded (with reasons), "
            "treated and analysed, per arm or for the whole trial.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm (arms.csv); empty for the whole trial."),
                Column("stage", "str", "Step of the flow.", required=True, allowed=FLOW_STAGES),
                Column(
                    "reason",
                    "str",
                    "One reason within the stage, as printed; empty for the stage's total. A "
                    "stage's reasons add up to at most its total.",
                ),
                Column("count", "int", "Patients.", required=True, minimum=0),
                Column(
                    "population",
                    "str",
                    "For an analysed set: the analysis population in the document's words (who is "
                    "in it, and analysed as randomised or as treated).",
                ),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column("note", "str", "Caveat (e.g. what the extraction cannot attribute to an arm)."),
            ),
            key=("trial_id", "arm_id", "stage", "reason"),
        ),
        Table(
            "exposure",
            "Treatment delivered and stopped: discontinuations, dose modifications, doses not "
            "given, cycles and durations, per arm.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm.", required=True),
                Column("drug", "str", "Drug the measure is about; empty for the whole regimen."),
                Column("measure", "str", "What was counted or measured, in words.", required=True),
                Column("count", "int", "Patients (or doses: see count_of) with the event.", minimum=0),
                Column(
                    "count_of",
                    "str",
                    "What count and denominator count; required with a count.",
                    allowed=("patients", "planned applications"),
                ),
                Column("denominator", "int", "Patients (or planned doses) the count is out of.", minimum=1),
                Column("pct", "float", "Percent as printed.", minimum=0, maximum=100),
                Column("value", "float", "A median or other summary (e.g. 5.1 months, 6 cycles).", minimum=0),
                Column("unit", "str", "Unit of value (months, cycles); required with a value."),
                Column("population", "str", "Patients the measure covers (safety set, eligible patients)."),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column("note", "str", "Definition or caveat (e.g. a denominator read from the percentage)."),
                Column(
                    "discrepancy",
                    "str",
                    "Where the document disagrees with itself: what disagrees (turns a consistency "
                    "error into a warning).",
                ),
            ),
            key=("trial_id", "arm_id", "drug", "measure"),
        ),
        Table(
            "event_outcomes",
            "Fatal and treatment-limiting adverse events as the document describes them: the event, "
            "its grade, what it led to, and whether the investigators judged it related.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm.", required=True),
                Column("event_reported", "str", "The event as printed.", required=True),
                Column("term", "str", "Harmonized term (ae_terms.csv) where one fits; empty otherwise."),
                Column("grade", "str", "CTCAE grade of the event.", required=True, allowed=EVENT_GRADES),
                Column("outcome", "str", "What the event led to.", required=True, allowed=EVENT_OUTCOMES),
                Column("drug", "str", "Drug stopped, interrupted or reduced; required for those outcomes."),
                Column(
                    "attribution",
                    "str",
                    "Relation to treatment as judged in the document.",
                    required=True,
                    allowed=ATTRIBUTIONS,
                ),
                Column("count", "int", "Patients.", required=True, minimum=0),
                Column("n_at_risk", "int", "Patients at risk (the arm's safety set).", minimum=1),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column("note", "str", "Caveat."),
            ),
            key=("trial_id", "arm_id", "event_reported", "grade", "outcome"),
        ),
        Table(
            "findings",
            "Findings the documents state in words, with their numbers where given: quality of "
            "life, imbalances, covariate effects, what a registry record holds.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm; empty when the finding is about the trial or compares arms."),
                Column("topic", "str", "Topic.", required=True, allowed=FINDING_TOPICS),
                Column("finding", "str", "The finding, in the document's words where possible.", required=True),
                Column("timepoint", "str", "Time point or date the finding refers to (week 17; 2014-03-26)."),
                Column("count", "int", "Patients (or questionnaires) the finding counts.", minimum=0),
                Column("value", "float", "A number the finding reports, other than a count."),
                Column("unit", "str", "Unit of value; required with a value."),
                _DERIVED,
                _source(),
                _PASSAGE,
                Column("note", "str", "Caveat."),
            ),
            key=("trial_id", "arm_id", "topic", "finding", "timepoint"),
        ),
        Table(
            "survival_ipd",
            "Optional patient-level survival data.",
            (
                Column("trial_id", "str", "Trial.", required=True),
                Column("arm_id", "str", "Arm.", required=True),
                Column(
                    "endpoint",
                    "str",
                    "Time-to-event endpoint.",
                    required=True,
                    allowed=TIME_TO_EVENT_ENDPOINTS,
                ),
                Column("time_months", "float", "Follow-up time (months).", required=True, minimum=0),
                Column("event", "int", "1 = event, 0 = censored.", required=True, minimum=0, maximum=1),
            ),
            key=(),
            optional=True,
        ),
    )
}

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if not t.optional)


def data_dictionary_markdown() -> str:
    """The data dictionary as Markdown, generated from the declarations above."""
    lines = [
        "# Data dictionary (contract v" + CONTRACT_VERSION + ")",
        "",
        "Generated by `python -m evidence dictionary`; do not edit by hand (a test compares).",
        "",
        "CSV files, UTF-8 without byte-order mark, comma-delimited, one header row. An empty cell "
        "means *not reported*. Columns may be added; these may not be renamed. Every value carries "
        "its source as `SOURCE_ID: locator` and, in `passage`, the words it was read from; a value "
        "computed rather than printed has `derived` true.",
        "",
    ]
    for table in TABLES.values():
        optional = " (optional)" if table.optional else ""
        lines += [f"## `{table.file}`{optional}", "", table.help, ""]
        if table.key:
            lines += ["Unique key: " + ", ".join(f"`{k}`" for k in table.key) + ".", ""]
        lines += ["| column | required | expected | meaning |", "|---|---|---|---|"]
        for c in table.columns:
            lines.append(
                f"| `{c.name}` | {'yes' if c.required else ''} | {c.expected()} | {c.help} |"
            )
        lines.append("")
    return "\n".join(lines)
