"""The command line: `python -m evidence validate|summary|dictionary`, run as a real subprocess."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.contract import data_dictionary_markdown

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "evidence", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _line_of(path: Path, **criteria: str) -> int:
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    header = next(reader)
    hits = []
    line = 2
    for record in reader:
        if record and all(record[header.index(k)] == v for k, v in criteria.items()):
            hits.append(line)
        line = reader.line_num + 1
    assert len(hits) == 1, hits
    return hits[0]


def _set_cell(path: Path, line: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    record = next(csv.reader([lines[line - 1]]))
    record[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(record)
    lines[line - 1] = out.getvalue()
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_validate_bundled_data_exits_0_and_says_valid():
    result = run("validate", "data")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    assert "data: valid (6 warning(s))" in result.stdout
    assert "nothing loaded" not in result.stdout + result.stderr
    # The six documented discrepancies are shown as warnings, on stdout, not as errors.
    assert result.stdout.count("warning: ") == 6
    assert result.stderr == ""


def test_validate_defaults_to_the_data_directory():
    result = run("validate")
    assert result.returncode == 0, result.stderr
    assert "data: valid" in result.stdout


def test_validate_broken_copy_exits_1_naming_file_line_and_column(data_copy):
    efficacy = data_copy / "efficacy.csv"
    line = _line_of(efficacy, trial_id="PASO", arm_id="A", endpoint="PFS")
    _set_cell(efficacy, line, "ci_high", "6.0")  # 6.6 (5.1-9.0) no longer contains its median
    result = run("validate", str(data_copy))
    assert result.returncode == 1
    assert f"efficacy.csv, line {line}, column ci_high" in result.stderr
    assert "expected a 95% CI containing the estimate 6.6" in result.stderr
    assert "nothing loaded" in result.stderr
    assert f"1 error(s) in {data_copy}; nothing loaded." in result.stderr
    assert "valid (" not in result.stdout


def test_validate_reports_every_error_of_a_broken_copy(data_copy):
    (data_copy / "dosing.csv").unlink()
    trials = data_copy / "trials.csv"
    line = _line_of(trials, trial_id="PASO")
    _set_cell(trials, line, "status", "stopped")
    result = run("validate", str(data_copy))
    assert result.returncode == 1
    assert "dosing.csv, whole file: expected the file to exist" in result.stderr
    assert f"trials.csv, line {line}, column status" in result.stderr
    assert "2 error(s)" in result.stderr and "nothing loaded" in result.stderr


def test_summary_refuses_broken_data(data_copy):
    (data_copy / "arms.csv").write_bytes(b"")
    result = run("summary", str(data_copy))
    assert result.returncode == 1
    assert "arms.csv, line 1" in result.stderr
    assert "nothing loaded" in result.stderr
    assert "trials," not in result.stdout


def test_summary_of_bundled_data():
    result = run("summary", "data")
    assert result.returncode == 0, result.stderr
    assert "5 trials, 9 arms" in result.stdout
    assert "rows per table:" in result.stdout
    assert "6 warning(s) (documented discrepancies in the sources)" in result.stdout


def test_dictionary_equals_data_readme_exactly():
    result = run("dictionary")
    assert result.returncode == 0, result.stderr
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert result.stdout == readme, (
        "data/README.md is out of sync with evidence/contract.py: "
        "regenerate it with `python -m evidence dictionary > data/README.md`"
    )
    assert result.stdout == data_dictionary_markdown()


@pytest.mark.parametrize("command", ["validate", "summary"])
def test_non_directory_argument_exits_2(command, tmp_path):
    result = run(command, str(DATA_DIR / "README.md"))
    assert result.returncode == 2
    assert "not a directory" in result.stderr
    missing = run(command, str(tmp_path / "no-such-dir"))
    assert missing.returncode == 2
    assert "not a directory" in missing.stderr


def test_unknown_command_is_a_usage_error():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr
