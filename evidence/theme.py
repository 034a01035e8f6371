"""One plotly template and one colour map, used by every figure.

Colours are Okabe–Ito (colour-blind safe). Arms are coloured by role, so "experimental" and
"control" read the same in every view; trials are told apart by position and label.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from evidence.citations import reader_locator

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#6E6E6E",
}

ROLE_COLOURS = {
    "experimental": OKABE_ITO["vermillion"],
    "control": OKABE_ITO["blue"],
    "single": OKABE_ITO["bluish_green"],
}
MODEL_COLOUR = OKABE_ITO["grey"]
HIGHLIGHT_COLOUR = OKABE_ITO["orange"]
NOT_REPORTED_COLOUR = "#D9D9D9"
NO_FIGURES_COLOUR = "#EADDBA"  # event named in words only: reported, but no count or percentage
DERIVED_SYMBOL = "diamond-open"  # marker for computed (derived) values; reported values are filled
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"

# Sequential scale for % of patients (white -> dark blue), diverging for differences.
RATE_SCALE = [[0.0, "#F7FBFF"], [0.25, "#C6DBEF"], [0.5, "#6BAED6"], [0.75, "#2171B5"], [1.0, "#08306B"]]
DIFFERENCE_SCALE = [[0.0, OKABE_ITO["blue"]], [0.5, "#F7F7F7"], [1.0, OKABE_ITO["vermillion"]]]

TEMPLATE_NAME = "evidence"


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font=dict(family=FONT_FAMILY, size=14, color="#1A1A1A"),
            title=dict(font=dict(size=18), x=0.0, xanchor="left"),
            paper_bgcolor="white",
            plot_bgcolor="white",
            colorway=[ROLE_COLOURS["experimental"], ROLE_COLOURS["control"], *OKABE_ITO.values()],
            xaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside",
                       ticklabeloverflow="allow"),
            yaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside",
                       ticklabeloverflow="allow"),
            legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0),
            margin=dict(l=60, r=30, t=60, b=60),
            hoverlabel=dict(font=dict(family=FONT_FAMILY, size=13)),
        )
    )


pio.templates[TEMPLATE_NAME] = _template()
TEMPLATE = pio.templates[TEMPLATE_NAME].to_plotly_json()
"""The template as plain data, for figures built as dicts (plotly.js knows no template by name)."""

_PLOTLY_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def plain_text(value: object) -> str:
    """Data text for a plotly text property (text, hovertext, tick labels, annotations, names),
    shown exactly as typed.

    plotly renders a subset of HTML in text (<a href>, <b>, <br>, <span style>, entities), so a
    label such as '<a href="...">' from an uploaded file would become a live link. Writing &, <
    and > as entities makes plotly draw them as characters. Apply it to data, never to the markup
    a builder adds itself.
    """
    return "" if value is None else str(value).translate(_PLOTLY_MARKUP)


PASSAGE_HOVER_CHARS = 160
"""A passage on hover is cut to about this many characters (with '…'): hovers stay short, and the
full passage is in the exported rows."""


def shortened(text: str, limit: int) -> str:
    """`text` cut at the last space before `limit` characters, with '…' (unchanged when short)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut
    return head.rstrip(" ,;:.") + "…"


def source_hover(source: object, passage: object = None, width: int = 70) -> str:
    """Hover lines 'source: LOCATOR — “passage”': the row's document and locator (a namespaced id
    as readers see it: citations.reader_locator) and the words it was read from (issue 16 item 8),
    the passage shortened to PASSAGE_HOVER_CHARS; data escaped once (plain_text), broken at spaces
    into <br>-separated lines of about `width` characters."""
    words = "source: " + ("" if _blank(source) else reader_locator(source))
    if not _blank(passage):
        words += f" — “{shortened(str(passage), PASSAGE_HOVER_CHARS)}”"
    # never at a hyphen: the Evidence box reads the passage back from the hover (<br> as a space)
    lines = textwrap.wrap(words, width, break_long_words=False, break_on_hyphens=False) or [words]
    return "<br>".join(plain_text(line) for line in lines)


def _blank(value: object) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) or not str(value).strip()


def format_months(value: float | None) -> str:
    """Months to one decimal; 'NR' when not reported."""
    return "NR" if value is None or value != value else f"{value:.1f}"


def format_ratio(value: float | None) -> str:
    """Hazard ratios to two decimals."""
    return "NR" if value is None or value != value else f"{value:.2f}"


def format_percent(value: float | None) -> str:
    return "NR" if value is None or value != value else f"{value:.1f}%"


def empty_figure_dict(message: str, width: int | None = None) -> dict:
    """A plain message instead of an empty axis, as a plotly figure dict (the message is escaped).
    `width`: a long message broken at spaces into lines of about that many characters (plotly never
    wraps an annotation, so a long one ran past both edges on a tablet), the figure as tall as they need."""
    lines = textwrap.wrap(message, width, break_long_words=False, break_on_hyphens=False) if width else []
    text = "<br>".join(plain_text(line) for line in lines) if lines else plain_text(message)
    return {
        "data": [],
        "layout": {
            "template": TEMPLATE,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "height": max(220, 120 + 22 * len(lines)),
            "annotations": [
                {"text": text, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False,
                 "font": {"size": 16, "color": "#555"}}
            ],
        },
    }
