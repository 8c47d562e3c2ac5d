"""Tolerant name matching: case, hyphens, spacing and small typos ("ecommerce manger")."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Optional

_E_COMMERCE = re.compile(r"\be[\s-]*(?:commerce|comm|com)\b")
_NON_WORD = re.compile(r"[^a-z0-9+ ]+")
_SPACES = re.compile(r"\s+")
_ARTICLES = {"a", "an", "the"}


def normalise(text: str) -> str:
    """Lower-case, unify e-commerce spellings, drop punctuation and articles."""
    text = text.lower().replace("’", "'").replace("'s", "")
    text = _E_COMMERCE.sub("ecommerce", text)
    text = _NON_WORD.sub(" ", text.replace("-", " ").replace("_", " "))
    words = [w for w in _SPACES.split(text) if w and w not in _ARTICLES]
    return " ".join(words)


def similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalised strings."""
    return SequenceMatcher(None, a, b).ratio()


def best_match(text: str, names: dict[str, str], threshold: float = 0.86) -> Optional[str]:
    """Return the key whose name (normalised) equals or closely resembles the whole `text`."""
    wanted = normalise(text)
    if not wanted:
        return None
    exact = {normalise(name): key for name, key in names.items()}
    if wanted in exact:
        return exact[wanted]
    scored = [(similarity(wanted, name), len(name), key) for name, key in exact.items()
              if abs(len(name) - len(wanted)) <= max(3, len(name) // 4)]
    scored = [s for s in scored if s[0] >= threshold]
    return max(scored)[2] if scored else None


def find_in_text(text: str, names: dict[str, str], threshold: float = 0.88,
                 max_words: int = 6) -> Optional[str]:
    """Find the longest phrase inside `text` that matches one of `names`; return its key."""
    words = normalise(text).split()
    exact = {normalise(name): key for name, key in names.items()}
    for size in range(min(max_words, len(words)), 0, -1):
        for start in range(0, len(words) - size + 1):
            phrase = " ".join(words[start:start + size])
            if phrase in exact:
                return exact[phrase]
    for size in range(min(max_words, len(words)), 1, -1):
        best: tuple[float, str] | None = None
        for start in range(0, len(words) - size + 1):
            phrase = " ".join(words[start:start + size])
            for name, key in exact.items():
                if len(name.split()) != size:
                    continue
                score = similarity(phrase, name)
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, key)
        if best:
            return best[1]
    return None
