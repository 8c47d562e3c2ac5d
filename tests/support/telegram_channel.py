"""Driving the Telegram channel in-process: a stand-in for Rasa, and webhook posts without a server."""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any, Optional

from rasa.core.channels.channel import UserMessage

from bot.rasa.channels.telegram.channel import SECRET_HEADER, TelegramInput
from bot.shared.settings import Settings
from tests.support.telegram_api import TOKEN, WEBHOOK_SECRET, FakeBotApi


class FakeRasa:
    """Stands in for Rasa's `on_new_message`: records messages and answers "echo: <text>"."""

    def __init__(self) -> None:
        self.received: list[UserMessage] = []

    async def __call__(self, incoming: UserMessage) -> None:
        self.received.append(incoming)
        await incoming.output_channel.send_text_with_buttons(
            incoming.sender_id, f"echo: {incoming.text}", [{"title": "Pay", "payload": "/ask_salary"}])

    @property
    def texts(self) -> list[str]:
        """What Rasa was given, in order."""
        return [m.text or "" for m in self.received]


def settings_for(api: FakeBotApi, secret: str = WEBHOOK_SECRET, database_url: str = "sqlite://") -> Settings:
    """Telegram on, pointed at the stand-in; updates stored in `database_url` (default: a fresh in-memory SQLite)."""
    return Settings(telegram_token=TOKEN, telegram_webhook_secret=secret, telegram_api_base_url=api.base_url,
                    database_url=database_url)


def fake_request(body: Any, secret: Optional[str] = WEBHOOK_SECRET, agent: Any = None) -> Any:
    """The parts of a Sanic request the channel reads."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return SimpleNamespace(body=raw, headers=headers, app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))


async def post(channel: TelegramInput, rasa: FakeRasa, *updates: Any, secret: Optional[str] = WEBHOOK_SECRET,
               agent: Any = None) -> list[int]:
    """POST updates to the webhook one after another, wait for their handling; the statuses."""
    statuses = [(await channel.receive(fake_request(u, secret, agent), rasa)).status for u in updates]
    await channel.drain()
    return statuses


def run(coroutine: Any) -> Any:
    """Run a coroutine in an event loop of its own (one per test)."""
    return asyncio.run(coroutine)
