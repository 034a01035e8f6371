"""Figure builders: pure functions from curated DataFrames and options to plotly figures.

Conventions shared by every builder: template `evidence.theme.TEMPLATE_NAME`; arms coloured by
role (`ROLE_COLOURS`); derived values drawn with `DERIVED_SYMBOL` and said so on hover; an
empty selection returns `empty_figure(message)`; every clickable point carries
`customdata[0] = trial_id` and `customdata[1] = arm_id` ("" when not arm-specific) so a click
selects the trial everywhere.
"""
