"""Embedding prefetch: batches concurrent requests, hands each vector out once, never changes results."""
from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.nlu.prefetch import EmbeddingPrefetcher, worth_prefetching
from bot.rasa.nlu.sentence_embeddings import MiniLMSentenceFeaturizer
from knowledge.embedding import default_encoder


class SlowEncoder:
    """Encodes text as [len(text), batch size], slowly, and records each batch and its thread."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        self.threads.add(threading.current_thread().name)
        threading.Event().wait(0.05)
        return np.array([[len(t), len(texts)] for t in texts], dtype=np.float32)


def test_requests_arriving_during_a_batch_are_encoded_together_off_the_event_loop() -> None:
    encoder = SlowEncoder()
    prefetcher = EmbeddingPrefetcher(encoder)

    async def main() -> None:
        await asyncio.gather(*(prefetcher.prefetch(f"question {i}") for i in range(7)))

    asyncio.run(main())
    assert sum(len(b) for b in encoder.batches) == 7
    assert len(encoder.batches) < 7
    assert threading.current_thread().name not in encoder.threads
    assert prefetcher.kept() == 7


def test_each_vector_is_taken_once_and_duplicates_are_kept_separately() -> None:
    prefetcher = EmbeddingPrefetcher(SlowEncoder())

    async def main() -> None:
        await asyncio.gather(prefetcher.prefetch("hi"), prefetcher.prefetch("hi"))

    asyncio.run(main())
    assert prefetcher.take("hi") is not None
    assert prefetcher.take("hi") is not None
    assert prefetcher.take("hi") is None
    assert prefetcher.take("never asked") is None
    assert prefetcher.kept() == 0


def test_the_oldest_unclaimed_vectors_are_dropped_beyond_the_limit() -> None:
    prefetcher = EmbeddingPrefetcher(SlowEncoder(), max_kept=3)

    async def main() -> None:
        for i in range(5):
            await prefetcher.prefetch(f"text {i}")

    asyncio.run(main())
    assert prefetcher.kept() == 3
    assert prefetcher.take("text 0") is None
    assert prefetcher.take("text 4") is not None


def test_a_failing_encoder_releases_the_waiters_and_keeps_nothing() -> None:
    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("boom")

    prefetcher = EmbeddingPrefetcher(broken)
    asyncio.run(asyncio.wait_for(prefetcher.prefetch("hello"), timeout=5))
    assert prefetcher.take("hello") is None


@pytest.mark.parametrize(("text", "expected"), [("hello", True), ("  ", False),
                                                 ('/ask_salary{"level": "mid"}', False)])
def test_only_texts_the_nlu_pipeline_featurizes_are_prefetched(text: str, expected: bool) -> None:
    assert worth_prefetching(text) is expected


def test_the_featurizer_gives_the_same_features_with_or_without_a_prefetch() -> None:
    featurizer = MiniLMSentenceFeaturizer(MiniLMSentenceFeaturizer.get_default_config(), "minilm")
    prefetcher = EmbeddingPrefetcher(default_encoder().encode)
    asyncio.run(prefetcher.prefetch("how much does a director earn"))
    plain = Message(data={TEXT: "how much does a director earn"})
    fetched = Message(data={TEXT: "how much does a director earn"})
    featurizer._featurise([plain])
    featurizer._featurise([fetched], prefetcher)
    assert prefetcher.kept() == 0
    a, b = plain.features[0].features, fetched.features[0].features
    assert a.shape == b.shape == (1, 384)
    assert np.allclose(a, b, atol=1e-6)
