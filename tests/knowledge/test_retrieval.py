"""Passages built from the content, their embeddings kept up to date, and hybrid retrieval."""
from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from knowledge import models
from knowledge.passages import DIMENSIONS, index_passages, passage_texts
from knowledge.retrieval import PassageIndex, retrieve, tokens


def _counting_encoder(calls: list[int]):
    def encode(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), DIMENSIONS)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return encode


def test_every_fact_is_a_passage_with_a_source(loaded_factory: sessionmaker) -> None:
    with loaded_factory() as session:
        texts = passage_texts(session)
        stored = session.execute(select(func.count()).select_from(models.Passage)).scalar()
        kinds = {p.kind for p in texts}
        without_source = [p.key for p in texts if not p.source_id]
    assert stored == len(texts) > 500
    assert {"fact", "role", "skill", "qualification", "entry_route", "move", "related"} <= kinds
    assert without_source == []


def test_indexing_again_embeds_only_changed_texts(loaded_factory: sessionmaker) -> None:
    calls: list[int] = []
    with loaded_factory() as session, session.begin():
        assert index_passages(session, _counting_encoder(calls))[1] == 0
        fact = session.execute(select(models.CareerFact).order_by(models.CareerFact.id)).scalars().first()
        fact.text = fact.text + " Changed."
        total, embedded = index_passages(session, _counting_encoder(calls))
    assert embedded == 1 and calls == [1]
    assert total == len(passage_texts(session))


def test_retrieval_finds_the_passage_that_answers_a_paraphrase(loaded_factory: sessionmaker) -> None:
    with loaded_factory() as session:
        volunteer = [p for p in passage_texts(session) if "volunteer" in p.text.lower()]
        career = session.get(models.Career, volunteer[0].career_id).slug
        hits = retrieve(session, "could doing unpaid work for a charity help me get started?", {career}, 3)
    assert hits and all(h.career == career for h in hits)
    assert any("volunteer" in h.text.lower() for h in hits)
    assert hits[0].score >= hits[-1].score
    assert hits[0].citation.source


def test_word_scores_rank_exact_wording_and_ignore_common_words() -> None:
    assert tokens("What are the skills of the job?") == ["skill", "job"]
    index = PassageIndex.__new__(PassageIndex)
    rows = ["Spreadsheets are used every day.", "Customers come first in shops."]
    index.terms = [__import__("collections").Counter(tokens(r)) for r in rows]
    index.lengths = np.array([sum(t.values()) for t in index.terms], dtype=np.float32)
    index.average = float(index.lengths.mean())
    index.idf = {w: 1.0 for t in index.terms for w in t}
    scores = index.bm25(tokens("do I need spreadsheets?"), np.array([0, 1]))
    assert scores[0] > 0 == scores[1]


def test_no_passages_means_no_hits(session_factory: sessionmaker) -> None:
    with session_factory() as session:
        assert retrieve(session, "anything at all") == []
