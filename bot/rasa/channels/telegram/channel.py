"""Telegram channel on python-telegram-bot: webhook in, Bot API out (on when TELEGRAM_TOKEN is set).

An update is stored in the conversations database before the webhook answers 200 (inbox.py), then
handled in the background by whichever Rasa server claims it (worker.py): nothing acknowledged is
lost when a server dies, and a redelivered update is dropped whichever server it reaches.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import ExtBot

from bot.rasa.channels.telegram.callbacks import CallbackPayloads
from bot.rasa.channels.telegram.config import SECRET_HEADER, check_configuration, secret_matches
from bot.rasa.channels.telegram.delivery import Sender, make_bot
from bot.rasa.channels.telegram.handler import CHANNEL_NAME, OnNewMessage, TelegramHandler
from bot.rasa.channels.telegram.inbox import Inbox
from bot.rasa.channels.telegram.render import render_reply
from bot.rasa.channels.telegram.worker import UpdateWorker
from bot.shared.conversation_ids import telegram_chat_id
from bot.shared.settings import ConfigurationError, Settings, get_settings

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 5.0  # on shutdown, updates in progress get this long before being handed back


class TelegramOutput(OutputChannel):
    """Sends the assistant's (or an adviser's) messages to any Telegram chat id."""

    def __init__(self, sender: Sender, callbacks: CallbackPayloads) -> None:
        """Send through `sender`; buttons' payloads are encoded by `callbacks`."""
        self.sender = sender
        self.callbacks = callbacks

    @classmethod
    def name(cls) -> str:
        """Same name as the input channel."""
        return CHANNEL_NAME

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one reply whole to the chat of conversation `telegram-<chat id>` (or a plain chat id).

        Rasa's default would split a reply into one message per paragraph. A conversation of
        another channel is refused (ValueError): it has no Telegram chat.
        """
        chat_id = telegram_chat_id(recipient_id)
        if chat_id is None:
            raise ValueError(f"Conversation {recipient_id!r} is not a Telegram chat.")
        await self.sender.send_all(chat_id, render_reply(message, self.callbacks.encode))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send text (escaped; split when over Telegram's 4,096 characters)."""
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        """Send text with an inline keyboard."""
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send an image's address as text (the assistant sends none today)."""
        await self.send_response(recipient_id, {"text": image})


class TelegramInput(InputChannel):
    """`POST /webhooks/telegram/webhook`: Telegram updates, checked, stored, acknowledged, then handled."""

    def __init__(self, settings: Optional[Settings] = None, inbox: Optional[Inbox] = None) -> None:
        """Fail fast on a token without a secret; nothing connects (to Telegram, to the database) until used.

        Updates are stored in `inbox`, by default in the conversations database (DATABASE_URL).
        """
        self.settings = settings or get_settings()
        try:
            check_configuration(self.settings)
        except ConfigurationError as exc:
            logger.error("Telegram channel: %s", exc)
            raise
        self.callbacks = CallbackPayloads()
        self._sender: Optional[Sender] = None
        self._handler: Optional[TelegramHandler] = None
        self._worker: Optional[UpdateWorker] = None
        if not self.enabled:
            logger.info("Telegram channel off (TELEGRAM_TOKEN not set); its webhook answers 404.")
        else:
            self._worker = UpdateWorker(inbox or Inbox(self.settings.database_url), self._update_from)

    @classmethod
    def name(cls) -> str:
        """Served under /webhooks/telegram/."""
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> TelegramInput:
        """Settings come from the environment, never from credentials.yml."""
        return cls()

    @property
    def enabled(self) -> bool:
        """True when TELEGRAM_TOKEN is set."""
        return bool(self.settings.telegram_token)

    @property
    def sender(self) -> Sender:
        """The Bot API client, created on first use (inside the server's event loop)."""
        if self._sender is None:
            self._sender = Sender(make_bot(self.settings))
        return self._sender

    @property
    def bot(self) -> ExtBot[int]:
        """The python-telegram-bot client."""
        return self.sender.bot

    @property
    def worker(self) -> UpdateWorker:
        """Claims and handles the stored updates (the channel must be on)."""
        if self._worker is None:
            raise RuntimeError("The Telegram channel is off (TELEGRAM_TOKEN is not set).")
        return self._worker

    @property
    def inbox(self) -> Inbox:
        """Where this server stores the updates it receives (shared with the other servers)."""
        return self.worker.inbox

    def handler(self, on_new_message: OnNewMessage, app: Any) -> TelegramHandler:
        """The update handler, created on first use; it reaches Rasa's agent through `app`."""
        if self._handler is None:
            self._handler = TelegramHandler(self.sender, self.callbacks, on_new_message,
                                            lambda: getattr(app.ctx, "agent", None),
                                            self.settings.max_message_chars)
        return self._handler

    def get_output_channel(self) -> Optional[OutputChannel]:
        """An output channel that can message any chat (the adviser console uses it); None when off."""
        return TelegramOutput(self.sender, self.callbacks) if self.enabled else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (status) and POST /webhook (Telegram updates); the sweeper runs with the server."""
        module = inspect.getmodule(self)
        hook = Blueprint(f"telegram_{type(self).__name__}", module.__name__ if module else None)

        @hook.route("/", methods=["GET"])
        async def status(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @hook.listener("after_server_start")
        async def start_sweeping(app: Any, _loop: Any) -> None:
            if self.enabled:
                await self.start(self.handler(on_new_message, app), lambda: _agent_ready(app))

        @hook.listener("before_server_stop")
        async def stop_sweeping(_app: Any, _loop: Any) -> None:
            if self.enabled:
                await self.worker.close(STOP_GRACE_SECONDS)

        @hook.listener("after_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            await self.close()

        return hook

    async def start(self, handler: TelegramHandler, ready: Callable[[], bool]) -> None:
        """Create the inbox table if needed and start the sweeper (which works only while `ready()`)."""
        try:
            await asyncio.to_thread(self.inbox.prepare)
        except SQLAlchemyError as exc:  # not fatal: updates get 503 until the database is back
            logger.error("The Telegram update inbox is not reachable yet (%s); updates are refused with 503 "
                         "(Telegram sends them again) until it is.", exc)
        self.worker.start_sweeping(handler, ready)

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """Check the secret, parse the update, store it, answer 200 and handle it in the background.

        A database that cannot store the update gets Telegram a 503, so that Telegram sends it again.
        """
        if not self.enabled:
            return response.json({"error": "The Telegram channel is off (TELEGRAM_TOKEN is not set)."},
                                 status=404)
        if not secret_matches(request.headers.get(SECRET_HEADER), self.settings.telegram_webhook_secret):
            return response.json({"error": "Forbidden."}, status=403)
        parsed = self.parse(request.body)
        if parsed is None:
            return response.json({"error": "The body must be a Telegram Update (JSON with an update_id)."},
                                 status=400)
        data, update = parsed
        chat = update.effective_chat
        try:
            stored = await asyncio.to_thread(self.inbox.store, update.update_id, chat.id if chat else None, data)
        except SQLAlchemyError as exc:
            logger.error("Could not store Telegram update %s (%s); answered 503 so that Telegram sends it again.",
                         update.update_id, exc)
            return response.json({"error": "The update could not be stored; send it again later."}, status=503)
        if not stored:
            return response.json({"status": "duplicate"})
        self.worker.start(self.handler(on_new_message, request.app), update.update_id)
        return response.json({"status": "accepted"})

    def parse(self, body: bytes) -> Optional[tuple[dict[str, Any], Update]]:
        """The update in a request body (its JSON and PTB's object), or None if it is not one."""
        try:
            data = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError):
            return None
        update = self._update_from(data)
        return None if update is None else (data, update)

    def _update_from(self, data: Any) -> Optional[Update]:
        """PTB's Update for a JSON object with an integer update_id, or None."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        try:
            return Update.de_json(data, self.bot)
        except Exception:  # noqa: BLE001 - PTB raises assorted errors for malformed fields
            logger.info("Refused a malformed Telegram update %s.", data.get("update_id"))
            return None

    async def drain(self, timeout: Optional[float] = None) -> None:
        """Wait until the updates in progress are handled (at most `timeout` seconds)."""
        if self._worker is not None:
            await self._worker.drain(timeout)

    async def close(self) -> None:
        """Release the Bot API's HTTP connections (the worker stopped before the server did)."""
        if self._sender is not None:
            await self._sender.bot.shutdown()


def _agent_ready(app: Any) -> bool:
    """Whether Rasa's agent is loaded, so that recovered updates can be answered."""
    agent = getattr(app.ctx, "agent", None)
    return agent is not None and bool(agent.is_ready())
