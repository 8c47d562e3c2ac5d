"""Rasa's SQL tracker store with faster reads and saves, and database errors that fail only their request.

- Errors: Rasa 3.6's `session_scope` reads any `ValueError` (a string the database cannot
  encode is one) as a missing PostgreSQL schema and exits the process. Here any error reaches
  the caller as it is; the schema is checked once at start-up (bot/rasa/stores/tracker_store.py).
- Reads fetch only the JSON column instead of building an ORM object per event, and the tracker
  saved at the end of a turn is handed to the next turn while the database has nothing newer.
- Saves insert the new events in one statement and remember how many events a tracker already
  has stored instead of counting them with a query each time (same rows as Rasa's store, tested).
"""
from __future__ import annotations

import contextlib
import itertools
import json
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.rasa.patches import require_applied

_STORED_EVENTS = "_coach_stored_events"  # instance attribute: how many of a tracker's events are stored
_EVENTS = SQLTrackerStore.SQLEvent.__table__
# built once, in Core: the equivalent ORM query cost three times as much, twice per message
_LAST_EVENT_ID = sa.select(sa.func.max(_EVENTS.c.id)).where(_EVENTS.c.sender_id == sa.bindparam("sender_id"))
RECENT_TRACKERS = 2000  # trackers kept in memory for their next turn (least recently used dropped)


class FastSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with the replacements above; the same rows, trackers and errors otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Rasa's SQLTrackerStore, once `bot.rasa.patches.apply()` has checked the Rasa version."""
        require_applied(type(self).__name__)
        super().__init__(*args, **kwargs)
        self._recent: OrderedDict[str, tuple[Optional[int], int, DialogueStateTracker]] = OrderedDict()

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[sa.orm.Session]:
        """A session for a series of operations; any error propagates as it is and the session closes."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

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


    def forget(self, sender_id: str) -> None:
        """Drop the tracker kept in memory for `sender_id` (after its events were deleted)."""
        self._recent.pop(sender_id, None)


def _event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The `events` table row Rasa's SQLTrackerStore writes for one event."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def wrapped_stores(store: TrackerStore) -> list[TrackerStore]:
    """The store and every store it wraps (Rasa wraps the configured one, e.g. in a fail-safe)."""
    found = [store]
    for attribute in ("_tracker_store", "_fallback_tracker_store"):
        inner = getattr(store, attribute, None)
        if isinstance(inner, TrackerStore):
            found += wrapped_stores(inner)
    return found
