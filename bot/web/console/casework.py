"""What advisers add to a conversation: review status, tags, assignment, notes, intent labels."""
from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from bot.web.console.tables import accounts, assignments, labels, messages, notes, reviews, tags

MAX_NOTE_CHARS = 4000
_TAG = re.compile(r"^[\w\- ]{1,64}$")


class AnnotationError(ValueError):
    """The adviser's input was refused; the message says why."""


def set_reviewed(engine: Engine, sender_id: str, account_id: int, reviewed: bool) -> None:
    """Mark the conversation reviewed (or not reviewed again)."""
    with engine.begin() as connection:
        connection.execute(delete(reviews).where(reviews.c.sender_id == sender_id))
        if reviewed:
            connection.execute(insert(reviews).values(sender_id=sender_id, account_id=account_id,
                                                      reviewed_at=time.time()))


def review_of(engine: Engine, sender_id: str) -> dict[str, Any] | None:
    """Who reviewed the conversation and when, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(reviews.c.reviewed_at, accounts.c.email)
                                 .join(accounts, accounts.c.id == reviews.c.account_id)
                                 .where(reviews.c.sender_id == sender_id)).first()
    return dict(row._mapping) if row else None


def clean_tag(tag: str) -> str:
    """A tag as stored: trimmed, lower-case, letters/digits/space/-/_ only."""
    tag = " ".join((tag or "").split()).lower()
    if not _TAG.match(tag):
        raise AnnotationError("Tags are 1-64 letters, digits, spaces, '-' or '_'.")
    return tag


def add_tag(engine: Engine, sender_id: str, account_id: int, tag: str) -> str:
    """Tag the conversation (adding an existing tag is a no-op); the stored tag."""
    tag = clean_tag(tag)
    with engine.begin() as connection:
        exists = connection.execute(select(tags.c.tag).where(tags.c.sender_id == sender_id, tags.c.tag == tag)).first()
        if not exists:
            connection.execute(insert(tags).values(sender_id=sender_id, tag=tag, account_id=account_id,
                                                   created_at=time.time()))
    return tag


def remove_tag(engine: Engine, sender_id: str, tag: str) -> None:
    """Remove one tag from the conversation."""
    with engine.begin() as connection:
        connection.execute(delete(tags).where(tags.c.sender_id == sender_id, tags.c.tag == tag))


def tags_of(engine: Engine, sender_id: str) -> list[str]:
    """The conversation's tags, alphabetical."""
    with engine.connect() as connection:
        return [r[0] for r in connection.execute(select(tags.c.tag).where(tags.c.sender_id == sender_id)
                                                 .order_by(tags.c.tag))]


def assign(engine: Engine, sender_id: str, assignee_id: int | None, by_id: int) -> None:
    """Assign the conversation to an active adviser, or unassign it (None)."""
    with engine.begin() as connection:
        connection.execute(delete(assignments).where(assignments.c.sender_id == sender_id))
        if assignee_id is None:
            return
        active = connection.execute(select(accounts.c.id).where(accounts.c.id == assignee_id,
                                                                accounts.c.active.is_(True))).first()
        if not active:
            raise AnnotationError("Choose an active adviser.")
        connection.execute(insert(assignments).values(sender_id=sender_id, account_id=assignee_id,
                                                      assigned_by=by_id, assigned_at=time.time()))


def assignee_of(engine: Engine, sender_id: str) -> int | None:
    """The account id the conversation is assigned to, or None."""
    with engine.connect() as connection:
        return connection.execute(select(assignments.c.account_id)
                                  .where(assignments.c.sender_id == sender_id)).scalar()


def add_note(engine: Engine, sender_id: str, account_id: int, body: str, event_id: int | None = None) -> None:
    """A note on the conversation, or on one of its messages when `event_id` is given."""
    body = (body or "").strip()
    if not body:
        raise AnnotationError("The note is empty.")
    if len(body) > MAX_NOTE_CHARS:
        raise AnnotationError(f"Notes are limited to {MAX_NOTE_CHARS} characters.")
    with engine.begin() as connection:
        connection.execute(insert(notes).values(sender_id=sender_id, event_id=event_id, account_id=account_id,
                                                body=body, created_at=time.time()))


def notes_of(engine: Engine, sender_id: str) -> list[dict[str, Any]]:
    """The conversation's notes, oldest first, with their authors."""
    with engine.connect() as connection:
        rows = connection.execute(select(notes, accounts.c.email).join(accounts, accounts.c.id == notes.c.account_id)
                                  .where(notes.c.sender_id == sender_id).order_by(notes.c.id))
        return [dict(r._mapping) for r in rows]


def label(engine: Engine, event_id: int, intent: str, account_id: int, known_intents: list[str]) -> None:
    """Label a misunderstood user message with the intent it should have had ('' clears it)."""
    with engine.begin() as connection:
        row = connection.execute(select(messages.c.sender_id).where(messages.c.event_id == event_id,
                                                                    messages.c.role == "user")).first()
        if row is None:
            raise AnnotationError("No such learner message.")
        connection.execute(delete(labels).where(labels.c.event_id == event_id))
        if not intent:
            return
        if intent not in known_intents:
            raise AnnotationError(f"Unknown intent {intent[:64]!r}.")
        connection.execute(insert(labels).values(event_id=event_id, sender_id=row.sender_id, intent=intent,
                                                 account_id=account_id, labelled_at=time.time()))


def labelled_examples(engine: Engine) -> dict[str, list[str]]:
    """Labelled messages grouped by intent (for the NLU export)."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        rows = connection.execute(select(labels.c.intent, messages.c.text)
                                  .join(messages, messages.c.event_id == labels.c.event_id)
                                  .order_by(labels.c.intent, labels.c.event_id))
        for row in rows:
            found.setdefault(row.intent, []).append(row.text)
    return found


