"""A tracker store error reaches the caller: Rasa's fail-safe wrapper no longer hides it behind memory."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa import patches
from bot.rasa.patches.sql_tracker_store import wrapped_stores
from bot.rasa.patches.tracker_store_errors import RaisingTrackerStore


class DatabaseAway(InMemoryTrackerStore):
    """An in-memory store that fails every call, as the SQL store does while PostgreSQL restarts."""

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        raise ConnectionError("database away")

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        raise ConnectionError("database away")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise ConnectionError("database away")

    async def keys(self) -> Any:
        raise ConnectionError("database away")


def test_rasas_wrapper_hides_the_error_which_is_the_bug() -> None:
    store = FailSafeTrackerStore(DatabaseAway(Domain.empty()))
    assert asyncio.run(store.retrieve_full_tracker("someone")) is None  # read as "no such conversation"
    asyncio.run(store.save(DialogueStateTracker("someone", [])))  # kept in memory only
    assert asyncio.run(store.fallback_tracker_store.retrieve("someone")) is not None


def test_every_call_raises_the_stores_error_and_nothing_is_kept_in_memory() -> None:
    store = RaisingTrackerStore(DatabaseAway(Domain.empty()))
    for call in (store.retrieve("someone"), store.retrieve_full_tracker("someone"),
                 store.save(DialogueStateTracker("someone", [])), store.keys()):
        with pytest.raises(ConnectionError, match="database away"):
            asyncio.run(call)
    assert store._fallback_tracker_store is None


def test_a_working_store_answers_as_before() -> None:
    inner = InMemoryTrackerStore(Domain.empty())
    store = RaisingTrackerStore(inner)
    asyncio.run(store.save(DialogueStateTracker("someone", [])))
    assert asyncio.run(store.retrieve("someone")) is not None
    assert list(asyncio.run(store.keys())) == ["someone"]


def test_agents_wrap_their_store_in_it_once_the_patches_are_applied() -> None:
    patches.apply()
    inner = InMemoryTrackerStore(Domain.empty())
    store = Agent._create_tracker_store(inner, Domain.empty())
    assert isinstance(store, RaisingTrackerStore) and isinstance(store, FailSafeTrackerStore)
    assert wrapped_stores(store)[1] is inner
