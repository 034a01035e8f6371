"""Checks for figure builders that return plain plotly dicts (issue 12)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from evidence import theme

PLAIN = (str, int, float, bool, type(None))


def plain_values(value, path: str = "fig") -> None:
    """Every value is a plain Python type (dict, list, str, int, float, bool, None), no NaN or infinity."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{path}: key {key!r} is not a str"
            plain_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            plain_values(item, f"{path}[{index}]")
    else:
        assert type(value) in PLAIN, f"{path}: {type(value).__name__} is not a plain type"
        assert not (isinstance(value, float) and not math.isfinite(value)), f"{path}: {value!r}"


def validated(fig: dict) -> go.Figure:
    """A builder's dict, checked: plain types, theme.TEMPLATE, and plotly's schema (go.Figure raises
    on an unknown or invalid property). Returns the go.Figure for reading values."""
    assert isinstance(fig, dict) and set(fig) == {"data", "layout"}, type(fig)
    plain_values(fig)
    assert fig["layout"]["template"] == theme.TEMPLATE
    return go.Figure(fig)


PHISH = '<a href="https://evil.example/phish">Click for results</a>'
"""An uploaded label that plotly would draw as a live link if it reached a text property raw."""
PHISH_ESCAPED = '&lt;a href="https://evil.example/phish"&gt;Click for results&lt;/a&gt;'


def strings(value, path: str = "fig"):
    """(path, text) for every string in a figure dict, template aside."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "template":
                yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def assert_data_markup_escaped(fig: dict, raw: str = PHISH, escaped: str = PHISH_ESCAPED) -> None:
    """`raw` appears only escaped (no '<a ' anywhere), never inside a hovertemplate (where a '%{…}' in
    data would be substituted), and the builder's own <br>/<b> markup is still there."""
    texts = list(strings(fig))
    assert not [p for p, t in texts if "<a " in t or raw in t], "raw markup from data"
    assert any(escaped in t for _, t in texts), "the escaped label is shown somewhere"
    assert not [p for p, t in texts if p.endswith("hovertemplate") and "evil.example" in t]
    assert any("<br>" in t for _, t in texts) and any("<b>" in t for _, t in texts)
