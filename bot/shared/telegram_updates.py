"""The `telegram_updates` table: Telegram updates stored before they are acknowledged, and their erasure.

The Rasa server's Telegram channel (bot/rasa/channels/telegram/inbox.py) writes and claims the rows;
erasure (bot/shared/erasure.py, used by the Rasa server and the web process) deletes a chat's rows.
Needs only SQLAlchemy. Times are Unix seconds from the servers' clocks.

    update_id    Telegram's id, the primary key: a redelivered update is found here and dropped
    chat_id      the chat (NULL for the rare update without one); one chat's updates run in order
    payload      the update's JSON as Telegram sent it; NULL once handled (no message text is kept)
    received_at  when the webhook stored it
    state        pending → processing → done (or failed, given up after MAX_ATTEMPTS claims)
    claimed_by   the Rasa server handling it (INSTANCE ids, see inbox.py)
    lease_until  the claim lapses then unless the server renews it
    attempts     how many times a server claimed it (more than 1: a server died handling it)
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.shared.conversation_ids import telegram_chat_id
from bot.shared.events_table import begin_write

TABLE = "telegram_updates"
PENDING, PROCESSING, DONE, FAILED = "pending", "processing", "done", "failed"
UNFINISHED = (PENDING, PROCESSING)
FINISHED = (DONE, FAILED)
# Any constant: PostgreSQL's advisory lock that makes two servers starting at once create the table once.
_CREATE_LOCK = 0x7E1E_0001

metadata = sa.MetaData()
telegram_updates = sa.Table(
    TABLE, metadata,
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, nullable=True),
    sa.Column("payload", sa.Text, nullable=True),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, default=PENDING),
    sa.Column("claimed_by", sa.String(100), nullable=True),
    sa.Column("lease_until", sa.Float, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    # the claim's "no earlier update of this chat unfinished" test, and the sweeper's and pruning's scans
    sa.Index("ix_telegram_updates_chat", "chat_id", "update_id"),
    sa.Index("ix_telegram_updates_state", "state", "received_at"),
)


def create_table(engine: Engine) -> None:
    """Create the table and its indexes if missing; safe when several servers start at once.

    The Rasa server does not run the console's migrations, so it creates its own table. On
    PostgreSQL a transaction-scoped advisory lock serialises the creators (a plain CREATE TABLE IF
    NOT EXISTS can still fail on the catalogue's unique index); on SQLite the write lock does.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK})
        begin_write(connection)
        metadata.create_all(connection, checkfirst=True)


def erase_chats(connection: Connection, conversation_ids: Iterable[str]) -> int:
    """Delete the stored updates of these conversations' Telegram chats (in the caller's transaction); how many.

    Updates still waiting behind one being handled right now are kept: when a learner sends
    /forget and then a new question, the question arrived after the erasure was asked for and is
    answered in the fresh conversation. Everything received before is deleted.
    """
    chats = sorted({int(chat) for chat in map(telegram_chat_id, conversation_ids) if chat is not None})
    if not chats or not sa.inspect(connection).has_table(TABLE):
        return 0
    table = telegram_updates
    busy = table.alias("busy")
    in_progress = (sa.select(sa.func.max(busy.c.update_id))
                   .where(busy.c.chat_id == table.c.chat_id, busy.c.state == PROCESSING)
                   .scalar_subquery())
    not_queued_behind = sa.or_(table.c.state != PENDING, in_progress.is_(None), table.c.update_id < in_progress)
    deleted = connection.execute(sa.delete(table).where(table.c.chat_id.in_(chats), not_queued_behind))
    return deleted.rowcount or 0
