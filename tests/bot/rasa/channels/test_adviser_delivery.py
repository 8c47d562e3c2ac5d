"""Adviser replies go out on the channel whose namespace holds the conversation."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.channels.adviser import _body, _deliver
from bot.rasa.channels.rest import GuardedRestInput


class RecordingOutput(OutputChannel):
    """Remembers what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent.append((recipient_id, text))


class PushChannel(InputChannel):
    """A channel named like Telegram that can push messages."""

    def __init__(self) -> None:
        self.output = RecordingOutput()

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.output


def _request(*channels: InputChannel) -> Any:
    return SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(input_channels=list(channels))))


def test_a_reply_reaches_telegram_even_if_the_last_message_came_from_another_channel() -> None:
    push = PushChannel()
    tracker = DialogueStateTracker("telegram-555", [])
    tracker.update(UserUttered("injected", input_channel="rest"))
    delivered = asyncio.run(_deliver(_request(GuardedRestInput(), push), tracker, "Hi, I'm Ada."))
    assert delivered and push.output.sent == [("telegram-555", "Hi, I'm Ada.")]


def test_a_conversation_stored_before_namespacing_uses_its_last_channel() -> None:
    push = PushChannel()
    tracker = DialogueStateTracker("555", [])
    tracker.update(UserUttered("hello", input_channel="telegram"))
    assert asyncio.run(_deliver(_request(push), tracker, "Hi"))
    assert push.output.sent == [("555", "Hi")]


def test_a_sender_id_that_cannot_be_stored_is_refused() -> None:
    request = SimpleNamespace(json={"sender_id": "x\ud800", "text": "hi"})
    assert isinstance(_body(request, needs_text=True), str)  # type: ignore[arg-type]


def test_the_join_line_names_the_adviser_by_first_name_only() -> None:
    from bot.rasa.channels.adviser import joined_line

    assert joined_line("ada") == "Ada from the careers team has joined the conversation."
    assert joined_line("grace.hopper") == "Grace from the careers team has joined the conversation."
    assert joined_line("x_9") == "X from the careers team has joined the conversation."
    assert joined_line("123") == "An adviser from the careers team has joined the conversation."
