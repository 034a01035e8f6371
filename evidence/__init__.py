"""Curated trial evidence: data contract, statistics and figures (never imports dash)."""
