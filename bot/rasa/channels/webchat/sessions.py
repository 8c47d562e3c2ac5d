"""Web chat session tokens: issued by the server, held by the browser, never stored as such.

The widget holds a random token (256 bits). The conversation it opens is stored under a
conversation id derived from the token by SHA-256, so the token itself never reaches the tracker
store, the logs or the adviser console, and knowing a conversation id does not let anyone read
or write that conversation through the web chat.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Optional, TypeGuard

from bot.shared.conversation_ids import webchat_conversation

TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32): 43 URL-safe characters
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_token() -> str:
    """A fresh session token with 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def conversation_id(token: str) -> str:
    """The Rasa sender id of the conversation a token opens (a one-way function of the token)."""
    return webchat_conversation(hashlib.sha256(token.encode("ascii")).hexdigest()[:32])


def parse_token(raw: Optional[str]) -> Optional[str]:
    """The token if `raw` is well formed, else None (no database look-up for junk)."""
    if raw is None:
        return None
    raw = raw.strip()
    return raw if _TOKEN.match(raw) else None


def is_client_message_id(raw: object) -> TypeGuard[str]:
    """True for the widget's own message ids (8-64 URL-safe characters), used for idempotency."""
    return isinstance(raw, str) and bool(_CLIENT_ID.match(raw))


def rasa_message_id(client_id: str) -> str:
    """The Rasa `message_id` under which a widget message is stored (retries find it there)."""
    return f"webchat:{client_id}"
