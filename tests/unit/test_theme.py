"""The shared theme: plain data template and data text escaped for plotly's markup subset."""

import plotly.graph_objects as go

from evidence import theme


def test_plain_text_writes_markup_characters_as_entities():
    label = '<a href="https://evil.example/phish">Click & <b>win</b></a>'
    assert theme.plain_text(label) == (
        '&lt;a href="https://evil.example/phish"&gt;Click &amp; &lt;b&gt;win&lt;/b&gt;&lt;/a&gt;'
    )
    assert theme.plain_text(None) == ""
    assert theme.plain_text(1.5) == "1.5"
    assert theme.plain_text("Arm A: paclitaxel") == "Arm A: paclitaxel"


def test_template_as_data_is_what_the_named_template_expands_to():
    named = go.Figure(layout={"template": theme.TEMPLATE_NAME}).to_plotly_json()["layout"]["template"]
    assert theme.TEMPLATE == named
    assert theme.TEMPLATE["layout"]["font"]["family"] == theme.FONT_FAMILY
