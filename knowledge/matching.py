"""Tolerant name matching: case, hyphens, spacing and small typos ("manger" for "manager")."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Optional

_NON_WORD = re.compile(r"[^a-z0-9+ ]+")
_SPACES = re.compile(r"\s+")
_ARTICLES = {"a", "an", "the"}


def normalise(text: str) -> str:
    """Lower-case, drop punctuation, possessives and articles (spellings are the content's job)."""
    text = text.lower().replace("’", "'").replace("'s", "")
    text = _NON_WORD.sub(" ", text.replace("-", " ").replace("_", " "))
    words = [w for w in _SPACES.split(text) if w and w not in _ARTICLES]
    return " ".join(words)


def similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalised strings."""
    return SequenceMatcher(None, a, b).ratio()


class NameIndex:
    """Names (normalised once) mapped to keys, for repeated tolerant lookups."""

    def __init__(self, names: dict[str, str]) -> None:
        """Normalise every name and group the names by word count."""
        self.exact = {normalise(name): key for name, key in names.items()}
        self.by_size: dict[int, list[tuple[list[str], str]]] = {}
        for name, key in self.exact.items():
            self.by_size.setdefault(len(name.split()), []).append((name.split(), key))

    def best_match(self, text: str, threshold: float = 0.86) -> Optional[str]:
        """The key whose name equals or closely resembles the whole `text`."""
        wanted = normalise(text)
        if not wanted:
            return None
        if wanted in self.exact:
            return self.exact[wanted]
        scored = [(similarity(wanted, name), len(name), key) for name, key in self.exact.items()
                  if abs(len(name) - len(wanted)) <= max(3, len(name) // 4)]
        scored = [s for s in scored if s[0] >= threshold]
        return max(scored)[2] if scored else None

    def longest_exact(self, text: str, max_words: int = 6) -> tuple[int, Optional[str]]:
        """(word count, key) of the longest name said exactly inside `text`; (0, None) if none."""
        words = normalise(text).split()
        for size in range(min(max_words, len(words)), 0, -1):
            for start in range(0, len(words) - size + 1):
                phrase = " ".join(words[start:start + size])
                if phrase in self.exact:
                    return size, self.exact[phrase]
        return 0, None

    def find_in(self, text: str, word_threshold: float = 0.75, max_words: int = 6) -> Optional[str]:
        """The key of the longest phrase inside `text` matching a name (see `find_in_text`)."""
        _size, exact = self.longest_exact(text, max_words)
        if exact is not None:
            return exact
        words = normalise(text).split()
        for size in range(min(max_words, len(words)), 0, -1):
            best: tuple[float, str] | None = None
            for start in range(0, len(words) - size + 1):
                window = words[start:start + size]
                for name_words, key in self.by_size.get(size, []):
                    score = _words_match(window, name_words, word_threshold)
                    if score and (best is None or score > best[0]):
                        best = (score, key)
            if best:
                return best[1]
        return None


def _words_match(phrase: list[str], name: list[str], word_threshold: float) -> float:
    """Average word similarity when every word lines up closely with its counterpart, else 0."""
    scores = []
    for said, known in zip(phrase, name, strict=True):
        if said == known:
            scores.append(1.0)
            continue
        if min(len(said), len(known)) <= 3 or abs(len(said) - len(known)) > 3:
            return 0.0
        matcher = SequenceMatcher(None, said, known)
        if matcher.quick_ratio() < word_threshold:
            return 0.0
        score = matcher.ratio()
        if score < word_threshold:
            return 0.0
        scores.append(score)
    return sum(scores) / len(scores)


def find_in_text(text: str, names: dict[str, str], word_threshold: float = 0.75,
                 max_words: int = 6) -> Optional[str]:
    """Find the longest phrase inside `text` that matches one of `names`; return its key.

    Exact phrases win; otherwise a phrase matches a name of the same length when each word
    is a small typo away from the name's word ("senior manger"), never across words.
    """
    return NameIndex(names).find_in(text, word_threshold, max_words)
