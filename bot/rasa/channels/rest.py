"""Rasa's REST channel with guards: bad payloads get 400, bad text a polite reply, never silence.

Callers address only their own namespace (`rest-<sender>`, see conversation_ids.py), client
`metadata` is ignored, and the channel can be switched off (`REST_CHANNEL=off`) or put behind a
bearer token (`REST_CHANNEL_TOKEN`) for production.
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels import limits
from bot.rasa.channels.answering import answer
from bot.rasa.channels.guard import prepare_text
from bot.rasa.patches.server_root import hide_server_version
from bot.shared.bearer import bearer_verdict
from bot.shared.conversation_ids import MAX_SENDER_CHARS, SENDER_CHARACTERS, rest_conversation, valid_sender
from bot.shared.settings import get_settings

logger = logging.getLogger(__name__)
BAD_SENDER = (f"'sender' must be 1-{MAX_SENDER_CHARS} characters: {SENDER_CHARACTERS} "
              "(or a whole number).")


def _bad_request(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


def _refusal(request: Request) -> Optional[HTTPResponse]:
    """404 when the channel is off, 401 without the configured bearer token, else None."""
    settings = get_settings()
    if not settings.rest_channel:
        return response.json({"error": "The REST channel is off (REST_CHANNEL=off)."}, status=404)
    if settings.rest_channel_token:
        if not bearer_verdict(request.headers.get("Authorization"), settings.rest_channel_token):
            return response.json({"error": "Missing or wrong bearer token."}, status=401,
                                 headers={"WWW-Authenticate": "Bearer"})
    return None


class GuardedRestInput(InputChannel):
    """`POST /webhooks/rest/webhook` with `{"sender", "message"}`, as Rasa's REST channel."""

    @classmethod
    def name(cls) -> str:
        """Served under /webhooks/rest/, like Rasa's own REST channel."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: GET / (health) and POST /webhook (one learner message)."""
        module = inspect.getmodule(self)
        hook = Blueprint(f"guarded_rest_{type(self).__name__}", module.__name__ if module else None)

        @hook.listener("before_server_start")
        async def plain_root(app: Sanic, _loop: Any) -> None:
            hide_server_version(app)

        @hook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if get_settings().rest_channel else "off"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises various errors for bad JSON
                return _bad_request("The request body must be JSON: {\"sender\": ..., \"message\": ...}.")
            if not isinstance(body, dict):
                return _bad_request("The request body must be a JSON object with sender and message.")
            sender = valid_sender(body.get("sender"))
            if sender is None:
                return _bad_request(BAD_SENDER)
            limited = await limits.rest_check(request, sender)  # 429 with a slow-down reply when too fast
            if limited is not None:
                return limited
            message = body.get("message")
            if message is not None and not isinstance(message, str):
                return _bad_request("'message' must be a string.")
            agent = getattr(request.app.ctx, "agent", None)
            prepared = prepare_text(message, get_settings().max_message_chars,
                                    domain=getattr(agent, "domain", None))
            replies: list[dict[str, Any]] = [{"text": notice} for notice in prepared.notices]
            if prepared.text is not None:
                # client metadata is ignored: it would choose what the transcript shows
                replies += await answer(on_new_message, prepared.text, rest_conversation(sender), self.name())
            return response.json([{**reply, "recipient_id": sender} for reply in replies])

        return hook
