"""Command line: `python -m evidence validate [DATA_DIR]`, `summary [DATA_DIR]`, `dictionary`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidence.contract import data_dictionary_markdown
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
    commands.add_parser("dictionary", help="print the data dictionary (Markdown)")
    args = parser.parse_args(argv)

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
    if args.command == "summary":
        print(summary_text(data))
    else:
        print(f"{args.data_dir}: valid ({len(problems)} warning(s)); data version {data.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
