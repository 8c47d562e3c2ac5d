"""The console on PostgreSQL: migrations, indexing, full-text search, filters, insights, erasure."""
from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from bot.web.console import casework, queries, stats
from bot.web.console.accounts import add_account, authenticate
from bot.web.console.db import current_revision, dispose_engines, get_engine, head_revision, upgrade
from bot.web.console.filters import parse_filters
from bot.web.console.privacy import erase
from bot.web.console.sync import sync
from bot.web.console.tables import rasa_metadata
from harness import console_events as ev
from tests.support.postgres import temporary_postgres


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[object]:
    server = temporary_postgres()
    try:
        url = server.__enter__()
    except (FileNotFoundError, KeyError, subprocess.SubprocessError) as exc:
        pytest.skip(f"no local PostgreSQL to start ({exc})")
    try:
        engine = get_engine(url)
        rasa_metadata.create_all(engine)
        yield engine
    finally:
        dispose_engines()
        server.__exit__(None, None, None)


def test_the_console_works_on_postgresql(pg_engine):
    engine = pg_engine
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    now = time.time()
    ev.insert_rows(engine, [
        ev.user("pg-1", now - 60, "how much does a director earn?", "ask_salary", 0.9, "telegram"),
        ev.bot("pg-1", now - 59, "A director earns up to £100,000."),
        ev.user("pg-2", now - 30, "apprenticeships near me? mail x@example.com", "ask_apprenticeships", 0.5, "webchat"),
        ev.slot("pg-2", now - 29, "handoff_requested", True),
    ])
    assert sync(engine) == 4

    def ids(**args: str) -> list[str]:
        with engine.connect() as c:
            return [r.summary["sender_id"] for r in queries.inbox_page(c, parse_filters(args), 0).rows]

    assert ids() == ["pg-2", "pg-1"]
    assert ids(q="directors earning") == ["pg-1"]  # English stemming
    assert ids(q="apprenticeship") == ["pg-2"]
    assert ids(channel="telegram") == ["pg-1"] and ids(fallback="1") == ["pg-2"] and ids(handoff="1") == ["pg-2"]
    assert ids(intent="ask_salary") == ["pg-1"]
    ada = add_account(engine, "ada@example.org", "correct horse battery", True)
    assert authenticate(engine, "ada@example.org", "correct horse battery").account is not None
    casework.add_tag(engine, "pg-1", ada.id, "pay")
    casework.set_reviewed(engine, "pg-1", ada.id, True)
    assert ids(tag="pay") == ["pg-1"] and ids(review="unreviewed") == ["pg-2"]
    figures = stats.compute(engine, 7)
    assert figures.total_conversations == 2 and dict(figures.top_intents)["ask_salary"] == 1
    with engine.connect() as c:
        assert [q["sender_id"] for q in queries.handoff_queue(c)] == ["pg-2"]
    erase(engine, ["pg-1"])
    assert ids() == ["pg-2"]


def test_an_event_committed_after_a_higher_id_is_indexed_exactly_once_on_postgresql(pg_engine):
    """Two real transactions: the one holding the lower id commits after the sync read past it."""
    from sqlalchemy import func, insert, select

    from bot.web.console.integrity import check
    from bot.web.console.tables import events, messages, sync_gaps

    engine = pg_engine
    upgrade(engine)
    sync(engine)
    now = time.time()
    slow = engine.connect()
    slow_transaction = slow.begin()
    slow.execute(insert(events).values(**ev.user("pg-slow", now, "I asked first", "greet")))
    with engine.begin() as fast:
        fast.execute(insert(events).values(**ev.user("pg-fast", now + 1, "I committed first", "greet")))
    assert sync(engine) == 1
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(sync_gaps)).scalar() == 1
    slow_transaction.commit()
    slow.close()
    assert sync(engine) == 1 and sync(engine) == 0
    with engine.connect() as c:
        assert queries.summary(c, "pg-slow")["turns"] == 1
        assert c.execute(select(func.count()).select_from(messages)
                         .where(messages.c.sender_id.in_(["pg-slow", "pg-fast"]))).scalar() == 2
        assert c.execute(select(func.count()).select_from(sync_gaps)).scalar() == 0
    assert check(engine).ok


def test_a_sync_waits_for_an_erasure_in_progress_on_postgresql(pg_engine):
    """An erasure holds the cursor row's lock: a concurrent sync cannot index the erased learner's events."""
    import threading

    from sqlalchemy import delete, select

    from bot.web.console.tables import events, sync_state
    from tests.support.leftovers import leftovers

    engine = pg_engine
    upgrade(engine)
    sync(engine)
    ev.insert_rows(engine, [ev.user("pg-erased", time.time(), "my xylophonist secret", "greet")])
    eraser = engine.connect()
    erasing = eraser.begin()  # what erase_conversations does first: lock the cursor, then delete
    eraser.execute(select(sync_state.c.value).where(sync_state.c.name == "events").with_for_update())
    eraser.execute(delete(events).where(events.c.sender_id == "pg-erased"))
    indexed: list[int] = []
    syncing = threading.Thread(target=lambda: indexed.append(sync(engine)))
    syncing.start()
    syncing.join(timeout=1.0)
    assert syncing.is_alive()  # waiting for the lock instead of reading the rows being erased
    erasing.commit()
    eraser.close()
    syncing.join(timeout=60)
    assert indexed == [0]
    assert leftovers(engine, ["pg-erased", "xylophonist"]) == []


def test_erasure_on_postgresql_leaves_nothing_in_any_table(pg_engine):
    from bot.web.console.accounts import add_account
    from tests.support.leftovers import leftovers

    engine = pg_engine
    upgrade(engine)
    ev.insert_rows(engine, [ev.user("pg-forget-me", time.time(), "the zanzibar question", "greet"),
                            ev.slot("pg-forget-me", time.time(), "plan_subject", "zanzibar studies")])
    sync(engine)
    bo = add_account(engine, "bo@example.org", "correct horse battery")
    casework.add_tag(engine, "pg-forget-me", bo.id, "zanzibar")
    casework.add_note(engine, "pg-forget-me", bo.id, "zanzibar again", None)
    assert leftovers(engine, ["pg-forget-me", "zanzibar"])
    erase(engine, ["pg-forget-me"], actor="bo@example.org")
    assert leftovers(engine, ["pg-forget-me", "zanzibar"]) == []


def test_nul_and_lone_surrogates_in_event_data_are_stored_on_postgresql(pg_engine):
    """PostgreSQL refuses NUL in text and psycopg2 cannot encode a lone surrogate: both are replaced."""
    engine = pg_engine
    upgrade(engine)
    ev.insert_rows(engine, [ev.user("pg-odd", time.time(), "nul\x00 and \ud800 here", "greet",
                                    entities=[("qualification", "BTEC\x00\udfff")])])
    assert sync(engine) == 1
    with engine.connect() as c:
        odd = queries.summary(c, "pg-odd")
    assert odd["last_user_text"] == "nul\ufffd and \ufffd here" and odd["qualifications"] == "BTEC\ufffd\ufffd"


def test_negative_feedback_and_open_questions_on_postgresql(pg_engine):
    from bot.web.console.folding import NEGATIVE_KIND, NOT_COVERED_KIND
    from tests.support.leftovers import leftovers

    engine = pg_engine
    upgrade(engine)
    now = time.time()
    ev.insert_rows(engine, [
        ev.user("pg-unhappy", now - 50, "Can I work from a yurt?", "ask_role", 0.8, "webchat"),
        ev.bot("pg-unhappy", now - 49, "My sources don't cover that."),
        ev.slot("pg-unhappy", now - 49, "last_topic", "not_covered"),
        ev.user("pg-unhappy", now - 48, "/feedback_negative", "feedback_negative", 1.0, "webchat"),
    ])
    sync(engine)
    with engine.connect() as c:
        assert [r.summary["sender_id"] for r in queries.inbox_page(c, parse_filters({"negative": "1"}), 0).rows] \
            == ["pg-unhappy"]
        covered, total = queries.open_questions_of(c, NOT_COVERED_KIND)
        rejected, _ = queries.open_questions_of(c, NEGATIVE_KIND)
    assert total == 1 and covered[0]["question"] == "Can I work from a yurt?" and covered[0]["asked"] == 1
    assert rejected[0]["reply"] == "My sources don't cover that."
    figures = stats.compute(engine, 7)
    assert figures.total_negative == 1 and figures.total_not_covered == 1
    erase(engine, ["pg-unhappy"])
    assert leftovers(engine, ["pg-unhappy", "yurt"]) == []
