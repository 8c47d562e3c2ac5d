"""The production profile against the embedded default: throughput, CPU and memory per process, kill-to-reroute.

On this machine, one after another: the embedded default as the load part serves it (one Rasa
server, its action server, SQLite), then `harness.production.production_profile` with 1 and with
2 Rasa servers (PostgreSQL, Redis, HAProxy, the web process). Each gets the load part's REST client
(bench/client.py) at 20 and at 100 concurrent conversations of 10 messages (the profile through
HAProxy), the median round reported. Around each load the CPU time of every process of the profile
is read from /proc (PostgreSQL with all its backends) and divided by the messages sent; each
process's resident memory is read after the loads. With 2 servers, bench/reroute.py then kills
rasa-1 under a steady web chat load. The load client runs in this process, on the same two cores.
"""
from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any, Optional

from bench.client import sequential_load
from bench.conversations import CAREER_CONVERSATION
from bench.load import APOLOGIES, embedded_stack
from bench.report import table
from bench.reroute import measure_reroute
from bench.resources import cpu_seconds, rss_bytes
from bench.throughput import MB, load_rounds, measure_concurrent
from harness.production import Profile, production_profile
from harness.rest_client import webhook_url

LEVELS: tuple[tuple[int, int], ...] = ((20, 3), (100, 3))   # (concurrent conversations, rounds)
SERVER_COUNTS = (1, 2)
CLIENT = "bench client"   # this process: the load generator


def process_names(servers: int) -> list[str]:
    """The profile's processes with `servers` Rasa servers, by their pid-file names."""
    return ([f"rasa-{n}" for n in range(1, servers + 1)] + [f"actions-{n}" for n in range(1, servers + 1)]
            + ["postgres", "redis", "haproxy", "web"])


def per_message_ms(before: dict[str, float], after: dict[str, float], messages: int) -> dict[str, Optional[float]]:
    """CPU milliseconds per message of each process between two readings (None when not read both times)."""
    return {name: round((after[name] - before[name]) * 1000 / messages, 2)
            if messages and name in after and before.get(name) is not None else None
            for name in before}


def cores_cap(cpu_ms: dict[str, Optional[float]]) -> Optional[float]:
    """Messages per second two cores could serve at most if the processes in `cpu_ms` were all that ran."""
    total = sum(v for v in cpu_ms.values() if v)
    return round(2 * 1000 / total, 1) if total else None


def _cpu(profile: Profile, names: Sequence[str]) -> dict[str, float]:
    readings = {CLIENT: time.process_time()}
    for name in names:
        pid = profile.pid(name)
        if pid is not None:
            readings[name] = cpu_seconds(pid)
    return readings


def _rss_mb(profile: Profile, names: Sequence[str]) -> dict[str, Optional[float]]:
    pids = {name: profile.pid(name) for name in names}
    return {name: round(rss_bytes(pid) / MB, 1) if pid else None for name, pid in pids.items()}


def _brief(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("conversations", "rounds", "messages", "total_messages", "msgs_per_s", "round_msgs_per_s",
            "p50_ms", "p95_ms", "max_ms", "errors", "error_examples", "all_stored")
    return {key: summary[key] for key in keys if key in summary}


def measure_embedded() -> dict[str, Any]:
    """The embedded default at each level, exactly as the load part measures it."""
    load = os.getloadavg()[0]
    with embedded_stack("production-embedded") as stack:
        sequential_load(webhook_url(stack.rasa.port), CAREER_CONVERSATION, 1, "bench-prod-warm", APOLOGIES)
        levels = {}
        for conversations, rounds in LEVELS:
            started = time.process_time()
            result = measure_concurrent(stack.rasa, stack.tracker_db, CAREER_CONVERSATION,
                                        f"bench-prod-embedded-{conversations}", APOLOGIES, helpers=[stack.actions],
                                        conversations=conversations, rounds=rounds)
            client = round((time.process_time() - started) * 1000 / result["total_messages"], 2)
            levels[str(conversations)] = {
                **_brief(result),
                "cpu_ms_per_msg": {"rasa-1": result["rasa_cpu_ms_per_msg"],
                                   "actions-1": result["helper_cpu_ms_per_msg"][stack.actions.name],
                                   CLIENT: client}}
        rss = {"rasa-1": round(rss_bytes(stack.rasa.process.pid) / MB, 1),
               "actions-1": round(rss_bytes(stack.actions.process.pid) / MB, 1)}
    return {"servers": 1, "load_average_before": round(load, 2), "startup_seconds": round(stack.ready_seconds, 1),
            "levels": levels, "rss_mb": rss}


def measure_profile(servers: int, reroute: bool) -> dict[str, Any]:
    """The production profile with `servers` Rasa servers at each level; then kill-to-reroute if asked."""
    started, load = time.monotonic(), os.getloadavg()[0]
    with production_profile(servers) as profile:
        ready = time.monotonic() - started
        names = process_names(servers)
        url = f"{profile.layout.balancer_url}/webhooks/rest/webhook"
        sequential_load(url, CAREER_CONVERSATION, 1, "bench-prod-warm", APOLOGIES)
        levels = {}
        for conversations, rounds in LEVELS:
            before = _cpu(profile, names)
            summary, _ = load_rounds(url, CAREER_CONVERSATION, f"bench-prod-{servers}-{conversations}",
                                     APOLOGIES, conversations, rounds)
            cpu_ms = per_message_ms(before, _cpu(profile, names), summary["total_messages"])
            levels[str(conversations)] = {**_brief(summary), "cpu_ms_per_msg": cpu_ms}
        result: dict[str, Any] = {"servers": servers, "load_average_before": round(load, 2),
                                  "ready_seconds": round(ready, 1), "levels": levels,
                                  "rss_mb": _rss_mb(profile, names)}
        if reroute:
            result["reroute"] = measure_reroute(profile)
    return result


def run() -> dict[str, Any]:
    """The embedded default, then the profile with 1 and 2 Rasa servers (kill-to-reroute on the last)."""
    results: dict[str, Any] = {"levels": [{"conversations": c, "rounds": r} for c, r in LEVELS],
                               "embedded": measure_embedded()}
    for servers in SERVER_COUNTS:
        results[f"profile_{servers}"] = measure_profile(servers, reroute=servers == max(SERVER_COUNTS))
    return results


# -- tables ------------------------------------------------------------------------------------------------

def _setups(part: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    names = [("embedded default", "embedded")] + [(f"profile, {n} Rasa server{'s' * (n > 1)}", f"profile_{n}")
                                                  for n in SERVER_COUNTS]
    return [(label, part[key]) for label, key in names if isinstance(part.get(key), dict)]


def _level_rows(part: dict[str, Any]) -> list[list[object]]:
    rows = []
    for label, setup in _setups(part):
        for level, figures in setup.get("levels", {}).items():
            rows.append([label, level, figures.get("rounds"), figures.get("msgs_per_s"),
                         figures.get("round_msgs_per_s"), figures.get("p50_ms"), figures.get("p95_ms"),
                         figures.get("max_ms"), figures.get("errors")])
    return rows


def _process_rows(part: dict[str, Any]) -> tuple[list[str], list[list[object]]]:
    columns: list[tuple[str, dict[str, Any]]] = []
    for label, setup in _setups(part):
        short = "embedded" if "embedded" in label else f"{setup['servers']} srv"
        columns += [(f"{short} @{level} ms/msg", figures["cpu_ms_per_msg"])
                    for level, figures in setup.get("levels", {}).items()]
        columns.append((f"{short} RSS MB", setup.get("rss_mb", {})))
    names = process_names(max(SERVER_COUNTS)) + [CLIENT]
    rows = [[name, *(values.get(name) for _, values in columns)] for name in names]
    caps = [cores_cap(values) if "ms/msg" in title else None for title, values in columns]
    rows.append(["2 cores / all of the above: msg/s cap", *caps])
    return ["process", *(title for title, _ in columns)], rows


def _sizing_rows(part: dict[str, Any]) -> list[list[object]]:
    top = part.get(f"profile_{max(SERVER_COUNTS)}") or {}
    level = str(max(c for c, _ in LEVELS))
    figures = top.get("levels", {}).get(level, {})
    cpu, rss, servers = figures.get("cpu_ms_per_msg", {}), top.get("rss_mb", {}), top.get("servers", 1)

    def mean(prefix: str, values: dict[str, Any]) -> Optional[float]:
        found = [v for k, v in values.items() if k.startswith(prefix) and v is not None]
        return round(sum(found) / len(found), 1) if found else None

    rows = []
    per_server = round(figures["msgs_per_s"] / servers, 1) if figures.get("msgs_per_s") else None
    rows.append(["msgs/s per Rasa server (measured, shared cores)", per_server])
    for label, prefix in (("Rasa server", "rasa-"), ("action server", "actions-"), ("PostgreSQL", "postgres"),
                          ("Redis", "redis"), ("HAProxy", "haproxy")):
        total = sum(v for k, v in cpu.items() if k.startswith(prefix) and v) or None
        rows.append([f"{label}: CPU ms per message (all of them)", total])
        if total:
            rows.append([f"{label}: msgs/s one core sustains", round(1000 / total, 1)])
        rows.append([f"{label}: RSS MB each", mean(prefix, rss)])
    return rows


def _reroute_rows(reroute: dict[str, Any]) -> list[list[object]]:
    return [["HAProxy marks it DOWN after s", reroute.get("down_s")],
            ["the supervisor starts it again after s", reroute.get("restarted_s")],
            ["HAProxy marks it UP again after s", reroute.get("up_s")],
            ["it gets traffic again after s", reroute.get("traffic_again_s")],
            ["HAProxy re-sent / to another server (requests)",
             f"{reroute.get('haproxy_retries')} / {reroute.get('haproxy_redispatches')}"],
            ["messages sent", reroute.get("messages")],
            ["messages with an error (any attempt)", reroute.get("with_error")],
            ["messages retried (same id)", reroute.get("retried")],
            ["unanswered after all retries", reroute.get("unanswered_after_retries")],
            ["answered with the apology", reroute.get("apologies")],
            ["lost (no answer in the history)", reroute.get("lost")],
            ["kinds of error", ", ".join(reroute.get("problems") or []) or "-"],
            ["reply p50 / p95 ms (all), max after the kill",
             f"{reroute.get('p50_ms')} / {reroute.get('p95_ms')}, {reroute.get('max_ms_after_kill')}"]]


def production_tables(results: dict[str, Any]) -> list[str]:
    """The production part's tables: throughput per setup and level, CPU and memory per process, sizing, reroute."""
    part = results.get("production")
    if not isinstance(part, dict):
        return []
    if "error" in part:
        return [f"Production profile failed: {part['error']}\n"]
    levels = ", ".join(f"{c} conversations x {r} round{'s' * (r > 1)}" for c, r in LEVELS)
    fewer = " (fewer rounds at the higher level, to keep the part short)" if LEVELS[-1][1] < LEVELS[0][1] else ""
    out = [table(f"Production profile: REST load through HAProxy (embedded: straight to Rasa), 10 messages per "
                 f"conversation; {levels}{fewer}; median round",
                 ["setup", "concurrent", "rounds", "msgs/s", "msgs/s each round", "p50 ms", "p95 ms", "max ms",
                  "errors"], _level_rows(part))]
    headers, rows = _process_rows(part)
    out.append(table("Production profile: CPU ms per message by process (each process's CPU over all messages "
                     "sent, so two Rasa servers share them; PostgreSQL with its backends; RSS after the loads, "
                     "with children; the stack's 1-minute load average before: "
                     + ", ".join(f"{label} {setup.get('load_average_before')}" for label, setup in _setups(part))
                     + ")", headers, rows))
    out.append(table(f"Production profile: per-server figures a bigger machine multiplies "
                     f"({max(SERVER_COUNTS)} Rasa servers, {max(c for c, _ in LEVELS)} concurrent)",
                     ["figure", "value"], _sizing_rows(part)))
    out.append(scaling_note(part))
    reroute = dig_reroute(part)
    if reroute:
        out.append(table(f"Production profile: kill -9 {reroute.get('killed')} under {reroute.get('conversations')} "
                         "web chat conversations through HAProxy (seconds from the kill)",
                         ["what", "value"], _reroute_rows(reroute)))
    return out


def scaling_note(part: dict[str, Any]) -> str:
    """Where two cores cap the gain of a second Rasa server, with the measured ratio at each level."""
    ratios = []
    for conversations, _ in LEVELS:
        one, two = (dig_level(part, f"profile_{n}", conversations) for n in (1, 2))
        if one.get("msgs_per_s") and two.get("msgs_per_s"):
            ratios.append(f"{two['msgs_per_s'] / one['msgs_per_s']:.2f}x at {conversations}")
    measured = f" (measured: 2 servers / 1 server msgs/s = {', '.join(ratios)})" if ratios else ""
    return ("Note: this machine has 2 cores; two Rasa servers compete for them with PostgreSQL, the action servers "
            f"and the load client (this process, 'bench client' above), so a second server cannot double the "
            f"throughput here{measured}. On a bigger machine, multiply the per-server figures: about one core "
            "per Rasa server plus the action servers' and PostgreSQL's CPU per message.\n")


def dig_level(part: dict[str, Any], setup: str, conversations: int) -> dict[str, Any]:
    """One setup's figures at one level ({} when it did not run)."""
    found = ((part.get(setup) or {}).get("levels") or {}).get(str(conversations))
    return found if isinstance(found, dict) else {}


def dig_reroute(part: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The kill-to-reroute figures of the last profile, if it ran."""
    found = (part.get(f"profile_{max(SERVER_COUNTS)}") or {}).get("reroute")
    return found if isinstance(found, dict) else None
