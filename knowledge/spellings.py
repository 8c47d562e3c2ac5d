"""Interchangeable spellings from the vocabulary ("e-mail" / "email"), applied to every name."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spellings:
    """Groups of spellings that mean the same; every name is known under each of them."""

    groups: tuple[tuple[str, ...], ...] = ()
    _patterns: list[tuple[re.Pattern[str], tuple[str, ...]]] = field(
        default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Compile one whole-word pattern per group, longest spelling first."""
        for group in self.groups:
            ordered = sorted({" ".join(s.lower().split()) for s in group}, key=len, reverse=True)
            alternatives = "|".join(re.escape(s) for s in ordered)
            self._patterns.append((re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), tuple(ordered)))

    def variants(self, phrase: str) -> set[str]:
        """The lower-cased phrase with each group's spellings swapped in (itself included)."""
        found = {" ".join(phrase.lower().split())}
        for pattern, spellings in self._patterns:
            for text in list(found):
                if pattern.search(text):
                    found |= {pattern.sub(spelling, text) for spelling in spellings}
        return found
