"""Hybrid passage retrieval: MiniLM cosine similarity plus a BM25 word score, per career."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models
from knowledge.passages import DIMENSIONS
from knowledge.queries import Citation, _memo
from knowledge.words import stems

_TOKEN = re.compile(r"[a-z0-9£]+")
# Words too common in careers questions to say what one is about.
_STOP = frozenset("""a an the and or of to in on for with at by from is are be been being was were do does
did doing have has had i me my you your we our they their it its this that these those what which who
whom how why when where can could would should will shall may might must there here as if than then so
not no yes any some all about into out up down over more most much many very just also get got""".split())
BM25_K1, BM25_B = 1.2, 0.75
# How much the embedding counts against the word score (measured on bench/open_cases.py).
EMBEDDING_WEIGHT = 0.7


@dataclass(frozen=True)
class Hit:
    """A passage found for a question, with its scores."""

    key: str
    career: str
    kind: str
    topic: str
    text: str
    citation: Citation
    score: float  # the combined score, 0..1
    cosine: float
    words: float  # BM25, squashed to 0..1


def tokens(text: str) -> list[str]:
    """Lower-cased words of a text without the very common ones, lightly stemmed."""
    return [_stem(w) for w in _TOKEN.findall(text.lower()) if w not in _STOP]


def _stem(word: str) -> str:
    for ending in ("ing", "ies", "es", "s", "ed", "er"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


class PassageIndex:
    """The passages of the knowledge base with their vectors and word statistics."""

    def __init__(self, rows: list[models.Passage], careers: dict[int, str]) -> None:
        """Read the stored vectors and count the words of every passage."""
        self.rows = [(r.key, careers[r.career_id], r.kind, r.topic, r.text,
                      Citation(r.source.short_title, r.section.heading if r.section else None, r.source.document))
                     for r in rows]
        self.vectors = (np.vstack([np.frombuffer(r.vector, dtype=np.float32) for r in rows])
                        if rows else np.zeros((0, DIMENSIONS), np.float32))
        self.terms = [Counter(tokens(r.text)) for r in rows]
        self.lengths = np.array([sum(t.values()) for t in self.terms], dtype=np.float32)
        self.average = float(self.lengths.mean()) if rows else 1.0
        frequency = Counter(w for t in self.terms for w in t)
        n = len(rows)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}
        self.typical_idf = float(np.median(list(self.idf.values()))) if self.idf else 1.0
        # Distinctive stems (knowledge/words.py) per passage, and which careers' passages use each.
        passage_stems = [frozenset(stems(r.text)) for r in rows]
        self.stems_by_key = {row[0]: st for row, st in zip(self.rows, passage_stems, strict=True)}
        self.stem_passages: Counter[str] = Counter(w for st in passage_stems for w in st)
        careers_using: dict[str, set[str]] = {}
        topics_using: dict[str, set[tuple[str, str]]] = {}
        for row, st in zip(self.rows, passage_stems, strict=True):
            for w in st:
                careers_using.setdefault(w, set()).add(row[1])
                topics_using.setdefault(w, set()).add((row[1], row[3]))
        self.stem_careers = {w: frozenset(c) for w, c in careers_using.items()}
        self.stem_topics = {w: frozenset(t) for w, t in topics_using.items()}  # (career, topic) pairs

    def stems_of(self, hit: Hit) -> frozenset[str]:
        """A found passage's distinctive stems, as counted when the index was built."""
        return self.stems_by_key.get(hit.key) or frozenset(stems(hit.text))

    def stem_weight(self, stem: str) -> float:
        """How telling a stem is: the log of how many times rarer than all passages it is."""
        return math.log((len(self.rows) + 1) / (self.stem_passages[stem] + 1))

    def rare(self, stem: str, share: float) -> bool:
        """Whether at most `share` of the passages use a stem (and at least one does)."""
        return 0 < self.stem_passages[stem] <= share * len(self.rows)

    def bm25(self, words: list[str], positions: np.ndarray) -> np.ndarray:
        """BM25 of the question's words for the passages at `positions`."""
        scores = np.zeros(len(positions), dtype=np.float32)
        for j, i in enumerate(positions):
            terms, length = self.terms[i], self.lengths[i]
            for w in set(words):
                tf = terms.get(w)
                if tf:
                    scores[j] += self.idf[w] * tf * (BM25_K1 + 1) / (
                        tf + BM25_K1 * (1 - BM25_B + BM25_B * length / self.average))
        return scores

    def search(self, vector: np.ndarray, question: str, careers: Optional[set[str]] = None,
               limit: int = 5) -> list[Hit]:
        """The best passages for a question (its embedding and words), within `careers` if given."""
        positions = np.array([i for i, row in enumerate(self.rows) if careers is None or row[1] in careers],
                             dtype=np.int64)
        if not len(positions):
            return []
        cosine = self.vectors[positions] @ vector
        words = tokens(question)
        raw = self.bm25(words, positions)
        # Squash BM25 by the best score a passage could get for these words, so 0..1 like cosine.
        # A word no passage uses weighs as much as a typical word: a question about something the
        # knowledge never mentions cannot score full marks on its other words.
        ceiling = sum(self.idf.get(w, self.typical_idf) for w in set(words)) * (BM25_K1 + 1) / (1 + BM25_K1) or 1.0
        lexical = np.minimum(raw / ceiling, 1.0)
        combined = EMBEDDING_WEIGHT * np.maximum(cosine, 0.0) + (1 - EMBEDDING_WEIGHT) * lexical
        best = np.argsort(-combined)[:limit]
        hits = []
        for j in best:
            key, career, kind, topic, text, citation = self.rows[positions[j]]
            hits.append(Hit(key, career, kind, topic, text, citation, float(combined[j]),
                            float(cosine[j]), float(lexical[j])))
        return hits


def passage_index(session: Session) -> PassageIndex:
    """The index of the loaded knowledge, built once per knowledge version."""
    def build() -> PassageIndex:
        careers = {c.id: c.slug for c in session.execute(select(models.Career)).scalars()}
        rows = list(session.execute(select(models.Passage).order_by(models.Passage.id)).scalars())
        return PassageIndex(rows, careers)
    return _memo(session, ("passage_index",), build)


def retrieve(session: Session, question: str, careers: Optional[set[str]] = None, limit: int = 5,
             encode: Optional[Callable[[list[str]], np.ndarray]] = None) -> list[Hit]:
    """The passages that best answer `question`, best first (empty when no passages are loaded)."""
    index = passage_index(session)
    if not index.rows or not tokens(question) and not question.strip():
        return []
    if encode is None:
        from knowledge.embedding import default_encoder

        encode = default_encoder().encode
    return index.search(encode([question])[0], question, careers, limit)
