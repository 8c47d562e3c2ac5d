"""Entity precision, recall and F1 of the generated spaCy entity ruler on hand-written cases."""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.entity_cases import ENTITY_CASES, EntityCase
from bench.paths import CONFIG_PATH
from harness.paths import REPO_ROOT

Pair = tuple[str, str]


def spacy_model_path(config: Path = CONFIG_PATH) -> Path:
    """The spaCy pipeline that config.yml's SpacyNLP step loads."""
    pipeline = yaml.safe_load(config.read_text())["pipeline"]
    model = next(step["model"] for step in pipeline if step.get("name") == "SpacyNLP")
    return REPO_ROOT / model


def extract(nlp: Any, text: str) -> frozenset[Pair]:
    """(label, canonical id) pairs found in text, lower-cased first as Rasa's SpacyNLP does."""
    return frozenset((ent.label_, ent.ent_id_ or ent.text) for ent in nlp(text.lower()).ents)


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (0 when undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def score(nlp: Any, cases: Sequence[EntityCase]) -> dict[str, Any]:
    """Micro-averaged and per-label scores, plus the sentences the ruler got wrong."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    mistakes = []
    for case in cases:
        found = extract(nlp, case.text)
        for label, _ in found & case.expected:
            counts[label][0] += 1
        for label, _ in found - case.expected:
            counts[label][1] += 1
        for label, _ in case.expected - found:
            counts[label][2] += 1
        if found != case.expected:
            mistakes.append({"text": case.text,
                             "missed": sorted(map(list, case.expected - found)),
                             "spurious": sorted(map(list, found - case.expected))})
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {"sentences": len(cases), **prf(*total),
            "per_label": {label: prf(*c) for label, c in sorted(counts.items())},
            "mistakes": mistakes}


def run() -> dict[str, Any]:
    """Load the generated ruler pipeline and score it on bench.entity_cases."""
    import spacy

    started = time.monotonic()
    path = spacy_model_path()
    result = {"source": f"hand-written cases, spaCy pipeline {path.relative_to(REPO_ROOT)}",
              **score(spacy.load(path), ENTITY_CASES)}
    result["seconds"] = round(time.monotonic() - started, 1)
    return result
