"""`coach adviser ...`, `coach console ...` and `coach purge` (wired into bot/cli/main.py)."""
from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from bot.shared.settings import get_settings
from bot.web.console import accounts
from bot.web.console.db import current_revision, dispose_engines, get_engine, upgrade


def _engine():  # type: ignore[no-untyped-def]
    engine = get_engine(get_settings().database_url)
    upgrade(engine)
    return engine


def _read_password() -> str:
    """Prompt twice on a terminal; otherwise read the first line of stdin (for scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise accounts.AccountError("The passwords do not match.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _change_account(change: Callable[[Any], accounts.Account], done: Callable[[accounts.Account], str]) -> int:
    """Run one account change against the console database; print the outcome or the refusal."""
    try:
        account = change(_engine())
    except accounts.AccountError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        dispose_engines()
    print(done(account))
    return 0


def cmd_adviser_add(args: argparse.Namespace) -> int:
    """Create an adviser account (or reset its password and re-enable it)."""
    return _change_account(
        lambda engine: accounts.add_account(engine, args.email, _read_password(), args.admin),
        lambda account: f"Adviser {account.email} {'(admin) ' if account.is_admin else ''}can now sign in at /console.")


def cmd_adviser_disable(args: argparse.Namespace) -> int:
    """Disable an adviser account (they are signed out on their next request)."""
    return _change_account(lambda engine: accounts.set_active(engine, args.email, False),
                           lambda account: f"Adviser {account.email} is disabled.")


def cmd_adviser_list(_args: argparse.Namespace) -> int:
    """List adviser accounts."""
    try:
        for account in accounts.list_accounts(_engine()):
            flags = ", ".join(f for f in ("admin" if account.is_admin else "",
                                          "" if account.active else "disabled") if f)
            print(account.email + (f" ({flags})" if flags else ""))
    finally:
        dispose_engines()
    return 0


def cmd_console_migrate(_args: argparse.Namespace) -> int:
    """Create or upgrade the console's tables."""
    engine = get_engine(get_settings().database_url)
    try:
        upgrade(engine)
        print(f"Console tables at revision {current_revision(engine)}.")
    finally:
        dispose_engines()
    return 0


def _sync_all(engine: Any) -> int:
    """Index every unread event; the number read (events it cannot index are skipped and logged)."""
    from bot.web.console.sync import sync

    total = 0
    while read := sync(engine, budget_seconds=30.0):
        total += read
    return total


def cmd_console_sync(_args: argparse.Namespace) -> int:
    """Index every conversation event the console has not read yet (also done by the web pages)."""
    from bot.web.console.sync import skipped_count

    try:
        engine = _engine()
        total = _sync_all(engine)
        skipped = skipped_count(engine)
    except Exception as exc:  # noqa: BLE001 - a clear message and exit code, not a traceback
        print(f"Indexing failed: {exc}", file=sys.stderr)
        return 1
    finally:
        dispose_engines()
    print(f"Indexed {total} new events." + (f" {skipped} event(s) could not be indexed (see the log)."
                                            if skipped else ""))
    return 0


def cmd_console_check(_args: argparse.Namespace) -> int:
    """Index what is unread, then report conversations and messages missing from the console (exit 1)."""
    from bot.web.console.integrity import check

    try:
        engine = _engine()
        try:
            _sync_all(engine)
        except Exception as exc:  # noqa: BLE001 - the check still reports what is missing
            print(f"Indexing failed: {exc}", file=sys.stderr)
        report = check(engine)
    finally:
        dispose_engines()
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def cmd_purge(args: argparse.Namespace) -> int:
    """Erase conversations with no activity for the given number of days (retention)."""
    from bot.web.console import audit
    from bot.web.console.privacy import parse_age, purge_older_than

    try:
        days = parse_age(args.older_than)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        engine = _engine()
        erased = purge_older_than(engine, days)
        audit.record(engine, "coach purge", "purge", detail=f"{len(erased)} conversations older than {days} days")
    finally:
        dispose_engines()
    print(f"Erased {len(erased)} conversation(s) with no activity in the last {days} days.")
    return 0


def add_commands(commands: Any) -> None:
    """Add the console's sub-commands to the `coach` parser."""
    adviser = commands.add_parser("adviser", help="manage adviser console accounts")
    adviser_commands = adviser.add_subparsers(dest="adviser_command", required=True)
    add = adviser_commands.add_parser("add", help="add an adviser (password prompted, or read from stdin)")
    add.add_argument("email")
    add.add_argument("--admin", action="store_true", help="may manage accounts, reveal and erase")
    add.set_defaults(handler=cmd_adviser_add)
    disable = adviser_commands.add_parser("disable", help="disable an adviser account")
    disable.add_argument("email")
    disable.set_defaults(handler=cmd_adviser_disable)
    adviser_commands.add_parser("list", help="list adviser accounts").set_defaults(handler=cmd_adviser_list)

    console = commands.add_parser("console", help="adviser console database tasks")
    console_commands = console.add_subparsers(dest="console_command", required=True)
    console_commands.add_parser("migrate", help="create or upgrade the console tables") \
        .set_defaults(handler=cmd_console_migrate)
    console_commands.add_parser("sync", help="index new conversation events now") \
        .set_defaults(handler=cmd_console_sync)
    console_commands.add_parser("check", help="report conversations or messages missing from the console") \
        .set_defaults(handler=cmd_console_check)

    purge = commands.add_parser("purge", help="erase old conversations (retention)")
    purge.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 90d")
    purge.set_defaults(handler=cmd_purge)
