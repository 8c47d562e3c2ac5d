"""Learner text is cleaned before Rasa sees it: empty, control characters, length, fake payloads."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bot.rasa.channels import guard
from bot.rasa.channels.guard import EMPTY_REPLY, is_wellformed_payload, prepare_text
from bot.shared.text import MAX_ENTITY_CHARS, RAW_BOUND_FACTOR, is_clean


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


@pytest.mark.parametrize("payload", ["/ask_salary", '/ask_salary{"level":"mid"}'])
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


# -- payloads: only the domain's intents and entities, values cleaned, one canonical form -------
DOMAIN = SimpleNamespace(intents=["ask_salary", "ask_degree", "greet", "restart", "session_start"],
                         entities=["level", "qualification", "role"])


def _entities(payload: str) -> dict[str, object]:
    return json.loads(payload[payload.index("{"):])


def test_a_lone_surrogate_in_an_entity_value_never_reaches_rasa() -> None:
    """A JSON escape for a lone surrogate would become one when Rasa reads the entities."""
    text = prepare_text('/ask_degree{"qualification":"\\ud800 degree\\u0000"}', 1000, domain=DOMAIN).text
    assert text is not None
    values = _entities(text)
    assert values == {"qualification": "degree"}
    json.dumps(values, ensure_ascii=False).encode("utf-8")  # storable


def test_entity_values_are_capped_and_empty_ones_dropped() -> None:
    text = prepare_text('/ask_salary{"level":"' + "x" * 500 + '","role":"\\u200b"}', 1000, domain=DOMAIN).text
    assert text == '/ask_salary{"level":"' + "x" * MAX_ENTITY_CHARS + '"}'


def test_unknown_intents_are_read_as_text_and_unknown_entities_dropped() -> None:
    assert prepare_text("/ask_secrets", 1000, domain=DOMAIN).text == "ask_secrets"
    assert prepare_text('/ask_salary{"level":"mid","requested_slot":"x"}', 1000,
                        domain=DOMAIN).text == '/ask_salary{"level":"mid"}'
    assert prepare_text("/session_start", 1000, domain=DOMAIN).text == "session_start"
    assert prepare_text("/restart", 1000, domain=DOMAIN).text == "/restart"


def test_a_payload_left_without_entities_loses_its_braces() -> None:
    assert prepare_text("/greet{}", 1000).text == "/greet"
    assert prepare_text('/ask_salary{"level":"\\u0000"}', 1000, domain=DOMAIN).text == "/ask_salary"


def test_a_confidence_suffix_is_ignored_and_the_payload_reserialised() -> None:
    assert prepare_text('/ask_salary@0.9{ "level" : "mid" }', 1000, domain=DOMAIN).text == '/ask_salary{"level":"mid"}'
    assert prepare_text("/ask_salary@0.01", 1000, domain=DOMAIN).text == "/ask_salary"


def test_a_payload_that_would_exceed_the_limit_is_read_as_text() -> None:
    prepared = prepare_text('/ask_salary{"level":"' + "x" * 90 + '"}', 50, domain=DOMAIN)
    assert prepared.text is not None and not prepared.text.startswith("/")


def test_raw_text_is_cut_before_any_per_character_work(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = guard.strip_control_characters

    def measured(text: str) -> str:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(guard, "strip_control_characters", measured)
    prepared = prepare_text("\x00" * 5_000_000 + "salary " * 10, 1000)
    assert max(seen) <= 1000 * RAW_BOUND_FACTOR
    assert prepared.text is None or len(prepared.text) <= 1000


def test_a_huge_message_is_cut_with_a_notice() -> None:
    prepared = prepare_text("salary " * 1_000_000, 1000)
    assert prepared.text is not None and len(prepared.text) <= 1000 and prepared.notices


@pytest.mark.parametrize("value, clean", [("director", True), (" director", False), ("a\x00b", False),
                                          ("\ud800", False), ("x" * 101, False), ("", False), (5, False)])
def test_is_clean_accepts_only_short_clean_strings(value: object, clean: bool) -> None:
    assert is_clean(value) is clean
