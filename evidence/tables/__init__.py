"""Each view's tidy rows, as DataFrames: what a figure draws and what an export writes.

Pure functions of the curated tables (see `evidence.contract`) and options, one module per view
family; `evidence.figures` only turns these tables into plotly figure dicts.
"""
