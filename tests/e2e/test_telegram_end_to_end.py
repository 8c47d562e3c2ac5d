"""End to end through the Telegram channel, with the real python-telegram-bot client.

Webhook updates go into the running Rasa server; replies come out to the local Bot API stand-in.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

import pytest

from bot.rasa.channels.telegram.handler import FORGOTTEN_REPLY, HELP_TEXT, NON_TEXT_REPLY
from bot.shared.conversation_ids import telegram_conversation
from harness.env import subprocess_env
from harness.paths import CREDENTIALS_PATH
from harness.processes import free_ports
from harness.rasa import rasa_command, rasa_server_args
from tests.support.stack import Stack
from tests.support.telegram_api import (
    BOT_USER,
    WEBHOOK_SECRET,
    Call,
    FakeBotApi,
    callback_update,
    message,
    new_chat_id,
    next_update_id,
    text_update,
)

pytestmark = pytest.mark.e2e
DIRECTOR_PAY = ("£78,000", "£142,000")


def post_update(stack: Stack, update: Any, secret: Optional[str] = WEBHOOK_SECRET) -> tuple[int, Any]:
    """POST an update (a dict, or raw bytes) to the Telegram webhook; status and parsed reply."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"{stack.url}/webhooks/telegram/webhook", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def send(stack: Stack, update: dict[str, Any]) -> None:
    """Deliver an update the way Telegram does; the webhook must accept it."""
    status, reply = post_update(stack, update)
    assert status == 200, reply


def reply_containing(api: FakeBotApi, chat_id: int, *fragments: str) -> Call:
    """Wait for a message to the chat that contains every fragment."""
    return api.wait_for(lambda: next((c for c in api.calls_to("sendMessage", chat_id)
                                      if all(f in c.text for f in fragments)), None),
                        what=f"a message to {chat_id} containing {fragments}")


def stored_user_texts(db: Path, sender_id: str) -> list[str]:
    """User messages the SQL tracker store holds for one conversation."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                                  (sender_id,)).fetchall()
    return [json.loads(row[0]).get("text") for row in rows]


def stored_event_count(db: Path, sender_id: str) -> int:
    """How many events the tracker store holds for one conversation."""
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone()[0]


def test_a_question_gets_an_html_safe_reply_with_an_inline_keyboard(stack: Stack, telegram_api: FakeBotApi) -> None:
    """Webhook update in → "typing…", then sendMessage with the answer and buttons as a keyboard."""
    chat = new_chat_id()
    status, reply = post_update(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    assert status == 200 and reply == {"status": "accepted"}
    sent = reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.buttons and all(b["text"] and len(b["callback_data"].encode()) <= 64 for b in sent.buttons)
    typing = telegram_api.calls_to("sendChatAction", chat)
    assert typing and typing[0].params["action"] == "typing" and typing[0].at <= sent.at


def test_start_greets_and_a_button_press_is_answered_and_shown(stack: Stack, telegram_api: FakeBotApi) -> None:
    """/start shows the main topics; pressing one stops the spinner, shows the choice and answers it."""
    chat = new_chat_id()
    send(stack, text_update(chat, "/start"))
    greeting = reply_containing(telegram_api, chat, "Career Coach")
    titles = [b["text"] for b in greeting.buttons]
    assert "Pay" in titles and "Plan my route" in titles
    pay = next(b for b in greeting.buttons if b["text"] == "Pay")

    press = callback_update(chat, greeting.result, pay["callback_data"])
    send(stack, press)
    answer = reply_containing(telegram_api, chat, "£")
    spinner = telegram_api.calls_to("answerCallbackQuery")
    assert any(c.params["callback_query_id"] == press["callback_query"]["id"] for c in spinner)
    edits = [c for c in telegram_api.calls_to("editMessageText", chat)
             if c.params["message_id"] == greeting.result["message_id"]]
    assert edits and edits[0].text.endswith("» Pay") and not edits[0].params.get("reply_markup")
    assert edits[0].at <= answer.at
    assert stored_user_texts(stack.conversations_db, telegram_conversation(chat))[-1] == "/ask_salary"


def test_learner_markup_and_payload_syntax_never_break_formatting(stack: Stack, telegram_api: FakeBotApi) -> None:
    """HTML-like learner text is escaped; fake `/intent{...}` text is read as words."""
    chat = new_chat_id()
    send(stack, text_update(chat, "<b>salary</b> & <i>director</i> /ask_salary{broken"))
    sent = telegram_api.wait_for_messages(chat, 1)[0]
    raw = sent.params["text"]
    assert "<b>" not in raw and "<i>salary" not in raw  # only our own tags could appear


def test_wrong_or_missing_secret_is_refused_and_nothing_is_processed(stack: Stack,
                                                                     telegram_api: FakeBotApi) -> None:
    """403 for a wrong or missing secret token; the refused updates are never answered."""
    chat = new_chat_id()
    assert post_update(stack, text_update(chat, "hi"), secret="wrong-secret")[0] == 403
    assert post_update(stack, text_update(chat, "hello"), secret=None)[0] == 403
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    assert len(telegram_api.calls_to("sendMessage", chat)) == 1
    assert stored_user_texts(stack.conversations_db, telegram_conversation(chat)) == [
        "how much does a director of e-commerce earn?"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "x"}', b""])
def test_malformed_updates_get_400(stack: Stack, body: bytes) -> None:
    """Bodies that are not Telegram updates are refused clearly, never with a server error."""
    status, _reply = post_update(stack, body)
    assert status == 400


def test_a_redelivered_update_is_processed_once(stack: Stack, telegram_api: FakeBotApi) -> None:
    """Telegram retries an update: the second copy is acknowledged but not processed."""
    chat = new_chat_id()
    update = text_update(chat, "what skills do I need?")
    send(stack, update)
    status, reply = post_update(stack, update)
    assert status == 200 and reply == {"status": "duplicate"}
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)  # updates of one chat are handled in order
    assert stored_user_texts(stack.conversations_db, telegram_conversation(chat)) == [
        "what skills do I need?", "how much does a director of e-commerce earn?"]


def test_a_429_is_honoured_and_the_reply_still_arrives(stack: Stack, telegram_api: FakeBotApi) -> None:
    """Telegram answers 429 retry_after=1 once: the message is sent again after the wait."""
    chat = new_chat_id()
    telegram_api.fail_next("sendMessage", retry_after=1)
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    delivered = reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    refused = [c for c in telegram_api.calls_to("sendMessage", chat, ok_only=False) if c.status == 429]
    assert len(refused) == 1 and refused[0].params["text"] == delivered.params["text"]
    assert delivered.at - refused[0].at >= 1.0  # waited retry_after, as Telegram asked


def test_a_dropped_connection_is_retried_without_losing_the_reply(stack: Stack, telegram_api: FakeBotApi) -> None:
    """A network error while sending: the same message is sent again."""
    chat = new_chat_id()
    telegram_api.fail_next("sendMessage", drop=True)
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    delivered = reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    dropped = [c for c in telegram_api.calls_to("sendMessage", chat, ok_only=False) if c.status == 0]
    assert len(dropped) == 1 and dropped[0].params["text"] == delivered.params["text"]


def test_stickers_photos_and_locations_get_a_text_only_notice(stack: Stack, telegram_api: FakeBotApi) -> None:
    """Non-text messages are answered politely and not handed to the assistant."""
    chat = new_chat_id()
    send(stack, {"update_id": next_update_id(), "message": message(chat, sticker={
        "file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
        "is_animated": False, "is_video": False})})
    send(stack, {"update_id": next_update_id(), "message": message(chat, location={
        "latitude": 51.5, "longitude": -0.12})})
    sent = telegram_api.wait_for_messages(chat, 2)
    assert [c.text for c in sent] == [NON_TEXT_REPLY, NON_TEXT_REPLY]
    assert stored_event_count(stack.conversations_db, telegram_conversation(chat)) == 0


def test_forget_erases_the_stored_conversation(stack: Stack, telegram_api: FakeBotApi) -> None:
    """/forget deletes every stored event of the chat's conversation and confirms."""
    chat = new_chat_id()
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    assert stored_event_count(stack.conversations_db, telegram_conversation(chat)) > 0
    send(stack, text_update(chat, "/forget"))
    reply_containing(telegram_api, chat, FORGOTTEN_REPLY)
    assert stored_event_count(stack.conversations_db, telegram_conversation(chat)) == 0


def test_help_and_reset(stack: Stack, telegram_api: FakeBotApi) -> None:
    """/help lists the commands; /reset starts the conversation over."""
    chat = new_chat_id()
    send(stack, text_update(chat, "/help"))
    help_message = reply_containing(telegram_api, chat, "/forget")
    assert help_message.text == HELP_TEXT and help_message.buttons
    send(stack, text_update(chat, "/reset"))
    reply_containing(telegram_api, chat, "start over")
    assert stored_user_texts(stack.conversations_db, telegram_conversation(chat))[-1] == "/restart"


def test_an_edited_question_is_answered_as_a_reply_to_it(stack: Stack, telegram_api: FakeBotApi) -> None:
    """Editing a message asks it again; the answer quotes the edited message."""
    chat = new_chat_id()
    edited = message(chat, "how much does a director of e-commerce earn?", edit_date=1)
    send(stack, {"update_id": next_update_id(), "edited_message": edited})
    sent = reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    assert sent.params["reply_parameters"]["message_id"] == edited["message_id"]


def test_in_a_group_only_messages_addressed_to_the_bot_are_answered(stack: Stack, telegram_api: FakeBotApi) -> None:
    """Group chatter is ignored; a mention or a reply to the bot is answered."""
    group = -new_chat_id()
    chat = {"id": group, "type": "supergroup", "title": "Careers club"}
    someone = {"id": 42, "is_bot": False, "first_name": "Sam"}
    send(stack, text_update(group, "how much does a director of e-commerce earn?", chat=chat, sender=someone))
    mention = f"@{BOT_USER['username']}"
    addressed = text_update(group, f"{mention} what skills do I need?", chat=chat, sender=someone)
    addressed["message"]["entities"] = [{"type": "mention", "offset": 0, "length": len(mention)}]
    send(stack, addressed)
    first = telegram_api.wait_for_messages(group, 1)[0]
    bot_message = dict(first.result, text=first.text)
    question = "how much does a director of e-commerce earn?"
    send(stack, text_update(group, question, chat=chat, sender=someone, reply_to_message=bot_message))
    reply_containing(telegram_api, group, *DIRECTOR_PAY)
    assert stored_user_texts(stack.conversations_db, telegram_conversation(group)) == [
        "what skills do I need?", question]


def test_polling_hands_updates_to_the_same_handling_code(stack: Stack, telegram_api: FakeBotApi) -> None:
    """`coach telegram polling` takes updates from getUpdates and the learner gets the answer."""
    chat = new_chat_id()
    env = {**os.environ, **telegram_api.env(WEBHOOK_SECRET), "RASA_URL": stack.url}
    coach = str(Path(sys.executable).with_name("coach"))
    process = subprocess.Popen([coach, "telegram", "polling"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        telegram_api.queue_update(text_update(chat, "how much does a director of e-commerce earn?"))
        reply_containing(telegram_api, chat, *DIRECTOR_PAY)
        assert telegram_api.calls_to("deleteWebhook") and telegram_api.calls_to("getUpdates")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_rasa_refuses_to_start_with_a_token_but_no_webhook_secret(stack: Stack, tmp_path: Path) -> None:
    """A token without TELEGRAM_WEBHOOK_SECRET stops the server at start-up, saying what to set."""
    env = subprocess_env({**stack.env, "TELEGRAM_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": ""})
    args = rasa_server_args(stack.model, free_ports(1)[0], CREDENTIALS_PATH, stack.endpoints)
    result = subprocess.run([*rasa_command(), *args], env=env, capture_output=True, text=True, timeout=300,
                            check=False, cwd=tmp_path)
    assert result.returncode != 0
    assert "TELEGRAM_TOKEN is set but TELEGRAM_WEBHOOK_SECRET is not" in result.stdout + result.stderr


def test_an_advisers_console_reply_reaches_the_telegram_chat_as_plain_text(
        stack: Stack, telegram_api: FakeBotApi, console_web: tuple[str, str]) -> None:
    """Learner on Telegram asks for a human; the adviser's reply from the console arrives in the chat."""
    from tests.support.console import console_session

    chat = new_chat_id()
    send(stack, text_update(chat, "can I talk to a human careers adviser please?"))
    reply_containing(telegram_api, chat, "adviser")
    sent_before = len(telegram_api.calls_to("sendMessage", chat))

    base, email = console_web
    session, token = console_session(base, email)
    conversation = telegram_conversation(chat)
    claimed = session.post(f"{base}/console/handoff/claim", data={"sender_id": conversation, "csrf_token": token},
                           timeout=30)
    assert "You are talking to this learner" in claimed.text
    send(stack, text_update(chat, "hello? anyone there?"))  # the assistant stays quiet meanwhile
    text = "Hi, I'm Ada, a careers adviser.\n\nTell me about <b>your course</b> & plans."
    session.post(f"{base}/console/handoff/reply", timeout=30,
                 data={"sender_id": conversation, "csrf_token": token, "text": text})

    joined, delivered = telegram_api.wait_for_messages(chat, sent_before + 2)[sent_before:]
    assert joined.text == "Ada from the careers team has joined the conversation."
    assert delivered.text == text  # shown literally: the markup was escaped for Telegram's HTML mode
    session.post(f"{base}/console/handoff/release", data={"sender_id": conversation, "csrf_token": token}, timeout=30)
    [back] = telegram_api.wait_for_messages(chat, sent_before + 3)[sent_before + 2:]
    assert back.text.startswith("You're back with the automated coach.")
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)
