"""Each view's tidy table: the rows and fitted models a figure draws and an export writes.

Pure pandas (and the statistics modules): no plotly, no dash. `evidence.figures` turns these
tables into plotly figure dicts; one module per view family.
"""
