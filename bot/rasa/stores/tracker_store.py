"""Rasa's SQL tracker store, configured from DATABASE_URL instead of YAML (no secrets in files).

Database errors reach the caller as ordinary exceptions: Rasa 3.6's `session_scope` reads any
`ValueError` (a string the database cannot encode is one) as a missing PostgreSQL schema and
exits the process. Here the schema is checked once, at start-up, and only that is fatal.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore, ensure_schema_exists
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from bot.shared.erasure import erase_conversations
from bot.shared.events_table import ensure_ids_never_reused, never_reuse_ids
from bot.shared.settings import ConfigurationError, get_settings
from knowledge.db import ensure_sqlite_folder

logger = logging.getLogger(__name__)
_STORED_EVENTS = "_coach_stored_events"  # instance attribute: how many of a tracker's events are stored
_EVENTS = SQLTrackerStore.SQLEvent.__table__
never_reuse_ids(_EVENTS)  # before any SQLTrackerStore creates the table: AUTOINCREMENT on SQLite
# built once, in Core: the equivalent ORM query cost three times as much, twice per message
_LAST_EVENT_ID = sa.select(sa.func.max(_EVENTS.c.id)).where(_EVENTS.c.sender_id == sa.bindparam("sender_id"))
RECENT_TRACKERS = 2000  # trackers kept in memory for their next turn (least recently used dropped)


class EnvSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose database URL comes from DATABASE_URL (default SQLite in var/)."""

    engine: sa.engine.Engine

    def __init__(self, host: Optional[str] = None, **kwargs: Any) -> None:
        """Connect to DATABASE_URL unless a full URL was given in endpoints.yml."""
        url = host if host and "://" in host else get_settings().database_url
        ensure_sqlite_folder(url)
        super().__init__(host=url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite_connections()
            self._ensure_ids_never_reused()
        self._check_schema()
        self._recent: OrderedDict[str, tuple[Optional[int], int, DialogueStateTracker]] = OrderedDict()

    def _check_schema(self) -> None:
        """Fail at start-up, not on a later request, if POSTGRESQL_SCHEMA names a missing schema."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
        except ValueError as missing:
            raise ConfigurationError(
                f"The PostgreSQL schema {missing} (POSTGRESQL_SCHEMA) does not exist: create it "
                "or unset POSTGRESQL_SCHEMA to use the default schema.") from None
        finally:
            session.close()

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[sa.orm.Session]:
        """A session for a series of operations; any error propagates as it is and the session closes."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

    def _ensure_ids_never_reused(self) -> None:
        """Rebuild an `events` table created before AUTOINCREMENT (once; the console's migration does too)."""
        try:
            ensure_ids_never_reused(self.engine)
        except sa.exc.OperationalError:  # e.g. the web process is rebuilding it right now
            logger.warning("Could not check the events table for AUTOINCREMENT now; it is checked at the "
                           "next start (and by `coach console migrate`).", exc_info=True)

    def _pool_sqlite_connections(self) -> None:
        """Keep SQLite connections open between turns, in WAL mode.

        SQLAlchemy 1.4 opens and closes a file-based SQLite connection for every session, and
        closing the last connection checkpoints the WAL: measured, that was a tenth of the Rasa
        server's CPU per message. All access happens on the server's event-loop thread.
        """
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=4, max_overflow=4,
                                       connect_args={"check_same_thread": False},
                                       json_serializer=json.dumps)
        event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _last_event_id(self, session: Any, sender_id: str) -> Optional[int]:
        return session.execute(_LAST_EVENT_ID, {"sender_id": sender_id}).scalar()

    def _still_current(self, session: Any, sender_id: str) -> Optional[DialogueStateTracker]:
        """The tracker this process last saved for `sender_id`, if the database has nothing newer.

        Rebuilding a tracker replays every event of the session (the largest cost of reading
        it), but the tracker Rasa saved at the end of the previous turn is that same state.
        It is reused only if no event was stored or deleted since (the conversation's last
        event id is unchanged, whoever wrote), it has no unsaved events, and the domain is the
        one it was built with; otherwise the tracker is read from the database as Rasa does.
        It is handed out once (saving it remembers it again), so a second reader, such as a
        check made while a turn is in progress, gets its own copy from the database and never
        shares the object the turn is changing.
        """
        entry = self._recent.pop(sender_id, None)
        if entry is None:
            return None
        last_id, domain_id, tracker = entry
        if (domain_id != id(self.domain) or tracker.__dict__.get(_STORED_EVENTS) != len(tracker.events)
                or self._last_event_id(session, sender_id) != last_id):
            return None
        # as read from the database: the processor sets these again; others add no model metadata
        tracker.model_id = tracker.assistant_id = None
        return tracker

    def _remember(self, session: Any, tracker: DialogueStateTracker) -> None:
        sessions_started = sum(isinstance(e, SessionStarted) for e in tracker.events)
        if sessions_started > 1:  # holds earlier sessions that a read would leave out
            self._recent.pop(tracker.sender_id, None)
            return
        self._recent[tracker.sender_id] = (self._last_event_id(session, tracker.sender_id), id(self.domain), tracker)
        self._recent.move_to_end(tracker.sender_id)
        while len(self._recent) > RECENT_TRACKERS:
            self._recent.popitem(last=False)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's query, reading only the JSON column instead of building an ORM object per event."""
        with self.session_scope() as session:
            if not fetch_events_from_all_sessions:
                current = self._still_current(session, sender_id)
                if current is not None:
                    return current
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions) \
                .with_entities(self.SQLEvent.data).all()
        events = [json.loads(data) for (data,) in rows]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if len(tracker.events) == len(events):
            tracker.__dict__[_STORED_EVENTS] = len(events)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events added since the tracker was read or last saved, in one insert.

        Rasa counts the stored events with a query on every save to find the new ones; a
        tracker read or saved here remembers that count instead (the conversation's lock is
        held from read to save), and others fall back to Rasa's query.
        """
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = tracker.__dict__.get(_STORED_EVENTS)
            new_events = itertools.islice(tracker.events, stored, None) if stored is not None \
                else self._additional_events(session, tracker)
            rows = [_event_row(tracker.sender_id, event) for event in new_events]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            tracker.__dict__[_STORED_EVENTS] = len(tracker.events)
            self._remember(session, tracker)
            session.commit()


def _event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The `events` table row Rasa's SQLTrackerStore writes for one event."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Use a WAL journal with NORMAL sync, so commits skip the full fsync.

    Readers (the adviser console) then do not block the assistant's writes. Committed turns
    survive a crash of the process; only a power cut can lose the last moments.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _stores(store: TrackerStore) -> list[TrackerStore]:
    """The store and every store it wraps (Rasa wraps the configured one, e.g. in a fail-safe)."""
    found = [store]
    for attribute in ("_tracker_store", "_fallback_tracker_store"):
        inner = getattr(store, attribute, None)
        if isinstance(inner, TrackerStore):
            found += _stores(inner)
    return found


def delete_conversation(store: TrackerStore, sender_id: str, actor: Optional[str] = None) -> int:
    """Erase one conversation everywhere (bot/shared/erasure.py: events and the console's copy); events removed.

    Also forgets the tracker kept in memory for reuse. Callers hold the conversation's lock
    (agent.lock_store.lock(sender_id)) so that no turn in progress writes the conversation back.
    With `actor`, the console's audit log records the erasure (under a pseudonym).
    """
    deleted = 0
    supported = False
    for each in _stores(store):
        if isinstance(each, SQLTrackerStore):
            supported = True
            deleted += erase_conversations(each.engine, [sender_id], actor, "erased at the learner's request")
            recent = getattr(each, "_recent", None)
            if recent is not None:
                recent.pop(sender_id, None)
        elif isinstance(each, InMemoryTrackerStore):
            supported = True
            deleted += 1 if each.store.pop(sender_id, None) is not None else 0
    if not supported:
        raise NotImplementedError(f"Deleting conversations is not supported for {type(store).__name__}.")
    return deleted
