"""Sentence embeddings computed ahead of the NLU graph, in batches, on a worker thread.

Rasa runs the NLU graph synchronously on the server's event loop, one message at a time, and
the MiniLM encoder costs the same whether it encodes one sentence or several: most of its time
goes on streaming the weights, not on the tokens. So the channels ask for a message's embedding
before handing the message to Rasa; requests that arrive while a batch is being encoded form the
next batch, and the encoding runs on a worker thread (numpy releases the GIL), leaving the event
loop free for other conversations. The featurizer takes the vector if it is there and computes
it itself otherwise, so results never depend on the prefetch.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import numpy as np

logger = logging.getLogger(__name__)
Encode = Callable[[list[str]], np.ndarray]


class EmbeddingPrefetcher:
    """Batches embedding requests onto one worker thread and keeps results until taken."""

    def __init__(self, encode: Encode, max_batch: int = 32, max_kept: int = 512) -> None:
        """`encode` maps a list of texts to one embedding row per text."""
        self._encode = encode
        self._max_batch = max_batch
        self._max_kept = max_kept
        self._pending: list[tuple[str, asyncio.Future[None]]] = []
        self._kept: OrderedDict[str, list[np.ndarray]] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()
        self._executor: Optional[ThreadPoolExecutor] = None
        self._worker: Optional[asyncio.Task[None]] = None
        self.batches = 0

    async def prefetch(self, text: str) -> None:
        """Encode `text` with whatever else is waiting; return when its embedding is kept."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((text, done))
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embeddings")
        while self._pending:
            batch = self._pending[:self._max_batch]
            del self._pending[:self._max_batch]
            texts = [text for text, _ in batch]
            try:
                vectors: Optional[np.ndarray] = await loop.run_in_executor(self._executor, self._encode, texts)
            except Exception:  # noqa: BLE001 - the featurizer computes the embedding itself instead
                logger.exception("Prefetching %d sentence embeddings failed.", len(texts))
                vectors = None
            self.batches += 1
            if vectors is not None:
                self._keep(texts, vectors)
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _keep(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._kept.setdefault(text, []).append(vector)
                self._kept.move_to_end(text)
                self._count += 1
            while self._count > self._max_kept:
                _, dropped = self._kept.popitem(last=False)
                self._count -= len(dropped)

    def take(self, text: str) -> Optional[np.ndarray]:
        """The embedding prefetched for `text`, handed out once; None if there is none."""
        with self._lock:
            vectors = self._kept.get(text)
            if not vectors:
                return None
            vector = vectors.pop()
            self._count -= 1
            if not vectors:
                del self._kept[text]
            return vector

    def kept(self) -> int:
        """How many prefetched embeddings wait to be taken."""
        with self._lock:
            return self._count


def _encode_with_default_encoder(texts: list[str]) -> np.ndarray:
    from knowledge.embedding import default_encoder

    return default_encoder().encode(texts)


PREFETCHER = EmbeddingPrefetcher(_encode_with_default_encoder)


def worth_prefetching(text: str) -> bool:
    """Texts the NLU pipeline will featurize: not empty, not an `/intent` payload."""
    return bool(text.strip()) and not text.startswith("/")
