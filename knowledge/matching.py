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


def _words_match(phrase: list[str], name: list[str], word_threshold: float) -> float:
    """Average word similarity when every word lines up closely with its counterpart, else 0."""
    scores = []
    for said, known in zip(phrase, name, strict=True):
        if said == known:
            scores.append(1.0)
            continue
        if min(len(said), len(known)) <= 3:
            return 0.0
        score = similarity(said, known)
        if score < word_threshold:
            return 0.0
        scores.append(score)
    return sum(scores) / len(scores)


def find_in_text(text: str, names: dict[str, str], word_threshold: float = 0.75,
                 max_words: int = 6) -> Optional[str]:
    """Find the longest phrase inside `text` that matches one of `names`; return its key.

    Exact phrases win; otherwise a phrase matches a name of the same length when each word
    is a small typo away from the name's word ("ecommerce manger"), never across words.
    """
    words = normalise(text).split()
    exact = {normalise(name): key for name, key in names.items()}
    for size in range(min(max_words, len(words)), 0, -1):
        for start in range(0, len(words) - size + 1):
            phrase = " ".join(words[start:start + size])
            if phrase in exact:
                return exact[phrase]
    split_names = [(name.split(), key) for name, key in exact.items()]
    for size in range(min(max_words, len(words)), 0, -1):
        best: tuple[float, str] | None = None
        for start in range(0, len(words) - size + 1):
            window = words[start:start + size]
            for name_words, key in split_names:
                if len(name_words) != size:
                    continue
                score = _words_match(window, name_words, word_threshold)
                if score and (best is None or score > best[0]):
                    best = (score, key)
        if best:
            return best[1]
    return None
