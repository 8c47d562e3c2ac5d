"""Concurrent conversations against a running Rasa server, checked against its tracker store."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from bench.client import concurrent_load, webhook_url
from bench.conversations import CONCURRENT_CONVERSATIONS
from bench.servers import Server, cpu_seconds, ensure_alive, rss_bytes
from bench.trackerdb import verify_stored

MB = 1024 * 1024


def measure_concurrent(server: Server, tracker_db: Path, messages: Sequence[str], prefix: str,
                       apologies: Collection[str] = (), helpers: Sequence[Server] = (),
                       conversations: int = CONCURRENT_CONVERSATIONS) -> dict[str, Any]:
    """Run the concurrent load, verify every user message was stored, then read server RSS.

    Also reports the CPU milliseconds per message that the Rasa server and each helper
    server (the action server) spent, to show where the time goes.
    """
    watched = [server, *helpers]
    cpu_before = [cpu_seconds(s.process.pid) for s in watched]
    summary, senders = concurrent_load(webhook_url(server.port), messages, conversations,
                                       prefix, apologies)
    for each in watched:
        ensure_alive(each)
    cpu_ms = {s.name: round((cpu_seconds(s.process.pid) - before) * 1000 / summary["messages"], 1)
              for s, before in zip(watched, cpu_before, strict=True)}
    stored = verify_stored(tracker_db, senders, expected=len(messages))
    return {**summary, **stored, "rasa_rss_mb": round(rss_bytes(server.process.pid) / MB, 1),
            "rasa_cpu_ms_per_msg": cpu_ms[server.name],
            "helper_cpu_ms_per_msg": {s.name: cpu_ms[s.name] for s in helpers}}
