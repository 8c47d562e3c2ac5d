"""Telegram rendering: HTML escaping, splitting at 4,096 units on paragraphs, keyboards, choices."""
from __future__ import annotations

import html

import pytest

from bot.rasa.channels.telegram.callbacks import callback_data
from bot.rasa.channels.telegram.render import (
    EMPTY_TEXT_WITH_BUTTONS,
    MAX_MESSAGE_UNITS,
    escape,
    render_reply,
    split_text,
    utf16_length,
    with_choice,
)


def test_learner_and_knowledge_text_is_escaped_for_html() -> None:
    assert escape("<b>pay</b> & <a href='x'>") == "&lt;b&gt;pay&lt;/b&gt; &amp; &lt;a href='x'&gt;"


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    assert utf16_length("ab") == 2 and utf16_length("👍") == 2


def test_short_text_is_one_part() -> None:
    assert split_text("Hello.\n\nSecond paragraph.") == ["Hello.\n\nSecond paragraph."]


def test_long_text_splits_on_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 150 for i in range(20)]  # about 770 characters each
    parts = split_text("\n\n".join(paragraphs))
    assert len(parts) > 1
    assert all(utf16_length(part) <= MAX_MESSAGE_UNITS for part in parts)
    for part in parts:  # each part holds whole paragraphs only
        for piece in part.split("\n\n"):
            assert piece in [p.strip() for p in paragraphs]
    assert "\n\n".join(parts).split("\n\n") == [p.strip() for p in paragraphs]


def test_one_huge_paragraph_is_cut_between_words() -> None:
    text = "careers " * 1500  # 12,000 characters, no paragraph break
    parts = split_text(text)
    assert len(parts) == 3
    assert all(utf16_length(part) <= MAX_MESSAGE_UNITS for part in parts)
    assert all(not part.startswith(" ") and part.split()[-1] == "careers" for part in parts)
    assert " ".join(parts).split() == text.split()


def test_splitting_respects_utf16_length_of_emoji() -> None:
    parts = split_text("👍" * 5000)
    assert all(utf16_length(part) <= MAX_MESSAGE_UNITS for part in parts)
    assert "".join(parts) == "👍" * 5000


def test_reply_with_buttons_gets_the_keyboard_on_its_last_part() -> None:
    buttons = [{"title": "Pay", "payload": "/ask_salary"},
               {"title": "Next step", "payload": '/ask_next_step{"role":"' + "x" * 80 + '"}'}]
    messages = render_reply({"text": "a <b>\n\n" + "b " * 2046, "buttons": buttons}, callback_data)
    assert len(messages) == 2
    assert messages[0].keyboard is None and messages[1].keyboard is not None
    assert messages[0].html.startswith("a &lt;b&gt;")
    rows = messages[1].keyboard.inline_keyboard
    assert [row[0].text for row in rows] == ["Pay", "Next step"]
    assert rows[0][0].callback_data == "/ask_salary"
    assert rows[1][0].callback_data.startswith("#") and len(rows[1][0].callback_data.encode()) <= 64


def test_buttons_without_text_still_get_a_message_and_empty_replies_none() -> None:
    only_buttons = render_reply({"buttons": [{"title": "Pay", "payload": "/ask_salary"}]}, callback_data)
    assert [m.html for m in only_buttons] == [EMPTY_TEXT_WITH_BUTTONS]
    assert render_reply({"text": "  "}, callback_data) == []
    assert render_reply({"buttons": [{"title": "", "payload": "/x"}]}, callback_data) == []


@pytest.mark.parametrize("title", ["Pay", "<i>Pay & more</i>"])
def test_the_pressed_choice_is_appended_escaped(title: str) -> None:
    edited = with_choice("What would you like? &lt;3", title)
    assert edited == f"What would you like? &lt;3\n\n» <i>{escape(title)}</i>"
    assert html.unescape(edited.replace("<i>", "").replace("</i>", "")).endswith(f"» {title}")


def test_no_choice_line_when_it_would_overflow_the_message() -> None:
    assert with_choice("x" * (MAX_MESSAGE_UNITS - 3), "Pay") is None
