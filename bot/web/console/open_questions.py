"""Open questions whose question came before the events being folded: looked up in the indexed messages.

The sync folds a batch of events in memory; when a `not_covered` answer or a negative-feedback message
arrives in a batch after the learner's question, the question (the learner's last message before it)
and the coach's answer since are read from console_messages. Migration 0005 uses the same lookup for the
events read before the table existed, so the tables are named here, not imported from tables.py.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.web.console.folding import NEGATIVE_FEEDBACK_INTENT, excerpt, normalised

MAX_REPLIES = 10  # coach messages read for one answer's excerpt
_messages = sa.table("console_messages", sa.column("event_id"), sa.column("sender_id"), sa.column("role"),
                     sa.column("text"), sa.column("intent"))
_open = sa.table("console_open_questions", sa.column("sender_id"), sa.column("kind"),
                 sa.column("question_event_id"))


def _question(connection: Connection, sender_id: str, before: int) -> tuple[int, str] | None:
    """The learner's last message before event `before` that is not itself negative feedback."""
    query = (sa.select(_messages.c.event_id, _messages.c.text)
             .where(_messages.c.sender_id == sender_id, _messages.c.event_id < before, _messages.c.role == "user",
                    sa.or_(_messages.c.intent.is_(None), _messages.c.intent != NEGATIVE_FEEDBACK_INTENT))
             .order_by(_messages.c.event_id.desc()).limit(1))
    row = connection.execute(query).first()
    return (int(row.event_id), str(row.text)) if row else None


def _replies(connection: Connection, sender_id: str, after: int, before: int) -> list[str]:
    """The coach's messages between two events of a conversation, oldest first."""
    query = (sa.select(_messages.c.text)
             .where(_messages.c.sender_id == sender_id, _messages.c.event_id > after, _messages.c.event_id < before,
                    _messages.c.role == "bot")
             .order_by(_messages.c.event_id).limit(MAX_REPLIES))
    return [str(text) for text in connection.execute(query).scalars()]


def _recorded(connection: Connection, kind: str, sender_id: str, question_id: int) -> bool:
    query = sa.select(sa.literal(1)).select_from(_open).where(
        _open.c.sender_id == sender_id, _open.c.question_event_id == question_id, _open.c.kind == kind)
    return connection.execute(query.limit(1)).first() is not None


def resolve(connection: Connection, pending: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pending rows (oldest first) with their question and answer filled in from console_messages.

    A question already recorded with the same kind (in the table or earlier in `pending`) is not
    recorded again; a row without a learner message before it is dropped (there is nothing to show).
    """
    done: list[dict[str, Any]] = []
    seen: set[tuple[str, str, int]] = set()
    for row in sorted(pending, key=lambda r: r["event_id"]):
        found = _question(connection, row["sender_id"], row["event_id"])
        if found is None:
            continue
        question_id, question = found
        key = (row["kind"], row["sender_id"], question_id)
        if key in seen or _recorded(connection, *key):
            continue
        seen.add(key)
        reply = excerpt(_replies(connection, row["sender_id"], question_id, row["event_id"]))
        done.append({**row, "question_event_id": question_id, "question": question,
                     "normalised": normalised(question), "reply": reply})
    return done
