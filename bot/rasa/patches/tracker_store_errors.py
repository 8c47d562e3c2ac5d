"""Tracker store errors reach the caller: no silent in-memory fallback when the database is away.

Rasa 3.6 wraps every tracker store in `FailSafeTrackerStore`, which answers a failed read with
None (a conversation that does not exist) and keeps a failed save in process memory. With the
database restarting, that made the web chat answer "unknown session" (404: the widget then starts
a new conversation), and Rasa answered a message with an empty tracker and kept the turn only in
memory: the learner saw a reply without context that no database ever held. Here the wrapper
logs the error and raises it: the web chat answers 503 (the widget sends the same message id
again), the channels apologise for that one message, and nothing is kept outside the database.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Optional

from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)


class RaisingTrackerStore(FailSafeTrackerStore):
    """Rasa's fail-safe wrapper (same attributes, so code that unwraps it still works) that raises."""

    def _failed(self, what: str, error: Exception) -> None:
        logger.warning("The tracker store (%s) could not %s: %s", type(self._tracker_store).__name__, what, error)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The primary store's tracker; its error is raised, not read as "no conversation"."""
        try:
            return await self._tracker_store.retrieve(sender_id)
        except Exception as error:
            self._failed("read a conversation", error)
            raise

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The primary store's full tracker; its error is raised."""
        try:
            return await self._tracker_store.retrieve_full_tracker(sender_id)
        except Exception as error:
            self._failed("read a conversation", error)
            raise

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save in the primary store; its error is raised (nothing is kept in memory instead)."""
        try:
            await self._tracker_store.save(tracker)
        except Exception as error:
            self._failed("save a conversation", error)
            raise

    async def keys(self) -> Iterable[str]:
        """The primary store's conversation ids; its error is raised."""
        try:
            return await self._tracker_store.keys()
        except Exception as error:
            self._failed("list conversations", error)
            raise


def _create_tracker_store(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
    """Rasa's `Agent._create_tracker_store`, wrapping in `RaisingTrackerStore` instead."""
    if store is not None:
        store.domain = domain
    else:
        store = InMemoryTrackerStore(domain)
    return RaisingTrackerStore(store)


def install() -> None:
    """Make every agent wrap its tracker store in `RaisingTrackerStore` (idempotent)."""
    Agent._create_tracker_store = staticmethod(_create_tracker_store)  # type: ignore[method-assign]
