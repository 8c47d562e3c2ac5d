"""The words learners frame questions with, read from the intents' training examples (data/nlu/*.yml)."""
from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import yaml

from bot.shared.settings import PROJECT_ROOT
from knowledge.words import stems

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
# "[job title](role)" and "[title]{"entity": "role"}" annotations keep only their words.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def example_texts(directory: Path = NLU_DIR) -> dict[str, list[str]]:
    """Every intent's training examples, annotations stripped."""
    found: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if isinstance(item, dict) and "intent" in item and isinstance(item.get("examples"), str):
                lines = (line.strip().removeprefix("- ") for line in item["examples"].splitlines())
                found.setdefault(item["intent"], []).extend(_ANNOTATION.sub(r"\1", line) for line in lines if line)
    return found


@functools.lru_cache(maxsize=1)
def _vocabularies(directory: Path) -> dict[str, frozenset[str]]:
    return {intent: frozenset(w for text in texts for w in stems(text))
            for intent, texts in example_texts(directory).items()}


def intent_stems(intent: str, directory: Path = NLU_DIR) -> frozenset[str]:
    """The distinctive stems of an intent's training examples (empty for an unknown intent)."""
    return _vocabularies(directory).get(intent, frozenset())


def common_question_stems(excluded: frozenset[str], least_examples: int,
                          directory: Path = NLU_DIR) -> frozenset[str]:
    """Stems that `least_examples` or more training examples of the intents not `excluded` use."""
    return _common(excluded, least_examples, directory)


@functools.lru_cache(maxsize=4)
def _common(excluded: frozenset[str], least_examples: int, directory: Path) -> frozenset[str]:
    counts = Counter(w for intent, texts in example_texts(directory).items() if intent not in excluded
                     for text in texts for w in stems(text))
    return frozenset(w for w, n in counts.items() if n >= least_examples)


def framing_stems(excluded: frozenset[str], least_intents: int, least_examples: int,
                  directory: Path = NLU_DIR) -> frozenset[str]:
    """Stems that `least_examples` examples each of `least_intents` intents not `excluded` use.

    How learners frame questions: "difference", "switch" and "options" come in questions of many
    intents; "home" (working from home) or "bonus" belong to one topic, which a career's knowledge
    may or may not cover.
    """
    return _framing(excluded, least_intents, least_examples, directory)


@functools.lru_cache(maxsize=4)
def _framing(excluded: frozenset[str], least_intents: int, least_examples: int, directory: Path) -> frozenset[str]:
    users: Counter[str] = Counter()
    for intent, texts in example_texts(directory).items():
        if intent not in excluded:
            counts = Counter(w for text in texts for w in stems(text))
            users.update(w for w, n in counts.items() if n >= least_examples)
    return frozenset(w for w, n in users.items() if n >= least_intents)
