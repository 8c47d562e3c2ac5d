"""Turn the assistant's replies into Telegram messages: escaped HTML, 4,096-char parts, keyboards."""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

# Telegram counts a message's length in UTF-16 code units, after entity parsing.
MAX_MESSAGE_UNITS = 4096
MAX_BUTTON_TITLE_CHARS = 64
_PARAGRAPH = re.compile(r"\n\s*\n")
EMPTY_TEXT_WITH_BUTTONS = "Choose one:"


@dataclass(frozen=True)
class OutgoingMessage:
    """One Telegram message: HTML text (already escaped) and an optional inline keyboard."""

    html: str
    keyboard: Optional[InlineKeyboardMarkup] = None


def utf16_length(text: str) -> int:
    """Length as Telegram measures it (UTF-16 code units, so an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Text made safe for parse_mode=HTML: `<`, `>` and `&` are shown, never parsed."""
    return html.escape(text, quote=False)


def _cut(text: str, limit: int) -> tuple[str, str]:
    """First part of `text` within `limit` units, cut at a line break or space when possible."""
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits (binary search; UTF-16 length is monotonic)
        middle = (low + high + 1) // 2
        if utf16_length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    low = max(low, 1)  # always progress, even if one character alone were over the limit
    head = text[:low]
    for separator in ("\n", " "):
        position = head.rfind(separator)
        if position > low // 2:  # a break in the second half keeps parts reasonably full
            return head[:position].rstrip(), text[position + 1:].lstrip()
    return head, text[low:]


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Split text into parts of at most `limit` units, on paragraph boundaries where possible."""
    parts: list[str] = []
    current = ""
    for paragraph in _PARAGRAPH.split(text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if utf16_length(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        while utf16_length(paragraph) > limit:  # a single paragraph too long: lines, words, chars
            head, paragraph = _cut(paragraph, limit)
            parts.append(head)
        current = paragraph
    if current:
        parts.append(current)
    return parts


def keyboard(buttons: Sequence[dict[str, Any]], encode: Callable[[str], str]) -> Optional[InlineKeyboardMarkup]:
    """An inline keyboard, one button per row, whose callback data `encode` maps from payloads."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or "").strip()[:MAX_BUTTON_TITLE_CHARS]
        payload = button.get("payload")
        if title and isinstance(payload, str) and payload.strip():
            rows.append([InlineKeyboardButton(title, callback_data=encode(payload.strip()))])
    return InlineKeyboardMarkup(rows) if rows else None


def render_reply(reply: dict[str, Any], encode: Callable[[str], str]) -> list[OutgoingMessage]:
    """Messages for one Rasa reply (`text`, `buttons` or `quick_replies`); keyboard on the last."""
    buttons = reply.get("buttons") or reply.get("quick_replies") or []
    markup = keyboard(buttons if isinstance(buttons, list) else [], encode)
    text = reply.get("text")
    text = text if isinstance(text, str) else ""
    if not text.strip() and reply.get("image"):
        text = str(reply["image"])
    if not text.strip():
        if markup is None:
            return []
        text = EMPTY_TEXT_WITH_BUTTONS
    parts = [escape(part) for part in split_text(text)]
    return [OutgoingMessage(part, markup if index == len(parts) - 1 else None)
            for index, part in enumerate(parts)]


def with_choice(message_html: str, title: str) -> Optional[str]:
    """The message text with the pressed button shown under it; None if that would be too long."""
    edited = f"{message_html}\n\n» <i>{escape(title)}</i>"
    visible = f"{html.unescape(re.sub(r'<[^>]+>', '', message_html))}\n\n» {title}"
    return edited if utf16_length(visible) <= MAX_MESSAGE_UNITS else None
