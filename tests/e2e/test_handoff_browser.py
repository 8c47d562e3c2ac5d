"""Handoff across the whole product: web chat learner → console adviser → back to the web chat."""
from __future__ import annotations

from typing import Any

import pytest

from bot.rasa.channels.webchat.sessions import conversation_id
from tests.support.console import signed_in_console
from tests.support.stack import Stack
from tests.support.widget import WidgetPage

pytestmark = pytest.mark.e2e
ADVISER_REPLY = "Hi, I'm Ada, a careers adviser. Tell me a little about what you study?"


def test_an_adviser_reply_from_the_console_reaches_the_learners_web_chat(
        web: Stack, console_web: tuple[str, str], browser: Any) -> None:
    learner = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    console = signed_in_console(browser, *console_web)
    try:
        widget = WidgetPage(learner.new_page())
        widget.page.goto(web.web_url + "/")
        widget.open()
        widget.ask("could I speak to a real person, a careers adviser?")
        conversation = conversation_id(widget.token())

        console.goto(f"{console_web[0]}/console/handoffs")
        card = console.locator("li.card", has_text=conversation[:20])
        card.locator("button:has-text('Claim')").click()
        console.goto(f"{console_web[0]}/console/conversations/{conversation}")
        console.fill("textarea[name=text]", ADVISER_REPLY)
        console.click("button:has-text('Send reply')")

        reply = widget.part(".msg.adviser").last
        reply.wait_for(timeout=30_000)  # the widget polls the conversation
        assert ADVISER_REPLY in reply.inner_text()
        assert "ada" in reply.locator(".meta").inner_text().lower()

        console.click("button:has-text('Hand back to the assistant')")
        assert "£" in widget.ask("how much does a director of e-commerce earn?")
        assert widget.errors == []
    finally:
        console.context.close()
        learner.close()
