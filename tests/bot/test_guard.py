"""Learner text is cleaned before Rasa sees it: empty, control characters, length, fake payloads."""
from __future__ import annotations

import pytest

from bot.channels.guard import EMPTY_REPLY, is_wellformed_payload, prepare_text


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", None, "\x00\x01\x7f"])
def test_empty_or_invisible_text_is_not_sent_and_gets_a_prompt(raw: object) -> None:
    prepared = prepare_text(raw, 1000)
    assert prepared.text is None
    assert prepared.notices == [EMPTY_REPLY]


def test_control_characters_are_stripped_but_newlines_kept() -> None:
    assert prepare_text("hi\x00 there\x1b[31m\nsalary", 1000).text == "hi there[31m\nsalary"


def test_long_text_is_cut_at_a_word_boundary_and_the_learner_is_told() -> None:
    prepared = prepare_text("salary " * 500, 1000)
    assert prepared.text is not None and len(prepared.text) <= 1000
    assert not prepared.text.endswith("salar")
    assert "1,000 characters" in prepared.notices[0]


def test_short_text_passes_unchanged_without_notices() -> None:
    prepared = prepare_text("  how much does a director earn?  ", 1000)
    assert prepared.text == "how much does a director earn?"
    assert prepared.notices == []


@pytest.mark.parametrize("payload", ["/ask_salary", '/ask_salary{"level":"mid"}', "/greet{}"])
def test_wellformed_button_payloads_pass_through(payload: str) -> None:
    assert is_wellformed_payload(payload)
    assert prepare_text(payload, 1000).text == payload


@pytest.mark.parametrize("typed, expected", [
    ("/ask_salary{broken", "ask_salary{broken"),
    ('/ask_salary{"level": ["a", "b"]}', 'ask_salary{"level": ["a", "b"]}'),
    ("/session_start", "session_start"),
    ("/nlu_fallback", "nlu_fallback"),
    ("///", "?"),
])
def test_malformed_or_internal_payloads_are_read_as_plain_words(typed: str, expected: str) -> None:
    assert prepare_text(typed, 1000).text == expected


def test_non_string_messages_are_read_as_text() -> None:
    assert prepare_text(12345, 1000).text == "12345"
