"""A waiting learner's place in the advisers' queue, read from the console's index of conversations."""
from __future__ import annotations

import functools
import logging
from typing import Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.shared.settings import get_settings

logger = logging.getLogger(__name__)
# Learners who asked before `since`, are still waiting and nobody has claimed (the console's tables,
# bot/web/console/tables.py; read-only here, so the action server needs no console code).
_AHEAD = text("""SELECT COUNT(*) FROM console_conversations
WHERE handoff_requested = :yes AND handoff_at < :since AND sender_id <> :me
AND sender_id NOT IN (SELECT sender_id FROM console_handoffs)""")


@functools.lru_cache(maxsize=2)
def _engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True)


def place_in_queue(sender_id: str, since: float, url: Optional[str] = None) -> Optional[int]:
    """1 for the next learner an adviser will see, 2 for the one after...; None when it cannot be told.

    The console indexes conversations as advisers use it, so the place is as of its last look.
    """
    try:
        with _engine(url or get_settings().database_url).connect() as connection:
            ahead = connection.execute(_AHEAD, {"yes": True, "since": since, "me": sender_id}).scalar()
    except SQLAlchemyError as exc:  # no console tables yet, or the database is busy: say nothing
        logger.debug("No queue place for %s: %s", sender_id, exc)
        return None
    return int(ahead or 0) + 1
