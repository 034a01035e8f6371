"""One study record -> ImportResult; a file of records (one, bulk JSON, .zip) -> ImportResult.

Order matters once: every module's groups are matched to arms first (participant flow, baseline,
each outcome measure, adverse events), then roles are read from the protocol, so comparisons
know which arm is experimental; then each module is mapped.
"""

from __future__ import annotations

import re

from evidence.ctgov import baseline, flow, outcomes, safety, trial
from evidence.ctgov.context import RecordContext, listed
from evidence.ctgov.reading import RECORD, ImportLimits, clean_label, read_records
from evidence.ctgov.result import ImportResult, combine, frame, registry_frame
from evidence.ctgov.values import text_of
from evidence.problems import Problem

_NCT = re.compile(r"^NCT\d{8}$")
EXTRA_COLUMNS = {
    "trials": ("data_version", "registry_status", "primary_completion", "interventions"),
    "sources": ("data_version",),
    "efficacy": ("time_frame", "unit_posted"),
    "comparisons": ("p_relation", "p_bound"),
    "adverse_events": ("num_events", "vocabulary", "assessment"),
}
"""Columns the importer adds beside the contract's (the contract allows added columns)."""


def _refuse(label: str, expected: str, found: str, column: str | None = None) -> ImportResult:
    return ImportResult({}, {}, (), (Problem(label, None, column, expected, found),), label)


def import_record(record: object, label: str | None = None) -> ImportResult:
    """Map one parsed study record (API v2 JSON: protocolSection, resultsSection) to the
    contract tables. A record that is not a study, has no NCT number or no posted results gives
    a problem and no tables."""
    label = label or "record.json"
    if not isinstance(record, dict) or not isinstance(record.get("protocolSection"), dict):
        found = f"JSON with keys {', '.join(sorted(map(str, record))[:6])}" if isinstance(record, dict) else f"a JSON {type(record).__name__}"
        return _refuse(label, RECORD, found)
    identification = record["protocolSection"].get("identificationModule")
    nct = text_of(identification.get("nctId")) if isinstance(identification, dict) else ""
    if not _NCT.match(nct):
        return _refuse(label, "an NCT number (NCT and 8 digits) in protocolSection.identificationModule.nctId", repr(nct) if nct else "none")
    results = record.get("resultsSection")
    if not isinstance(results, dict) or not results:
        return _refuse(label, "a record with posted results (resultsSection)",
                       f"no resultsSection: {nct} has no results posted on ClinicalTrials.gov")
    try:
        return _mapped(RecordContext(record, label, nct), label)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:
        return _refuse(label, "a study record in the API v2 shape", f"a value of an unexpected kind ({type(err).__name__}: {str(err)[:120]})")


def _mapped(ctx: RecordContext, label: str) -> ImportResult:
    module = ctx.module
    flow_groups = listed(module("resultsSection", "participantFlowModule").get("groups"))
    baseline_groups = listed(module("resultsSection", "baselineCharacteristicsModule").get("groups"))
    ctx.arms.resolve("participant flow", flow_groups, f"{flow.FLOW}.groups", ctx.nct)
    ctx.arms.resolve("baseline", baseline_groups, f"{baseline.MODULE}.groups", ctx.nct, exclude=baseline.total_group_ids(baseline_groups))
    for index, measure in enumerate(listed(module("resultsSection", "outcomeMeasuresModule").get("outcomeMeasures"))):
        if isinstance(measure, dict):
            ctx.arms.resolve("outcome", listed(measure.get("groups")), f"{outcomes.MODULE}[{index}].groups", ctx.nct)
    ctx.arms.resolve("adverse events", listed(module("resultsSection", "adverseEventsModule").get("eventGroups")),
                     f"{safety.MODULE}.eventGroups", ctx.nct)
    if not ctx.arms.arms:
        return _refuse(label, "at least one results group (participant flow, baseline, outcome or adverse-event groups)", "none")
    trial.assign_roles(ctx)
    trial_row, source_row = trial.trial_rows(ctx, label)
    mapped_outcomes = outcomes.map_outcomes(ctx)
    mapped_safety = safety.map_adverse_events(ctx)
    baseline_rows = baseline.map_baseline(ctx)
    flow_rows, registry_flow = flow.map_flow(ctx, randomized=trial_row["randomized"] == "yes")
    rows = {
        "sources": [source_row],
        "trials": [trial_row],
        "arms": trial.arm_rows(ctx),
        "efficacy": mapped_outcomes["efficacy"],
        "comparisons": mapped_outcomes["comparisons"],
        "adverse_events": mapped_safety["adverse_events"],
        "ae_terms": mapped_safety["ae_terms"],
        "baseline": baseline_rows,
        "flow": flow_rows,
    }
    tables = {name: frame(name, table_rows, EXTRA_COLUMNS.get(name, ())) for name, table_rows in rows.items()}
    extras = {
        "groups": registry_frame("groups", ctx.arms.rows),
        "outcomes": registry_frame("outcomes", mapped_outcomes["outcomes"]),
        "analyses": registry_frame("analyses", mapped_outcomes["analyses"]),
        "flow": registry_frame("flow", registry_flow),
    }
    return ImportResult(tables, extras, tuple(ctx.notes), (), label)


def import_records(content: bytes, filename: str, limits: ImportLimits = ImportLimits()) -> ImportResult:
    """Every study in an uploaded file: one record, the registry's bulk JSON (a list of studies
    or {"studies": [...]}), or a .zip of .json files. All or nothing: any problem in any record
    (or the same NCT number twice) loads nothing and lists every problem."""
    label = clean_label(filename)
    studies, problems = read_records(filename, content, limits)
    if not studies and not problems:
        problems = [Problem(label, None, None, RECORD, "no study")]
    results = [import_record(study, study_label) for study_label, study in studies]
    seen: dict[str, str] = {}
    duplicates = []
    for result in results:
        for trial_id in result.trial_ids:
            if trial_id in seen:
                duplicates.append(Problem(result.label, None, "trial_id", f"each study once (already in {seen[trial_id]})", trial_id))
            seen.setdefault(trial_id, result.label)
    combined = combine(results, label)
    if problems or duplicates:
        return ImportResult({}, {}, combined.report, tuple(problems) + combined.problems + tuple(duplicates), label)
    return combined


def check_against(result: ImportResult, data) -> list[Problem]:
    """Problems of importing ``result`` on top of ``data`` (a CuratedData: the bundled data plus
    earlier uploads), said once per study instead of once per duplicated row: an error for a
    study already loaded under its NCT number; a warning for a study whose NCT number a loaded
    trial lists among its registry ids (the same trial would show twice, under two names)."""
    trials = data.tables.get("trials")
    if trials is None:
        return []
    loaded = set(trials["trial_id"].dropna())
    listed_by: dict[str, str] = {}
    for trial_id, ids in zip(trials["trial_id"], trials["registry_ids"].fillna("")):
        for registry_id in str(ids).split(";"):
            listed_by.setdefault(registry_id.strip(), trial_id)
    problems = []
    for record in result.records or (result,):
        for nct in record.trial_ids:
            if nct in loaded:
                problems.append(Problem(record.label, None, "trial_id", "a study not loaded yet", f"{nct}, already loaded"))
            elif nct in listed_by:
                problems.append(Problem(record.label, None, "trial_id", f"a study other than the loaded trial {listed_by[nct]}",
                                        f"{nct}, a registry id of {listed_by[nct]}: the same trial would show twice", "warning"))
    return problems
