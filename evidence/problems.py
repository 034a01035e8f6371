"""Validation problems: each names the file, line, column, what was expected and what was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None  # CSV line number; the header is line 1
    column: str | None
    expected: str
    found: object
    severity: str = "error"  # or "warning": reported, does not block loading

    def location(self) -> str:
        parts = [self.file]
        parts.append(f"line {self.line}" if self.line is not None else "whole file")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        value = self.found.item() if hasattr(self.found, "item") else self.found  # numpy -> plain
        found = value if isinstance(value, str) else repr(value)
        if found == "":
            found = "an empty cell"
        label = "warning: " if self.severity == "warning" else ""
        return f"{label}{self.location()}: expected {self.expected}; found {found}"


class DataValidationError(Exception):
    """Raised when a data set has errors; carries every one of them."""

    def __init__(self, problems: list[Problem], where: str = ""):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in {where or 'the data'}:"
        super().__init__("\n".join([head] + [f"  {p}" for p in self.problems]))
