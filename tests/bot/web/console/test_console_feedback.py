"""Negative feedback and questions the sources don't cover: folded, counted, filtered, listed, migrated, erased."""
from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from bot.shared.settings import Settings
from bot.web.console import queries, stats
from bot.web.console.db import dispose_engines, get_engine, upgrade
from bot.web.console.folding import NEGATIVE_KIND, NOT_COVERED_KIND, Batch, excerpt, normalised
from bot.web.console.privacy import erase
from bot.web.console.sync import sync, sync_batch
from bot.web.console.tables import conversations, messages, open_questions, rasa_metadata, sync_state
from harness import console_events as ev
from tests.support.leftovers import leftovers

NOW = time.time()
MARKUP = '<img src=x onerror="window.__fb=1">'
SORRY = "Sorry that didn't help. You could put it another way, or talk to an adviser."


def not_covered_turn(sender: str, ts: float, question: str, intent: str = "ask_role") -> list[dict[str, Any]]:
    """A learner question the coach answered by saying its sources don't cover it."""
    return [ev.user(sender, ts, question, intent, 0.8, "webchat"),
            ev.action(sender, ts + 0.1, "action_answer_from_sources"),
            ev.bot(sender, ts + 0.2, "My sources don't cover that question."),
            ev.slot(sender, ts + 0.2, "last_topic", "not_covered")]


def feedback_rows() -> list[dict[str, Any]]:
    """Conversations with not-covered answers and negative feedback (a name → rows map, flattened)."""
    t = NOW - 3600
    return [
        *not_covered_turn("boat-web", t, "Can I do this job from a boat?"),
        ev.user("boat-web", t + 5, "what does it pay?", "ask_salary", 0.9, "webchat"),
        ev.bot("boat-web", t + 6, "It pays well."),
        ev.slot("boat-web", t + 6, "last_topic", "salary"),
        ev.slot("boat-web", t + 7, "career", "zz-a-career"),
        *not_covered_turn("boat-tg", t + 10, "can I do this job from a BOAT", "nlu_fallback"),
        ev.slot("boat-tg", t + 10.3, "last_topic", "not_covered"),  # twice in one turn: one question
        ev.user("unhappy-web", t + 20, "what skills do I need? mail me at ann@example.com", "ask_skills", 0.9),
        ev.bot("unhappy-web", t + 21, "You need patience."),
        ev.bot("unhappy-web", t + 21.5, "Anything else?"),
        ev.slot("unhappy-web", t + 21.5, "last_topic", "skills"),
        ev.user("unhappy-web", t + 22, "/feedback_negative", "feedback_negative", 1.0),
        ev.bot("unhappy-web", t + 23, SORRY),
        ev.user("unhappy-web", t + 24, "useless", "feedback_negative", 0.95),  # the same answer again
        ev.user("unhappy-web", t + 30, MARKUP, "ask_role", 0.9),
        ev.bot("unhappy-web", t + 31, "It is about people."),
        ev.user("unhappy-web", t + 32, "wrong answer", "feedback_negative", 0.9),
        ev.user("content-rest", t + 40, "hello", "greet", 0.99, "rest"),
        ev.bot("content-rest", t + 41, "Hi!"),
    ]


@pytest.fixture
def feedback_talk(engine: Engine) -> None:
    """The conversations of feedback_rows, stored as Rasa would (not indexed yet)."""
    ev.insert_rows(engine, feedback_rows())


def rows_of(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        query = select(open_questions.c.kind, open_questions.c.sender_id, open_questions.c.question,
                       open_questions.c.normalised, open_questions.c.reply, open_questions.c.question_event_id,
                       open_questions.c.event_id).order_by(open_questions.c.event_id)
        return [tuple(r) for r in connection.execute(query)]


def negative_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(select(conversations.c.sender_id, conversations.c.negative_feedback)).all())


def test_folding_counts_feedback_and_finds_the_question_each_flag_is_about() -> None:
    batch = Batch()
    for number, row in enumerate(feedback_rows(), start=1):
        batch.apply(SimpleNamespace(id=number, **row))
    assert batch.summaries["unhappy-web"].negative_feedback == 3
    assert batch.summaries["boat-web"].negative_feedback == 0
    assert batch.unresolved == []  # every question was in the batch
    found = [(r["kind"], r["sender_id"], r["question"], r["reply"]) for r in batch.open_questions]
    assert found == [
        (NOT_COVERED_KIND, "boat-web", "Can I do this job from a boat?", "My sources don't cover that question."),
        (NOT_COVERED_KIND, "boat-tg", "can I do this job from a BOAT", "My sources don't cover that question."),
        (NEGATIVE_KIND, "unhappy-web", "what skills do I need? mail me at ann@example.com",
         "You need patience. Anything else?"),  # "useless" right after is about the same answer
        (NEGATIVE_KIND, "unhappy-web", MARKUP, "It is about people."),
    ]
    assert batch.open_questions[0]["normalised"] == batch.open_questions[1]["normalised"] == \
        "can i do this job from a boat"
    assert batch.open_questions[0]["question_event_id"] == 1 and batch.open_questions[0]["event_id"] == 4


def test_a_restart_or_a_first_message_of_feedback_flags_no_question() -> None:
    batch = Batch()
    rows = [ev.user("r", 1.0, "what is it like?", "ask_role"), ev.bot("r", 2.0, "Busy."),
            ev.marker("r", 3.0, "restart"), ev.user("r", 4.0, "rubbish", "feedback_negative")]
    for number, row in enumerate(rows, start=1):
        batch.apply(SimpleNamespace(id=number, **row))
    assert batch.summaries["r"].negative_feedback == 1 and batch.open_questions == [] and batch.unresolved == []


def test_normalised_questions_and_answer_excerpts() -> None:
    assert normalised("  Can I do THIS job, from a boat?!  ") == "can i do this job from a boat"
    assert normalised("?!") is None and normalised(None) is None
    assert len(normalised("word " * 100) or "") == 255
    assert excerpt(["One.", "  Two\nthree. "]) == "One. Two three."
    assert excerpt([]) is None
    long = excerpt(["x" * 600])
    assert long is not None and len(long) == 500 and long.endswith("\u2026")


def test_the_sync_counts_negative_feedback_and_records_open_questions(engine: Engine, feedback_talk: None) -> None:
    sync(engine)
    assert negative_counts(engine) == {"boat-web": 0, "boat-tg": 0, "unhappy-web": 3, "content-rest": 0}
    found = rows_of(engine)
    assert [(kind, sender, question) for kind, sender, question, *_ in found] == [
        (NOT_COVERED_KIND, "boat-web", "Can I do this job from a boat?"),
        (NOT_COVERED_KIND, "boat-tg", "can I do this job from a BOAT"),
        (NEGATIVE_KIND, "unhappy-web", "what skills do I need? mail me at ann@example.com"),
        (NEGATIVE_KIND, "unhappy-web", MARKUP)]
    ev.insert_rows(engine, [ev.user("boat-web", NOW, "no use", "feedback_negative", 0.9)])  # a later batch
    assert sync(engine) == 1
    assert negative_counts(engine)["boat-web"] == 1
    kind, sender, question, _normal, reply, *_ = rows_of(engine)[-1]
    assert (kind, sender, question, reply) == (NEGATIVE_KIND, "boat-web", "what does it pay?", "It pays well.")


@pytest.mark.parametrize("size", [1, 2, 3])
def test_small_batches_find_the_same_questions_as_one_big_batch(engine: Engine, feedback_talk: None,
                                                                size: int) -> None:
    """A flag in a later batch than its question is resolved from the messages already indexed."""
    while sync_batch(engine, limit=size):
        pass
    small, counts = rows_of(engine), negative_counts(engine)
    with engine.begin() as connection:
        for table in (open_questions, messages, conversations):
            connection.execute(table.delete())
        connection.execute(sync_state.update().values(value=0))
    sync(engine)
    assert rows_of(engine) == small and negative_counts(engine) == counts


@pytest.fixture
def client(admin: str, feedback_talk: None, signed_in: Callable[[str], tuple[FlaskClient, str]]) -> FlaskClient:
    return signed_in(admin)[0]


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_inbox_filters_and_marks_conversations_with_negative_feedback(client: FlaskClient) -> None:
    everything = page(client, "/console/")
    assert "4 conversations" in everything
    assert everything.count("negative feedback ×3") == 1
    filtered = page(client, "/console/?negative=1")
    assert "1 conversation<" in filtered and "unhappy-web" in filtered and "boat-web" not in filtered
    assert 'name="negative" value="1" checked' in filtered
    assert "negative=1" in page(client, "/console/?negative=1&channel=webchat")  # kept in the export links
    assert "0 conversations" in page(client, "/console/?negative=1&channel=telegram")
    assert client.get("/console/?negative=2").status_code == 400


def test_the_transcript_labels_feedback_and_not_covered_questions(client: FlaskClient) -> None:
    unhappy = page(client, "/console/conversations/unhappy-web")
    assert unhappy.count('<span class="pill red">negative feedback</span>') == 3
    assert unhappy.count("turn user negative") == 3
    assert MARKUP not in unhappy and "&lt;img src=x onerror=" in unhappy
    boat = page(client, "/console/conversations/boat-tg")
    assert boat.count("not covered by the sources") == 1 and "negative feedback" not in boat


def test_insights_count_negative_feedback_and_not_covered_answers(client: FlaskClient, engine: Engine) -> None:
    sync(engine)
    figures = stats.compute(engine, 7)
    assert figures.total_negative == 3 and figures.total_not_covered == 2
    assert figures.negative_per_day[-1][1] + figures.negative_per_day[-2][1] == 3  # today (or yesterday, at midnight)
    assert sum(n for _, n in figures.not_covered_per_day) == 2
    html = page(client, "/console/insights?days=7")
    assert '<span class="big">3</span> negative feedback messages' in html
    assert '<span class="big">2</span> questions answered "not covered"' in html
    assert "Negative feedback per day" in html and "Questions the sources don't cover, per day" in html


def test_the_improve_page_lists_questions_not_covered_and_answers_rejected(client: FlaskClient,
                                                                           engine: Engine) -> None:
    html = page(client, "/console/improve")
    not_covered = html.split('id="not-covered"', 1)[1].split('id="negative-feedback"', 1)[0]
    rejected = html.split('id="negative-feedback"', 1)[1]
    assert not_covered.index("can I do this job from a BOAT") < not_covered.index("Can I do this job from a boat?")
    assert not_covered.count('<td class="num">2</td>') == 2  # the same question, asked twice
    assert '<span class="career">zz-a-career</span>' in not_covered  # boat-web's career
    with engine.connect() as connection:
        question_id = connection.execute(select(open_questions.c.question_event_id).where(
            open_questions.c.sender_id == "boat-web")).scalar()
    assert f'href="/console/conversations/boat-web#e{question_id}"' in not_covered
    assert "what skills do I need? mail me at [email hidden]" in rejected and "ann@example.com" not in html
    assert "Coach: You need patience. Anything else?" in rejected and "Coach: It is about people." in rejected
    assert "Sorry that didn" not in rejected  # the apology after the feedback is not the answer rejected
    assert MARKUP not in html and "&lt;img src=x onerror=" in rejected
    assert "are shown" not in html


def test_the_improve_page_caps_each_list_with_a_note(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "OPEN_QUESTIONS_SHOWN", 1)
    html = page(client, "/console/improve")
    assert "The newest 1 of 2 are shown." in html.split('id="negative-feedback"', 1)[0]
    assert "The newest 1 of 2 are shown." in html.split('id="negative-feedback"', 1)[1]
    assert "can I do this job from a BOAT" in html and "Can I do this job from a boat?" not in html


def test_an_empty_improve_page_says_so(admin: str, signed_in: Callable[[str], tuple[FlaskClient, str]]) -> None:
    html = page(signed_in(admin)[0], "/console/improve")
    assert "No question has been answered as not covered" in html and "No answer has had negative feedback" in html


def test_erasure_removes_the_feedback_and_open_questions(engine: Engine, feedback_talk: None) -> None:
    sync(engine)
    gone = ["unhappy-web", "patience", "boat-web", "pays well"]  # words only these two conversations use
    assert {table for table, _ in leftovers(engine, gone)} >= {"console_open_questions", "console_conversations"}
    erase(engine, ["unhappy-web", "boat-web"], "test", "erased")
    assert leftovers(engine, gone) == []
    assert [sender for _, sender, *_ in rows_of(engine)] == ["boat-tg"]
    with engine.connect() as connection:
        assert connection.execute(select(func.sum(conversations.c.negative_feedback))).scalar() == 0


def test_the_migration_fills_feedback_and_open_questions_from_the_events_already_indexed(settings: Settings) -> None:
    engine = get_engine(settings.database_url)
    try:
        rasa_metadata.create_all(engine)
        upgrade(engine, "0004_conversation_careers")
        t = NOW - 60
        ev.insert_rows(engine, [*not_covered_turn("before", t, "Is there a uniform?"),  # ids 1-4
                                ev.user("before", t + 1, "not helpful", "feedback_negative", 0.9)])  # id 5
        with engine.begin() as connection:  # indexed by the 0004 sync, before these existed
            connection.execute(text(
                "INSERT INTO console_conversations (sender_id, first_ts, last_ts, turns, fallbacks, low_confidence, "
                "handoff_requested, paused) VALUES ('before', :t, :t, 2, 0, 0, false, false)"), {"t": t})
            connection.execute(insert(messages), [
                {"event_id": 1, "sender_id": "before", "ts": t, "role": "user", "text": "Is there a uniform?",
                 "intent": "ask_role", "misunderstood": False},
                {"event_id": 3, "sender_id": "before", "ts": t, "role": "bot", "intent": None,
                 "text": "My sources don't cover that question.", "misunderstood": False},
                {"event_id": 5, "sender_id": "before", "ts": t + 1, "role": "user", "text": "not helpful",
                 "intent": "feedback_negative", "misunderstood": False}])
            connection.execute(sync_state.update().where(sync_state.c.name == "events").values(value=5))
        ev.insert_rows(engine, [ev.user("after", NOW, "bad answer", "feedback_negative", 0.9)])  # not read yet
        upgrade(engine)
        assert negative_counts(engine) == {"before": 1}
        assert [(kind, sender, question, reply) for kind, sender, question, _n, reply, *_ in rows_of(engine)] == [
            (NOT_COVERED_KIND, "before", "Is there a uniform?", "My sources don't cover that question."),
            (NEGATIVE_KIND, "before", "Is there a uniform?", "My sources don't cover that question.")]
        assert sync(engine) == 1
        assert negative_counts(engine) == {"before": 1, "after": 1} and len(rows_of(engine)) == 2
    finally:
        dispose_engines()
