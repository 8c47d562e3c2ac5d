"""The tracker store writes and reads exactly what Rasa's SQLTrackerStore does, only faster."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.rasa.stores.tracker_store
from bot.rasa.stores.tracker_store import EnvSQLTrackerStore
from bot.shared.settings import ConfigurationError
from tests.support.databases import sqlite_url

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [ask_salary]
entities: [level]
slots:
  level: {type: text, mappings: [{type: from_entity, entity: level}]}
responses:
  utter_ok: [{text: ok}]
""")
TURNS = [
    [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
    [UserUttered("how much does a director earn?", {"name": "ask_salary", "confidence": 0.93},
                 [{"entity": "level", "value": "director", "start": 20, "end": 28}]),
     SlotSet("level", "director"), ActionExecuted("action_tell_salary"), BotUttered("£78,000 a year"),
     ActionExecuted("action_listen")],
    [UserUttered("thanks", {"name": "thank", "confidence": 0.99}), ActionExecuted("utter_ok"),
     BotUttered("ok"), ActionExecuted("action_listen")],
]


def _rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _from_session_start(tracker: DialogueStateTracker) -> list[str]:
    kinds = [e.as_dict()["event"] for e in tracker.events]
    return kinds[kinds.index("session_started"):]


def test_turn_by_turn_saves_store_the_same_rows_and_read_back_the_same_tracker(tmp_path: Path) -> None:
    ours_url, rasas_url = sqlite_url(tmp_path / "ours.db"), sqlite_url(tmp_path / "rasa.db")
    ours = EnvSQLTrackerStore(domain=DOMAIN, host=ours_url)
    rasas = SQLTrackerStore(DOMAIN, host=rasas_url)

    async def converse(store: SQLTrackerStore) -> DialogueStateTracker:
        for turn in TURNS:  # as Rasa does: read the conversation, add a turn, save it
            tracker = await store.retrieve("learner-1") or DialogueStateTracker("learner-1", DOMAIN.slots)
            for event in turn:
                tracker.update(event)
            await store.save(tracker)
        return await store.retrieve("learner-1")

    read_ours, read_rasas = asyncio.run(converse(ours)), asyncio.run(converse(rasas))
    rows = _rows(ours_url)
    assert rows == _rows(rasas_url)
    assert len(rows) == sum(len(t) for t in TURNS)
    assert rows[3][3] == "ask_salary" and rows[5][4] == "action_tell_salary"
    # the same events from the session start on (a tracker reused from memory also still holds
    # the `action_session_start` event that precedes it, which a read from the database omits)
    assert _from_session_start(read_ours) == _from_session_start(read_rasas)
    assert read_ours.get_slot("level") == "director"
    assert read_ours.latest_message.text == "thanks"
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_a_tracker_kept_between_saves_stores_each_event_once(tmp_path: Path) -> None:
    """Saving the same tracker object after each turn adds only that turn's events."""
    url = sqlite_url(tmp_path / "ours.db")
    store = EnvSQLTrackerStore(domain=DOMAIN, host=url)
    tracker = DialogueStateTracker("learner-2", DOMAIN.slots)

    async def converse() -> None:
        for turn in TURNS:
            for event in turn:
                tracker.update(event)
            await store.save(tracker)
        full = await store.retrieve_full_tracker("learner-2")
        full.update(BotUttered("an adviser will be with you"))
        await store.save(full)

    asyncio.run(converse())
    rows = _rows(url)
    assert len(rows) == sum(len(t) for t in TURNS) + 1
    assert [r[1] for r in rows].count("user") == 2
    assert rows[-1][1] == "bot"


def _saved_conversation(tmp_path: Path) -> tuple[str, EnvSQLTrackerStore]:
    url = sqlite_url(tmp_path / "ours.db")
    store = EnvSQLTrackerStore(domain=DOMAIN, host=url)

    async def converse() -> None:
        for turn in TURNS:
            tracker = await store.retrieve("learner-3") or DialogueStateTracker("learner-3", DOMAIN.slots)
            for event in turn:
                tracker.update(event)
            await store.save(tracker)

    asyncio.run(converse())
    return url, store


def test_the_saved_tracker_is_reused_until_someone_else_writes_to_the_conversation(tmp_path: Path) -> None:
    url, store = _saved_conversation(tmp_path)
    first = asyncio.run(store.retrieve("learner-3"))
    first.model_id = "set by Rasa's processor for its turn"
    asyncio.run(store.save(first))  # the turn ends with nothing new
    assert asyncio.run(store.retrieve("learner-3")) is first  # nothing changed: no rebuild
    assert first.model_id is None  # as a tracker read from the database
    # handed out once: a second reader during the turn gets its own tracker, equal in content
    second = asyncio.run(store.retrieve("learner-3"))
    assert second is not first and list(second.events)[-1] == list(first.events)[-1]
    asyncio.run(store.save(first))

    # another process (an adviser, another Rasa worker) appends a bot message
    other = EnvSQLTrackerStore(domain=DOMAIN, host=url)
    theirs = asyncio.run(other.retrieve_full_tracker("learner-3"))
    theirs.update(BotUttered("An adviser will reply here."))
    asyncio.run(other.save(theirs))

    fresh = asyncio.run(store.retrieve("learner-3"))
    assert fresh is not first
    assert fresh.latest_bot_utterance.text == "An adviser will reply here."


def test_a_tracker_with_unsaved_events_or_a_deleted_conversation_is_read_again(tmp_path: Path) -> None:
    from bot.rasa.stores.tracker_store import delete_conversation

    _url, store = _saved_conversation(tmp_path)
    tracker = asyncio.run(store.retrieve("learner-3"))
    tracker.update(UserUttered("this turn failed before it was saved", {"name": "greet", "confidence": 1.0}))
    again = asyncio.run(store.retrieve("learner-3"))
    assert again is not tracker
    assert again.latest_message.text == "thanks"

    asyncio.run(store.save(again))
    delete_conversation(store, "learner-3")
    assert asyncio.run(store.retrieve("learner-3")) is None


def test_a_database_error_is_an_ordinary_exception_and_the_store_keeps_working(tmp_path: Path) -> None:
    """Rasa's session_scope exited on any ValueError (here a string SQLite cannot encode)."""
    store = EnvSQLTrackerStore(domain=DOMAIN, host=sqlite_url(tmp_path / "ours.db"))
    bad = DialogueStateTracker("x\ud800", DOMAIN.slots)
    bad.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    with pytest.raises(ValueError):
        asyncio.run(store.save(bad))
    good = DialogueStateTracker("learner-4", DOMAIN.slots)
    good.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(good))
    assert asyncio.run(store.retrieve("learner-4")).latest_message.text == "hi"


def test_a_missing_postgres_schema_is_fatal_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(_session: object) -> None:
        raise ValueError("coach")

    monkeypatch.setattr(bot.rasa.stores.tracker_store, "ensure_schema_exists", missing)
    with pytest.raises(ConfigurationError, match="coach"):
        EnvSQLTrackerStore(domain=DOMAIN, host=sqlite_url(tmp_path / "ours.db"))
