"""The README's Data and "Your own trials" sections name what the data contract holds: every table
(as its CSV file) and every patient-flow stage, so a contract change that the README misses fails
here (the data dictionary, data/README.md, is generated and compared elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidence.contract import CONTRACT_VERSION, FLOW_STAGES, TABLES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of a '## title' section, or of a '- **title**' bullet up to the next bullet."""
    heading = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    if heading:
        return heading.group(1)
    bullet = re.search(rf"^- \*\*{re.escape(title)}\*\*(.*?)(?=^- \*\*|^## )", README, re.S | re.M)
    assert bullet, f"README has no section or bullet {title!r}"
    return bullet.group(1)


DATA = _section("Data")


@pytest.mark.parametrize("table", list(TABLES))
def test_every_contract_table_is_named_in_the_data_section(table):
    assert f"`{table}.csv`" in DATA


@pytest.mark.parametrize("stage", FLOW_STAGES)
def test_every_flow_stage_is_named_in_the_data_section(stage):
    assert f"`{stage}`" in DATA


def test_the_data_section_names_the_contract_version_and_the_passage_column():
    assert f"contract v{CONTRACT_VERSION}" in DATA and "`passage`" in DATA


def test_your_own_trials_names_the_new_tables_stages_and_passage():
    uploads = _section("Your own trials")
    for name in ("flow", "exposure", "event_outcomes", "findings"):
        assert f"`{name}.csv`" in uploads, name
    for stage in ("completed", "not completed", "baseline set"):
        assert f"`{stage}`" in uploads, stage
    assert "`passage`" in uploads and f"v{CONTRACT_VERSION}" in uploads
