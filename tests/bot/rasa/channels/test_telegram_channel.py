"""The Telegram channel in-process: configuration, webhook checks, groups, commands, delivery.

python-telegram-bot talks to the local Bot API stand-in; a small fake stands in for Rasa.
"""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any, Optional

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.channels.telegram import handler as telegram_handler
from bot.rasa.channels.telegram.callbacks import callback_data
from bot.rasa.channels.telegram.channel import TelegramInput, TelegramOutput
from bot.rasa.channels.telegram.handler import EXPIRED_BUTTON, FORGOTTEN_REPLY, HELP_TEXT, NON_TEXT_REPLY
from bot.shared.settings import ConfigurationError, Settings
from tests.support.telegram_api import (
    BOT_USER,
    TOKEN,
    WEBHOOK_SECRET,
    FakeBotApi,
    callback_update,
    message,
    new_chat_id,
    next_update_id,
    text_update,
)
from tests.support.telegram_channel import FakeRasa, post, run, settings_for


def test_a_token_without_a_secret_refuses_to_start_with_a_clear_message() -> None:
    with pytest.raises(ConfigurationError, match="TELEGRAM_WEBHOOK_SECRET is not"):
        TelegramInput(Settings(telegram_token=TOKEN))
    with pytest.raises(ConfigurationError, match="A-Z, a-z, 0-9"):
        TelegramInput(Settings(telegram_token=TOKEN, telegram_webhook_secret="has spaces!"))


def test_without_a_token_the_channel_is_off_and_harmless() -> None:
    channel = TelegramInput(Settings())
    rasa = FakeRasa()
    assert run(post(channel, rasa, text_update(1, "hi"))) == [404]
    assert channel.get_output_channel() is None and rasa.received == []
    assert channel.blueprint(rasa) is not None


def test_wrong_or_missing_secret_gets_403_and_nothing_happens(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    statuses = run(post(channel, rasa, text_update(5, "hi"), text_update(5, "hi"), secret="nope"))
    statuses += run(post(channel, rasa, text_update(5, "hi"), secret=None))
    statuses += run(post(channel, rasa, text_update(5, "hi"), secret=WEBHOOK_SECRET + "x"))
    assert statuses == [403, 403, 403, 403]
    assert rasa.received == [] and bot_api.calls == []


@pytest.mark.parametrize("body", [b"{", b"null", b'"text"', b'{"update_id": 1.5}', b'{"update_id": 3, "message": 7}'])
def test_malformed_bodies_get_400(bot_api: FakeBotApi, body: bytes) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    assert run(post(channel, rasa, body)) == [400]
    assert rasa.received == []


def test_a_private_message_is_answered_with_a_keyboard_and_duplicates_are_dropped(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    chat = new_chat_id()
    update = text_update(chat, "what does it pay?")
    assert run(post(channel, rasa, update, update)) == [200, 200]
    assert rasa.texts == ["what does it pay?"]
    # stored in the Telegram namespace, so no other channel can address this conversation
    assert rasa.received[0].sender_id == f"telegram-{chat}" and rasa.received[0].input_channel == "telegram"
    assert rasa.received[0].metadata == {"telegram": {"update_id": update["update_id"], "edited": False,
                                                      "chat_type": "private"}}
    [sent] = bot_api.calls_to("sendMessage", chat)
    assert [c.params["action"] for c in bot_api.calls_to("sendChatAction", chat)] == ["typing"]
    assert sent.text == "echo: what does it pay?" and sent.buttons == [{"text": "Pay", "callback_data": "/ask_salary"}]


def group_update(group: int, text: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    """A message in a supergroup from someone other than the bot."""
    chat = {"id": group, "type": "supergroup", "title": "Careers club"}
    sender = {"id": 42, "is_bot": False, "first_name": "Sam"}
    return {"update_id": next_update_id(), "message": message(group, text, chat=chat, sender=sender, **extra)}


def test_in_groups_only_commands_mentions_and_replies_to_the_bot_are_answered(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    group = -new_chat_id()
    username = f"@{BOT_USER['username']}"
    mention = group_update(group, f"{username} what skills?")
    mention["message"]["entities"] = [{"type": "mention", "offset": 0, "length": len(username)}]
    bot_message = {"message_id": 1, "date": 1, "chat": {"id": group, "type": "supergroup"}, "from": BOT_USER,
                   "text": "earlier answer"}
    run(post(channel, rasa,
             group_update(group, "chatting among ourselves"),
             group_update(group, "/help@some_other_bot"),
             group_update(group, new_chat_members=[{"id": 9, "is_bot": False, "first_name": "New"}]),
             group_update(group, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]),
             mention,
             group_update(group, "and the pay?", reply_to_message=bot_message),
             group_update(group, f"/help@{BOT_USER['username']}")))
    assert rasa.texts == ["what skills?", "and the pay?"]
    texts = [c.text for c in bot_api.calls_to("sendMessage", group)]
    assert texts == ["echo: what skills?", "echo: and the pay?", HELP_TEXT]
    assert bot_api.calls_to("sendChatAction", group) == []  # saves the group's 20 messages a minute


class CareersRasa(FakeRasa):
    """Answers `/ask_careers` as its action does: one button per career."""

    CAREERS = {"first-career": "First career", "second-career": "Second career", "third-career": "Third career"}

    async def __call__(self, incoming: Any) -> None:
        self.received.append(incoming)
        buttons = [{"title": name, "payload": f'/ask_role{{"career":"{slug}"}}'} for slug, name in self.CAREERS.items()]
        await incoming.output_channel.send_text_with_buttons(incoming.sender_id, "Pick a career:", buttons)


def test_the_careers_command_asks_for_the_careers_list_which_comes_back_as_buttons(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), CareersRasa()
    chat, group = new_chat_id(), -new_chat_id()
    run(post(channel, rasa, text_update(chat, "/careers"), text_update(chat, f"/careers@{BOT_USER['username']}"),
             group_update(group, "/careers@some_other_bot"), group_update(group, f"/Careers@{BOT_USER['username']}")))
    assert rasa.texts == [telegram_handler.CAREERS_PAYLOAD] * 3
    assert [m.metadata for m in rasa.received] == [{"telegram": {"command": "careers"}}] * 3
    assert sorted(m.sender_id for m in rasa.received) == sorted([f"telegram-{chat}"] * 2 + [f"telegram-{group}"])
    for sent in bot_api.calls_to("sendMessage", chat) + bot_api.calls_to("sendMessage", group):
        assert [b["text"] for b in sent.buttons] == list(CareersRasa.CAREERS.values())
    assert "/careers" in HELP_TEXT


def test_non_text_messages_get_a_polite_notice_and_reach_no_one(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    chat = new_chat_id()
    voice = {"update_id": next_update_id(), "message": message(chat, voice={
        "file_id": "v", "file_unique_id": "v", "duration": 3})}
    document = {"update_id": next_update_id(), "message": message(chat, document={
        "file_id": "d", "file_unique_id": "d"})}
    run(post(channel, rasa, voice, document))
    assert rasa.received == []
    assert [c.text for c in bot_api.calls_to("sendMessage", chat)] == [NON_TEXT_REPLY, NON_TEXT_REPLY]


def test_no_reply_while_an_adviser_holds_the_conversation(bot_api: FakeBotApi,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """answer() returns an empty list for a paused conversation: nothing is sent."""
    async def adviser_holds(*_args: Any, **_kwargs: Any) -> list[dict[str, Any]]:
        return []

    monkeypatch.setattr(telegram_handler, "answer", adviser_holds)
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    chat = new_chat_id()
    run(post(channel, rasa, text_update(chat, "are you there?")))
    assert bot_api.calls_to("sendMessage", chat) == []


def test_forget_deletes_the_conversation_and_confirms(bot_api: FakeBotApi) -> None:
    chat = new_chat_id()
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker(f"telegram-{chat}", [])
    tracker.update(UserUttered("my name is Alex"))
    asyncio.run(store.save(tracker))
    other = DialogueStateTracker("someone-else", [])
    asyncio.run(store.save(other))
    agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    run(post(channel, rasa, text_update(chat, "/forget"), agent=agent))
    assert f"telegram-{chat}" not in store.store and "someone-else" in store.store
    assert [c.text for c in bot_api.calls_to("sendMessage", chat)] == [FORGOTTEN_REPLY]
    assert rasa.received == []


def test_an_unknown_long_button_is_answered_as_expired(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    chat = new_chat_id()
    agent = SimpleNamespace(tracker_store=InMemoryTrackerStore(Domain.empty()), lock_store=InMemoryLockStore())
    sent = {"message_id": 5, "date": 1, "chat": {"id": chat, "type": "private"}, "from": BOT_USER, "text": "old"}
    press = callback_update(chat, sent, "#doesnotexist0000000000")
    run(post(channel, rasa, press, agent=agent))
    [spinner] = bot_api.calls_to("answerCallbackQuery")
    assert spinner.params["text"] == EXPIRED_BUTTON and rasa.received == []


def test_the_output_channel_splits_long_adviser_messages_in_order(bot_api: FakeBotApi) -> None:
    """get_output_channel() sends to any chat: a 9,000-character message arrives in 3 parts."""
    channel = TelegramInput(settings_for(bot_api))
    chat = new_chat_id()
    paragraphs = [f"<Part {i}> " + "advice " * 140 for i in range(9)]  # about 1,000 characters each

    async def send() -> None:
        output = channel.get_output_channel()
        assert isinstance(output, TelegramOutput)
        await output.send_text_message(str(chat), "\n\n".join(paragraphs))
        await channel.close()

    run(send())
    sent = bot_api.calls_to("sendMessage", chat)
    assert len(sent) == 3 and all(len(c.text) <= 4096 for c in sent)
    assert "\n\n".join(c.text for c in sent).split("\n\n") == [p.strip() for p in paragraphs]
    assert all(c.params["parse_mode"] == "HTML" and "&lt;Part" in c.params["text"] for c in sent)
    # At most one message a second in one chat.
    assert all(later.at - earlier.at >= 0.9 for earlier, later in zip(sent, sent[1:], strict=False))


def test_network_errors_and_429_are_retried_until_delivered(bot_api: FakeBotApi) -> None:
    channel = TelegramInput(settings_for(bot_api))
    chat = new_chat_id()
    bot_api.fail_next("sendMessage", drop=True)
    bot_api.fail_next("sendMessage", retry_after=1)

    async def send() -> None:
        output = channel.get_output_channel()
        assert output is not None
        await output.send_text_message(str(chat), "An adviser's answer.")
        await channel.close()

    started = time.monotonic()
    run(send())
    attempts = bot_api.calls_to("sendMessage", chat, ok_only=False)
    assert [c.status for c in attempts] == [0, 429, 200]
    assert attempts[2].at - attempts[1].at >= 1.0 and attempts[2].at > started


def test_a_long_payload_button_works_after_a_restart_from_the_stored_conversation(bot_api: FakeBotApi) -> None:
    """A fresh channel (nothing in memory) finds a hashed button among the stored bot messages."""
    chat = new_chat_id()
    payload = '/ask_next_step{"role":"multi-channel-ecommerce-manager","level":"senior"}'
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker(f"telegram-{chat}", [])
    tracker.update(BotUttered("Where next?", {"buttons": [{"title": "Next step", "payload": payload}]}))
    asyncio.run(store.save(tracker))
    agent = SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())
    data = callback_data(payload)
    assert data != payload and len(data.encode()) <= 64
    sent = {"message_id": 77, "date": 1, "chat": {"id": chat, "type": "private"}, "from": BOT_USER,
            "text": "Where next? <3",
            "reply_markup": {"inline_keyboard": [[{"text": "Next step", "callback_data": data}]]}}
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    run(post(channel, rasa, callback_update(chat, sent, data), agent=agent))
    assert rasa.texts == [payload]
    [spinner] = bot_api.calls_to("answerCallbackQuery")
    assert "text" not in spinner.params
    [edit] = bot_api.calls_to("editMessageText", chat)
    assert edit.params["message_id"] == 77 and edit.params["text"] == "Where next? &lt;3\n\n» <i>Next step</i>"
    assert [c.text for c in bot_api.calls_to("sendMessage", chat)] == [f"echo: {payload}"]


def test_an_edited_command_is_not_run_again_but_an_edited_question_is_answered(bot_api: FakeBotApi) -> None:
    channel, rasa = TelegramInput(settings_for(bot_api)), FakeRasa()
    chat = new_chat_id()
    edited_command = {"update_id": next_update_id(), "edited_message": message(chat, "/reset", edit_date=2)}
    edited_question = {"update_id": next_update_id(), "edited_message": message(chat, "what does it pay?", edit_date=2)}
    run(post(channel, rasa, edited_command, edited_question))
    assert rasa.texts == ["what does it pay?"]
    [sent] = bot_api.calls_to("sendMessage", chat)
    assert sent.params["reply_parameters"]["message_id"] == edited_question["edited_message"]["message_id"]


def test_the_output_channel_maps_a_telegram_conversation_to_its_chat(bot_api: FakeBotApi) -> None:
    """Adviser replies for `telegram-<chat id>` reach the chat; another channel's conversation is refused."""
    channel = TelegramInput(settings_for(bot_api))
    chat = new_chat_id()

    async def send() -> None:
        output = channel.get_output_channel()
        assert isinstance(output, TelegramOutput)
        await output.send_text_message(f"telegram-{chat}", "Hi, I'm Ada.")
        with pytest.raises(ValueError):
            await output.send_text_message(f"rest-{chat}", "not for Telegram")
        await channel.close()

    run(send())
    assert [c.text for c in bot_api.calls_to("sendMessage", chat)] == ["Hi, I'm Ada."]
