"""Row figures (forest plot, subgroups, medians by arm, absolute effects) laid out for a slide by
measurement (issue 15).

On screen these figures wrap each row label to ~22 characters (they must fit a phone) and space
rows for 12 px text; at 18 pt on a slide the three-line labels ran into the next row's, the
column headers touched the first value, and a 12-line footnote left three rows 279 px. The
slides3 attempt re-wrapped the screen labels and went over three slides for six rows. Here, on
the figure dict (before `slide_style.presentation_figure` styles it):

- each row label is said as the audience reads it, the same form for every row: the comparison
  in short form ("PASO: paclitaxel ± sorafenib" for "paclitaxel + sorafenib vs paclitaxel"),
  arm letters dropped ("PASO · paclitaxel"), a trial's sensitivity / subgroup rows without
  their trial's name (they stand under its row); and when a label would not stand on one line
  of the label column (LABEL_SHARE of the picture), subgroups without "subgroup:". A label
  still too wide wraps. The labels as on screen are in the speaker notes;
- rows are placed in px: neighbours half of each one's lines apart plus ROW_GAP_PX, trials
  TRIAL_GAP_PX further apart, the column headers on one line over the first row of the page;
- the margins are written out (the legend as a measured key line above the plot, x ticks, the "favours" notes and the axis
  title below it), so the plot height the rows were planned for is the height they get; the
  y axis is in px of that plan (a taller picture only adds air);
- rows that do not fit go on further slides ("(2 of 2)"), a trial's rows kept together;
- the notes under the figure are cut to a short key (SLIDE_NOTE_CHARS, whole sentences); the
  full notes go to the speaker notes (export_views).

y values of traces, shapes and annotations on the row axis move with their rows (piecewise
linear between the old and new row positions).
"""

from __future__ import annotations

import copy
import html
import re

import numpy as np

from evidence.export import key_line
from evidence.export.figure_parts import BREAK as _BREAK, text_lines
from evidence.export.slide_style import BODY_PX, MIN_PX, _is_figure_note
from evidence.figures.marks import column_axes, margins_by_plotly
from evidence.text_measure import plain_text, text_width, wrap_text

LINE = 1.25
"""Line height of a tick label, in font sizes (plotly's spacing of <br> lines)."""
BOX = 1.2
"""Height Chromium gives one line of Liberation Sans text, in font sizes (its text box)."""
ROW_GAP_PX = 8
"""Least air between the text boxes of neighbouring rows."""
TRIAL_GAP_PX = 14
"""Extra air between two trials' rows (the screen's rule line is drawn in it)."""
HEADER_GAP_PX = 10
"""Between the column headers and the first row's text."""
LABEL_STANDOFF_PX = 12
"""Between a row label and the plot's left edge."""
LABEL_SHARE = 0.38
"""Widest a row label may be, as a share of the picture's width."""
SLIDE_NOTE_CHARS = 280
"""Longest key under the figure a slide keeps (about two lines of 14 pt across the slide)."""
MAX_STRETCH = 1.5
"""Most a page's rows are spread beyond their planned spacing to fill the plot height."""
TITLE_STANDOFF_PX = 10
"""Between the x tick labels (or the notes under them) and the axis title."""
EDGE_PX = 6
"""Air at the plot's top and bottom edges (no row text touches them)."""

_WRAPPED = re.compile(r"^((?:<(?!/)[^>]*>)*)(.*?)((?:</[^>]+>)*)$", re.S)
_VERSUS = re.compile(r"^(?P<head>[^:]+: )(?P<exp>.+?) vs (?P<ctl>.+?)(?P<tail> †)?$")
_ARM = re.compile(r"(^|· )Arm [^:]{1,12}: ")


def is_row_figure(spec: dict) -> bool:
    """A figure with one row axis (y, ticktext) and text columns on right axes overlaying it."""
    layout = spec.get("layout") or {}
    y = layout.get("yaxis") or {}
    return bool(y.get("ticktext")) and isinstance(y.get("range"), list) and bool(column_axes(layout))


# ---------------------------------------------------------------- labels as the audience reads them


def _styling(markup: str) -> tuple[str, str, str]:
    """(opening tags, plain text, closing tags) of a row label whose every line is styled alike
    (the highlighted trial in bold, a sensitivity or subgroup row in grey italics)."""
    lines = _BREAK.split(str(markup))
    parts = [_WRAPPED.match(line).groups() for line in lines]
    opening, closing = parts[0][0], parts[0][2]
    if len({(p[0], p[2]) for p in parts}) != 1:
        opening = closing = ""
    return opening, plain_text(" ".join(p[1] for p in parts)), closing


def _is_sub_row(markup: str) -> bool:
    return "<i>" in str(markup)


def short_label(text: str, level: int, sub_row: bool) -> str:
    """A row label (plain text) at a shortening level: 0 as on screen; 1 the comparison in short
    form and arm letters dropped, a sensitivity or subgroup row without its trial's name; 2 also
    without "subgroup:"."""
    if level >= 1:
        found = _VERSUS.match(text)
        if found and found["exp"].lower().startswith(found["ctl"].lower() + " + "):
            added = found["exp"][len(found["ctl"]) + 3:]
            text = f"{found['head']}{found['exp'][:len(found['ctl'])]} ± {added}{found['tail'] or ''}"
        text = _ARM.sub(r"\1", text)
        if sub_row and " · " in text:
            text = text.split(" · ", 1)[1]
    if level >= 2:
        text = re.sub(r"^subgroup: ", "", text)
    return text


def audience_labels(ticktext: list[str], width: float, size: float = BODY_PX) -> list[str]:
    """The row labels as markup for a slide: the audience's form (level 1), or the shorter one
    when a label would not fit one line of `width` px at `size` (bold where bold); wrapped to it
    when even that does not fit."""
    styled = [_styling(t) for t in ticktext]
    subs = [_is_sub_row(t) for t in ticktext]
    for level in (1, 2):
        texts = [short_label(text, level, sub) for (_, text, _), sub in zip(styled, subs)]
        if all(text_width(t, size, bold="<b>" in o) <= width for t, (o, _, _) in zip(texts, styled)):
            break
    out = []
    for text, (opening, _, closing) in zip(texts, styled):
        lines = wrap_text(text, width, size, bold="<b>" in opening)
        out.append("<br>".join(f"{opening}{html.escape(line, quote=False)}{closing}" for line in lines))
    return out


def _trial_of(markup: str) -> str:
    """The trial a main row names ('PASO: ...', 'PASO · 6 months')."""
    text = _styling(markup)[1]
    return re.split(r": | · ", text, maxsplit=1)[0]


# ---------------------------------------------------------------- the notes under the figure


_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z†(])")
_SENSITIVITY = re.compile(r"\s*\(sensitivity[^()]*\)")


def short_notes(text: str, labels: list[str] = (), limit: int = SLIDE_NOTE_CHARS) -> str:
    """The first whole sentences of a figure's notes that fit in `limit` characters (the key to
    its symbols comes first), a sensitivity analysis's repeat of a P value left out, and a
    sentence that opens as one of the footnote's `labels` does ("Model-based, ..." beside
    "Model-based: ...") left to the label."""
    leads = {re.split(r"[,:]", label, maxsplit=1)[0].strip().lower() for label in labels}
    kept, used = [], 0
    for sentence in _SENTENCE.split(plain_text(text)):
        sentence = _SENSITIVITY.sub("", sentence).strip()
        if re.split(r"[,:]", sentence, maxsplit=1)[0].strip().lower() in leads:
            continue
        if used + len(sentence) > limit:
            break
        kept.append(sentence)
        used += len(sentence) + 1
    return " ".join(kept)


def without_notes(spec: dict) -> dict:
    """The figure dict (in place) without the notes under its plot."""
    layout = spec.setdefault("layout", {})
    layout["annotations"] = [a for a in layout.get("annotations") or [] if not _is_figure_note(a)]
    return spec


# ---------------------------------------------------------------- rows placed in px


def _key(spec: dict, width: float) -> tuple[str, float]:
    """The legend as a key line (key_line.py) of `width` px and its height; plotly's legend is
    turned off. Its own horizontal legend wraps at the plot's width (one entry a line on these
    slides) and pushes the margins when it stands outside the plot."""
    layout = spec["layout"]
    traces = key_line.keyed_traces(spec)
    layout["showlegend"] = False
    title = plain_text(((layout.get("legend") or {}).get("title") or {}).get("text"))
    key = key_line.key_line(traces, width - 20, MIN_PX, title=title)
    return key.text, (key.rows * MIN_PX * LINE + 8 if key.rows else 0.0)


def _bottom_px(layout: dict) -> float:
    """What goes under the plot: tick labels, 'favours' notes, the axis title (lines counted)."""
    axis = layout.get("xaxis") or {}
    tick = ((axis.get("tickfont") or {}).get("size") or MIN_PX)
    bottom = 6 + tick * BOX
    favours = [a for a in layout.get("annotations") or [] if str(a.get("xref", "")).startswith("x")
               and a.get("yref") == "paper" and a.get("y") == 0]
    if favours:
        bottom += 6 + MIN_PX * BOX
    title = (axis.get("title") or {}).get("text")
    if title:
        bottom += TITLE_STANDOFF_PX + len(text_lines(title)) * BODY_PX * LINE
    return bottom + 8


def _place_favours(layout: dict, tick_px: float) -> None:
    """Notes under the x axis ('← favours experimental') moved below the slide's tick labels,
    and the axis title below them."""
    moved = False
    for a in layout.get("annotations") or []:
        if str(a.get("xref", "")).startswith("x") and a.get("yref") == "paper" and a.get("y") == 0:
            a.update(yshift=-(6 + tick_px * BOX + 4), yanchor="top")
            moved = True
    title = layout["xaxis"].setdefault("title", {})
    title["standoff"] = (6 + MIN_PX * BOX + 8) if moved else TITLE_STANDOFF_PX


def pages(spec: dict, room: tuple[float, float]) -> list[dict]:
    """The slide pages of a row figure: labels as the audience reads them, rows placed by their
    lines, as many rows a page as the plot height left in `room` (layout px of the figure
    itself on its slide, split.figure_room) holds."""
    spec = copy.deepcopy(spec)  # the view's figure is memoised and shared
    layout = spec["layout"]
    margins_by_plotly(layout)  # the columns' gaps as on a slide (measured below at its sizes)
    width, height = room
    y = layout["yaxis"]
    old_text = list(y["ticktext"])
    old = [float(v) for v in y["tickvals"]]
    flipped = y["range"][0] > y["range"][1]
    order = sorted(range(len(old)), key=lambda i: old[i], reverse=not flipped)  # top row first
    labels = audience_labels([old_text[i] for i in order], LABEL_SHARE * width)

    # trials: a main row opens one, its sensitivity / subgroup rows belong to it
    trials, current = [], None
    for i in order:
        if not _is_sub_row(old_text[i]) or current is None:
            current = _trial_of(old_text[i])
        trials.append(current)

    half = [len(text_lines(label)) * BODY_PX * BOX / 2 for label in labels]
    new = [0.0]  # px below the first row's centre
    for k in range(1, len(order)):
        step = half[k - 1] + half[k] + ROW_GAP_PX
        new.append(new[-1] + step + (TRIAL_GAP_PX if trials[k] != trials[k - 1] else 0))

    # column headers on one line each, above the first row of every page
    header_px = 0.0
    for name in column_axes(layout):
        axis = layout[name]
        vals, texts = list(axis.get("tickvals") or []), list(axis.get("ticktext") or [])
        axis["ticktext"] = [_BREAK.sub(" ", str(t)) if v not in old else t for v, t in zip(vals, texts)]
        if any(v not in old for v in vals):
            header_px = BODY_PX * BOX

    # margins: the legend above the plot, the x axis's texts below it
    title = layout.setdefault("title", {})
    title["text"] = ""  # the slide's title band says it
    key, key_px = _key(spec, width - _label_px(labels))
    if key:  # above the plot, from its left edge
        # "y domain", not "paper": slide_style would take a paper-anchored text for a panel heading (18 pt)
        layout.setdefault("annotations", []).append(dict(
            text=key, xref="paper", x=0, xanchor="left", yref="y domain", y=1, yanchor="bottom", yshift=4,
            align="left", showarrow=False, font=dict(size=MIN_PX, color="#1A1A1A")))
    x_title = (layout.get("xaxis") or {}).get("title") or {}
    if isinstance(x_title, dict) and x_title.get("text"):
        x_title["text"] = _BREAK.sub(" ", x_title["text"])  # slide_style re-wraps it to the plot's width
    tick_px = ((layout["xaxis"].get("tickfont") or {}).get("size") or MIN_PX)
    _place_favours(layout, max(tick_px, MIN_PX))
    top_px = (key_px + 8) if key_px else 4
    bottom_px = _bottom_px(layout) + (BODY_PX * LINE if _title_wraps(layout, width, labels) else 0)
    plot_px = height - top_px - bottom_px

    def span(first: int, last: int) -> tuple[float, float]:
        """(top, bottom) px of a page holding rows first..last, headers and edges included."""
        top = new[first] - half[first] - (header_px + HEADER_GAP_PX if header_px else 0) - EDGE_PX
        return top, new[last] + half[last] + EDGE_PX

    # pages: whole trials while they fit (a trial taller than a page is cut between its rows)
    windows: list[list[int]] = [[]]
    for k in range(len(order)):
        window = windows[-1]
        opens_trial = k == 0 or trials[k] != trials[k - 1]
        if window:
            top, bottom = span(window[0], k)
            if bottom - top > plot_px:
                if opens_trial or trials[window[0]] == trials[k] and all(trials[j] == trials[k] for j in window):
                    windows.append([])
                else:  # move the unfinished trial's rows to the next page
                    start = next(j for j in window if trials[j] == trials[k])
                    windows[-1] = [j for j in window if j < start]
                    windows.append([j for j in window if j >= start])
        windows[-1].append(k)
    windows = [w for w in windows if w]

    # the right margin written out as the columns' measured width: plotly's automargin would
    # grow it past what slide_style anchors the image's footnote to, and cut the footnote
    layout["margin"] = {**(layout.get("margin") or {}), "t": top_px, "b": bottom_px, "l": _label_px(labels),
                        "r": _columns_px(layout) + 8}
    y["ticklabelstandoff"] = LABEL_STANDOFF_PX  # labels clear of a marker at the plot's left edge
    mapping_old = [old[i] for i in order]
    mapping_new = [-v for v in new]  # the new axis: up is positive, the first row at 0
    if not flipped:
        mapping_old, mapping_new = mapping_old[::-1], mapping_new[::-1]

    def move(value):
        """An old row-axis value on the new axis (linear beyond the first and last rows)."""
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return value
        xs, ys = mapping_old, mapping_new
        if len(xs) == 1:
            return ys[0] + (value - xs[0]) * BODY_PX * (-1 if flipped else 1)
        if value < xs[0] or value > xs[-1]:
            end, nxt = (0, 1) if value < xs[0] else (-1, -2)
            slope = (ys[nxt] - ys[end]) / (xs[nxt] - xs[end])
            return ys[end] + (value - xs[end]) * slope
        return float(np.interp(value, xs, ys)) if xs[0] < xs[-1] else float(np.interp(value, xs[::-1], ys[::-1]))

    refs = {"y", *("y" + n[5:] for n in column_axes(layout))}
    for trace in spec.get("data", []):
        if str(trace.get("yaxis", "y")) in refs and isinstance(trace.get("y"), list):
            trace["y"] = [move(v) for v in trace["y"]]
    for item in [*(layout.get("shapes") or []), *(layout.get("annotations") or [])]:
        if item.get("yref") == "y":
            for key in ("y", "y0", "y1"):
                if key in item:
                    item[key] = move(item[key])
    without_notes(spec)  # said, shortened, in the slide's footnote (export_views)

    out = []
    for window in windows:
        page = copy.deepcopy(spec) if len(windows) > 1 else spec
        lay = page["layout"]
        top, bottom = span(window[0], window[-1])
        header_at = -(new[window[0]] - half[window[0]] - HEADER_GAP_PX - header_px / 2)
        shown = {order[k] for k in window}
        for name in ["yaxis", *column_axes(lay)]:
            axis = lay[name]
            kept_vals, kept_texts = [], []
            for v, t in zip(list(axis.get("tickvals") or []), list(axis.get("ticktext") or [])):
                if float(v) in old:
                    i = old.index(float(v))
                    if i not in shown:
                        continue
                    kept_vals.append(-new[order.index(i)])
                    kept_texts.append(_page_label(labels, order.index(i), window, trials, old_text[i], width) if name == "yaxis" else t)
                elif name != "yaxis":  # a column header
                    kept_vals.append(header_at)
                    kept_texts.append(t)
            axis.update(tickvals=kept_vals, ticktext=kept_texts, range=[-bottom, -top], autorange=False)
        spare = plot_px - MAX_STRETCH * (bottom - top)
        if spare > 0:  # a few rows are not spread over the whole picture: the air goes above and below
            lay["margin"] = {**lay["margin"], "t": top_px + spare / 2, "b": bottom_px + spare / 2}
            axis.pop("matches", None)
        if len(windows) > 1:
            _only_rows(page, -top, -bottom)
        out.append(page)
    return out


def _page_label(labels: list[str], k: int, window: list[int], trials: list[str], screen: str, width: float) -> str:
    """A row's label on its page: a trial's sensitivity or subgroup row that opens a page (its
    trial's row is on the page before) names the trial again."""
    if k != window[0] or not _is_sub_row(screen) or (k and trials[k - 1] != trials[k]):
        return labels[k]
    opening, text, closing = _styling(_BREAK.sub(" ", labels[k]))
    lines = wrap_text(f"{trials[k]} · {text}", LABEL_SHARE * width, BODY_PX, bold="<b>" in opening)
    return "<br>".join(f"{opening}{html.escape(line, quote=False)}{closing}" for line in lines)


def _label_px(labels: list[str]) -> float:
    """The left margin: the widest label line (bold where bold) and the tick standoff."""
    return max(text_width(_styling(line)[1], BODY_PX, bold="<b>" in line)
               for label in labels for line in _BREAK.split(label)) + LABEL_STANDOFF_PX + 14


def _columns_px(layout: dict) -> float:
    """Width of the text columns right of the plot at slide size: each column's widest text
    (bold where bold) and its standoff from the one before."""
    return sum(max((text_width(plain_text(t), BODY_PX, bold="<b>" in str(t)) for t in layout[n].get("ticktext") or [""]),
                   default=0) + (layout[n].get("ticklabelstandoff") or 0) + 4 for n in column_axes(layout))


def _title_wraps(layout: dict, width: float, labels: list[str]) -> bool:
    """Whether the x axis title will not fit one line under the plot (slide_style wraps it)."""
    text = plain_text(((layout.get("xaxis") or {}).get("title") or {}).get("text"))
    if not text:
        return False
    label_px = _label_px(labels)
    return text_width(text, BODY_PX) > width - label_px - _columns_px(layout) - 30


def _only_rows(page: dict, top: float, bottom: float) -> None:
    """Points of rows on other pages not drawn (y None)."""
    for trace in page.get("data", []):
        ys = trace.get("y")
        if isinstance(ys, list) and str(trace.get("yaxis", "y")) == "y":
            trace["y"] = [v if not isinstance(v, (int, float)) or bottom <= v <= top else None for v in ys]
