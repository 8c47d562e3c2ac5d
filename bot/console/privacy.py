"""Privacy: masking contact details, erasing a learner's conversation, purging old conversations."""
from __future__ import annotations

import re
import time
from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Engine

from bot.channels.conversation_ids import lookup_ids
from bot.console.db import has_events_table
from bot.console.sync import sync
from bot.console.tables import PER_CONVERSATION, conversations, events, messages

EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# 9 to 15 digits, optionally with +, spaces, dots, dashes or brackets between them (UK and
# international formats); dates and money amounts rarely have that many digits.
_PHONE = re.compile(r"(?<![\w£$€])\+?\(?\d(?:[\s().\-]{0,2}\d){8,14}(?!\w)")
_DURATION = re.compile(r"^(\d{1,5})\s*(d|days?)$")


def mask(text: str | None) -> str:
    """The text with email addresses and phone numbers replaced by placeholders."""
    if not text:
        return text or ""
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))


def has_contact_details(text: str | None) -> bool:
    """Whether masking would change the text."""
    return bool(text) and mask(text) != text


def parse_age(value: str) -> int:
    """Days from a retention period such as `90d`; ValueError when malformed."""
    match = _DURATION.match((value or "").strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"Give the age in days, like 90d (got {value!r}).")
    return int(match.group(1))


def find_for_erasure(engine: Engine, needle: str, limit: int = 200) -> list[dict[str, object]]:
    """Conversations whose id is `needle` or whose learner messages contain it (e.g. an email)."""
    from bot.console.queries import search_condition

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
    return found[:limit]


def erase(engine: Engine, sender_ids: Iterable[str]) -> int:
    """Delete the conversations from Rasa's tracker store and every console table; rows deleted."""
    wanted = list(sender_ids)
    deleted = 0
    rasa_table = has_events_table(engine)
    with engine.begin() as connection:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            if rasa_table:
                deleted += connection.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount or 0
            for table in PER_CONVERSATION:
                connection.execute(delete(table).where(table.c.sender_id.in_(chunk)))
    return deleted


def purge_older_than(engine: Engine, days: int, now: float | None = None) -> list[str]:
    """Erase conversations whose last activity is older than `days`; their ids."""
    while sync(engine, budget_seconds=60.0):
        pass
    cutoff = (time.time() if now is None else now) - days * 86400
    with engine.connect() as connection:
        old = [r[0] for r in connection.execute(select(conversations.c.sender_id)
                                                .where(conversations.c.last_ts < cutoff))]
    erase(engine, old)
    return old
