"""Make raw learner text safe to hand to Rasa: trim, strip control characters, cap length."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

_PAYLOAD = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*)(\{.*\})?$", re.DOTALL)
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Rasa's internal intents that only the platform should trigger; typed by a learner they are text.
_INTERNAL_INTENTS = {"session_start", "back", "nlu_fallback", "out_of_scope_internal"}
_KEEP = {"\n", "\t"}

EMPTY_REPLY = ("I didn't receive any text. Ask me anything about becoming an e-commerce manager, "
               "for example what it pays or which skills you need.")
TRUNCATED_NOTICE = ("Your message was very long, so I read only the first {limit:,} characters. "
                    "Shorter questions get better answers.")
TROUBLE_REPLY = ("Sorry, I'm having trouble answering right now. Please try again in a moment; "
                 "your conversation is safe.")


@dataclass
class PreparedText:
    """Text ready for Rasa (None when there is nothing to send) and notices for the learner."""

    text: Optional[str]
    notices: list[str] = field(default_factory=list)


def strip_control_characters(text: str) -> str:
    """Remove control and format characters except newlines and tabs."""
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in _CONTROL)


def is_wellformed_payload(text: str) -> bool:
    """True for button payloads like `/ask_salary` or `/ask_salary{"level": "mid"}`."""
    match = _PAYLOAD.match(text)
    if not match or match.group(1) in _INTERNAL_INTENTS:
        return False
    if match.group(2) is None:
        return True
    try:
        entities = json.loads(match.group(2))
    except ValueError:
        return False
    return isinstance(entities, dict) and all(
        isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in entities.items())


def prepare_text(raw: object, max_chars: int) -> PreparedText:
    """Clean learner text; malformed `/intent{...}` syntax is read as plain words, not a command."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    text = strip_control_characters(raw).strip()
    if not text:
        return PreparedText(None, [EMPTY_REPLY])
    if text.startswith("/") and not is_wellformed_payload(text):
        text = text.lstrip("/").strip() or "?"
    notices = []
    if len(text) > max_chars:
        cut = text[:max_chars]
        space = cut.rfind(" ")
        text = cut[:space] if space > max_chars // 2 else cut
        notices.append(TRUNCATED_NOTICE.format(limit=max_chars))
    return PreparedText(text, notices)
