"""Erasing conversations: the one function every path uses (a learner's command, the console, retention).

A conversation's rows are found by their `sender_id` column in every table of the database (Rasa's
`events`, every console table, any table added later), and rows keyed only by an erased event's
`event_id` (the console's sync bookkeeping) go with them, and so do the Telegram updates stored
for the conversation's chat (bot/shared/telegram_updates.py: they hold the messages' text). The
audit log keeps that an erasure happened, under a keyed pseudonym (`erased:<hmac>`) instead of the
conversation id. On SQLite the full-text index is merged afterwards so the erased words leave its
pages too, and freed pages are overwritten (secure_delete). Needs only SQLAlchemy: the Rasa server
and the web process both use it.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.shared.events_table import begin_write
from bot.shared.generated_secrets import api_token
from bot.shared.settings import get_settings
from bot.shared.telegram_updates import TABLE as TELEGRAM_UPDATES
from bot.shared.telegram_updates import erase_chats

SENDER = "sender_id"
EVENT = "event_id"
EVENTS = "events"
AUDIT_LOG = "console_audit_log"
INDEXED_MESSAGES = "console_messages"
FULL_TEXT_INDEX = "console_messages_fts"  # an FTS5 index of INDEXED_MESSAGES (SQLite)
SYNC_STATE = "console_sync_state"
PSEUDONYM_PREFIX = "erased:"
CHUNK = 500


def pseudonym(sender_id: str, key: bytes) -> str:
    """The stand-in for an erased conversation id in the audit log (the same id, the same stand-in)."""
    digest = hmac.new(key, b"erased-conversation:" + sender_id.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:16]


def pseudonym_key() -> bytes:
    """The key for pseudonyms: derived from COACH_API_TOKEN, the secret both processes share."""
    settings = get_settings()
    return api_token(settings.coach_api_token, settings.var_dir).encode()


@dataclass
class _Tables:
    """Which tables of this database hold what."""

    by_sender: list[sa.Table] = field(default_factory=list)
    by_event: list[sa.Table] = field(default_factory=list)
    audit: Optional[sa.Table] = None
    full_text: bool = False
    sync_state: bool = False
    telegram_updates: bool = False


def _tables(connection: Connection) -> _Tables:
    inspector = sa.inspect(connection)
    found = _Tables()
    for name in inspector.get_table_names():
        if name.startswith(FULL_TEXT_INDEX):  # the FTS5 table and its shadow tables: kept in step by triggers
            found.full_text = found.full_text or name == FULL_TEXT_INDEX
            continue
        columns = {c["name"] for c in inspector.get_columns(name)}
        table = sa.table(name, *[sa.column(c) for c in columns])
        if name == AUDIT_LOG:
            found.audit = table
        elif SENDER in columns:
            found.by_sender.append(table)
        elif EVENT in columns:
            found.by_event.append(table)
        found.sync_state = found.sync_state or name == SYNC_STATE
        found.telegram_updates = found.telegram_updates or name == TELEGRAM_UPDATES
    return found


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def erase_conversations(engine: Engine, sender_ids: Iterable[str], actor: Optional[str] = None,
                        detail: str = "erased", key: Optional[bytes] = None) -> int:
    """Erase the conversations from every table that holds them; how many Rasa events were deleted.

    With `actor`, one audit entry per conversation records the erasure (under its pseudonym).
    """
    wanted = list(dict.fromkeys(s for s in sender_ids if isinstance(s, str) and s))
    if not wanted:
        return 0
    with engine.begin() as connection:
        begin_write(connection)
        tables = _tables(connection)
        if key is None and tables.audit is not None:
            key = pseudonym_key()
        if tables.sync_state:  # PostgreSQL: wait for a sync in progress, so it cannot write these back
            connection.execute(_lock_cursor_statement(connection))
        secure = _secure_delete(connection, True)
        try:
            deleted, messages_gone = 0, False
            for chunk in _chunks(wanted):
                counts = _event_counts(connection, tables, chunk)
                event_ids = _event_ids(connection, tables, chunk)
                for table in tables.by_sender:
                    gone = connection.execute(sa.delete(table).where(table.c[SENDER].in_(chunk))).rowcount or 0
                    if table.name == EVENTS:
                        deleted += gone
                    messages_gone = messages_gone or (gone > 0 and table.name == INDEXED_MESSAGES)
                for table in tables.by_event:
                    for start in range(0, len(event_ids), CHUNK):
                        connection.execute(sa.delete(table).where(table.c[EVENT].in_(event_ids[start:start + CHUNK])))
                if tables.telegram_updates:  # keyed by chat id, not by conversation id
                    erase_chats(connection, chunk)
                if tables.audit is not None and key is not None:
                    _pseudonymise_audit(connection, tables.audit, chunk, key)
                    if actor is not None:
                        connection.execute(sa.insert(tables.audit), [
                            {"at": time.time(), "actor": actor[:255], "action": "erase",
                             SENDER: pseudonym(s, key), "detail": f"{detail}: {counts.get(s, 0)} events deleted"[:1000]}
                            for s in chunk])
            if tables.full_text and messages_gone:
                # FTS5 only marks deleted rows; merging the index removes their words from its pages.
                connection.exec_driver_sql(f"INSERT INTO {FULL_TEXT_INDEX}({FULL_TEXT_INDEX}) VALUES ('optimize')")
        finally:
            with contextlib.suppress(Exception):  # never hides why an erasure failed
                _secure_delete(connection, secure)
    return deleted


def _lock_cursor_statement(connection: Connection) -> Any:
    state = sa.table(SYNC_STATE, sa.column("name"), sa.column("value"))
    query = sa.select(state.c.value).where(state.c.name == "events")
    return query.with_for_update() if connection.dialect.name != "sqlite" else query


def _secure_delete(connection: Connection, on: bool) -> bool:
    """SQLite: overwrite deleted content (PRAGMA secure_delete); returns the previous setting."""
    if connection.dialect.name != "sqlite":
        return False
    previous = bool(connection.exec_driver_sql("PRAGMA secure_delete").scalar())
    connection.exec_driver_sql(f"PRAGMA secure_delete = {1 if on else 0}")
    return previous


def _event_counts(connection: Connection, tables: _Tables, chunk: list[str]) -> dict[str, int]:
    events = next((t for t in tables.by_sender if t.name == EVENTS), None)
    if events is None:
        return {}
    query = sa.select(events.c[SENDER], sa.func.count()).where(events.c[SENDER].in_(chunk)).group_by(events.c[SENDER])
    return {sender: int(count) for sender, count in connection.execute(query)}


def _event_ids(connection: Connection, tables: _Tables, chunk: list[str]) -> list[int]:
    events = next((t for t in tables.by_sender if t.name == EVENTS), None)
    if events is None or not tables.by_event:
        return []
    return list(connection.execute(sa.select(events.c.id).where(events.c[SENDER].in_(chunk))).scalars())


def _pseudonymise_audit(connection: Connection, audit: sa.Table, chunk: list[str], key: bytes) -> None:
    """Replace the erased conversation ids in audit entries (column and text) by their pseudonyms."""
    rows = connection.execute(sa.select(audit.c.id, audit.c[SENDER], audit.c.detail)
                              .where(audit.c[SENDER].in_(chunk))).all()
    if rows:
        connection.execute(
            sa.update(audit).where(audit.c.id == sa.bindparam("b_id"))
            .values({SENDER: sa.bindparam("b_sender"), "detail": sa.bindparam("b_detail")}),
            [{"b_id": row.id, "b_sender": pseudonym(row.sender_id, key),
              "b_detail": (row.detail or "").replace(row.sender_id, pseudonym(row.sender_id, key))}
             for row in rows])
