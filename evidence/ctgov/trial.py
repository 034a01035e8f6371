"""Protocol section -> trials and sources; results groups -> arms (with their roles).

A value the contract requires that the record does not give (a disease group for the filter, an
agent) is filled in from the record's own words and listed in the report as assumed.
"""

from __future__ import annotations

import re

from evidence.ctgov.context import RecordContext, listed
from evidence.ctgov.groups import ROLE_OF_ARM_TYPE, protocol_arm_for
from evidence.ctgov.result import ASSUMED
from evidence.ctgov.values import json_path, source_id_for, text_of, whole_text

STATUS = {
    "COMPLETED": "completed",
    "TERMINATED": "terminated",
    "WITHDRAWN": "terminated",
    "SUSPENDED": "stopped early",
    "ACTIVE_NOT_RECRUITING": "ongoing",
    "RECRUITING": "ongoing",
    "NOT_YET_RECRUITING": "ongoing",
    "ENROLLING_BY_INVITATION": "ongoing",
}
"""statusModule.overallStatus -> contract status (anything else: 'not reported'); the registry's
own word is kept in the `registry_status` column."""

DISEASE_GROUPS = (
    (r"breast", "breast cancer"),
    (r"renal cell|kidney cancer|renal cancer", "renal cell carcinoma"),
    (r"hepatocellular|liver cancer", "hepatocellular carcinoma"),
    (r"thyroid cancer|thyroid carcinoma", "thyroid cancer"),
    (r"colorectal|colon cancer|rectal cancer", "colorectal cancer"),
    (r"lung cancer|nsclc", "lung cancer"),
    (r"ovarian", "ovarian cancer"),
)
"""Disease group for the filter, from the record's conditions (first match); else the first
condition as posted."""

AGENT_TYPES = ("DRUG", "BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT")
_PLACEBO = re.compile(r"placebo", re.I)


def _phase(design: dict) -> str:
    phases = [text_of(p).upper() for p in listed(design.get("phases"))]
    if not phases:
        return "not applicable (" + (text_of(design.get("studyType")).lower() or "no phase posted") + ")"
    words = []
    for phase in phases:
        if phase == "NA":
            words.append("not applicable")
        elif phase == "EARLY_PHASE1":
            words.append("early 1")
        else:
            words.append(phase.replace("PHASE", ""))
    return "/".join(words)


def _date(status: dict, key: str) -> str:
    """The date of a statusModule date struct ('' when absent or not a struct)."""
    struct = status.get(key)
    return text_of(struct.get("date")) if isinstance(struct, dict) else ""


def _present(record: dict, path: str) -> bool:
    """Whether a dotted JSON path of plain keys names a value in the record."""
    value: object = record
    for key in path.split("."):
        if not isinstance(value, dict) or value.get(key) in (None, "", []):
            return False
        value = value[key]
    return True


def _words(value: object) -> str:
    return text_of(value).lower().replace("_", " ")


def trial_rows(ctx: RecordContext, label: str) -> tuple[dict, dict]:
    """(the trials row, the sources row) of the record."""
    ident = ctx.module("protocolSection", "identificationModule")
    status = ctx.module("protocolSection", "statusModule")
    design = ctx.module("protocolSection", "designModule")
    info = design.get("designInfo") if isinstance(design.get("designInfo"), dict) else {}
    masking = info.get("maskingInfo") if isinstance(info.get("maskingInfo"), dict) else {}
    enrolment = design.get("enrollmentInfo") if isinstance(design.get("enrollmentInfo"), dict) else {}
    conditions = [text_of(c) for c in listed(ctx.module("protocolSection", "conditionsModule").get("conditions")) if text_of(c)]
    interventions = [i for i in listed(ctx.module("protocolSection", "armsInterventionsModule").get("interventions")) if isinstance(i, dict)]
    p = "protocolSection"
    paths = {}

    def at(column: str, path: str) -> None:
        paths[column] = path

    title = text_of(ident.get("officialTitle")) or text_of(ident.get("briefTitle")) or ctx.nct
    at("title", f"{p}.identificationModule.{'officialTitle' if ident.get('officialTitle') else 'briefTitle'}")
    disease = "; ".join(conditions) or "not stated in the record"
    at("disease", f"{p}.conditionsModule.conditions")
    disease_group = next((group for pattern, group in DISEASE_GROUPS if any(re.search(pattern, c, re.I) for c in conditions)), None)
    if disease_group is None:
        disease_group = conditions[0] if conditions else "not stated"
        ctx.note(f"{p}.conditionsModule.conditions[0]", f"disease group for the filter taken as the first condition, {disease_group!r}", ASSUMED)
    allocation = text_of(info.get("allocation")).upper()
    randomized = "yes" if allocation == "RANDOMIZED" else "no"
    at("randomized", f"{p}.designModule.designInfo.allocation" if info.get("allocation") else f"{p}.designModule.studyType")
    overall = text_of(status.get("overallStatus")).upper()
    at("status", f"{p}.statusModule.overallStatus")
    count, kind = whole_text(enrolment.get("count")), text_of(enrolment.get("type")).upper()
    n_enrolled = count if count and kind == "ACTUAL" else ""
    n_planned = count if count and kind in ("ESTIMATED", "ANTICIPATED") else ""
    if count:
        at("n_enrolled" if n_enrolled else "n_planned", f"{p}.designModule.enrollmentInfo")
    agents = [text_of(i.get("name")) for i in interventions
              if text_of(i.get("type")).upper() in AGENT_TYPES and not _PLACEBO.search(text_of(i.get("name")))]
    if not agents:
        agents = [text_of(i.get("name")) for i in interventions if not _PLACEBO.search(text_of(i.get("name")))]
        if agents:
            ctx.note(f"{p}.armsInterventionsModule.interventions", "no drug or biological intervention posted; agent taken "
                     "from the other interventions", ASSUMED)
    agent = "; ".join(dict.fromkeys(a for a in agents if a)) or "not stated in the record"
    at("agent", f"{p}.armsInterventionsModule.interventions")
    who = ", ".join(_words(w) for w in listed(masking.get("whoMasked")))
    mask = text_of(masking.get("masking")).upper()
    blinding = "open-label" if mask == "NONE" else (f"{mask.lower()}" + (f" ({who})" if who else "") if mask else "")
    design_words = "; ".join(
        w for w in (
            _words(design.get("studyType")),
            f"allocation {_words(info.get('allocation'))}" if info.get("allocation") else "",
            f"{_words(info.get('interventionModel'))} model" if info.get("interventionModel") else "",
            f"{_words(info.get('observationalModel'))} model" if info.get("observationalModel") else "",
            f"primary purpose {_words(info.get('primaryPurpose'))}" if info.get("primaryPurpose") else "",
        ) if w
    )
    version = text_of(_date(status, "lastUpdatePostDateStruct")) or text_of(status.get("lastUpdateSubmitDate"))
    version_path = f"{p}.statusModule.lastUpdatePostDateStruct.date" if _date(status, "lastUpdatePostDateStruct") else f"{p}.statusModule.lastUpdateSubmitDate"
    for column, path in (("phase", f"{p}.designModule.phases" if design.get("phases") else f"{p}.designModule.studyType"), ("stop_reason", f"{p}.statusModule.whyStopped"),
                         ("start", f"{p}.statusModule.startDateStruct.date"), ("end", f"{p}.statusModule.completionDateStruct.date"),
                         ("data_version", version_path)):
        at(column, path)
    trial = dict(
        trial_id=ctx.nct, acronym=text_of(ident.get("acronym")), title=title, registry_ids=ctx.nct, disease=disease,
        disease_group=disease_group, setting="", phase=_phase(design), design=design_words, blinding=blinding,
        randomized=randomized, status=STATUS.get(overall, "not reported"), stop_reason=text_of(status.get("whyStopped")),
        n_planned=n_planned, n_enrolled=n_enrolled, start=text_of(_date(status, "startDateStruct")),
        end=text_of(_date(status, "completionDateStruct")), enrolment_end="", data_cutoff="",
        agent=agent, source_id=source_id_for(ctx.nct),
        notes=f"Imported from the ClinicalTrials.gov record (API v2); last update posted {version or 'not stated'}; "
              f"registry status {overall or 'not stated'}.",
        data_version=version, registry_status=overall,
        primary_completion=text_of(_date(status, "primaryCompletionDateStruct")),
        interventions="; ".join(f"{text_of(i.get('type')).title().replace('_', ' ')}: {text_of(i.get('name'))}" for i in interventions),
    )
    # A locator for every column the record fills (an absent whyStopped has no path to cite).
    trial["source"] = ctx.source(
        *(f"{path} ({column})" for column, path in paths.items() if trial.get(column) and _present(ctx.record, path))
    )
    source = dict(
        source_id=source_id_for(ctx.nct),
        citation=f"ClinicalTrials.gov record {ctx.nct}: {text_of(ident.get('briefTitle')) or title}; "
                 f"last update posted {version or 'not stated'}",
        kind="registry record", document=label, registry_ids=ctx.nct, data_version=version,
    )
    return trial, source


def assign_roles(ctx: RecordContext) -> None:
    """Each arm's role: `single` in a single-group study; else from the protocol arm group it
    matches (EXPERIMENTAL -> experimental; placebo, active, sham comparator, no intervention ->
    control; OTHER -> other); an arm no protocol group matches is `other` (reported)."""
    arms_module = ctx.module("protocolSection", "armsInterventionsModule")
    arm_groups = listed(arms_module.get("armGroups"))
    design = ctx.module("protocolSection", "designModule")
    info = design.get("designInfo") if isinstance(design.get("designInfo"), dict) else {}
    flow_groups = listed(ctx.module("resultsSection", "participantFlowModule").get("groups"))
    single = text_of(info.get("interventionModel")).upper() == "SINGLE_GROUP" or (len(arm_groups) <= 1 and len(flow_groups) <= 1)
    for arm in ctx.arms.arms:
        if single:
            arm.values["role"] = "single"
            continue
        found = protocol_arm_for(arm, arm_groups)
        if found is None:
            arm.values["role"] = "other"
            ctx.note(arm.path, f"arm {arm.arm_id} ({arm.title!r}) matches no protocol arm group; role 'other'", ASSUMED)
            continue
        index, group, how = found
        arm.values["role"] = ROLE_OF_ARM_TYPE.get(text_of(group.get("type")).upper(), "other")
        arm.paths["role"] = json_path("protocolSection.armsInterventionsModule.armGroups", index)
        if how == "same description":
            ctx.note(arm.paths["role"], f"arm {arm.arm_id} ({arm.title!r}) is protocol arm {text_of(group.get('label'))!r} "
                     f"by its description (the titles differ); role {arm.values['role']}", ASSUMED)


def arm_rows(ctx: RecordContext) -> list[dict]:
    rows = []
    for arm in ctx.arms.arms:
        paths = [f"{arm.path} (label, regimen)"] + [f"{path} ({column})" for column, path in arm.paths.items()]
        rows.append(dict(
            trial_id=ctx.nct, arm_id=arm.arm_id, label=arm.title, role=arm.values.get("role", "other"),
            regimen=arm.description or arm.title, n_randomized=arm.values.get("n_randomized", ""), n_efficacy="",
            n_safety=arm.values.get("n_safety", ""), source=ctx.source(*paths),
        ))
    return rows
