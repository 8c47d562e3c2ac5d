"""Incremental, exactly-once indexing of Rasa's `events` table into the console's tables.

The console remembers the highest event id it has read (`console_sync_state`). Ids below it that
were missing when it read past them (on PostgreSQL a transaction that took a lower id may commit
later) are remembered in `console_sync_gaps` and read again on later syncs for GAP_SECONDS. Each
batch is one transaction: it locks the cursor row (PostgreSQL), moves the cursor with a
compare-and-set and deletes the gap rows it filled with a row-count check, so two web threads or
processes never fold one event twice. On SQLite `events` ids are never reused (bot/shared/events_table.py),
so erasures cannot hide new events behind the cursor. An event that cannot be folded or written
is skipped, logged and counted (`console_sync_skipped`) instead of stopping the index.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bot.web.console.db import has_events_table
from bot.web.console.folding import FALLBACK_INTENT, Batch, Summary, as_dict, is_misunderstood
from bot.web.console.open_questions import resolve
from bot.web.console.tables import (
    conversation_careers,
    conversation_intents,
    conversations,
    events,
    handoffs,
    messages,
    open_questions,
    sync_gaps,
    sync_skipped,
    sync_state,
)

__all__ = ["FALLBACK_INTENT", "as_dict", "is_behind", "is_misunderstood", "skipped_count", "sync", "sync_batch"]

logger = logging.getLogger(__name__)
BATCH_EVENTS = 5000
CURSOR = "events"
GAP_SECONDS = 600.0  # how long an id missing below the cursor is looked for again
MAX_GAPS_PER_BATCH = 1000  # the highest missing ids of a batch are remembered (open transactions are recent)
_lock = threading.Lock()
Pairs = set[tuple[str, str]]  # (intent or career, sender_id)


class _RacedError(Exception):
    """Another writer synced the same events first."""


def _lock_cursor(connection: Connection) -> int:
    """The cursor, locked for this transaction on PostgreSQL (a sync or an erasure waits for it)."""
    query = select(sync_state.c.value).where(sync_state.c.name == CURSOR)
    value = connection.execute(query.with_for_update()).scalar()
    if value is None:
        # Before migration 0002 the row was created by the first sync; a second one inserting it loses.
        connection.execute(insert(sync_state).values(name=CURSOR, value=0))
        return 0
    return int(value)


def _cursor(connection: Connection) -> int | None:
    return connection.execute(select(sync_state.c.value).where(sync_state.c.name == CURSOR)).scalar()


def _late_rows(connection: Connection, now: float) -> list[Any]:
    """Rows that have appeared at remembered gaps (gaps older than GAP_SECONDS are given up)."""
    gaps = connection.execute(select(sync_gaps.c.event_id, sync_gaps.c.seen_at).order_by(sync_gaps.c.event_id)).all()
    if any(gap.seen_at < now - GAP_SECONDS for gap in gaps):  # written only then: no write lock for nothing
        connection.execute(delete(sync_gaps).where(sync_gaps.c.seen_at < now - GAP_SECONDS))
    ids = [gap.event_id for gap in gaps if gap.seen_at >= now - GAP_SECONDS]
    found: list[Any] = []
    for start in range(0, len(ids), 500):
        found += connection.execute(select(events).where(events.c.id.in_(ids[start:start + 500]))).all()
    return sorted(found, key=lambda row: row.id)


def _missing(last: int, ids: Sequence[int], cap: int = MAX_GAPS_PER_BATCH) -> list[int]:
    """Ids between `last` and the highest of `ids` (sorted) that are not in `ids`, the highest `cap`."""
    found: list[int] = []
    upper = ids[-1] if ids else last
    for below in reversed([last, *ids[:-1]]):
        found.extend(range(upper - 1, below, -1))
        if len(found) >= cap:
            return found[:cap]
        upper = below
    return found


def sync_batch(engine: Engine, limit: int = BATCH_EVENTS, skip: str | None = None) -> int:
    """Fold up to `limit` unread events (late ones first); the number read.

    With `skip` (a reason), the events are recorded as skipped instead of folded.
    """
    now = time.time()
    with engine.begin() as connection:
        last = _lock_cursor(connection)
        late = _late_rows(connection, now)[:limit]
        fresh = connection.execute(select(events).where(events.c.id > last).order_by(events.c.id)
                                   .limit(limit - len(late))).all() if len(late) < limit else []
        if not late and not fresh:
            return 0
        if fresh:
            new_last = fresh[-1].id
            if connection.execute(update(sync_state).where(sync_state.c.name == CURSOR, sync_state.c.value == last)
                                  .values(value=new_last)).rowcount != 1:
                raise _RacedError()
            gaps = _missing(last, [row.id for row in fresh])
            if gaps:
                connection.execute(insert(sync_gaps), [{"event_id": i, "seen_at": now} for i in gaps])
        if late:
            filled = [row.id for row in late]
            if connection.execute(delete(sync_gaps).where(sync_gaps.c.event_id.in_(filled))).rowcount != len(filled):
                raise _RacedError()
        rows = [*late, *fresh]
        if skip is not None:
            _record_skipped(connection, [row.id for row in rows], skip, now)
            return len(rows)
        batch = Batch()
        _load_existing(connection, batch, {row.sender_id for row in rows})
        skipped = []
        for row in rows:
            try:
                batch.apply(row)
            except Exception as exc:  # noqa: BLE001 - one odd event must not stop the index
                logger.warning("Console sync skipped event %s: %s", row.id, type(exc).__name__)
                skipped.append(row.id)
        _write(connection, batch)
        _record_skipped(connection, skipped, "could not be read", now)
        _release_claims(connection, batch)
        return len(rows)


def _record_skipped(connection: Connection, ids: list[int], reason: str, now: float) -> None:
    if ids:
        connection.execute(insert(sync_skipped), [{"event_id": i, "skipped_at": now, "reason": reason[:255]}
                                                  for i in ids])


def _load_existing(connection: Connection, batch: Batch, senders: Iterable[str]) -> None:
    wanted = list(senders)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in connection.execute(select(conversations).where(conversations.c.sender_id.in_(chunk))):
            values = dict(row._mapping)
            batch.summaries[row.sender_id] = Summary(**values, exists=True)


def _existing_pairs(connection: Connection, table: Table, key: str, pairs: Pairs) -> Pairs:
    """The (key, sender) pairs already stored in `table` for the senders of `pairs`."""
    senders = sorted({sender for _key, sender in pairs})
    found: set[tuple[str, str]] = set()
    for start in range(0, len(senders), 500):
        query = select(table.c[key], table.c.sender_id).where(table.c.sender_id.in_(senders[start:start + 500]))
        found.update((r[0], r[1]) for r in connection.execute(query))
    return found


def _write(connection: Connection, batch: Batch) -> None:
    old = [s.row() for s in batch.summaries.values() if s.exists]
    new = [s.row() for s in batch.summaries.values() if not s.exists]
    if old:
        columns = {name: bindparam(name) for name in conversations.c.keys() if name != "sender_id"}
        connection.execute(update(conversations).where(conversations.c.sender_id == bindparam("b_sender_id"))
                           .values(**columns), old)
    if new:
        connection.execute(insert(conversations), [{k: v for k, v in r.items() if k != "b_sender_id"} for r in new])
    if batch.messages:
        connection.execute(insert(messages), batch.messages)
    # after the messages: a question asked in an earlier batch is looked up among them
    found = batch.open_questions + (resolve(connection, batch.unresolved) if batch.unresolved else [])
    if found:
        connection.execute(insert(open_questions), found)
    pairs = batch.intents - _existing_pairs(connection, conversation_intents, "intent", batch.intents) \
        if batch.intents else set()
    if pairs:
        connection.execute(insert(conversation_intents), [{"intent": i, "sender_id": s} for i, s in pairs])
    careers = set(batch.careers) - _existing_pairs(connection, conversation_careers, "career", set(batch.careers)) \
        if batch.careers else set()
    if careers:
        connection.execute(insert(conversation_careers), [
            {"career": career, "sender_id": sender, "first_ts": batch.careers[(career, sender)]}
            for career, sender in careers])


def _release_claims(connection: Connection, batch: Batch) -> None:
    """A claim ends when the assistant answers again (the learner restarted, or it was handed back)."""
    for sender_id, ended_at in batch.pause_ended.items():
        if not batch.summaries[sender_id].paused:
            connection.execute(delete(handoffs).where(handoffs.c.sender_id == sender_id,
                                                      handoffs.c.claimed_at <= ended_at))


def sync(engine: Engine, budget_seconds: float = 2.0, limit: int = BATCH_EVENTS) -> int:
    """Catch up with Rasa's events within a time budget; the number of events read.

    A batch the database refuses is retried in halves down to single events; a single event it
    still refuses is skipped (logged and counted). A busy database (OperationalError) is raised:
    the events are read on the next sync.
    """
    if not has_events_table(engine):
        return 0
    total, races, size = 0, 0, limit
    started = time.monotonic()
    with _lock:
        while True:
            try:
                read = sync_batch(engine, size)
            except _RacedError:
                # Another process folded these events first; read on from its cursor, but give
                # up for now if that keeps happening.
                races += 1
                if races > 3:
                    return total
                continue
            except OperationalError:
                raise
            except Exception as exc:  # noqa: BLE001 - narrowed down to one event, never stops the index
                if size > 1:
                    size = max(1, size // 2)
                    continue
                logger.warning("Console sync skipped an event it could not store: %s", exc)
                read, size = sync_batch(engine, 1, skip=type(exc).__name__), limit
            total += read
            if read == 0 or time.monotonic() - started > budget_seconds:
                return total


def skipped_count(engine: Engine) -> int:
    """How many events the sync has skipped because it could not index them."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(sync_skipped)).scalar() or 0)


def is_behind(engine: Engine) -> bool:
    """Whether Rasa has stored events the summaries have not folded in yet."""
    if not has_events_table(engine):
        return False
    with engine.connect() as connection:
        last = _cursor(connection) or 0
        return connection.execute(select(events.c.id).where(events.c.id > last).limit(1)).first() is not None
