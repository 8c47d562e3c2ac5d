"""Callback data ≤ 64 bytes for any payload, resolved back from memory or the stored conversation."""
from __future__ import annotations

import asyncio
from typing import Any

from bot.rasa.channels.telegram.callbacks import MAX_CALLBACK_BYTES, CallbackPayloads, callback_data
from bot.rasa.channels.telegram.updates import ChatTurns

LONG = '/ask_next_step{"role":"head-of-ecommerce-and-digital-trading","level":"director"}'


def test_short_payloads_are_sent_as_they_are() -> None:
    assert callback_data("/ask_salary") == "/ask_salary"
    assert callback_data('/ask_salary{"level":"director"}') == '/ask_salary{"level":"director"}'


def test_long_and_hash_like_payloads_become_a_short_stable_key() -> None:
    assert len(LONG.encode()) > MAX_CALLBACK_BYTES
    key = callback_data(LONG)
    assert key.startswith("#") and len(key.encode()) <= MAX_CALLBACK_BYTES and key == callback_data(LONG)
    assert callback_data("#hashtag") != "#hashtag"
    assert callback_data("é" * 40).startswith("#")  # 80 bytes in UTF-8


def test_a_long_payload_resolves_from_memory() -> None:
    store = CallbackPayloads()
    key = store.encode(LONG)
    assert asyncio.run(store.resolve(key, "chat", None)) == LONG


def bot_event(*payloads: str) -> dict[str, Any]:
    """A stored BotUttered event with buttons."""
    return {"event": "bot", "text": "t", "data": {"buttons": [{"title": "b", "payload": p} for p in payloads]}}


def test_after_a_restart_a_long_payload_resolves_from_the_stored_conversation() -> None:
    key = CallbackPayloads().encode(LONG)
    asked: list[str] = []

    async def load(sender_id: str) -> list[dict[str, Any]]:
        asked.append(sender_id)
        return [{"event": "user", "text": "hi"}, bot_event("/ask_salary", LONG)]

    fresh = CallbackPayloads()  # nothing in memory, as in a restarted or different Rasa process
    assert asyncio.run(fresh.resolve(key, "chat-7", load)) == LONG
    assert asked == ["chat-7"]
    assert asyncio.run(fresh.resolve(key, "chat-7", None)) == LONG  # remembered now


def test_unknown_keys_resolve_to_none() -> None:
    async def load(_sender_id: str) -> list[dict[str, Any]]:
        return [bot_event("/ask_salary")]

    assert asyncio.run(CallbackPayloads().resolve("#unknownkey", "chat", load)) is None


def test_memory_is_bounded() -> None:
    store = CallbackPayloads(capacity=3)
    keys = [store.encode(LONG + str(i)) for i in range(5)]
    assert asyncio.run(store.resolve(keys[0], "c", None)) is None
    assert asyncio.run(store.resolve(keys[4], "c", None)) == LONG + "4"


def test_each_chat_is_handled_in_order_while_chats_run_concurrently() -> None:
    async def scenario() -> tuple[list[str], int]:
        turns = ChatTurns()
        log: list[str] = []
        release_a = asyncio.Event()

        async def work(chat: str, name: str, wait: bool = False) -> None:
            async with turns.turn(chat):
                log.append(f"start {name}")
                if wait:
                    await release_a.wait()
                log.append(f"end {name}")

        first = asyncio.create_task(work("a", "a1", wait=True))
        second = asyncio.create_task(work("a", "a2"))
        await asyncio.sleep(0)
        await work("b", "b1")  # another chat is not held up by a1
        release_a.set()
        await asyncio.gather(first, second)
        return log, turns.busy_chats()

    log, busy = asyncio.run(scenario())
    assert log.index("end b1") < log.index("end a1")
    assert log.index("end a1") < log.index("start a2")
    assert busy == 0
