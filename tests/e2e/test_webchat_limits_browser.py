"""The widget under the server's limits, in headless Chromium against the real servers.

A "slow down" (429) is shown as a notice and the message is sent again after the wait, once;
a conversation longer than a page comes back whole after a reload, a page at a time.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.rasa.channels.webchat.history import PAGE_SIZE
from bot.rasa.channels.webchat.sessions import conversation_id
from tests.support.stack import Stack, append_adviser_message
from tests.support.widget import WidgetPage

pytestmark = pytest.mark.e2e
SLOW_DOWN = "You're sending messages faster than I can answer. Please wait 1 second before sending the next one."


@pytest.fixture
def widget(web: Stack, browser: Any) -> Iterator[WidgetPage]:
    """The demo page's widget in a fresh profile, opened."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    page = WidgetPage(ctx.new_page())
    page.page.goto(web.web_url + "/")
    page.page.wait_for_function("() => window.__careerCoachWidget === true")
    page.open()
    yield page
    ctx.close()


def test_a_slow_down_is_shown_and_the_message_is_sent_again_after_the_wait(widget: WidgetPage) -> None:
    page, refused = widget.page, []

    def refuse_the_first(route: Any) -> None:  # as the server answers a learner who sends too fast
        if route.request.method == "POST" and not refused:
            refused.append(route.request.post_data)
            route.fulfill(status=429, content_type="application/json", headers={"Retry-After": "1"},
                          body=json.dumps({"error": SLOW_DOWN, "retry_after": 1}))
        else:
            route.continue_()

    page.route("**/webhooks/webchat/messages*", refuse_the_first)
    before = widget.bot_count()
    widget.part("textarea").fill("what does an e-commerce manager do?")
    widget.part("textarea").press("Enter")
    widget.part(".msg.notice").wait_for(timeout=30_000)
    assert widget.part(".msg.notice .bubble").inner_text() == SLOW_DOWN
    widget.wait_for_reply(before + 1)  # the notice, then the answer
    users = [t for t in widget.texts() if t.startswith("user:")]
    assert users == ["user: what does an e-commerce manager do?"]
    assert widget.part("button.retry").count() == 0 and not widget.errors
    assert len(refused) == 1


def test_a_conversation_longer_than_a_page_is_restored_whole_after_a_reload(
        web: Stack, widget: WidgetPage) -> None:
    widget.ask("can I talk to a careers adviser?")
    sender = conversation_id(widget.token())
    for n in range(PAGE_SIZE + 20):
        append_adviser_message(web.conversations_db, sender, f"Adviser note {n}", "Sam")
    widget.page.reload()
    restored = WidgetPage(widget.page)
    restored.open()
    restored.page.wait_for_function(
        "n => document.querySelector('#career-coach-widget').shadowRoot"
        ".querySelectorAll('.messages .msg.adviser').length >= n", arg=PAGE_SIZE + 20, timeout=30_000)
    texts = restored.texts()
    assert texts[-1] == f"bot: Adviser note {PAGE_SIZE + 19}" and len(texts) == len(set(texts))
    assert [t for t in texts if t.startswith("user:")] == ["user: can I talk to a careers adviser?"]
    assert restored.part(".badge").is_hidden() and not restored.errors
