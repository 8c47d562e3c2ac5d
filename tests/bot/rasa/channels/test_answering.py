"""One learner turn through Rasa: the replies, and the apology whenever the turn failed."""
from __future__ import annotations

import asyncio

from rasa.core.channels.channel import UserMessage

from bot.rasa.channels.answering import answer
from bot.rasa.channels.guard import TROUBLE_REPLY


async def replies_of(handler: object, timeout: float = 1.0) -> list[str]:
    found = await answer(handler, "hello", "someone", "test", timeout=timeout)  # type: ignore[arg-type]
    return [m["text"] for m in found]


def test_an_answered_turn_gets_its_replies_only() -> None:
    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "an answer")

    assert asyncio.run(replies_of(rasa)) == ["an answer"]


def test_a_turn_that_fails_after_a_first_reply_gets_the_apology_after_it() -> None:
    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "a first part")
        raise RuntimeError("the action server did not answer")

    assert asyncio.run(replies_of(rasa)) == ["a first part", TROUBLE_REPLY]


def test_a_turn_that_runs_out_of_time_after_a_first_reply_gets_the_apology_after_it() -> None:
    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "a first part")
        await asyncio.sleep(10)

    assert asyncio.run(replies_of(rasa, timeout=0.2)) == ["a first part", TROUBLE_REPLY]


def test_a_silent_turn_gets_the_apology() -> None:
    async def rasa(_message: UserMessage) -> None:
        return None

    assert asyncio.run(replies_of(rasa)) == [TROUBLE_REPLY]
