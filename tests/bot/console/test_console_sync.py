"""Folding Rasa's events into conversation summaries, incrementally and exactly once."""
from __future__ import annotations

from sqlalchemy import func, select

from bench import console_data as ev
from bot.console.queries import summary
from bot.console.sync import is_behind, sync, sync_batch
from bot.console.tables import conversation_intents, messages


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
    import importlib

    sync_module = importlib.import_module("bot.console.sync")

    sync(engine)
    ev.insert_rows(engine, [ev.user("salary-web", 2_000_000_000.0, "one more", "ask_salary")])
    real_cursor = sync_module._cursor
    calls = {"n": 0}

    def stale_then_real(connection):
        calls["n"] += 1
        return 1 if calls["n"] == 1 else real_cursor(connection)  # first read: another writer moved on

    monkeypatch.setattr(sync_module, "_cursor", stale_then_real)
    assert sync(engine) == 1
    with engine.connect() as c:
        assert summary(c, "salary-web")["turns"] == 2
        assert c.execute(select(func.count()).select_from(messages)).scalar() == 7
