"""Deleting one conversation from the SQL tracker store (Rasa 3.6 has no delete of its own)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import EnvSQLTrackerStore, delete_conversation
from tests.fakes import sqlite_url


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
