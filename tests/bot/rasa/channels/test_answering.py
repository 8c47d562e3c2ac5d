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


def test_a_turn_past_the_time_limit_goes_on_to_its_end_and_its_late_replies_are_not_sent() -> None:
    ended: list[str] = []

    async def rasa(message: UserMessage) -> None:
        await asyncio.sleep(0.3)
        await message.output_channel.send_text_message(message.sender_id, "a late answer")
        ended.append("stored")

    async def scenario() -> tuple[list[str], list[str]]:
        found = await answer(rasa, "hello", "someone", "test", timeout=0.1, late=5.0)  # type: ignore[arg-type]
        await asyncio.sleep(0.5)
        return [m["text"] for m in found], ended

    assert asyncio.run(scenario()) == ([TROUBLE_REPLY], ["stored"])


def test_a_late_turn_is_given_up_after_its_extra_time() -> None:
    async def rasa(_message: UserMessage) -> None:
        await asyncio.sleep(10)

    async def scenario() -> bool:
        from bot.rasa.channels import answering

        await answer(rasa, "hello", "someone", "test", timeout=0.05, late=0.1)  # type: ignore[arg-type]
        late = list(answering._late_turns)
        await asyncio.sleep(0.4)
        return len(late) == 1 and late[0].cancelled() and not answering._late_turns

    assert asyncio.run(scenario())
