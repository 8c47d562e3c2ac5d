"""Scope and honesty: sources, out-of-scope requests, clarifying, and the human handoff."""
from __future__ import annotations

from typing import Any

import pytest

from actions.handoff import ActionRequestHuman
from actions.scope import (
    ActionClarify,
    ActionOutOfScope,
    ActionTellSource,
    unreadable_reason,
)
from tests.support.money import amounts_in_text

ENGLISH_ONLY = "Sorry, I can only understand English at the moment."
WORDS_ONLY = "I can only read words, not emoji, numbers or symbols on their own."


def fallback(name: str = "nlu_fallback") -> dict[str, Any]:
    """An earlier user event classified as `name`."""
    return {"event": "user", "text": "earlier", "parse_data": {"intent": {"name": name}}}


def test_source_names_the_guide(say) -> None:
    result = say(ActionTellSource, "where does this come from", "ask_source")
    lines = result.text.splitlines()
    assert lines[0] == ("Everything I tell you for e-commerce management comes from a structured "
                        "knowledge base built from 1 source, including:")
    assert lines[1] == ("- How to Become an E-Commerce Manager: A Comprehensive Guide to Career "
                        "Progression and Qualifications")
    assert "Figures are quoted exactly as the source gives them" in lines[2]
    assert result.titles == ["Pay", "Talk to an adviser"]
    assert result.slot_events == [("last_topic", "source")]


@pytest.mark.parametrize("text", ["book me a flight to Paris", "how much does a doctor earn",
                                  "what's the weather like"])
def test_out_of_scope_says_what_is_covered_without_figures(say, text) -> None:
    result = say(ActionOutOfScope, text, "out_of_scope")
    assert result.text.startswith("Sorry, I can't help with that: I only cover these careers: data "
                                  "analysis, digital marketing, e-commerce management, marketing "
                                  "management, retail merchandising, retail buying, retail "
                                  "management and social media management.")
    assert "£" not in result.text and amounts_in_text(result.text) == []
    assert "Source:" not in result.text
    assert result.titles == ["Careers I cover", "What can you do?", "Talk to an adviser"]
    assert result.slot_events == [("last_topic", "out_of_scope")]


@pytest.mark.parametrize("text, reply", [
    ("😀😀🎉", WORDS_ONLY),
    ("123 456 !!", WORDS_ONLY),
    ("¿Cuánto gana un gerente de comercio electrónico?", ENGLISH_ONLY),
    ("cuanto gana un gerente", ENGLISH_ONLY),
    ("Wie viel verdient ein E-Commerce-Manager?", ENGLISH_ONLY),
])
def test_out_of_scope_explains_unreadable_messages(say, text, reply) -> None:
    result = say(ActionOutOfScope, text, "out_of_scope")
    assert result.text.startswith(reply)
    assert "£" not in result.text
    assert result.titles == ["What can you do?", "Pay"]


@pytest.mark.parametrize("text", ["how much does an ecommerce manager earn?",
                                  "what about the café manager role", "do I need a degree"])
def test_english_is_readable(text) -> None:
    assert unreadable_reason(text) is None


def test_clarify_offers_the_top_three_known_intents_with_labels(say) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.3},
               {"name": "ask_salary", "confidence": 0.25},
               {"name": "greet", "confidence": 0.12},
               {"name": "ask_skills", "confidence": 0.1},
               {"name": "ask_progression", "confidence": 0.05},
               {"name": "ask_role", "confidence": 0.04}]
    result = say(ActionClarify, "blah stuff pay maybe", "nlu_fallback", intent_ranking=ranking)
    assert result.text == "I'm not sure I understood. Did you mean one of these?"
    assert result.buttons == [
        {"title": "Pay", "payload": "/ask_salary"},
        {"title": "Skills", "payload": "/ask_skills"},
        {"title": "Career ladder", "payload": "/ask_progression"},
        {"title": "Something else", "payload": "/ask_capabilities"},
    ]
    assert result.events == []


def test_clarify_buttons_keep_the_entities_of_the_message(say) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.3},
               {"name": "ask_next_step", "confidence": 0.25}]
    result = say(ActionClarify, "director hmm", "nlu_fallback", {"role": "director-of-ecommerce"},
                 intent_ranking=ranking)
    assert result.buttons[0] == {"title": "My next step",
                                 "payload": '/ask_next_step{"role":"director-of-ecommerce"}'}


def test_second_consecutive_fallback_asks_to_rephrase_and_offers_an_adviser(say) -> None:
    result = say(ActionClarify, "qwerty zz", "nlu_fallback",
                 events=[fallback(), {"event": "action", "name": "action_clarify"}])
    assert result.text.startswith("Sorry, I still didn't understand. Could you put it another way?")
    assert {"title": "Talk to an adviser", "payload": "/request_human"} in result.buttons
    assert result.events == []


def test_a_fallback_after_an_understood_message_is_a_first_fallback(say) -> None:
    result = say(ActionClarify, "qwerty zz", "nlu_fallback",
                 events=[fallback(), fallback("ask_salary")])
    assert result.text == "I'm not sure I understood. Did you mean one of these?"


@pytest.mark.parametrize("text, reply", [("🤷", WORDS_ONLY), ("¿Qué es esto?", ENGLISH_ONLY)])
def test_clarify_explains_unreadable_messages(say, text, reply) -> None:
    result = say(ActionClarify, text, "nlu_fallback",
                 events=[fallback()])  # even after an earlier fallback
    assert result.text.startswith(reply)
    assert result.titles == ["What can you do?", "Pay", "Skills"]


def test_request_human_sets_the_flag_once(say) -> None:
    first = say(ActionRequestHuman, "can I talk to a person", "request_human")
    assert first.text.startswith("I've passed your request to our careers advisers.")
    assert first.slot_events == [("handoff_requested", True)]

    second = say(ActionRequestHuman, "can I talk to a person", "request_human",
                 slots={"handoff_requested": True})
    assert second.text.startswith("You're still in the queue for a careers adviser.")
    assert second.events == []
    assert first.titles == ["Plan my route", "Pay"] and second.titles == ["Cancel my request", "What can you do?"]


def _asked_at(stamp: float) -> list[dict[str, Any]]:
    return [{"event": "slot", "name": "handoff_requested", "value": True, "timestamp": stamp}]


def test_a_waiting_learner_asking_if_anyone_is_there_gets_their_status(say) -> None:
    import time

    from actions.handoff import ActionHandoffStatus

    result = say(ActionHandoffStatus, "is anyone there?", "ask_handoff_status",
                 slots={"handoff_requested": True}, events=_asked_at(time.time() - 600))
    assert result.text.startswith("You're still in the queue for a careers adviser: you asked 10 minutes ago.")
    assert result.titles == ["Cancel my request", "What can you do?"] and result.events == []


def test_a_message_not_understood_while_waiting_gets_the_status_not_the_clarifying_buttons(say) -> None:
    result = say(ActionClarify, "hellooo??", "nlu_fallback", slots={"handoff_requested": True},
                 events=_asked_at(100.0))
    assert result.text.startswith("You're still in the queue for a careers adviser")
    assert "Talk to an adviser" not in result.titles


def test_cancelling_withdraws_the_request_and_only_then(say) -> None:
    from actions.handoff import ActionCancelHandoff

    waiting = say(ActionCancelHandoff, "never mind the adviser", "cancel_handoff", slots={"handoff_requested": True})
    assert waiting.text.startswith("Done: I've withdrawn your request")
    assert waiting.slot_events == [("handoff_requested", False)]
    idle = say(ActionCancelHandoff, "cancel", "cancel_handoff")
    assert idle.text.startswith("You haven't asked for an adviser") and idle.events == []


def test_asking_for_status_when_not_waiting_offers_an_adviser(say) -> None:
    from actions.handoff import ActionHandoffStatus

    result = say(ActionHandoffStatus, "is anyone there?", "ask_handoff_status")
    assert "not waiting for an adviser" in result.text and "Talk to an adviser" in result.titles


def test_outside_office_hours_the_learner_is_told_when_advisers_are_back(say, monkeypatch) -> None:
    from datetime import datetime, timezone

    import actions.handoff
    from bot.shared.settings import get_settings

    monkeypatch.setenv("ADVISER_HOURS", "Mon-Fri 09:00-17:00 Europe/London")
    get_settings.cache_clear()
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(actions.handoff, "clock", lambda: saturday)
    away = say(ActionRequestHuman, "can I talk to a person", "request_human")
    assert "Advisers are back on Monday at 09:00" in away.text and "your request is kept" in away.text
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(actions.handoff, "clock", lambda: monday)
    told = say(ActionRequestHuman, "can I talk to a person", "request_human")
    assert "An adviser has been told" in told.text
    get_settings.cache_clear()


def test_asking_for_an_adviser_schedules_the_wait_limit_reminder(say, monkeypatch) -> None:
    from datetime import datetime, timezone

    import actions.handoff

    monkeypatch.setenv("ADVISER_WAIT_MINUTES", "15")
    get_settings_cleared = __import__("bot.shared.settings", fromlist=["get_settings"]).get_settings
    get_settings_cleared.cache_clear()
    monkeypatch.setattr(actions.handoff, "clock", lambda: datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc))
    result = say(ActionRequestHuman, "can I talk to a person", "request_human")
    [reminder] = [e for e in result.events if e["event"] == "reminder"]
    assert reminder["intent"] == "EXTERNAL_handoff_wait_limit"
    assert reminder["date_time"].startswith("2026-12-07T10:15:00")
    get_settings_cleared.cache_clear()


def test_past_the_wait_limit_the_learner_may_carry_on_or_leave_contact_details(say) -> None:
    import time

    from actions.handoff import ActionHandoffStatus, ActionHandoffWaitLimit

    late = say(ActionHandoffStatus, "how long now?", "ask_handoff_status", slots={"handoff_requested": True},
               events=_asked_at(time.time() - 3600))
    assert "no adviser has been able to pick this up yet" in late.text
    assert "email address or phone number" in late.text
    reminded = say(ActionHandoffWaitLimit, "", "EXTERNAL_handoff_wait_limit", slots={"handoff_requested": True})
    assert reminded.text.startswith("Sorry, no adviser")
    assert reminded.titles == ["What can you do?", "Cancel my request"]
    assert say(ActionHandoffWaitLimit, "", "EXTERNAL_handoff_wait_limit").messages == []
    left = say(ActionClarify, "ada.lovelace@example.org", "nlu_fallback", slots={"handoff_requested": True})
    assert left.text.startswith("Thank you: an adviser will use those details to contact you.")
