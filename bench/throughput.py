"""Concurrent conversations against a running Rasa server, checked against its tracker store."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from bench.client import concurrent_load
from bench.conversations import CONCURRENT_CONVERSATIONS, CONCURRENT_ROUNDS
from bench.resources import cpu_seconds, rss_bytes
from bench.trackerdb import verify_stored
from bot.shared.conversation_ids import rest_conversation
from harness.processes import Server, ensure_alive
from harness.rest_client import webhook_url

MB = 1024 * 1024


def measure_concurrent(server: Server, tracker_db: Path, messages: Sequence[str], prefix: str,
                       apologies: Collection[str] = (), helpers: Sequence[Server] = (),
                       conversations: int = CONCURRENT_CONVERSATIONS,
                       rounds: int = CONCURRENT_ROUNDS) -> dict[str, Any]:
    """Run the concurrent load `rounds` times, report the median round, verify storage, read RSS.

    Each round is a fresh set of conversations; the round with the median throughput is
    reported (a 200-message round lasts seconds, so one stray process can skew one round),
    with every round's msgs/s alongside. Also reports the CPU milliseconds per message that
    the Rasa server and each helper server (the action server) spent over all rounds.
    """
    watched = [server, *helpers]
    cpu_before = [cpu_seconds(s.process.pid) for s in watched]
    summary, senders = load_rounds(webhook_url(server.port), messages, prefix, apologies, conversations, rounds)
    for each in watched:
        ensure_alive(each)
    cpu_ms = {s.name: round((cpu_seconds(s.process.pid) - before) * 1000 / summary["total_messages"], 1)
              for s, before in zip(watched, cpu_before, strict=True)}
    stored = verify_stored(tracker_db, [rest_conversation(s) for s in senders], expected=len(messages))
    return {**summary, **stored, "rasa_rss_mb": round(rss_bytes(server.process.pid) / MB, 1),
            "rasa_cpu_ms_per_msg": cpu_ms[server.name],
            "helper_cpu_ms_per_msg": {s.name: cpu_ms[s.name] for s in helpers}}


def load_rounds(url: str, messages: Sequence[str], prefix: str, apologies: Collection[str] = (),
                conversations: int = CONCURRENT_CONVERSATIONS,
                rounds: int = CONCURRENT_ROUNDS) -> tuple[dict[str, Any], list[str]]:
    """`rounds` rounds of `conversations` concurrent conversations at `url`: the median round, and every sender.

    The summary is the round with the median throughput, with every round's msgs/s, the errors
    of all rounds (and the first examples), and the messages of all rounds (`total_messages`) alongside.
    """
    results = [concurrent_load(url, messages, conversations, f"{prefix}-{n}", apologies) for n in range(rounds)]
    by_throughput = sorted((summary for summary, _ in results), key=lambda r: r["msgs_per_s"] or 0)
    summary = {**by_throughput[len(by_throughput) // 2], "rounds": rounds,
               "round_msgs_per_s": [r["msgs_per_s"] for r, _ in results],
               "errors": sum(r["errors"] for r, _ in results),
               "error_examples": [e for r, _ in results for e in r.get("error_examples", [])][:5],
               "total_messages": sum(r["messages"] for r, _ in results)}
    return summary, [sender for _, round_senders in results for sender in round_senders]
