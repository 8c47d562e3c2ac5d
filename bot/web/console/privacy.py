"""Privacy: masking contact details, erasing a learner's conversation, purging old conversations."""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection, Engine

from bot.shared.conversation_ids import lookup_ids
from bot.shared.erasure import erase_conversations
from bot.web.console.db import has_events_table
from bot.web.console.sync import sync
from bot.web.console.tables import conversations, events, messages

logger = logging.getLogger(__name__)
_DURATION = re.compile(r"^(\d{1,5})\s*(d|days?)$")


def parse_age(value: str) -> int:
    """Days from a retention period such as `90d`; ValueError when malformed."""
    match = _DURATION.match((value or "").strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"Give the age in days, like 90d (got {value!r}).")
    return int(match.group(1))


def find_for_erasure(engine: Engine, needle: str, limit: int = 200) -> list[dict[str, object]]:
    """Conversations whose id is `needle` or whose learner messages contain it (e.g. an email)."""
    from bot.web.console.queries import search_condition

    needle = needle.strip()
    if not needle:
        return []
    ids = lookup_ids(needle)  # a Telegram chat id also finds its `telegram-<chat id>` conversation
    with engine.connect() as connection:
        rows = connection.execute(
            select(conversations).where(or_(conversations.c.sender_id.in_(ids),
                                            search_condition(connection, needle)))
            .order_by(conversations.c.last_ts.desc()).limit(limit * 5)).all()
        found = []
        for row in rows:
            if row.sender_id in ids:
                found.append(dict(row._mapping))
                continue
            # The full-text search matched the words; keep only conversations with the exact text.
            texts = connection.execute(select(messages.c.text).where(
                messages.c.sender_id == row.sender_id, messages.c.role == "user")).scalars()
            if any(needle.lower() in text.lower() for text in texts):
                found.append(dict(row._mapping))
        if has_events_table(engine) and not any(f["sender_id"] == needle for f in found):
            found[:0] = _stored_only(connection, needle)
    return found[:limit]


def _stored_only(connection: Connection, sender_id: str) -> list[dict[str, object]]:
    """A conversation Rasa stores but the console has not indexed (so erasure never depends on the index)."""
    turns = func.sum(case((events.c.type_name == "user", 1), else_=0))
    last, stored, user_turns = connection.execute(
        select(func.max(events.c.timestamp), func.count(), turns).where(events.c.sender_id == sender_id)).one()
    if not stored:
        return []
    return [{"sender_id": sender_id, "channel": None, "last_ts": last or 0.0, "turns": int(user_turns or 0),
             "last_user_text": None}]


def erase(engine: Engine, sender_ids: Iterable[str], actor: str | None = None, detail: str = "erased") -> int:
    """Erase the conversations everywhere (bot/shared/erasure.py; audited per conversation when `actor` is given)."""
    return erase_conversations(engine, sender_ids, actor, detail)


def purge_older_than(engine: Engine, days: int, now: float | None = None) -> list[str]:
    """Erase conversations whose last activity is older than `days`; their ids.

    The index is brought up to date first when it can be; the candidates are read from Rasa's
    events as well as from the index, so a sync that fails does not stop the purge.
    """
    try:
        while sync(engine, budget_seconds=60.0):
            pass
    except Exception:  # noqa: BLE001 - logged; the purge goes on from Rasa's events
        logger.exception("Indexing before the purge failed; purging from the stored events.")
    cutoff = (time.time() if now is None else now) - days * 86400
    with engine.connect() as connection:
        old = set(connection.execute(select(conversations.c.sender_id).where(conversations.c.last_ts < cutoff))
                  .scalars())
        if has_events_table(engine):
            last_activity = select(events.c.sender_id, func.max(events.c.timestamp).label("last")) \
                .group_by(events.c.sender_id).subquery()
            stored = {row.sender_id: row.last for row in connection.execute(select(last_activity))}
            old = {s for s in old if s not in stored} | {s for s, last in stored.items() if (last or 0) < cutoff}
    erased = sorted(old)
    erase(engine, erased)
    return erased
