"""Arms from results groups: each results module numbers its groups anew (FG000 in the participant
flow, BG000 in the baseline, OG000 in each outcome measure, EG000 in the adverse events), so one
arm is found across modules by its title.

Matching, in order, for each group of a module: the same title (case, spacing and a leading
'1.' / '2)' numbering ignored); the same title without a trailing parenthesis such as '(SS)' or
'(FAS)' (the analysis set); the same description. Then, for groups still unmatched, an arm whose
whole title is contained in the group's title ('Patients Who Received Placebo' -> 'Placebo'), but
only when the group's other words name no other arm, that arm is not already taken in the module
and no other group claims it. Anything else
becomes an arm of its own. Every match other than the same title is listed in the import report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidence.ctgov.result import ASSUMED, ImportNote
from evidence.ctgov.values import json_path, text_of

_NUMBERING = re.compile(r"^\s*(\d+|[a-z])\s*[.):]?\s+(?=\S)", re.I)
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)\s*$")
_WORD = re.compile(r"[a-z0-9]+")

ROLE_OF_ARM_TYPE = {
    "EXPERIMENTAL": "experimental",
    "ACTIVE_COMPARATOR": "control",
    "PLACEBO_COMPARATOR": "control",
    "SHAM_COMPARATOR": "control",
    "NO_INTERVENTION": "control",
    "OTHER": "other",
}
"""Protocol arm type -> contract role (armsInterventionsModule.armGroups[].type)."""


def normalised(title: object) -> str:
    return _NUMBERING.sub("", text_of(title).casefold()).strip()


def core(title: object) -> str:
    """The title without a trailing analysis-set parenthesis: 'placebo (ss)' -> 'placebo'."""
    text = normalised(title)
    stripped = _TRAILING_PAREN.sub("", text).strip()
    return stripped or text


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text))


def arm_letter(index: int) -> str:
    """A, B, ..., Z, then AA, AB, ... (arm ids like the curated tables')."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass
class Arm:
    arm_id: str
    title: str
    description: str
    path: str  # JSON path of the group that created the arm
    sources: list[str] = field(default_factory=list)  # paths that made the arm (the group, n counts)
    paths: dict[str, str] = field(default_factory=dict)  # column -> JSON path of its value
    values: dict[str, str] = field(default_factory=dict)  # n_randomized, n_safety, role, ...


class ArmIndex:
    """Arms of one record, built module by module; `resolve` maps one module's groups to arms."""

    def __init__(self, file: str, notes: list[ImportNote]):
        self.file = file
        self.notes = notes
        self.arms: list[Arm] = []
        self.rows: list[dict[str, str]] = []  # the 'groups' extra table
        self._resolved: dict[str, dict[str, str]] = {}

    def resolve(self, module: str, groups: list, base_path: str, trial_id: str, exclude: frozenset[str] = frozenset()) -> dict[str, str]:
        """{group id: arm id} for one module's groups (``groups`` as posted; ``base_path`` the
        JSON path of that list). Ids in ``exclude`` (a 'Total' column) map to no arm. A module is
        resolved once; asking again gives the same mapping."""
        if base_path in self._resolved:
            return self._resolved[base_path]
        result: dict[str, str] = self._resolved.setdefault(base_path, {})
        taken: set[str] = set()
        pending: list[tuple[int, dict]] = []
        for index, group in enumerate(groups):
            if not isinstance(group, dict) or text_of(group.get("id")) in exclude:
                continue
            arm, how = self._direct(group, taken)
            if arm is None:
                pending.append((index, group))
                continue
            taken.add(arm.arm_id)
            result[text_of(group.get("id"))] = arm.arm_id
            self._record(trial_id, module, group, arm, how, json_path(base_path, index))
        claims: dict[str, list[int]] = {}
        candidates: dict[int, Arm | None] = {}
        for index, group in pending:
            words = _words(core(group.get("title")))
            fits = [a for a in self.arms if a.arm_id not in taken and self._contained(a, words)]
            candidates[index] = fits[0] if len(fits) == 1 else None
            if len(fits) == 1:
                claims.setdefault(fits[0].arm_id, []).append(index)
        for index, group in pending:
            path = json_path(base_path, index)
            arm = candidates[index]
            if arm is not None and len(claims[arm.arm_id]) == 1:
                how = "title contains the arm's title"
                self.notes.append(
                    ImportNote(self.file, path, f"group {text_of(group.get('title'))!r} taken as arm {arm.arm_id} "
                               f"({arm.title!r}): its title contains that arm's title", ASSUMED)
                )
            else:
                arm = self._new(group, path)
                how = "new arm"
            taken.add(arm.arm_id)
            result[text_of(group.get("id"))] = arm.arm_id
            self._record(trial_id, module, group, arm, how, path)
        return result

    def _contained(self, arm: Arm, words: frozenset[str]) -> bool:
        """The arm's whole title is in the group's, and the group's other words name no other arm
        ('Placebo->OL CZP' is not 'Placebo' when another arm is 'CZP 200 mg')."""
        own = _words(core(arm.title))
        others = frozenset().union(*(_words(core(a.title)) for a in self.arms if a is not arm))
        return bool(own) and own <= words and not ((words - own) & others)

    def _direct(self, group: dict, taken: set[str]) -> tuple[Arm | None, str]:
        title, description = group.get("title"), text_of(group.get("description")).casefold()
        for how, same in (
            ("same title", lambda a: normalised(a.title) == normalised(title)),
            ("same title apart from a trailing parenthesis", lambda a: core(a.title) == core(title)),
            ("same description", lambda a: bool(description) and a.description.casefold() == description),
        ):
            found = [a for a in self.arms if a.arm_id not in taken and same(a)]
            if len(found) == 1:
                return found[0], how
        return None, ""

    def _new(self, group: dict, path: str) -> Arm:
        arm = Arm(arm_letter(len(self.arms)), text_of(group.get("title")) or f"group {group.get('id')}",
                  text_of(group.get("description")), path, [path])
        self.arms.append(arm)
        return arm

    def _record(self, trial_id: str, module: str, group: dict, arm: Arm, how: str, path: str) -> None:
        self.rows.append(
            dict(trial_id=trial_id, module=module, group_id=text_of(group.get("id")), title=text_of(group.get("title")),
                 arm_id=arm.arm_id, matched_by=how, path=path)
        )
        if how == "same description":
            self.notes.append(
                ImportNote(self.file, path, f"group {text_of(group.get('title'))!r} taken as arm {arm.arm_id} "
                           f"({arm.title!r}): same description, different title", ASSUMED)
            )

    def by_id(self, arm_id: str) -> Arm:
        return next(a for a in self.arms if a.arm_id == arm_id)


def protocol_arm_for(arm: Arm, arm_groups: list) -> tuple[int, dict, str] | None:
    """The protocol arm group of a results arm, (index, group, how matched): same title, same
    title without a trailing parenthesis, or same description (one match only); else None."""
    groups = [(i, g) for i, g in enumerate(arm_groups) if isinstance(g, dict)]
    description = arm.description.casefold()
    for how, same in (
        ("same title", lambda g: normalised(g.get("label")) == normalised(arm.title)),
        ("same title apart from a trailing parenthesis", lambda g: core(g.get("label")) == core(arm.title)),
        ("same description", lambda g: bool(description) and text_of(g.get("description")).casefold() == description),
    ):
        found = [(i, g) for i, g in groups if same(g)]
        if len(found) == 1:
            return found[0][0], found[0][1], how
    return None
