"""Synthetic curated tables at N x the bundled size, for the growth benchmark.

    .venv/bin/python bench/synthetic.py FACTOR OUT_DIR [--data data] [--seed 7]

Keeps the bundled trials and adds FACTOR-1 clones of each one, with new trial ids
(`PASO-X0001`, ...), new sources (`PASO_REPORT-X0001`, one sources.csv row per clone) and jittered
numbers that keep every validation rule of `evidence/relations.py` true:

* arm sizes scale by an integer m per clone (1-3); counts scale with them, so every printed
  percentage still equals count/n to its printed precision;
* medians and their CIs scale by one factor per row and are rounded to the printed decimals
  (rounding is monotone, so the CI still contains the estimate);
* hazard ratios and CIs likewise (P values are kept as printed);
* rates with counts get a count jitter of -1..+1, the value recomputed at the printed decimals
  and the CI shifted by the same amount (clamped to 0-100);
* all-grade adverse-event counts get a jitter of 0..+2 (capped at n) and the percentage
  recomputed; grade 3 / 4 / 3-4 rows only scale, so the bands still add up;
* rows that carry a `discrepancy` are copied as they are (they stay warnings, not errors).

The result validates with `python -m evidence validate OUT_DIR` (bench/run.py checks this).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TABLE_FILES = (
    "sources", "trials", "arms", "efficacy", "comparisons", "adverse_events",
    "dosing", "design", "baseline", "ae_terms", "flow", "exposure", "event_outcomes", "findings",
    "survival_ipd",
)


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _scale_text(text: str, factor: float) -> str:
    """A printed number times factor, printed with the same number of decimals."""
    if text == "":
        return text
    return _fmt(float(text) * factor, _decimals(text))


def _int_text(text: str, m: int, add: int = 0, cap: int | None = None) -> str:
    if text == "":
        return text
    value = int(text) * m + add
    if cap is not None:
        value = min(value, cap)
    return str(max(value, 0))


def _clone_source(text: str, suffix: str) -> str:
    """'SRC: locator; more' -> 'SRC-X0001: locator; more'."""
    if not text:
        return text
    source_id, sep, rest = text.partition(":")
    return f"{source_id.strip()}{suffix}{sep}{rest}"


def read_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in TABLE_FILES:
        path = Path(data_dir) / f"{name}.csv"
        if path.is_file():
            tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tables


def _clone(tables: dict[str, pd.DataFrame], k: int, rng: random.Random) -> dict[str, pd.DataFrame]:
    """One clone of every trial: ids suffixed with -X{k:04d}, numbers jittered consistently."""
    suffix = f"-X{k:04d}"
    out: dict[str, pd.DataFrame] = {}
    trial_ids = list(tables["trials"].trial_id)
    m_of = {t: rng.choice((1, 1, 2, 3)) for t in trial_ids}  # arm-size multiplier per trial

    s = tables["sources"].copy()
    s["source_id"] = s.source_id + suffix
    s["citation"] = s.citation + f" [synthetic clone {k}]"
    out["sources"] = s

    t = tables["trials"].copy()
    m = t.trial_id.map(m_of)
    t["n_planned"] = [_int_text(v, mm) for v, mm in zip(t.n_planned, m)]
    t["n_enrolled"] = [_int_text(v, mm) for v, mm in zip(t.n_enrolled, m)]
    t["acronym"] = [a + suffix if a else a for a in t.acronym]
    t["title"] = t.title + f" [synthetic clone {k}]"
    t["source_id"] = t.source_id + suffix
    out["trials"] = t

    a = tables["arms"].copy()
    m = a.trial_id.map(m_of)
    for col in ("n_randomized", "n_efficacy", "n_safety"):
        a[col] = [_int_text(v, mm) for v, mm in zip(a[col], m)]
    out["arms"] = a
    n_safety = {(r.trial_id, r.arm_id): r.n_safety for r in a.itertuples()}

    e = tables["efficacy"].copy()
    rows = []
    for r in e.to_dict("records"):
        mm = m_of[r["trial_id"]]
        n = _int_text(r["n_analysed"], mm)
        if r["statistic"] == "median":
            f = rng.uniform(0.85, 1.15)
            for col in ("value", "ci_low", "ci_high"):
                r[col] = _scale_text(r[col], f)
            r["count"] = _int_text(r["count"], mm)
        elif r["count"] and r["n_analysed"]:
            count = min(max(int(r["count"]) * mm + rng.choice((-1, 0, 1)), 0), int(n))
            old = float(r["value"])
            new = 100.0 * count / int(n)
            r["value"] = _fmt(new, _decimals(r["value"]))
            for col in ("ci_low", "ci_high"):
                if r[col]:
                    r[col] = _fmt(min(max(float(r[col]) + new - old, 0.0), 100.0), _decimals(r[col]))
            r["count"] = str(count)
        r["n_analysed"] = n
        rows.append(r)
    out["efficacy"] = pd.DataFrame(rows, columns=e.columns)

    c = tables["comparisons"].copy()
    rows = []
    for r in c.to_dict("records"):
        if r["statistic"] == "HR" and r["value"]:
            g = rng.uniform(0.85, 1.15)
            for col in ("value", "ci_low", "ci_high"):
                scaled = _scale_text(r[col], g)
                if scaled and float(scaled) <= 0:
                    scaled = r[col]
                r[col] = scaled
        rows.append(r)
    out["comparisons"] = pd.DataFrame(rows, columns=c.columns)

    ae = tables["adverse_events"].copy()
    rows = []
    for r in ae.to_dict("records"):
        if not r["n_at_risk"]:  # an event named in words only: no figures to scale
            rows.append(r)
            continue
        mm = m_of[r["trial_id"]]
        n = int(r["n_at_risk"]) * mm
        expected = n_safety.get((r["trial_id"], r["arm_id"]))
        if expected and int(expected) != n:  # keep n_at_risk == the arm's n_safety
            n = int(expected)
        r["n_at_risk"] = str(n)
        if r["discrepancy"]:
            r["count"] = _int_text(r["count"], mm)
        elif r["count"]:
            jitter = rng.choice((0, 1, 2)) if r["grade"] == "all" else 0
            count = min(int(r["count"]) * mm + jitter, n)
            r["count"] = str(count)
            if r["pct"]:
                r["pct"] = _fmt(100.0 * count / n, _decimals(r["pct"]))
        elif r["pct"] and r["grade"] == "all":
            r["pct"] = _fmt(min(max(float(r["pct"]) + rng.uniform(-0.5, 0.5), 0.0), 100.0), _decimals(r["pct"]))
        rows.append(r)
    out["adverse_events"] = pd.DataFrame(rows, columns=ae.columns)

    d = tables["dosing"].copy()
    d["delivered_mean_daily_mg"] = [
        _fmt(float(v) * rng.uniform(0.9, 1.05), _decimals(v)) if v else v for v in d.delivered_mean_daily_mg
    ]
    out["dosing"] = d

    b = tables["baseline"].copy()
    m = b.trial_id.map(m_of)
    b["count"] = [_int_text(v, mm) for v, mm in zip(b["count"], m)]
    b["n"] = [_int_text(v, mm) for v, mm in zip(b["n"], m)]
    out["baseline"] = b

    for name in ("design", "ae_terms", "flow", "exposure", "event_outcomes", "findings", "survival_ipd"):
        if name in tables:
            out[name] = tables[name].copy()

    for name, frame in out.items():
        if "trial_id" in frame.columns:
            frame["trial_id"] = frame.trial_id + suffix
        if "source" in frame.columns:
            frame["source"] = [_clone_source(v, suffix) for v in frame.source]
    return out


def generate(factor: int, out_dir: Path, data_dir: Path = ROOT / "data", seed: int = 7) -> dict[str, int]:
    """Write a data set of `factor` x the bundled trials to out_dir; returns row counts."""
    if factor < 1:
        raise ValueError("factor must be >= 1")
    tables = read_tables(data_dir)
    rng = random.Random(seed)
    parts: dict[str, list[pd.DataFrame]] = {name: [frame] for name, frame in tables.items()}
    for k in range(1, factor):
        for name, frame in _clone(tables, k, rng).items():
            parts[name].append(frame)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, frames in parts.items():
        frame = pd.concat(frames, ignore_index=True)
        frame.to_csv(out_dir / f"{name}.csv", index=False, lineterminator="\n")
        counts[name] = len(frame)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("factor", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    counts = generate(args.factor, args.out_dir, args.data, args.seed)
    print(", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
