"""Text cleaning every process shares: strip control characters, bound and check short values."""
from __future__ import annotations

import unicodedata
from typing import Optional

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
_KEEP = {"\n", "\t"}
RAW_BOUND_FACTOR = 4
MAX_ENTITY_CHARS = 100


def strip_control_characters(text: str) -> str:
    """Remove control, format, private-use, unassigned and surrogate characters except newlines and tabs."""
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in _CONTROL)


def clean_value(raw: object, max_chars: int = MAX_ENTITY_CHARS) -> Optional[str]:
    """A string cleaned like text and cut to `max_chars`; None if nothing (or no string) is left."""
    if not isinstance(raw, str):
        return None
    text = strip_control_characters(raw[:max_chars * RAW_BOUND_FACTOR]).strip()[:max_chars].strip()
    return text or None


def is_clean(raw: object, max_chars: int = MAX_ENTITY_CHARS) -> bool:
    """True for a non-empty string of at most `max_chars` that cleaning would leave unchanged."""
    return isinstance(raw, str) and 0 < len(raw) <= max_chars and clean_value(raw, max_chars) == raw
