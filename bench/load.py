"""Career Coach speed: reply times, concurrent throughput, storage and memory of real servers."""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.client import sequential_load
from bench.conversations import CAREER_CONVERSATION, CAREER_READINESS_QUESTION, SINGLE_REPEATS
from bench.resources import rss_bytes
from bench.throughput import MB, measure_concurrent
from bot.rasa.channels.guard import TROUBLE_REPLY
from harness.action_server import action_endpoint, action_server, new_action_token
from harness.paths import CREDENTIALS_PATH, ENDPOINTS_PATH, MODEL_PATH
from harness.processes import Server, free_ports
from harness.rasa import rasa_server, rasa_server_args, wait_until_answering, write_endpoints
from harness.rest_client import webhook_url

# The guarded REST channel apologises instead of staying silent; that is not an answer.
APOLOGIES = frozenset({TROUBLE_REPLY})


def career_endpoints(action_port: int) -> dict[str, Any]:
    """endpoints.yml's tracker store, and its action endpoint (with the token header) on the bench's port."""
    project = yaml.safe_load(ENDPOINTS_PATH.read_text()) or {}
    return {"action_endpoint": action_endpoint(action_port), "tracker_store": project["tracker_store"]}


@dataclass
class EmbeddedStack:
    """The embedded default as the load part serves it: one Rasa server, its action server, a SQLite store."""

    rasa: Server
    actions: Server
    tracker_db: Path
    ready_seconds: float


@contextmanager
def embedded_stack(prefix: str = "load") -> Iterator[EmbeddedStack]:
    """Serve models/careers.tar.gz with its action server on a temporary SQLite store until the block ends."""
    if not MODEL_PATH.exists():
        raise FileNotFoundError(f"{MODEL_PATH} is missing: run `make train` first")
    with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-") as tmp:
        tracker_db = Path(tmp) / "conversations.db"
        # Every conversation comes from 127.0.0.1, which per-address limits leave alone. One BLAS thread
        # per process unless the caller says otherwise, as the Makefile and the production profile set it.
        env = {"DATABASE_URL": f"sqlite:///{tracker_db}", "SANIC_HOST": "127.0.0.1", **new_action_token(),
               **{name: os.environ.get(name, "1") for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
        action_port, rasa_port = free_ports(2)
        endpoints = write_endpoints(Path(tmp) / "endpoints.yml", career_endpoints(action_port))
        started = time.monotonic()
        # Rasa first: it loads while the action server starts and is waited for.
        with rasa_server(f"{prefix}-rasa", rasa_server_args(MODEL_PATH, rasa_port, CREDENTIALS_PATH,
                                                            endpoints), rasa_port, env) as rasa, \
             action_server(f"{prefix}-actions", action_port, env) as actions:
            wait_until_answering(rasa, CAREER_READINESS_QUESTION, APOLOGIES)
            yield EmbeddedStack(rasa, actions, tracker_db, time.monotonic() - started)


def run() -> dict[str, Any]:
    """Serve models/careers.tar.gz with its action server and measure it."""
    with embedded_stack() as stack:
        single = sequential_load(webhook_url(stack.rasa.port), CAREER_CONVERSATION,
                                 SINGLE_REPEATS, "bench-single", APOLOGIES)
        concurrent = measure_concurrent(stack.rasa, stack.tracker_db, CAREER_CONVERSATION,
                                        "bench-load", APOLOGIES, helpers=[stack.actions])
        actions_rss = round(rss_bytes(stack.actions.process.pid) / MB, 1)
    return {"startup_seconds": round(stack.ready_seconds, 1), "single": single,
            "concurrent": concurrent, "action_server_rss_mb": actions_rss}
