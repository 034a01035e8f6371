"""State shared by the mapping of one study record: the record, its label, its trial id, the
arms found so far and the import report being written."""

from __future__ import annotations

from dataclasses import dataclass, field

from evidence.ctgov.groups import ArmIndex
from evidence.ctgov.result import NOT_MAPPED, ImportNote
from evidence.ctgov.values import source_cell

ANALYSIS_OF_OUTCOME_TYPE = {
    "PRIMARY": "primary",
    "SECONDARY": "secondary",
    "OTHER_PRE_SPECIFIED": "exploratory",
    "POST_HOC": "exploratory",
}
"""outcomeMeasures[].type -> contract `analysis`."""


@dataclass
class RecordContext:
    record: dict
    file: str
    nct: str
    notes: list[ImportNote] = field(default_factory=list)
    arms: ArmIndex = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.arms is None:
            self.arms = ArmIndex(self.file, self.notes)

    @property
    def protocol(self) -> dict:
        return self.record.get("protocolSection") or {}

    @property
    def results(self) -> dict:
        return self.record.get("resultsSection") or {}

    def module(self, section: str, name: str) -> dict:
        value = (self.protocol if section == "protocolSection" else self.results).get(name)
        return value if isinstance(value, dict) else {}

    def note(self, path: str, reason: str, kind: str = NOT_MAPPED) -> None:
        self.notes.append(ImportNote(self.file, path, reason, kind))

    def source(self, *paths: str) -> str:
        return source_cell(self.nct, *paths)


def listed(value: object) -> list:
    """A JSON array as a list ([] for anything else)."""
    return value if isinstance(value, list) else []
