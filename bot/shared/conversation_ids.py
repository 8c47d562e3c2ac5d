"""Conversation ids, one namespace per channel: a channel can only address its own conversations.

The tracker store keys conversations by id. Each learner channel stores its conversations under
its own prefix, so whatever a client sends, it cannot reach a conversation of another channel:

- REST: `rest-<sender>`, where the caller's `sender` is 1-128 characters from `[A-Za-z0-9._:@-]`;
- Telegram: `telegram-<chat id>` (group chat ids are negative: `telegram--100123`);
- web chat: `webchat-<32 hex digits>`, derived from the session token (bot/rasa/channels/webchat/sessions.py).

Conversations stored before namespacing keep their old ids (plain Telegram chat ids, REST
senders as sent); the adviser console still shows and erases them.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional, TypeGuard

REST_PREFIX = "rest-"
TELEGRAM_PREFIX = "telegram-"
WEBCHAT_PREFIX = "webchat-"
MAX_SENDER_CHARS = 128
SENDER_CHARACTERS = "letters, digits, '.', '_', ':', '@' and '-'"
MAX_STORED_ID_CHARS = 255
_SENDER = re.compile(rf"[A-Za-z0-9._:@-]{{1,{MAX_SENDER_CHARS}}}")
_CHAT_ID = re.compile(r"-?[0-9]{1,20}")
_CHANNELS = {REST_PREFIX: "rest", TELEGRAM_PREFIX: "telegram", WEBCHAT_PREFIX: "webchat"}


def valid_sender(raw: object) -> Optional[str]:
    """The REST caller's sender id if it is 1-128 allowed characters (a whole number counts), else None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    return raw if isinstance(raw, str) and _SENDER.fullmatch(raw) else None


def rest_conversation(sender: str) -> str:
    """The conversation id of a REST caller's `sender`."""
    return REST_PREFIX + sender


def telegram_conversation(chat_id: int | str) -> str:
    """The conversation id of a Telegram chat."""
    return f"{TELEGRAM_PREFIX}{chat_id}"


def webchat_conversation(digest: str) -> str:
    """The conversation id of a web chat session, from the hex digest of its token."""
    return WEBCHAT_PREFIX + digest


def telegram_chat_id(conversation_id: str) -> Optional[str]:
    """The Telegram chat id a conversation belongs to (a plain chat id: stored before namespacing)."""
    chat = conversation_id[len(TELEGRAM_PREFIX):] if conversation_id.startswith(TELEGRAM_PREFIX) else conversation_id
    return chat if _CHAT_ID.fullmatch(chat) else None


def channel_of(conversation_id: str) -> Optional[str]:
    """The channel whose namespace holds the conversation; None for an id stored before namespacing."""
    for prefix, channel in _CHANNELS.items():
        if conversation_id.startswith(prefix):
            return channel
    return None


def lookup_ids(needle: str) -> list[str]:
    """Ids an adviser may mean by `needle`: itself and, for a Telegram chat id, its conversation."""
    ids = [needle]
    if _CHAT_ID.fullmatch(needle):
        ids.append(telegram_conversation(needle))
    return ids


def is_storable_id(raw: object) -> TypeGuard[str]:
    """True for a non-empty id of at most 255 characters with no control or surrogate characters."""
    return (isinstance(raw, str) and 0 < len(raw) <= MAX_STORED_ID_CHARS
            and not any(unicodedata.category(ch)[0] == "C" for ch in raw))
