"""Durable Telegram updates in the running Rasa server: stored rows, the sweeper, erasure by /forget."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.rasa.channels.telegram.handler import FORGOTTEN_REPLY
from bot.shared.telegram_updates import DONE, PENDING, TABLE
from tests.e2e.test_telegram_end_to_end import DIRECTOR_PAY, reply_containing, send
from tests.support.databases import sqlite_url
from tests.support.stack import Stack
from tests.support.telegram_api import FakeBotApi, new_chat_id, text_update
from tests.support.telegram_inbox import handling_problems

pytestmark = pytest.mark.e2e


def stored_rows(db: Path, chat_id: int) -> list[dict[str, Any]]:
    """The chat's rows in the inbox table, by update_id."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(
            f"SELECT * FROM {TABLE} WHERE chat_id = ? ORDER BY update_id", (chat_id,))]


def wait_until(condition: Any, timeout: float = 30.0) -> Any:
    """Poll `condition` until it returns something true (or fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not true within {timeout} s")


def test_a_handled_update_is_kept_as_its_id_only(stack: Stack, telegram_api: FakeBotApi) -> None:
    chat = new_chat_id()
    update = text_update(chat, "how much does a director of e-commerce earn?")
    send(stack, update)
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    [row] = wait_until(lambda: [r for r in stored_rows(stack.conversations_db, chat) if r["state"] == DONE])
    assert row["update_id"] == update["update_id"] and row["payload"] is None and row["attempts"] == 1


def test_an_update_a_dead_server_left_stored_is_answered_by_the_sweeper(stack: Stack,
                                                                        telegram_api: FakeBotApi) -> None:
    """As if another Rasa server stored the update, answered 200 and was killed: this one answers it."""
    chat = new_chat_id()
    update = text_update(chat, "how much does a director of e-commerce earn?")
    with sqlite3.connect(stack.conversations_db) as connection:
        connection.execute(f"INSERT INTO {TABLE} (update_id, chat_id, payload, received_at, state, attempts) "
                           "VALUES (?, ?, ?, ?, ?, 0)",
                           (update["update_id"], chat, json.dumps(update), time.time() - 60, PENDING))
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    [row] = wait_until(lambda: [r for r in stored_rows(stack.conversations_db, chat) if r["state"] == DONE])
    assert row["claimed_by"] and handling_problems(sqlite_url(stack.conversations_db), [update["update_id"]]) == []
    assert len(telegram_api.calls_to("sendMessage", chat)) == 1


def test_forget_erases_the_chats_stored_updates(stack: Stack, telegram_api: FakeBotApi) -> None:
    chat = new_chat_id()
    send(stack, text_update(chat, "how much does a director of e-commerce earn?"))
    reply_containing(telegram_api, chat, *DIRECTOR_PAY)
    wait_until(lambda: stored_rows(stack.conversations_db, chat))
    send(stack, text_update(chat, "/forget"))
    reply_containing(telegram_api, chat, FORGOTTEN_REPLY)
    time.sleep(0.5)  # the /forget update is marked done just after its reply: nothing may come back
    assert stored_rows(stack.conversations_db, chat) == []
