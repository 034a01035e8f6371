"""Command line: `python -m evidence validate [DATA_DIR]`, `summary [DATA_DIR]`, `derive [DATA_DIR]`,
`dictionary`, `db upgrade|current|downgrade REV` (the uploaded-trials database of DATABASE_URL /
STATE_DIR)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidence.contract import data_dictionary_markdown
from evidence.derive import derived_grade_bands, with_derived_bands
from evidence.loading import read_directory, validate_files
from evidence.summary import summary_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evidence", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("validate", "print every problem in a data directory; exit 1 when there is an error"),
        ("summary", "print what a data directory holds (validates first)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("data_dir", nargs="?", default="data", type=Path)
    derive = commands.add_parser(
        "derive", help="recompute every derived grade 3-4 row of adverse_events.csv from its grade rows"
    )
    derive.add_argument("data_dir", nargs="?", default="data", type=Path)
    derive.add_argument("--check", action="store_true", help="only report rows that differ; exit 1 if any")
    commands.add_parser("dictionary", help="print the data dictionary (Markdown)")
    database = commands.add_parser("db", help="migrate the uploaded-trials database (DATABASE_URL, else STATE_DIR's SQLite)")
    database.add_argument("action", choices=("upgrade", "current", "downgrade"))
    database.add_argument("revision", nargs="?", default="head", help="target revision (default: the newest)")
    args = parser.parse_args(argv)

    if args.command == "db":
        return _database(args.action, args.revision)

    if args.command == "dictionary":
        sys.stdout.write(data_dictionary_markdown())
        return 0
    if not args.data_dir.is_dir():
        print(f"{args.data_dir}: not a directory", file=sys.stderr)
        return 2
    data, problems = validate_files(read_directory(args.data_dir))
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
    if data is None:
        print(f"{len(errors)} error(s) in {args.data_dir}; nothing loaded.", file=sys.stderr)
        return 1
    if args.command == "derive":
        return _derive(args.data_dir, data, check=args.check)
    if args.command == "summary":
        print(summary_text(data))
    else:
        print(f"{args.data_dir}: valid ({len(problems)} warning(s)); data version {data.version}")
    return 0


def _database(action: str, revision: str) -> int:
    """Apply, show or undo migrations of the configured database (settings from the environment)."""
    from config import Settings
    from evidence import db

    settings = Settings.from_env()
    url = db.database_url(settings.database_url, settings.state_dir)
    if action == "upgrade":
        db.upgrade(url, revision)
    elif action == "downgrade":
        db.downgrade(url, revision)
    print(f"{db.redacted(url)}: at revision {db.current_revision(url)} (newest: {db.head_revision()})")
    return 0


def _derive(data_dir: Path, data, check: bool) -> int:
    """Rewrite the derived grade bands of adverse_events.csv (evidence.derive); with `check`,
    only list the cells that differ."""
    path = data_dir / "adverse_events.csv"
    text, changes = with_derived_bands(path.read_text(encoding="utf-8"), derived_grade_bands(data.adverse_events))
    for change in changes:
        print(f"{path}: {change}")
    if check:
        return 1 if changes else 0
    if changes:
        path.write_text(text, encoding="utf-8")
    print(f"{path}: {len(changes)} derived cell(s) {'rewritten' if changes else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
