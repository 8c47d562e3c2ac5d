"""Folding Rasa's events into conversation summaries, incrementally and exactly once."""
from __future__ import annotations

import importlib
import time

import pytest
from sqlalchemy import delete, func, insert, select

import bot.cli.main
from bot.shared.settings import get_settings
from bot.web.console import queries
from bot.web.console.accounts import add_account
from bot.web.console.integrity import check
from bot.web.console.privacy import erase
from bot.web.console.queries import summary
from bot.web.console.sync import is_behind, skipped_count, sync, sync_batch
from bot.web.console.tables import conversation_intents, events, handoffs, messages, sync_gaps, sync_skipped
from harness import console_events as ev


@pytest.fixture
def cli_env(settings, engine):
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def test_summaries_count_turns_fallbacks_low_confidence_channel_and_handoff(engine, conversations):
    assert is_behind(engine)
    assert sync(engine) == 11
    assert not is_behind(engine)
    with engine.connect() as c:
        salary = summary(c, "salary-web")
        confused = summary(c, "confused-tg")
        lowconf = summary(c, "lowconf-rest")
        human = summary(c, "human-web")
        assert summary(c, "nobody") is None
        stored = c.execute(select(func.count()).select_from(messages)).scalar()
    assert (salary["channel"], salary["turns"], salary["fallbacks"], salary["low_confidence"]) == ("webchat", 1, 0, 0)
    assert salary["last_user_text"] == "how much does a director earn?"
    assert (confused["channel"], confused["fallbacks"]) == ("telegram", 1)
    assert (lowconf["fallbacks"], lowconf["low_confidence"]) == (0, 1)
    assert human["handoff_requested"] and human["handoff_at"] is not None
    assert (human["plan_stage"], human["plan_goal"]) == ("university", "director")
    assert stored == 6  # five learner messages with text, one bot message


def test_new_events_are_folded_into_existing_summaries_without_double_counting(engine, conversations):
    sync(engine)
    t = conversations and 2_000_000_000.0
    ev.insert_rows(engine, [ev.user("salary-web", t, "and a senior manager?", "ask_salary", 0.9, "webchat"),
                            ev.marker("salary-web", t + 1, "pause"),
                            ev.bot("salary-web", t + 2, "Hi, I'm an adviser", adviser="ann")])
    assert sync(engine) == 3
    assert sync(engine) == 0
    with engine.connect() as c:
        salary = summary(c, "salary-web")
        intents = c.execute(select(func.count()).select_from(conversation_intents)
                            .where(conversation_intents.c.sender_id == "salary-web")).scalar()
    assert salary["turns"] == 2 and salary["paused"] and salary["last_ts"] == t + 2
    assert intents == 1  # ask_salary listed once
    ev.insert_rows(engine, [ev.marker("salary-web", t + 3, "resume"),
                            ev.slot("salary-web", t + 3, "handoff_requested", False)])
    sync(engine)
    with engine.connect() as c:
        assert not summary(c, "salary-web")["paused"]


def test_small_batches_give_the_same_result_as_one_big_batch(engine, conversations):
    while sync_batch(engine, limit=2):
        pass
    with engine.connect() as c:
        assert summary(c, "human-web")["handoff_requested"]
        assert summary(c, "salary-web")["turns"] == 1
        assert c.execute(select(func.count()).select_from(messages)).scalar() == 6


def test_malformed_event_data_is_skipped_not_fatal(engine):
    row = ev.user("odd", 1.0, "hi", "greet")
    row["data"] = "{not json"
    ev.insert_rows(engine, [row, ev.user("odd", 2.0, "hello", "greet", channel="rest")])
    assert sync(engine) == 2
    with engine.connect() as c:
        assert summary(c, "odd")["turns"] == 2


def test_qualifications_mentioned_are_collected_once_each(engine):
    ev.insert_rows(engine, [
        ev.user("quals", 1.0, "I have a BTEC", "inform_stage", entities=[("qualification", "BTEC")]),
        ev.user("quals", 2.0, "and Google Analytics and a BTEC", "inform_stage",
                entities=[("certification", "Google Analytics"), ("qualification", "BTEC")])])
    sync(engine)
    with engine.connect() as c:
        assert summary(c, "quals")["qualifications"] == "BTEC, Google Analytics"


def test_plan_details_survive_the_plan_action_clearing_its_slots(engine):
    ev.insert_rows(engine, [ev.user("planner", 1.0, "I'm at uni, want to be a director", "request_plan"),
                            ev.slot("planner", 2.0, "plan_stage", "university"),
                            ev.slot("planner", 2.0, "plan_goal", "director"),
                            ev.slot("planner", 3.0, "plan_stage", None),
                            ev.slot("planner", 3.0, "plan_goal", None)])
    sync(engine)
    with engine.connect() as c:
        planner = summary(c, "planner")
    assert (planner["plan_stage"], planner["plan_goal"]) == ("university", "director")


def test_a_batch_raced_by_another_writer_is_rolled_back_and_not_counted_twice(engine, conversations, monkeypatch):
    sync_module = importlib.import_module("bot.web.console.sync")

    sync(engine)
    ev.insert_rows(engine, [ev.user("salary-web", 2_000_000_000.0, "one more", "ask_salary")])
    real_cursor = sync_module._lock_cursor
    calls = {"n": 0}

    def stale_then_real(connection):
        calls["n"] += 1
        return 1 if calls["n"] == 1 else real_cursor(connection)  # first read: another writer moved on

    monkeypatch.setattr(sync_module, "_lock_cursor", stale_then_real)
    assert sync(engine) == 1
    with engine.connect() as c:
        assert summary(c, "salary-web")["turns"] == 2
        assert c.execute(select(func.count()).select_from(messages)).scalar() == 7


# -- any stored string, any odd event: indexed or skipped, never stuck -----------------------------

def test_lone_surrogates_nul_and_control_characters_are_stored_replaced(engine):
    """Rasa stores a lone surrogate JSON-escaped; the old sync failed on that event at every page, forever."""
    ev.insert_rows(engine, [
        ev.user("odd-strings", 1.0, "/ask_degree{\"qualification\":\"\\ud800\"}", "ask_degree",
                entities=[("qualification", "\ud800"), ("certification", "A\x00B")]),
        ev.slot("odd-strings", 2.0, "plan_subject", "maths\udfff"),
        ev.user("odd-strings", 3.0, "bell\x07 and nul\x00 and \ud83d alone", "greet", channel="web\x00chat"),
        ev.bot("odd-strings", 4.0, "fine \U0001F600"),
    ])
    assert sync(engine) == 4
    with engine.connect() as c:
        odd = summary(c, "odd-strings")
        texts = list(c.execute(select(messages.c.text).where(messages.c.sender_id == "odd-strings")
                               .order_by(messages.c.event_id)).scalars())
    assert odd["qualifications"] == "\ufffd, A\ufffdB" and odd["plan_subject"] == "maths\ufffd"
    assert odd["channel"] == "web\ufffdchat"
    assert texts[1:] == ["bell\ufffd and nul\ufffd and \ufffd alone", "fine \U0001F600"]


def test_event_data_of_the_wrong_shape_is_read_as_far_as_it_makes_sense(engine):
    rows = [ev.user("shapes", 1.0, "hi", "greet") for _ in range(4)]
    rows[0]["data"] = "[1, 2]"
    rows[1]["data"] = '{"text": 5, "parse_data": {"intent": {"name": {"x": 1}, "confidence": "high"}, "entities": 7}}'
    rows[2]["data"] = '{"text": "ok", "parse_data": {"intent": {"name": "greet", "confidence": NaN}, "entities": {}}}'
    ev.insert_rows(engine, rows)
    with engine.begin() as c:
        c.exec_driver_sql("UPDATE events SET timestamp = 'not a number' WHERE id = 4")
    assert sync(engine) == 4
    with engine.connect() as c:
        assert summary(c, "shapes")["turns"] == 4
        assert skipped_count(engine) == 0


def test_an_event_the_database_refuses_is_skipped_counted_and_the_rest_indexed(engine, monkeypatch):
    sync_module = importlib.import_module("bot.web.console.sync")
    real_write = sync_module._write

    def refuse_poison(connection, batch):
        if any(m["text"] == "poison" for m in batch.messages):
            raise ValueError("cannot store this")
        real_write(connection, batch)

    monkeypatch.setattr(sync_module, "_write", refuse_poison)
    ev.insert_rows(engine, [ev.user(f"learner-{i}", float(i), "poison" if i == 13 else f"hello {i}", "greet")
                            for i in range(40)])
    assert sync(engine, limit=16) == 40
    assert sync(engine) == 0
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(messages)).scalar() == 39
        assert summary(c, "learner-13") is None and summary(c, "learner-39")["turns"] == 1
        assert c.execute(select(sync_skipped.c.reason)).scalars().all() == ["ValueError"]
    assert skipped_count(engine) == 1


# -- exactly once, whatever was deleted and however writers interleave ------------------------------

def test_new_events_are_indexed_after_the_newest_rows_were_erased(engine):
    """SQLite reused the ids of deleted newest rows: new events sat behind the cursor for ever."""
    ev.insert_rows(engine, [ev.user("early", 1.0, "hello", "greet"),
                            ev.user("leaving", 2.0, "forget me", "greet"),
                            ev.user("leaving", 3.0, "please", "greet")])
    sync(engine)
    erase(engine, ["leaving"])
    ev.insert_rows(engine, [ev.user("newcomer", 4.0, "I need an adviser", "request_human"),
                            ev.slot("newcomer", 5.0, "handoff_requested", True)])
    assert sync(engine) == 2
    with engine.connect() as c:
        assert [q["sender_id"] for q in queries.handoff_queue(c)] == ["newcomer"]
    assert check(engine).ok


def _insert_with_id(engine, event_id, row):
    with engine.begin() as c:
        c.execute(insert(events).values(id=event_id, **row))


def test_an_event_committed_after_a_higher_id_is_indexed_exactly_once(engine):
    ev.insert_rows(engine, [ev.user("first", 1.0, "hello", "greet")])  # id 1
    _insert_with_id(engine, 4, ev.user("fast", 4.0, "committed first", "greet"))
    assert sync(engine) == 2
    with engine.connect() as c:
        assert sorted(c.execute(select(sync_gaps.c.event_id)).scalars()) == [2, 3]
    _insert_with_id(engine, 3, ev.user("slow", 3.0, "committed later", "greet"))
    assert sync(engine) == 1
    assert sync(engine) == 0
    with engine.connect() as c:
        assert summary(c, "slow")["turns"] == 1
        assert c.execute(select(func.count()).select_from(messages)).scalar() == 3
        assert list(c.execute(select(sync_gaps.c.event_id)).scalars()) == [2]
    assert check(engine).ok


def test_a_gap_is_given_up_after_its_time(engine, monkeypatch):
    sync_module = importlib.import_module("bot.web.console.sync")
    _insert_with_id(engine, 3, ev.user("fast", 3.0, "hello", "greet"))
    sync(engine)
    later = time.time() + sync_module.GAP_SECONDS + 1
    monkeypatch.setattr(sync_module.time, "time", lambda: later)
    _insert_with_id(engine, 5, ev.user("next", 5.0, "hi", "greet"))
    sync(engine)
    with engine.connect() as c:
        assert list(c.execute(select(sync_gaps.c.event_id)).scalars()) == [4]  # 1 and 2 given up, 4 is new


def test_two_syncs_never_fold_a_late_event_twice(engine, monkeypatch):
    """The second sync read the gap before the first deleted it: its row-count check rolls it back."""
    sync_module = importlib.import_module("bot.web.console.sync")
    _insert_with_id(engine, 2, ev.user("fast", 2.0, "hello", "greet"))
    sync(engine)
    _insert_with_id(engine, 1, ev.user("slow", 1.0, "late words", "greet"))
    with engine.connect() as c:
        stale = [c.execute(select(events).where(events.c.id == 1)).one()]
    assert sync(engine) == 1
    monkeypatch.setattr(sync_module, "_late_rows", lambda connection, now: stale)  # a sync that saw the gap open
    assert sync(engine) == 0
    with engine.connect() as c:
        assert summary(c, "slow")["turns"] == 1
        assert c.execute(select(func.count()).select_from(messages).where(messages.c.sender_id == "slow")).scalar() == 1


def test_check_reports_conversations_and_messages_the_console_missed(engine, conversations, cli_env, capsys):
    assert bot.cli.main.main(["console", "check"]) == 0
    assert "Every stored conversation and message is in the console" in capsys.readouterr().out
    with engine.begin() as c:  # what SQLite's id reuse did: a new event at an id the cursor had passed
        c.execute(delete(events).where(events.c.id == 3))
    _insert_with_id(engine, 3, ev.user("hidden-learner", 3.0, "can anyone hear me?", "greet"))
    report = check(engine)
    assert report.missing_conversations == ["hidden-learner"] and report.unindexed_events == [3]
    assert bot.cli.main.main(["console", "check"]) == 1
    out = capsys.readouterr().out
    assert "1 conversation(s) in the tracker store missing from the console: hidden-learner" in out
    assert "1 message event(s) not indexed: 3" in out


# -- claim and pause in step -------------------------------------------------------------------------

def _claim(engine, sender_id, at):
    account = add_account(engine, f"claims-{sender_id}@example.org", "a long password")
    with engine.begin() as c:
        c.execute(insert(handoffs).values(sender_id=sender_id, account_id=account.id, claimed_at=at))


def _claimed(engine, sender_id):
    with engine.connect() as c:
        return c.execute(select(handoffs.c.sender_id).where(handoffs.c.sender_id == sender_id)).first() is not None


def test_a_restart_or_resume_releases_the_claim_but_a_pause_after_it_keeps_it(engine):
    ev.insert_rows(engine, [ev.user("restarts", 1.0, "I need a person", "request_human"),
                            ev.user("resumes", 1.0, "I need a person", "request_human"),
                            ev.user("reclaimed", 1.0, "I need a person", "request_human")])
    sync(engine)
    for sender in ("restarts", "resumes", "reclaimed"):
        _claim(engine, sender, 10.0)
    ev.insert_rows(engine, [ev.marker(s, 10.0, "pause") for s in ("restarts", "resumes", "reclaimed")])
    sync(engine)
    assert _claimed(engine, "restarts")
    ev.insert_rows(engine, [ev.marker("restarts", 20.0, "restart"), ev.marker("resumes", 20.0, "resume"),
                            ev.marker("reclaimed", 20.0, "restart"), ev.marker("reclaimed", 21.0, "pause")])
    sync(engine)
    assert not _claimed(engine, "restarts") and not _claimed(engine, "resumes")
    assert _claimed(engine, "reclaimed")
    with engine.connect() as c:
        assert not summary(c, "restarts")["paused"] and summary(c, "reclaimed")["paused"]


def test_a_claim_made_after_an_unread_restart_is_kept(engine):
    ev.insert_rows(engine, [ev.user("late-claim", 1.0, "hi", "greet"), ev.marker("late-claim", 5.0, "restart")])
    _claim(engine, "late-claim", 9.0)  # claimed before the console read the earlier restart
    sync(engine)
    assert _claimed(engine, "late-claim")
