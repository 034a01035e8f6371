"""One plotly template and one colour map, used by every figure.

Colours are Okabe–Ito (colour-blind safe). Arms are coloured by role, so "experimental" and
"control" read the same in every view; trials are told apart by position and label.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

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
            xaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside"),
            yaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside"),
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


def format_months(value: float | None) -> str:
    """Months to one decimal; 'NR' when not reported."""
    return "NR" if value is None or value != value else f"{value:.1f}"


def format_ratio(value: float | None) -> str:
    """Hazard ratios to two decimals."""
    return "NR" if value is None or value != value else f"{value:.2f}"


def format_percent(value: float | None) -> str:
    return "NR" if value is None or value != value else f"{value:.1f}%"


def empty_figure_dict(message: str) -> dict:
    """A plain message instead of an empty axis, as a plotly figure dict (the message is escaped)."""
    return {
        "data": [],
        "layout": {
            "template": TEMPLATE,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "height": 220,
            "annotations": [
                {"text": plain_text(message), "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False,
                 "font": {"size": 16, "color": "#555"}}
            ],
        },
    }
