"""Make raw learner text safe to hand to Rasa and store: bound, strip control characters, check payloads.

Text: control, format, private-use, unassigned and lone surrogate characters are removed
(newlines and tabs kept), so nothing the tracker store cannot encode reaches it; text longer than
the limit is cut (the learner is told). Raw text is first cut to `RAW_BOUND_FACTOR` times the
limit, before any per-character work, so a huge message costs no more than a long one.

Button payloads (`/intent{"entity": "value"}`): only intents of the domain (never Rasa's internal
ones) and entities of the domain are kept; entity values are cleaned like text and capped at
`MAX_ENTITY_CHARS`; a `@0.9` confidence suffix is dropped; the payload is re-serialised in one
canonical form. Anything else that starts with `/` is read as plain words.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Optional

from bot.shared.text import RAW_BOUND_FACTOR, clean_value, strip_control_characters

_PAYLOAD = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*)(?:@[0-9.]+)?(\{.*\})?$", re.DOTALL)
_ENTITY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
# Rasa's internal intents that only the platform should trigger; typed by a learner they are text.
_INTERNAL_INTENTS = {"session_start", "back", "nlu_fallback", "out_of_scope_internal"}

EMPTY_REPLY = ("I didn't receive any text. Ask me anything about the careers I know, "
               "for example what a job pays or which skills you need.")
TRUNCATED_NOTICE = ("Your message was very long, so I read only the first {limit:,} characters. "
                    "Shorter questions get better answers.")
TROUBLE_REPLY = ("Sorry, I'm having trouble answering right now. Please try again in a moment; "
                 "your conversation is safe.")


@dataclass
class PreparedText:
    """Text ready for Rasa (None when there is nothing to send) and notices for the learner."""

    text: Optional[str]
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Vocabulary:
    """The intents and entities a payload may name (from the domain); None allows any name."""

    intents: Optional[Collection[str]] = None
    entities: Optional[Collection[str]] = None

    @classmethod
    def of(cls, domain: Any) -> Vocabulary:
        """The domain's intents and entities; allows any name when there is no domain."""
        if domain is None:
            return cls()
        return cls(frozenset(getattr(domain, "intents", None) or ()),
                   frozenset(getattr(domain, "entities", None) or ()))


def _entity_value(value: object) -> Optional[str | int | float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return clean_value(value)


def canonical_payload(text: str, vocabulary: Vocabulary = Vocabulary()) -> Optional[str]:
    """The payload in canonical form (`/intent{"entity":"value"}`), or None if it is not a usable one."""
    match = _PAYLOAD.match(text)
    if not match:
        return None
    intent, body = match.groups()
    if intent in _INTERNAL_INTENTS or (vocabulary.intents is not None and intent not in vocabulary.intents):
        return None
    if body is None:
        return "/" + intent
    try:
        entities = json.loads(body)
    except ValueError:
        return None
    if not isinstance(entities, dict) or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in entities.values()):
        return None
    kept: dict[str, str | int | float] = {}
    for name, value in entities.items():
        cleaned = _entity_value(value)
        if cleaned is None or not _ENTITY_NAME.fullmatch(name) or (
                vocabulary.entities is not None and name not in vocabulary.entities):
            continue
        kept[name] = cleaned
    return "/" + intent + (json.dumps(kept, ensure_ascii=False, separators=(",", ":")) if kept else "")


def is_wellformed_payload(text: str, vocabulary: Vocabulary = Vocabulary()) -> bool:
    """True for button payloads like `/ask_salary` or `/ask_salary{"level": "mid"}`."""
    return canonical_payload(text, vocabulary) is not None


def prepare_text(raw: object, max_chars: int, *, domain: Any = None) -> PreparedText:
    """Clean learner text; payloads are checked against `domain`, anything else with `/` is plain words."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    bound = max_chars * RAW_BOUND_FACTOR
    cut_raw = len(raw) > bound
    text = strip_control_characters(raw[:bound]).strip()
    if not text:
        return PreparedText(None, [EMPTY_REPLY])
    if text.startswith("/"):
        payload = canonical_payload(text, Vocabulary.of(domain))
        if payload is not None and len(payload) <= max_chars:
            return PreparedText(payload, [])
        text = text.lstrip("/").strip() or "?"
    notices = []
    if len(text) > max_chars or cut_raw:
        cut = text[:max_chars]
        space = cut.rfind(" ")
        text = cut[:space] if space > max_chars // 2 else cut
        notices.append(TRUNCATED_NOTICE.format(limit=max_chars))
    return PreparedText(text, notices)
