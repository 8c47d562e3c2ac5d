"""Deleting one conversation from the SQL tracker store (Rasa 3.6 has no delete of its own)."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.stores.tracker_store import EnvSQLTrackerStore, delete_conversation
from tests.support.databases import sqlite_url


def conversation(sender_id: str) -> DialogueStateTracker:
    """A short stored conversation."""
    tracker = DialogueStateTracker(sender_id, [])
    tracker.update(UserUttered("hello, I'm Alex from Leeds"))
    tracker.update(BotUttered("Hi Alex!"))
    return tracker


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: FailSafeTrackerStore(AwaitableTrackerStore(s))],
                         ids=["plain", "wrapped-as-rasa-does"])
def test_delete_conversation_removes_only_that_conversation(tmp_path: Path, wrap) -> None:  # type: ignore[no-untyped-def]
    sql = EnvSQLTrackerStore(host=sqlite_url(tmp_path / "conversations.db"), domain=Domain.empty())
    store: TrackerStore = wrap(sql)
    asyncio.run(store.save(conversation("learner-1")))
    asyncio.run(store.save(conversation("learner-2")))
    assert delete_conversation(store, "learner-1") == 2
    assert asyncio.run(sql.retrieve("learner-1")) is None
    kept = asyncio.run(sql.retrieve("learner-2"))
    assert kept is not None and len(kept.events) == 2
    assert delete_conversation(store, "learner-1") == 0


# -- one erase function: Telegram /forget in the Rasa server clears every table -----------------------

WORDS = ("xylophonist", "zanzibar")  # words nothing else in these databases contains


@pytest.fixture
def console_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """One SQLite file holding Rasa's events (created by the tracker store) and the console's tables."""
    from bot.shared.settings import get_settings
    from bot.web.console.db import dispose_engines, get_engine, upgrade

    url = sqlite_url(tmp_path / "conversations.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COACH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COACH_API_TOKEN", "test-token")
    get_settings.cache_clear()
    store = EnvSQLTrackerStore(host=url, domain=Domain.empty())
    engine = get_engine(url)
    upgrade(engine)
    yield store, engine
    dispose_engines()
    get_settings.cache_clear()


def _indexed_with_casework(store: EnvSQLTrackerStore, engine, sender_id: str) -> None:  # type: ignore[no-untyped-def]
    """Store a conversation, index it in the console and add an adviser's tag, note and audit entries."""
    from bot.web.console import audit, casework
    from bot.web.console.accounts import add_account
    from bot.web.console.sync import sync

    tracker = DialogueStateTracker(sender_id, [])
    tracker.update(UserUttered(f"I play the {WORDS[0]} in {WORDS[1]}", {"name": "greet", "confidence": 0.4},
                               input_channel="telegram"))
    tracker.update(BotUttered(f"Tell me more about {WORDS[1]}"))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(conversation("someone-else")))
    assert sync(engine) == 4
    ada = add_account(engine, "ada@example.org", "a long password", is_admin=True)
    casework.add_tag(engine, sender_id, ada.id, WORDS[0])
    casework.add_note(engine, sender_id, ada.id, f"ask about {WORDS[1]}", None)
    audit.record(engine, ada.email, "view", sender_id)


def test_telegram_forget_erases_the_conversation_from_every_table(console_db, bot_api) -> None:  # type: ignore[no-untyped-def]
    """/forget used to delete only `events`: the console kept the text, its index, notes and tags."""
    from rasa.core.lock_store import InMemoryLockStore

    from bot.rasa.channels.telegram.channel import TelegramInput
    from bot.rasa.channels.telegram.handler import FORGOTTEN_REPLY
    from tests.support.leftovers import leftovers
    from tests.support.telegram_api import new_chat_id, text_update
    from tests.support.telegram_channel import FakeRasa, post, run, settings_for

    store, engine = console_db
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    chat = new_chat_id()
    agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    run(post(channel, rasa, text_update(chat, "hello"), agent=agent))
    sender_id = rasa.received[0].sender_id  # the channel's conversation id for this chat, whatever its form
    _indexed_with_casework(store, engine, sender_id)
    assert asyncio.run(store.retrieve(sender_id)) is not None  # and now kept in memory for reuse
    assert leftovers(engine, [sender_id, *WORDS])

    run(post(channel, rasa, text_update(chat, "/forget"), agent=agent))
    assert bot_api.calls_to("sendMessage", chat)[-1].text == FORGOTTEN_REPLY
    assert leftovers(engine, [sender_id, *WORDS]) == []
    assert sender_id not in store._recent and asyncio.run(store.retrieve(sender_id)) is None
    assert asyncio.run(store.retrieve("someone-else")) is not None
    with engine.connect() as c:
        actions = c.execute(sa.text("SELECT action, actor, sender_id FROM console_audit_log ORDER BY id")).all()
    assert [a for a, _actor, _s in actions] == ["view", "erase"]
    assert actions[1][1] == "learner (Telegram /forget)"
    assert actions[0][2] == actions[1][2] and actions[1][2].startswith("erased:")  # the same pseudonym


# -- ids never reused: the tracker store creates and rebuilds `events` with AUTOINCREMENT ---------------

def _events_sql(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return c.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'events'")).scalar()
    finally:
        engine.dispose()


def test_the_tracker_store_creates_events_with_ids_never_reused(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "new.db")
    store = EnvSQLTrackerStore(host=url, domain=Domain.empty())
    assert "AUTOINCREMENT" in _events_sql(url)
    asyncio.run(store.save(conversation("first")))
    asyncio.run(store.save(conversation("newest")))
    delete_conversation(store, "newest")
    asyncio.run(store.save(conversation("after")))
    with store.engine.connect() as c:
        assert c.execute(sa.text("SELECT min(id) FROM events WHERE sender_id = 'after'")).scalar() == 5


def test_an_events_table_from_before_is_rebuilt_once_keeping_rows_and_beyond_the_console_cursor(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old.db")
    engine = sa.create_engine(url)
    old = sa.MetaData()
    sa.Table("events", old, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("sender_id", sa.String(255), nullable=False, index=True),
             sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
             sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
             sa.Column("data", sa.Text))
    old.create_all(engine)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE console_sync_state (name VARCHAR(64) PRIMARY KEY, value INTEGER NOT NULL)"))
        c.execute(sa.text("INSERT INTO console_sync_state VALUES ('events', 9)"))  # the console read up to 9
    engine.dispose()
    store = EnvSQLTrackerStore(host=url, domain=Domain.empty())
    asyncio.run(store.save(conversation("kept")))
    assert "AUTOINCREMENT" in _events_sql(url)
    store = EnvSQLTrackerStore(host=url, domain=Domain.empty())  # a second start-up changes nothing
    assert asyncio.run(store.retrieve("kept")) is not None
    with store.engine.connect() as c:
        assert list(c.execute(sa.text("SELECT id FROM events ORDER BY id")).scalars()) == [10, 11]
        assert {ix["name"] for ix in sa.inspect(c).get_indexes("events")} == {"ix_events_sender_id"}


def test_a_tracker_kept_for_reuse_is_not_reused_after_another_process_erased_and_rewrote_it(tmp_path: Path) -> None:
    """The reuse check compares the conversation's last event id: ids never reused keep that sound."""
    from bot.shared.erasure import erase_conversations

    url = sqlite_url(tmp_path / "conversations.db")
    store = EnvSQLTrackerStore(host=url, domain=Domain.empty())
    asyncio.run(store.save(conversation("learner")))  # kept in memory with its last id
    console = sa.create_engine(url)  # the web process: erases, then the learner starts again elsewhere
    erase_conversations(console, ["learner"], key=b"k")
    other = EnvSQLTrackerStore(host=url, domain=Domain.empty())
    again = DialogueStateTracker("learner", [])
    again.update(UserUttered("a fresh start"))
    again.update(BotUttered("Welcome back"))
    asyncio.run(other.save(again))
    read = asyncio.run(store.retrieve("learner"))
    assert read is not None and read.latest_message.text == "a fresh start"
    console.dispose()
