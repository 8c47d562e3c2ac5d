"""The console's index with two Rasa servers writing to one PostgreSQL at once (bot/web/console/sync.py).

Two writer processes save turns of many conversations through the project's SQL tracker store
(EnvSQLTrackerStore, patched as the server runs it), each pausing a random moment between its
insert and its commit so transactions commit out of id order; one writer also holds a turn's
transaction open until a sync has read past its ids (which are then gaps). Meanwhile a sync
process and a sync thread (two web processes) index repeatedly. Afterwards every event is in
the console's tables exactly once: each message once, each conversation's turns counted once,
no gap, nothing skipped, the cursor at the last event.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import random
import subprocess
import threading
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Event as EventType
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine

from bot.rasa.stores.tracker_store import EnvSQLTrackerStore
from bot.web.console.db import dispose_engines, get_engine, upgrade
from bot.web.console.integrity import check
from bot.web.console.sync import CURSOR, sync
from bot.web.console.tables import conversations, events, messages, sync_gaps, sync_skipped, sync_state
from tests.support.missing import missing
from tests.support.postgres import temporary_postgres

CONVERSATIONS = 25  # per writer
TURNS = 3  # per conversation: a user message, an action and a reply, saved in one transaction
EVENTS_PER_TURN = 3
JITTER_SECONDS = 0.01  # the most a writer waits between its insert and its commit
HOLD_AT_COMMIT = 10  # writer A keeps this commit's transaction open until told to go on
DEADLINE_SECONDS = 40.0
FORK = multiprocessing.get_context("fork")  # the children inherit the patched Rasa, already imported


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL with the console's tables."""
    try:
        server = temporary_postgres()
        url = server.__enter__()
    except FileNotFoundError:
        missing("PostgreSQL", "postgresql")
    except (KeyError, subprocess.SubprocessError) as exc:
        pytest.fail(f"PostgreSQL did not start: {exc}")
    try:
        # Rasa creates `events` when it starts (two writers starting together would race to).
        EnvSQLTrackerStore(host=url, domain=Domain.empty()).engine.dispose()
        upgrade(get_engine(url))
        yield url
    finally:
        dispose_engines()
        server.__exit__(None, None, None)


def write_conversations(url: str, writer: str, holding: EventType, release: EventType | None) -> None:
    """One Rasa server: turns of CONVERSATIONS conversations saved through the SQL tracker store.

    With `release`, the HOLD_AT_COMMIT-th transaction stays open (`holding` set) until `release`
    is set; without, the last turns wait until the other writer holds its transaction, so they
    are committed with later ids while it is open.
    """
    store = EnvSQLTrackerStore(host=url, domain=Domain.empty())
    commits, rng = 0, random.Random(writer)

    @event.listens_for(store.engine, "commit")
    def before_commit(_connection: Any) -> None:  # the rows are inserted, not yet visible
        nonlocal commits
        commits += 1
        if release is not None and commits == HOLD_AT_COMMIT:
            holding.set()
            if not release.wait(DEADLINE_SECONDS):
                raise RuntimeError("never released")
        else:
            time.sleep(rng.uniform(0, JITTER_SECONDS))

    async def turns() -> None:
        trackers = {n: DialogueStateTracker(f"{writer}-{n}", []) for n in range(CONVERSATIONS)}
        for turn in range(TURNS):
            if release is None and turn == TURNS - 1 and not holding.wait(DEADLINE_SECONDS):
                raise RuntimeError("the other writer never held its transaction")
            for tracker in trackers.values():
                tracker.update(UserUttered(f"question {turn} of {tracker.sender_id}",
                                           {"name": "ask_salary", "confidence": 0.9}, input_channel="rest"))
                tracker.update(ActionExecuted("action_tell_salary"))
                tracker.update(BotUttered(f"answer {turn} to {tracker.sender_id}"))
                await store.save(tracker)

    asyncio.run(turns())


def keep_syncing(url: str, stop: EventType) -> None:
    """A second web process indexing until told to stop (its own engine: the inherited one is the parent's)."""
    engine = create_engine(url, future=True)
    rng = random.Random("syncer")
    while not stop.is_set():
        sync(engine, budget_seconds=0.5)
        time.sleep(rng.uniform(0, 0.01))
    engine.dispose()


def held_gaps(engine: Engine) -> int:
    """Ids the sync read past that no committed event has (a transaction still open holds them)."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(sync_gaps).where(
            ~select(events.c.id).where(events.c.id == sync_gaps.c.event_id).exists())).scalar() or 0)


def test_two_writers_committing_out_of_id_order_are_indexed_exactly_once(pg_url: str) -> None:
    engine = get_engine(pg_url)
    holding, release, stop = FORK.Event(), FORK.Event(), FORK.Event()
    started = time.monotonic()
    syncer = FORK.Process(target=keep_syncing, args=(pg_url, stop), daemon=True)
    writers = [FORK.Process(target=write_conversations, args=(pg_url, "server-a", holding, release), daemon=True),
               FORK.Process(target=write_conversations, args=(pg_url, "server-b", holding, None), daemon=True)]
    here_stop, here_errors = threading.Event(), []

    def sync_here() -> None:
        while not here_stop.is_set():
            try:
                sync(engine, budget_seconds=0.5)
            except Exception as exc:  # noqa: BLE001 - reported by the test below
                here_errors.append(exc)
            time.sleep(0.003)

    syncing_here = threading.Thread(target=sync_here, daemon=True)
    try:
        for process in (syncer, *writers):
            process.start()
        syncing_here.start()
        assert holding.wait(DEADLINE_SECONDS), "writer A never reached the commit it holds"
        # Writer B commits later ids meanwhile; a sync reads past the held ones and remembers them.
        while held_gaps(engine) < EVENTS_PER_TURN and time.monotonic() - started < DEADLINE_SECONDS:
            time.sleep(0.02)
        gaps_while_held = held_gaps(engine)
        release.set()
        for writer in writers:
            writer.join(DEADLINE_SECONDS)
        assert [w.exitcode for w in writers] == [0, 0]
    finally:
        release.set()
        stop.set()
        here_stop.set()
        syncer.join(DEADLINE_SECONDS)
        syncing_here.join(DEADLINE_SECONDS)
        for process in (syncer, *writers):
            if process.is_alive():
                process.kill()
    assert syncer.exitcode == 0 and here_errors == []
    assert gaps_while_held == EVENTS_PER_TURN  # the held turn's ids were read past, as gaps
    while sync(engine):
        pass

    with engine.connect() as connection:
        stored = connection.execute(select(events.c.id, events.c.sender_id, events.c.type_name)).all()
        indexed = connection.execute(select(messages.c.event_id, messages.c.sender_id)).all()
        turns = dict(connection.execute(select(conversations.c.sender_id, conversations.c.turns)).all())
        cursor = connection.execute(select(sync_state.c.value).where(sync_state.c.name == CURSOR)).scalar()
        gaps = connection.execute(select(func.count()).select_from(sync_gaps)).scalar()
        skipped = connection.execute(select(func.count()).select_from(sync_skipped)).scalar()
    senders = {f"server-{w}-{n}" for w in "ab" for n in range(CONVERSATIONS)}
    assert len(stored) == len(senders) * TURNS * EVENTS_PER_TURN
    assert sorted(map(tuple, indexed)) == sorted((r.id, r.sender_id) for r in stored if r.type_name in ("user", "bot"))
    assert turns == {sender: TURNS for sender in senders}  # no turn folded twice, none left out
    assert cursor == max(r.id for r in stored) and gaps == 0 and skipped == 0
    assert check(engine).ok
    assert time.monotonic() - started < DEADLINE_SECONDS
