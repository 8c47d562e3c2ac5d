"""Rasa's REST channel with guards: bad payloads get 400, bad text a polite reply, never silence."""
from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups  # noqa: F401 - installed in the Rasa server, which loads this channel
from bot.channels import limits
from bot.channels.adviser import is_paused
from bot.channels.guard import TROUBLE_REPLY, prepare_text
from bot.nlu.prefetch import PREFETCHER, worth_prefetching
from bot.settings import get_settings

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128
REPLY_TIMEOUT_SECONDS = 8.0


def _bad_request(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


async def answer(on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str,
                 sender_id: str, input_channel: str,
                 metadata: Optional[dict[str, Any]] = None,
                 timeout: float = REPLY_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
    """Hand one message to Rasa and collect the replies; apologise rather than stay silent.

    While an adviser holds the conversation Rasa predicts nothing, so no reply is expected then:
    the list is empty and the adviser answers (learners are told so when they ask for one).
    """
    collector = CollectingOutputChannel()
    message = UserMessage(text, collector, sender_id, input_channel=input_channel,
                          metadata=metadata)

    async def handle() -> None:
        if worth_prefetching(text):
            await PREFETCHER.prefetch(text)
        await on_new_message(message)

    try:
        await asyncio.wait_for(handle(), timeout=timeout)
    except asyncio.TimeoutError:
        logger.warning("Reply to %s took longer than %.0fs; apologising.", sender_id, timeout)
    except Exception:  # noqa: BLE001 - the learner must get an answer whatever failed
        logger.exception("Handling a message from %s failed.", sender_id)
    if not collector.messages and not await is_paused(sender_id):
        collector.messages.append({"recipient_id": sender_id, "text": TROUBLE_REPLY})
    return collector.messages


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

        @hook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises various errors for bad JSON
                return _bad_request("The request body must be JSON: {\"sender\": ..., \"message\": ...}.")
            if not isinstance(body, dict):
                return _bad_request("The request body must be a JSON object with sender and message.")
            sender = body.get("sender")
            if isinstance(sender, int) and not isinstance(sender, bool):
                sender = str(sender)
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _bad_request(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters.")
            limited = limits.rest_check(request, sender)  # 429 with a slow-down reply when too fast
            if limited is not None:
                return limited
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            prepared = prepare_text(body.get("message"), get_settings().max_message_chars)
            replies: list[dict[str, Any]] = [
                {"recipient_id": sender, "text": notice} for notice in prepared.notices]
            if prepared.text is not None:
                replies += await answer(on_new_message, prepared.text, sender, self.name(), metadata)
            return response.json(replies)

        return hook
