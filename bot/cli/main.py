"""The `coach` operator command line: knowledge loading and other operator tasks."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

from bot.shared.settings import PROJECT_ROOT, ConfigurationError, get_settings

# NLU training data generated from knowledge/content (git-ignored; rewritten by `knowledge load`).
SYNONYMS_FILE = PROJECT_ROOT / "data" / "nlu" / "generated_synonyms.yml"
PATTERNS_FILE = PROJECT_ROOT / "data" / "nlu" / "generated_patterns.yml"


def _knowledge_factory():  # type: ignore[no-untyped-def]
    from knowledge.db import make_session_factory

    return make_session_factory(get_settings().knowledge_database_url)


def cmd_knowledge_load(args: argparse.Namespace) -> int:
    """Validate the content, load it into the knowledge database and refresh the NLU assets."""
    from knowledge.content import ContentError
    from knowledge.service import load_and_build

    try:
        report, assets = load_and_build(_knowledge_factory(), get_settings().spacy_pipeline_dir,
                                        SYNONYMS_FILE, PATTERNS_FILE, Path(args.content))
    except ContentError as exc:
        print(f"Nothing loaded: {len(exc.problems)} problem(s) in the content.", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Database: {get_settings().knowledge_database_url}")
    print(report.summary())
    print(assets.summary())
    return 0


def cmd_knowledge_check(args: argparse.Namespace) -> int:
    """Validate the content without loading it."""
    from knowledge.content import ContentError, read_content

    try:
        content, _vocabulary = read_content(Path(args.content))
    except ContentError as exc:
        print(f"{len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    total = sum(len(rows) for rows in content.records.values())
    print(f"Content OK: {total} records in {len(content.records)} tables.")
    return 0


def cmd_config(_args: argparse.Namespace) -> int:
    """Print the effective configuration (secrets shown only as set / not set)."""
    for key, value in get_settings().describe().items():
        print(f"{key}={value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every `coach` sub-command."""
    from knowledge.content import CONTENT_DIR

    parser = argparse.ArgumentParser(prog="coach", description="Career Coach operator tasks.")
    commands = parser.add_subparsers(dest="command", required=True)

    knowledge = commands.add_parser("knowledge", help="load and check the careers knowledge base")
    knowledge_commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    load = knowledge_commands.add_parser("load", help="validate and load content (idempotent)")
    load.add_argument("--content", default=str(CONTENT_DIR), help="content folder")
    load.set_defaults(handler=cmd_knowledge_load)
    check = knowledge_commands.add_parser("check", help="validate content without loading")
    check.add_argument("--content", default=str(CONTENT_DIR), help="content folder")
    check.set_defaults(handler=cmd_knowledge_check)

    config = commands.add_parser("config", help="show the effective configuration")
    config.set_defaults(handler=cmd_config)

    from bot.cli.console import add_commands as add_console_commands
    from bot.cli.telegram import add_telegram_commands

    add_telegram_commands(commands)
    add_console_commands(commands)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the `coach` console script."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigurationError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
