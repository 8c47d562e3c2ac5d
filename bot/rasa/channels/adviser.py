"""Adviser takeover on the Rasa server: `POST /webhooks/adviser/claim|reply|release` for the console.

Authenticated by `Authorization: Bearer $COACH_API_TOKEN` (shared with the web process). A claim
pauses the conversation (Rasa then logs the learner's messages but predicts nothing), a reply is
stored as a bot message with `metadata.adviser` and delivered through the learner's own channel,
and a release resumes the assistant and clears `handoff_requested` so the learner can ask again.
The learner is told on their channel when an adviser joins ("Ada from the careers team has
joined") and when the assistant is back.
"""
from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, Event, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.patches.sanic_apps import agent_of_running_server
from bot.shared.bearer import bearer_verdict
from bot.shared.conversation_ids import MAX_STORED_ID_CHARS, channel_of, is_storable_id
from bot.shared.generated_secrets import api_token
from bot.shared.settings import get_settings

logger = logging.getLogger(__name__)
MAX_ID_CHARS = MAX_STORED_ID_CHARS
MAX_ADVISER_CHARS = 64
MAX_TEXT_CHARS = 2000
BACK_LINE = ("You're back with the automated coach. Ask me anything, or ask for an adviser again "
             "whenever you like.")


def joined_line(adviser: str) -> str:
    """The learner's notice of a claim: "<first name> from the careers team has joined the conversation."."""
    first = re.split(r"[\s._+@-]", adviser.strip(), maxsplit=1)[0]
    who = first.capitalize() if first.isalpha() else "An adviser"
    return f"{who} from the careers team has joined the conversation."


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _authorised(request: Request) -> bool:
    expected = api_token(get_settings().coach_api_token, get_settings().var_dir)
    return bool(bearer_verdict(request.headers.get("Authorization"), expected))


def _body(request: Request, needs_text: bool) -> tuple[str, str, str] | str:
    """(sender_id, adviser, text) from the JSON body, or an error message."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises various errors for bad JSON
        return "The body must be JSON."
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    sender_id, adviser, text = body.get("sender_id"), body.get("adviser") or "adviser", body.get("text") or ""
    if not is_storable_id(sender_id):
        return (f"'sender_id' must be a non-empty string of at most {MAX_ID_CHARS} characters, "
                "without control characters.")
    if not isinstance(adviser, str) or len(adviser) > MAX_ADVISER_CHARS:
        return f"'adviser' must be a string of at most {MAX_ADVISER_CHARS} characters."
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS or (needs_text and not text.strip()):
        return f"'text' must be a non-empty string of at most {MAX_TEXT_CHARS} characters."
    return sender_id, adviser, text.strip()


async def _deliver(request: Request, tracker: Any, text: str) -> bool:
    """Send the adviser's text through the conversation's own channel, if it can push.

    The channel is the one whose namespace holds the conversation id (conversation_ids.py); for
    an id stored before namespacing, the channel the learner last wrote on. The output channel
    maps the conversation id to its own recipient (e.g. `telegram-<chat id>` to the chat id).
    """
    channel_name = channel_of(tracker.sender_id) or tracker.get_latest_input_channel()
    for channel in getattr(request.app.ctx, "input_channels", None) or []:
        if channel.name() != channel_name:
            continue
        output = channel.get_output_channel()
        if isinstance(output, OutputChannel):
            try:
                await output.send_text_message(tracker.sender_id, text)
                return True
            except Exception:  # noqa: BLE001 - the reply is stored either way; say it was not pushed
                logger.exception("Delivering an adviser reply on %s failed.", channel_name)
    return False


async def is_paused(sender_id: str) -> bool:
    """Whether an adviser holds this conversation (False when it cannot be told)."""
    agent = agent_of_running_server()
    if agent is None or agent.tracker_store is None:
        return False
    try:
        tracker = await agent.tracker_store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - never let this check break a reply
        logger.exception("Could not check whether %s is paused.", sender_id)
        return False
    return bool(tracker is not None and tracker.is_paused())


class AdviserInput(InputChannel):
    """The console's way into conversations; not a learner channel (it never calls the NLU)."""

    @classmethod
    def name(cls) -> str:
        """Served under /webhooks/adviser/."""
        return "adviser"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: POST /claim, /reply, /release."""
        module = inspect.getmodule(self)
        hook = Blueprint(f"adviser_{type(self).__name__}", module.__name__ if module else None)

        async def change(request: Request, action: str) -> HTTPResponse:
            if not _authorised(request):
                return _error("Missing or wrong API token.", 403)
            parsed = _body(request, needs_text=action == "reply")
            if isinstance(parsed, str):
                return _error(parsed, 400)
            sender_id, adviser, text = parsed
            agent = request.app.ctx.agent
            async with agent.lock_store.lock(sender_id):
                tracker = await agent.tracker_store.retrieve(sender_id)
                if tracker is None or not tracker.events:
                    return _error("No such conversation.", 404)
                events: list[Event]
                told = ""  # what the learner's channel is sent
                if action == "claim":
                    told = "" if tracker.is_paused() else joined_line(adviser)
                    events = [ConversationPaused(), BotUttered(told, metadata={"adviser": adviser,
                                                                                "handoff": "joined"})] if told else []
                elif action == "reply":
                    if not tracker.is_paused():
                        return _error("Claim the conversation before replying.", 409)
                    told, events = text, [BotUttered(text, metadata={"adviser": adviser})]
                elif tracker.is_paused():
                    told = BACK_LINE
                    events = [ConversationResumed(), SlotSet("handoff_requested", False),
                              BotUttered(told, metadata={"handoff": "released"})]
                else:
                    events = [SlotSet("handoff_requested", False)]
                for event in events:
                    tracker.update(event)
                await agent.tracker_store.save(tracker)
            delivered = await _deliver(request, tracker, told) if told else False
            return response.json({"sender_id": sender_id, "paused": tracker.is_paused(), "delivered": delivered})

        @hook.route("/claim", methods=["POST"])
        async def claim(request: Request) -> HTTPResponse:
            return await change(request, "claim")

        @hook.route("/reply", methods=["POST"])
        async def reply(request: Request) -> HTTPResponse:
            return await change(request, "reply")

        @hook.route("/release", methods=["POST"])
        async def release(request: Request) -> HTTPResponse:
            return await change(request, "release")

        return hook

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Nothing is sent to the adviser channel itself."""
        return None
