"""A live handoff across the product: web chat learner → live console, webhook and email → adviser → coach again."""
from __future__ import annotations

import time
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.rasa.channels.webchat.sessions import conversation_id
from harness.notice_stand_ins import SmtpStandIn, WebhookStandIn
from harness.processes import free_ports
from tests.support.console import signed_in_console
from tests.support.stack import Stack, web_process
from tests.support.widget import WidgetPage

pytestmark = pytest.mark.e2e
WAIT_MS = 30_000  # the console polls every 5 s, the watcher looks every 5 s, the widget polls too
REQUEST = "could I speak to a real person, a careers adviser? you can mail me at ann@example.com"
JOINED = "Ada from the careers team has joined the conversation."
BACK = "You're back with the automated coach."
ADVISER_REPLY = "Hi, I'm Ada. What are you studying at the moment?"
PAY_QUESTION = "how much does a director of e-commerce earn?"


@pytest.fixture(scope="module")
def notified_console(web: Stack, console_web: tuple[str, str]) -> Iterator[tuple[str, WebhookStandIn, SmtpStandIn]]:
    """A second web process on the stack's conversations database that notifies a local webhook and SMTP server.

    The stack's own web process keeps serving the demo page (its origin is the one the Rasa server allows);
    this one serves the console with notifications configured. Yields (base URL, webhook, SMTP server).
    """
    webhook, smtp = WebhookStandIn(), SmtpStandIn()
    [port] = free_ports(1)
    base = f"http://127.0.0.1:{port}"
    env = {**web.env, "HANDOFF_WEBHOOK_URL": webhook.url, "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
           "HANDOFF_EMAIL_TO": "advisers@example.org", "HANDOFF_EMAIL_FROM": "coach@example.org",
           "CONSOLE_PUBLIC_URL": base}
    try:
        with web_process(port, env):
            yield base, webhook, smtp
    finally:
        webhook.close()
        smtp.stop()


def notices_for(webhook: WebhookStandIn, url: str) -> list[dict[str, Any]]:
    """The webhook bodies about one conversation (earlier tests' requests may be notified too)."""
    return [body for body in webhook.bodies if body.get("conversation_url") == url]


def emails_for(smtp: SmtpStandIn, url: str) -> list[Any]:
    """The emails about one conversation, parsed."""
    parsed = [message_from_bytes(data) for _sender, _to, data in smtp.received]
    return [message for message in parsed if url in message.get_payload(decode=True).decode()]


def wait_until(condition: Any, what: str, timeout_ms: int = WAIT_MS) -> None:
    """Poll `condition` from the test (no page script) until it holds, or fail naming `what`."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_web_chat_request_reaches_the_live_console_webhook_and_email_then_the_adviser_and_back(
        web: Stack, console_web: tuple[str, str], notified_console: tuple[str, WebhookStandIn, SmtpStandIn],
        browser: Any) -> None:
    base, webhook, smtp = notified_console
    learner = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    console = signed_in_console(browser, base, console_web[1])
    try:
        console.goto(f"{base}/console/handoffs")
        waiting_before = int(console.inner_text("#live-waiting .n"))
        console.evaluate("window.__loaded = 'same page'")

        widget = WidgetPage(learner.new_page())
        widget.page.goto(web.web_url + "/")
        widget.open()
        widget.ask(REQUEST)
        conversation = conversation_id(widget.token())
        link = f"{base}/console/conversations/{conversation}"

        # The console tab, never reloaded, shows one more learner waiting and their card.
        expect(console.locator("#live-waiting .n")).to_have_text(str(waiting_before + 1), timeout=WAIT_MS)
        card = console.locator(f"li.card[data-sender='{conversation}']")
        card.wait_for(timeout=WAIT_MS)
        assert "waiting" in card.locator(".pill").inner_text()
        assert "[email hidden]" in card.locator(".snippet").inner_text()
        assert console.evaluate("window.__loaded") == "same page"

        # Advisers outside the console are told once, by webhook and by email, without contact details.
        wait_until(lambda: notices_for(webhook, link), "the webhook")
        [notice] = notices_for(webhook, link)
        assert set(notice) == {"text", "conversation_url", "channel", "waiting_seconds", "last_question"}
        assert notice["channel"] == "webchat" and 0 <= notice["waiting_seconds"] <= 30
        assert "careers adviser" in notice["last_question"] and "[email hidden]" in notice["last_question"]
        assert "ann@example.com" not in str(notice) and link in notice["text"]
        wait_until(lambda: emails_for(smtp, link), "the email")
        [email] = emails_for(smtp, link)
        assert email["Subject"] == "A learner is waiting for an adviser (webchat)"
        assert email["To"] == "advisers@example.org" and email["From"] == "coach@example.org"
        assert "ann@example.com" not in email.get_payload(decode=True).decode()

        # The adviser claims from the live card; the learner is told who joined.
        card.locator("button:has-text('Claim')").click()
        console.wait_for_selector("a:has-text('Handoffs')")
        widget.part(".messages .msg .bubble").filter(has_text=JOINED).wait_for(timeout=WAIT_MS)

        console.goto(notice["conversation_url"])  # the notice's link opens the conversation
        console.fill("textarea[name=text]", ADVISER_REPLY)
        console.click("button:has-text('Send reply')")
        reply = widget.part(".msg.adviser").filter(has_text=ADVISER_REPLY)
        reply.wait_for(timeout=WAIT_MS)
        assert "ada" in reply.locator(".meta").inner_text().lower()

        console.click("button:has-text('Hand back to the assistant')")
        widget.part(".messages .msg .bubble").filter(has_text=BACK).wait_for(timeout=WAIT_MS)
        assert "£" in widget.ask(PAY_QUESTION)
        assert len(notices_for(webhook, link)) == 1 and len(emails_for(smtp, link)) == 1
        assert widget.errors == []
    finally:
        console.context.close()
        learner.close()
