"""Conversation ids are namespaced per channel; REST senders come from a documented character set."""
from __future__ import annotations

import pytest

from bot.rasa.channels.webchat.sessions import conversation_id, new_token
from bot.shared.conversation_ids import (
    channel_of,
    is_storable_id,
    lookup_ids,
    rest_conversation,
    telegram_chat_id,
    telegram_conversation,
    valid_sender,
)


@pytest.mark.parametrize("raw", ["learner-1", "a", "x" * 128, "user@example.org", "e2e:run.1", 42])
def test_senders_from_the_documented_character_set_are_accepted(raw: object) -> None:
    assert valid_sender(raw) == str(raw)


@pytest.mark.parametrize("raw", ["", "x" * 129, "x\ud800", "x\x00", "a b", "ü", "x\n", None, True, 1.5, ["a"]])
def test_other_senders_are_refused(raw: object) -> None:
    assert valid_sender(raw) is None


def test_each_channel_has_its_own_namespace() -> None:
    webchat = conversation_id(new_token())
    assert channel_of(webchat) == "webchat"
    # a REST caller sending a web chat or Telegram id only reaches its own conversation
    assert rest_conversation(webchat) != webchat and channel_of(rest_conversation(webchat)) == "rest"
    assert rest_conversation("12345") != telegram_conversation(12345)
    assert channel_of(telegram_conversation(-100123)) == "telegram"
    assert channel_of("12345") is None  # stored before namespacing


def test_telegram_conversations_map_back_to_their_chat() -> None:
    assert telegram_chat_id(telegram_conversation(-100123)) == "-100123"
    assert telegram_chat_id("987") == "987"  # a conversation stored before namespacing
    assert telegram_chat_id("rest-987") is None and telegram_chat_id("telegram-x") is None


def test_a_telegram_chat_id_finds_its_conversation_for_erasure() -> None:
    assert lookup_ids("987") == ["987", "telegram-987"]
    assert lookup_ids("rest-a") == ["rest-a"]


@pytest.mark.parametrize("raw, ok", [("webchat-ab", True), ("x" * 255, True), ("x" * 256, False),
                                     ("x\ud800", False), ("a\x00", False), ("", False), (5, False)])
def test_storable_ids(raw: object, ok: bool) -> None:
    assert is_storable_id(raw) is ok
