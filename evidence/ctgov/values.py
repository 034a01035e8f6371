"""Reading single values of a ClinicalTrials.gov record: numbers posted as text, P values, CI
levels, JSON paths and source cells.

The registry posts every result number as a string ("47.2", "NA", "<0.001"); these helpers never
guess: a text that does not read as a number gives None and the caller reports it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_WHOLE = re.compile(r"^[+]?\d+$")
_P_BOUND = re.compile(r"^\s*(?:p\s*)?(<=|>=|<|>|≤|≥|=)?\s*([+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)\s*$", re.I)
_CI_WORDS = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*confidence", re.I)
_CI_ENUM = re.compile(r"^CONFIDENCE_(\d+)$")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_of(value: object) -> str:
    """A posted value as one line of text ('' for None): whitespace collapsed, control characters
    dropped (the value is shown as text, never interpreted)."""
    if value is None:
        return ""
    return _SPACE.sub(" ", _CONTROL.sub("", str(value))).strip()


def number_text(value: object) -> str | None:
    """The posted text of a finite number, as posted ('7.0' stays '7.0'); None for 'NA', '', a
    bound such as '<0.001', or anything else that is not a plain number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    text = text_of(value)
    if not _NUMBER.match(text) or not math.isfinite(float(text)):
        return None
    return text


def number(value: object) -> float | None:
    """A posted number as float, or None (see `number_text`)."""
    text = number_text(value)
    return None if text is None else float(text)


def whole_text(value: object) -> str | None:
    """The text of a whole number >= 0 ('158'), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    text = text_of(value)
    return str(int(text)) if _WHOLE.match(text) else None


@dataclass(frozen=True)
class PValue:
    """A posted P value: the text as posted, the exact value when the text is a plain number, and
    otherwise the bound a text such as '<0.001' states (relation '<', bound 0.001)."""

    text: str
    exact: str | None  # the text of an exact P value in [0, 1]
    relation: str | None  # '<', '<=', '>', '>=' for a bound
    bound: str | None


def p_value(value: object) -> PValue:
    """Read a posted P value; 'p = 0.04' is exact, '<0.001' and '≤ 0.05' are bounds."""
    text = text_of(value)
    match = _P_BOUND.match(text)
    if not match:
        return PValue(text, None, None, None)
    relation = {"≤": "<=", "≥": ">=", "=": None}.get(match.group(1) or "=", match.group(1))
    figure = match.group(2)
    if not 0 <= float(figure) <= 1:
        return PValue(text, None, None, None)
    if relation is None:
        return PValue(text, figure, None, None)
    return PValue(text, None, relation, figure)


def ci_level(dispersion_type: object) -> float | None:
    """Confidence level in percent of a dispersion type ('95% Confidence Interval' or the API's
    enum 'CONFIDENCE_95'; 'CONFIDENCE_975' is 97.5); None when it is not a confidence interval
    or its level is not stated ('CONFIDENCE_OTHER')."""
    text = text_of(dispersion_type)
    match = _CI_WORDS.search(text)
    if match:
        return float(match.group(1))
    match = _CI_ENUM.match(text.upper())
    if match:
        digits = match.group(1)
        return float(digits[:2] + "." + digits[2:]) if len(digits) > 2 else float(digits)
    return None


def is_confidence_interval(dispersion_type: object) -> bool:
    return "CONFIDENCE" in text_of(dispersion_type).upper()


def level_text(level: float) -> str:
    return f"{level:g}%"


def json_path(*parts: str | int) -> str:
    """'resultsSection.outcomeMeasuresModule.outcomeMeasures[3]' from ('resultsSection',
    'outcomeMeasuresModule', 'outcomeMeasures', 3)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def source_id_for(nct_id: str) -> str:
    """Source id of one registry record in sources.csv. Not 'CTGOV:NCT…': a `source` cell's id is
    the text before its first ':' (evidence.relations), so the id itself holds no colon."""
    return f"CTGOV_{nct_id}"


def source_cell(nct_id: str, *paths: str) -> str:
    """A `source` cell: 'CTGOV_NCT01234567: <JSON path>; <JSON path>'."""
    return f"{source_id_for(nct_id)}: " + "; ".join(paths)
