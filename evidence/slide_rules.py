"""How a view's slides differ from the plain case, declared with the view (evidence/view_registry.py,
`Export.slides`): named rules, never `if key == ...` in the export code.

A plain view's slides show its figure in row windows (split.by_rows) under its whole caption as
the footnote. Kinds of view that need more name their rules here, once; adding a view means
picking (or writing) its rules, not editing the export code. No Dash here.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.export import split
from evidence.export.split import SlideSplit


@dataclass(frozen=True)
class SlideRules:
    """One view's slide layout and wording."""

    split: SlideSplit = split.by_rows
    """How its figure goes over slides (evidence/export/split.py)."""


PLAIN = SlideRules()
"""Row windows of the figure under its whole caption."""
ROW_SLIDES = SlideRules(split=split.row_pages)
"""Labelled rows with text columns beside them (forest, subgroups, medians by arm)."""
RATE_SLIDES = SlideRules(split=split.rate_panels)
"""Response rates: the key above the panel headings, facing labels apart."""
DESIGN_SLIDES = SlideRules(split=split.design_panels)
"""Design vs outcome: a stacked panel a slide, value labels of the slide's rows only."""
LINE_PANEL_SLIDES = SlideRules(split=split.line_panels)
"""Stacked line panels laid out by measurement (dose ramp, what-if ramp)."""
ABSOLUTE_SLIDES = ROW_SLIDES
"""Absolute effects: row slides."""
