"""Checks on the durable Telegram inbox for fault tests: was every acknowledged update handled exactly once?"""
from __future__ import annotations

from collections.abc import Iterable

from bot.rasa.channels.telegram.inbox import Inbox, StoredUpdate
from bot.shared.telegram_updates import DONE


def stored_updates(database_url: str) -> dict[int, StoredUpdate]:
    """Every row of `telegram_updates` in the conversations database, by update_id."""
    inbox = Inbox(database_url, instance="tests")
    try:
        return {row.update_id: row for row in inbox.stored()}
    finally:
        inbox.close()


def handling_problems(database_url: str, acknowledged: Iterable[int]) -> list[str]:
    """What went wrong for updates the webhook answered 200 `accepted`: [] when each was handled once.

    Lost (no row), not finished (pending, processing, failed), or claimed more than once (a
    server died mid-turn: it may have been answered twice). Erased chats (/forget) have no rows.
    """
    rows = stored_updates(database_url)
    problems = []
    for update_id in acknowledged:
        row = rows.get(update_id)
        if row is None:
            problems.append(f"update {update_id}: lost (not stored)")
        elif row.state != DONE:
            problems.append(f"update {update_id}: {row.state} (claimed by {row.claimed_by})")
        elif row.attempts != 1:
            problems.append(f"update {update_id}: claimed {row.attempts} times")
    return problems
