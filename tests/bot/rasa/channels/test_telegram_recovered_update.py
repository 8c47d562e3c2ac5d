"""A recovered Telegram update whose turn is already stored is not handed to Rasa again: its replies are sent."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.channels.telegram.handler import TelegramHandler, stored_replies, update_message_id

SENDER = "telegram-42"


class Rasa:
    """Records what it is given, as Rasa's on_new_message would handle it."""

    def __init__(self) -> None:
        self.given: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.given.append(message)
        await message.output_channel.send_text_message(message.sender_id, "a fresh answer")


def handle(store: InMemoryTrackerStore, rasa: Rasa, update_id: int) -> CollectingOutputChannel:
    handler: Any = SimpleNamespace(_agent=lambda: SimpleNamespace(tracker_store=store), _on_new_message=rasa)
    collector = CollectingOutputChannel()
    once = TelegramHandler._once(handler, update_id)
    asyncio.run(once(UserMessage("what does it pay?", collector, SENDER)))
    return collector


def stored(store: InMemoryTrackerStore, *events: Any) -> None:
    asyncio.run(store.save(DialogueStateTracker.from_events(SENDER, list(events))))


def test_the_stored_replies_of_a_message_are_those_up_to_the_next_learner_message() -> None:
    buttons = {"buttons": [{"title": "T", "payload": "/p"}]}
    events = [UserUttered("a", message_id="telegram:1"), BotUttered("one", buttons), BotUttered("two"),
              UserUttered("b", message_id="telegram:2"), BotUttered("three")]
    assert stored_replies(events, "telegram:1") == [
        {"text": "one", "buttons": [{"title": "T", "payload": "/p"}]}, {"text": "two"}]
    assert stored_replies(events, "telegram:2") == [{"text": "three"}]
    assert stored_replies(events, "telegram:3") is None


def test_a_new_update_goes_to_rasa_under_its_update_message_id() -> None:
    store, rasa = InMemoryTrackerStore(Domain.empty()), Rasa()
    collector = handle(store, rasa, 7)
    assert [m.message_id for m in rasa.given] == [update_message_id(7)]
    assert [m["text"] for m in collector.messages] == ["a fresh answer"]


def test_an_update_whose_turn_is_stored_sends_the_stored_replies_without_rasa() -> None:
    store, rasa = InMemoryTrackerStore(Domain.empty()), Rasa()
    stored(store, UserUttered("what does it pay?", message_id=update_message_id(7)), BotUttered("stored answer"))
    collector = handle(store, rasa, 7)
    assert rasa.given == []
    assert [m["text"] for m in collector.messages] == ["stored answer"]
    assert handle(store, rasa, 8) and len(rasa.given) == 1  # another update is handled as usual
