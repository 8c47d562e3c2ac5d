"""Client for the Rasa server's adviser channel (bot/rasa/channels/adviser.py): claim, reply, release."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from bot.shared.generated_secrets import api_token
from bot.shared.settings import Settings
from bot.web.console.tables import handoffs

TIMEOUT_SECONDS = 10.0
MAX_REPLY_CHARS = 2000
ACTIONS = ("claim", "reply", "release")


class HandoffError(RuntimeError):
    """The Rasa server refused or could not be reached; the message is safe to show."""


def call_rasa(settings: Settings, action: str, sender_id: str, adviser: str, text: str = "") -> dict[str, Any]:
    """POST /webhooks/adviser/<action> on the Rasa server with the shared API token."""
    if action not in ACTIONS:
        raise ValueError(action)
    body = json.dumps({"sender_id": sender_id, "adviser": adviser, "text": text}).encode()
    request = urllib.request.Request(
        f"{settings.rasa_url}/webhooks/adviser/{action}", data=body, method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {api_token(settings.coach_api_token, settings.var_dir)}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - our own server
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code == 403:
            raise HandoffError("The assistant refused the console's API token: COACH_API_TOKEN must be "
                               "the same for the Rasa server and the web process.") from exc
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise HandoffError(f"The assistant answered {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise HandoffError(f"The assistant could not be reached at {settings.rasa_url} ({exc}).") from exc


def claimant(engine: Engine, sender_id: str) -> int | None:
    """The account id of the adviser holding this conversation, if any."""
    with engine.connect() as connection:
        return connection.execute(select(handoffs.c.account_id).where(handoffs.c.sender_id == sender_id)).scalar()


def claim(engine: Engine, settings: Settings, sender_id: str, account_id: int, adviser: str) -> None:
    """Pause the assistant in this conversation and record who holds it."""
    holder = claimant(engine, sender_id)
    if holder is not None and holder != account_id:
        raise HandoffError("Another adviser has already claimed this conversation.")
    call_rasa(settings, "claim", sender_id, adviser)
    if holder is None:
        with engine.begin() as connection:
            connection.execute(insert(handoffs).values(sender_id=sender_id, account_id=account_id,
                                                       claimed_at=time.time()))


def reply(engine: Engine, settings: Settings, sender_id: str, account_id: int, adviser: str, text: str) -> None:
    """Send the adviser's message into the conversation on the learner's channel."""
    text = text.strip()
    if not text:
        raise HandoffError("Write a message first.")
    if len(text) > MAX_REPLY_CHARS:
        raise HandoffError(f"Replies are limited to {MAX_REPLY_CHARS} characters.")
    if claimant(engine, sender_id) != account_id:
        raise HandoffError("Claim the conversation before replying.")
    call_rasa(settings, "reply", sender_id, adviser, text)


def release(engine: Engine, settings: Settings, sender_id: str, account_id: int, adviser: str,
            force: bool = False) -> None:
    """Hand the conversation back to the assistant."""
    holder = claimant(engine, sender_id)
    if holder is None:
        raise HandoffError("This conversation is not claimed.")
    if holder != account_id and not force:
        raise HandoffError("Only the adviser who claimed it (or an admin) can hand it back.")
    call_rasa(settings, "release", sender_id, adviser)
    with engine.begin() as connection:
        connection.execute(delete(handoffs).where(handoffs.c.sender_id == sender_id))
