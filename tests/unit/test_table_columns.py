"""Text tables on screen (evidence/figures/tabular.py, table_geometry.py): every column holds its widest word, and the
figure declares the least width at which it does. Widths are Liberation Sans (the figures' font)
as PIL measures it; tests/browser/test_responsive.py checks the same in Chromium's drawing."""

from __future__ import annotations

import pytest

from evidence.figures.table_geometry import NARROWEST_PX, fitted_columns, word_px
from evidence.figures.tabular import table_figure
from evidence.text_measure import text_width


def test_columns_that_hold_their_words_keep_the_views_shares():
    shares, least = fitted_columns(["<b>A</b>", "<b>B</b>"], [["one", "two"], ["three", "four"]], [1.0, 3.0])
    assert shares == [0.25, 0.75]
    assert least == NARROWEST_PX


def test_a_column_too_narrow_for_its_widest_word_gets_that_word_and_the_figure_a_wider_least_width():
    # "MRCC-SORAFENIB" in a trial column of 1.5/12 of the findings table: 85 px at 700, it needs 147
    header, columns = ["<b>Trial</b>", "<b>Finding</b>"], [["PASO", "MRCC-SORAFENIB"], ["a short finding", "another"]]
    shares, least = fitted_columns(header, columns, [1.5, 10.5])
    need = text_width("MRCC-SORAFENIB", 14) + text_width(" ", 14) + 2 * 8 + 1
    finding_px = (NARROWEST_PX - 20) * 10.5 / 12
    assert least == pytest.approx(need + finding_px + 20, abs=1)
    assert shares[0] * (least - 20) >= need - 0.5  # the word is whole at the least width
    assert shares[0] * (least - 20) == pytest.approx(need, abs=1)


def test_the_header_counts_bold():
    assert word_px("<b>Numbers</b>", 14) > word_px("Numbers", 14)


def test_the_figure_names_its_least_width_and_is_as_high_as_its_wrapped_rows():
    long = "word " * 60  # wraps over several lines at a card's width
    short = table_figure("T", ["A", "B"], [["x", "y"], ["z", "w"]], widths=[1, 1])
    tall = table_figure("T", ["A", "B"], [["x", "y"], [long, "w"]], widths=[1, 1])
    assert short["layout"]["meta"]["min_width"] == NARROWEST_PX
    assert tall["layout"]["height"] > short["layout"]["height"] + 18  # each extra line is 1.3 x 14 px
