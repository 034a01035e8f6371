"""Figure builders: pure functions from a view's table (`evidence.tables`) to a plotly figure
dict (`{"data": [...], "layout": {...}}`, plain types only; no go.Figure on the request path).

Conventions shared by every builder: `layout.template = evidence.theme.TEMPLATE`; arms coloured
by role (`ROLE_COLOURS`); derived values drawn with `DERIVED_SYMBOL` and said so on hover; data
text through `theme.plain_text` once (plotly renders a subset of HTML); an empty selection
returns `theme.empty_figure_dict(message)`; every clickable point carries the trial id as
`customdata[0]` (heatmap cells: the id itself) so a click selects the trial everywhere.
"""
