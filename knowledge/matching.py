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
        """Normalise every name and group the names by word count and first word."""
        self.exact = {normalise(name): key for name, key in names.items()}
        self.by_start: dict[tuple[int, str], list[tuple[int, list[str], str]]] = {}
        for position, (name, key) in enumerate(self.exact.items()):
            words = name.split()
            if words:
                self.by_start.setdefault((len(words), words[0]), []).append((position, words, key))
        self.vocabulary = sorted({w for name in self.exact for w in name.split()})
        self._close: dict[tuple[str, float], dict[str, float]] = {}

    def close_words(self, word: str, word_threshold: float) -> dict[str, float]:
        """The names' words that `word` equals or is a small typo of, with their similarity."""
        found = self._close.get((word, word_threshold))
        if found is None:
            found = {known: score for known in self.vocabulary
                     if (score := word_similarity(word, known, word_threshold))}
            if len(self._close) >= _CLOSE_LIMIT:
                self._close.clear()
            self._close[(word, word_threshold)] = found
        return found

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
        close = [self.close_words(w, word_threshold) for w in normalise(text).split()]
        for size in range(min(max_words, len(close)), 0, -1):
            best: tuple[float, int, str] | None = None  # ties go to the name listed first
            for start in range(0, len(close) - size + 1):
                window = close[start:start + size]
                for first in window[0]:
                    for position, name_words, key in self.by_start.get((size, first), []):
                        scores = [said.get(known, 0.0) for said, known in zip(window, name_words, strict=True)]
                        score = sum(scores) / size if all(scores) else 0.0
                        if score and (best is None or (score, -position) > best[:2]):
                            best = (score, -position, key)
            if best:
                return best[2]
        return None


# How many words' close matches an index keeps (the words learners type repeat a lot).
_CLOSE_LIMIT = 20_000


def word_similarity(said: str, known: str, word_threshold: float) -> float:
    """1 for the same word, the similarity of a small typo ("manger"), else 0 (short words must match)."""
    if said == known:
        return 1.0
    if min(len(said), len(known)) <= 3 or abs(len(said) - len(known)) > 3:
        return 0.0
    matcher = SequenceMatcher(None, said, known)
    if matcher.quick_ratio() < word_threshold:
        return 0.0
    score = matcher.ratio()
    return score if score >= word_threshold else 0.0


def find_in_text(text: str, names: dict[str, str], word_threshold: float = 0.75,
                 max_words: int = 6) -> Optional[str]:
    """Find the longest phrase inside `text` that matches one of `names`; return its key.

    Exact phrases win; otherwise a phrase matches a name of the same length when each word
    is a small typo away from the name's word ("senior manger"), never across words.
    """
    return NameIndex(names).find_in(text, word_threshold, max_words)
