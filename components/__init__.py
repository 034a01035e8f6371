"""Dash UI: component ids, layout pieces and thin callbacks. Never reads files."""
