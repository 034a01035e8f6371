"""What one upload may hold (``UploadLimits``) and the running count of one parse against it."""

from __future__ import annotations

from dataclasses import dataclass

from evidence.problems import Problem

MiB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may hold. ``max_bytes`` is the file as uploaded; ``max_rows`` counts data
    rows over all tables of the upload; ``max_uncompressed_bytes`` is the budget for everything
    read out of archives (a .zip or the parts of an .xlsx)."""

    max_bytes: int = 5 * MiB
    max_rows: int = 50_000
    max_zip_members: int = 30
    max_uncompressed_bytes: int = 20 * MiB
    max_field_chars: int = 10_000
    max_columns: int = 200
    max_problems: int = 500

    @classmethod
    def from_megabytes(cls, max_upload_mb: float, **overrides) -> UploadLimits:
        """Limits with ``max_bytes`` from a size in MiB (``Settings.max_upload_mb``)."""
        return cls(max_bytes=int(max_upload_mb * MiB), **overrides)


class ParseContext:
    """Per-parse state: limits, problems (capped), rows and uncompressed bytes used so far."""

    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.problems: list[Problem] = []
        self.suppressed = 0
        self.rows = 0
        self.uncompressed = 0
        self.sheet_rows = 0  # workbook rows iterated, empty ones included

    def add(self, problem: Problem) -> None:
        if len(self.problems) < self.limits.max_problems:
            self.problems.append(problem)
        else:
            self.suppressed += 1

    def finish(self, label: str) -> list[Problem]:
        problems = list(self.problems)
        if self.suppressed:
            problems.append(
                Problem(
                    label,
                    None,
                    None,
                    f"at most {self.limits.max_problems} problems listed",
                    f"{self.suppressed:,} more problems not listed; fix the ones above and upload again",
                )
            )
        return problems


def byte_words(n: int) -> str:
    """A size as a person reads it in a problem: '1,234 bytes'."""
    return f"{n:,} bytes"


def limit_words(n: int) -> str:
    """A limit in MiB when it is that large, always with the exact byte count."""
    if n >= MiB:
        return f"{n / MiB:.4g} MiB ({n:,} bytes)"
    return f"{n:,} bytes"
