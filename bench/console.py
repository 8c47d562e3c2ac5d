"""Adviser console speed on 100,000 generated conversations: indexing, inbox pages, search, transcript."""
from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.paths import BENCH_VAR
from harness import console_events

CONVERSATIONS = 100_000
REPEATS = 7
INBOX = {
    "inbox, first page": "/console/",
    "inbox, middle page (1,000 of 2,000)": "/console/?page={middle}",
    "inbox, channel = telegram": "/console/?channel=telegram",
    "inbox, fallback or low confidence": "/console/?fallback=1",
    "inbox, asked for an adviser": "/console/?handoff=1",
    "inbox, intent = ask_degree": "/console/?intent=ask_degree",
    "inbox, not reviewed, page 20": "/console/?review=unreviewed&page=20",
    "inbox, last 7 days, webchat": "/console/?from={week_ago}&channel=webchat",
}
SEARCH = {
    "search, common word ('apprenticeship')": "/console/?q=apprenticeship",
    "search, two words ('director salary')": "/console/?q=director+salary",
    "search, rare word ('train')": "/console/?q=train",
    "search, no match ('zanzibar')": "/console/?q=zanzibar",
    "search + filters ('promoted', telegram, fallback)": "/console/?q=promoted&channel=telegram&fallback=1",
}
OTHER = {
    "transcript of one conversation": "/console/conversations/gen-{middle_id:06d}",
    "handoff queue": "/console/handoffs",
    "misunderstood messages": "/console/improve",
}


def _time(get: Callable[[str], Any], path: str, repeats: int = REPEATS) -> dict[str, float]:
    """Median, p95 and max milliseconds of GET path (after one warm-up request)."""
    response = get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
            "max_ms": round(times[-1], 1)}


def run(count: int = CONVERSATIONS) -> dict[str, Any]:
    """Generate `count` conversations into a fresh SQLite store, index them and time the pages."""
    work = BENCH_VAR / "console"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    saved = dict(os.environ)
    os.environ.update({"DATABASE_URL": f"sqlite:///{work / 'conversations.db'}", "COACH_VAR_DIR": str(work),
                       "CONSOLE_SECRET_KEY": "bench"})
    try:
        return _measure(work, count)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _measure(work: Path, count: int) -> dict[str, Any]:
    from datetime import datetime, timedelta, timezone

    from bot.shared.settings import get_settings, load_settings
    from bot.web.app import create_app
    from bot.web.console import sessions
    from bot.web.console.accounts import add_account
    from bot.web.console.db import dispose_engines, get_engine, upgrade
    from bot.web.console.stats import compute
    from bot.web.console.sync import sync
    from bot.web.console.tables import rasa_metadata

    get_settings.cache_clear()
    settings = load_settings()
    engine = get_engine(settings.database_url)
    rasa_metadata.create_all(engine)
    upgrade(engine)
    results: dict[str, Any] = {"conversations": count}

    started = time.monotonic()
    results["events"] = console_events.insert_rows(engine, console_events.generate(count, time.time()))
    results["generate_s"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    while sync(engine, budget_seconds=60.0):
        pass
    index_s = time.monotonic() - started
    results["index_s"] = round(index_s, 1)
    results["index_events_per_s"] = round(results["events"] / index_s)
    results["db_mb"] = round(sum(f.stat().st_size for f in work.glob("conversations.db*")) / 1e6)

    account = add_account(engine, "bench@example.org", "bench password 123", is_admin=True)
    client = create_app(settings).test_client()
    with client.session_transaction() as session:  # signed in, as after the login form
        session["account_id"] = account.id
        session["sid"] = sessions.start(engine, account.id, settings.console_session_hours * 3600)
    week_ago = (datetime.now(timezone.utc) - timedelta(days=7)).date().isoformat()
    pages: dict[str, dict[str, float]] = {}
    for group in (INBOX, SEARCH, OTHER):
        for name, path in group.items():
            pages[name] = _time(client.get, path.format(week_ago=week_ago, middle=max(1, count // 100),
                                                                    middle_id=count // 2))
    started = time.perf_counter()
    compute(engine, 30)
    pages["insights, 30 days (uncached)"] = {"median_ms": round((time.perf_counter() - started) * 1000, 1)}
    results["pages"] = pages
    results["inbox_worst_median_ms"] = max(pages[n]["median_ms"] for n in INBOX)
    results["search_worst_median_ms"] = max(pages[n]["median_ms"] for n in SEARCH)
    dispose_engines()
    get_settings.cache_clear()
    return results


def console_tables(results: dict[str, Any]) -> list[str]:
    """The console figures as text tables."""
    from bench.report import table

    part = results.get("console")
    if not isinstance(part, dict):
        return []
    if "error" in part:
        return [f"Console benchmark failed: {part['error']}\n"]
    head = (f"Adviser console: {part['conversations']:,} conversations, {part['events']:,} events "
            f"(SQLite {part['db_mb']} MB); indexed in {part['index_s']} s ({part['index_events_per_s']:,} events/s)")
    return [table(head, ["page", "median ms", "p95 ms", "max ms"],
                  [[name, t.get("median_ms"), t.get("p95_ms", ""), t.get("max_ms", "")]
                   for name, t in part["pages"].items()])]
