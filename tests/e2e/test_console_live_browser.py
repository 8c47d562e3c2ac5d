"""Live console updates in headless Chromium: a handoff request written to `events` shows up without a reload."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from harness import console_events as ev
from harness.processes import free_ports
from tests.support.accessibility import assert_accessible
from tests.support.console import CONSOLE_PASSWORD
from tests.support.databases import sqlite_url
from tests.support.stack import web_process

pytestmark = pytest.mark.e2e
POLL_TIMEOUT_MS = 20_000  # the script polls every 5 s
# Stands in for the browser's notifications so the test can read what was shown (and grants permission).
NOTIFICATIONS = """
window.__notes = [];
window.Notification = function (title, options) { window.__notes.push({title: title, body: options.body}); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


@pytest.fixture(scope="module")
def live_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, int]]:
    """The web process alone on a private conversations database (no assistant needed).

    Yields (base URL, engine, account id of a second adviser).
    """
    from bot.web.console.accounts import add_account
    from bot.web.console.db import dispose_engines, get_engine, upgrade
    from bot.web.console.tables import rasa_metadata

    tmp: Path = tmp_path_factory.mktemp("live")
    url = sqlite_url(tmp / "conversations.db")
    engine = get_engine(url)
    rasa_metadata.create_all(engine)
    upgrade(engine)
    add_account(engine, "ada@example.org", CONSOLE_PASSWORD, is_admin=True)
    bob = add_account(engine, "bob@example.org", CONSOLE_PASSWORD)
    ev.insert_rows(engine, [ev.user("quiet-web", time.time() - 60, "hello", "greet", 0.99, "webchat")])
    port = free_ports(2)
    env = {"DATABASE_URL": url, "COACH_VAR_DIR": str(tmp / "var"), "CONSOLE_SECRET_KEY": "live-test-secret",
           "COACH_API_TOKEN": "live-test-token", "RASA_URL": f"http://127.0.0.1:{port[1]}"}
    with web_process(port[0], env):
        yield f"http://127.0.0.1:{port[0]}", engine, bob.id
    dispose_engines()


@pytest.fixture
def page(browser: Any, live_console: tuple[str, Any, int]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(NOTIFICATIONS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(f"{message.text} {message.location.get('url')}")
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.goto(f"{live_console[0]}/console/login")
    page.fill("input[name=email]", "ada@example.org")
    page.fill("input[name=password]", CONSOLE_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Inbox')")
    yield page
    context.close()


def ask_for_adviser(engine: Any, sender: str, text: str) -> None:
    now = time.time()
    ev.insert_rows(engine, [ev.user(sender, now, text, "request_human", 0.97, "telegram"),
                            ev.slot(sender, now + 0.1, "handoff_requested", True)])


def test_a_new_request_changes_the_count_and_the_queue_without_a_reload(page, live_console):
    base, engine, bob_id = live_console
    page.goto(f"{base}/console/handoffs")
    assert page.inner_text("#live-waiting .n") == "0" and page.is_visible("#live-empty")
    page.click("#live-alerts")  # opt in to alerts for new requests
    assert page.get_attribute("#live-alerts", "aria-pressed") == "true"
    page.wait_for_timeout(6_000)  # one poll: the script now knows who was waiting before
    page.evaluate("window.__loaded = 'same page'")

    ask_for_adviser(engine, "new-tg", "<b>please</b> a human, I'm at ann@example.com")
    expect(page.locator("#live-waiting .n")).to_have_text("1", timeout=POLL_TIMEOUT_MS)
    card = page.locator("li.card[data-sender='new-tg']")
    card.wait_for(timeout=POLL_TIMEOUT_MS)
    assert "waiting" in card.locator(".pill").inner_text() and card.locator("button:has-text('Claim')").count() == 1
    snippet = card.locator(".snippet").inner_text()
    assert "<b>please</b>" in snippet and "[email hidden]" in snippet and card.locator("b").count() == 0
    assert not page.is_visible("#live-empty") and page.inner_text("#live-requested") == "1"
    assert page.evaluate("window.__loaded") == "same page"  # never reloaded
    notes = page.evaluate("window.__notes")
    assert notes == [{"title": "A learner asked for an adviser", "body": "1 waiting · telegram"}]

    from bot.web.console.tables import handoffs
    with engine.begin() as connection:  # a colleague claims it
        connection.execute(insert(handoffs).values(sender_id="new-tg", account_id=bob_id,
                                                   claimed_at=time.time()))
    expect(page.locator("#live-waiting .n")).to_have_text("0", timeout=POLL_TIMEOUT_MS)
    assert card.locator(".pill").inner_text() == "with bob" and card.locator("a:has-text('Open')").count() == 1
    assert page.evaluate("window.__loaded") == "same page" and len(page.evaluate("window.__notes")) == 1
    assert page.errors == []
    assert_accessible(page, "the Handoffs page after live updates")


def test_new_learner_messages_appear_in_an_open_transcript(page, live_console):
    base, engine, _ = live_console
    ask_for_adviser(engine, "chat-tg", "can I talk to someone?")
    page.goto(f"{base}/console/conversations/chat-tg")
    page.evaluate("window.__loaded = 'same page'")
    ev.insert_rows(engine, [ev.user("chat-tg", time.time(), "<script>window.pwned = 1</script> still there?",
                                    "ask_salary", 0.9, "telegram")])
    latest = page.locator("ol.turns li.turn.user").last
    # (Playwright's locators, not wait_for_function: the console's CSP forbids evaluating strings.)
    expect(page.locator("ol.turns li.turn.user")).to_have_count(2, timeout=POLL_TIMEOUT_MS)
    assert latest.locator(".bubble").inner_text() == "<script>window.pwned = 1</script> still there?"
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.evaluate("window.__loaded") == "same page" and page.errors == []


def test_a_claim_form_the_script_built_carries_the_csrf_token(page, live_console):
    base, engine, _ = live_console
    page.goto(f"{base}/console/handoffs")
    ask_for_adviser(engine, "claim-tg", "an adviser please")
    card = page.locator("li.card[data-sender='claim-tg']")
    card.wait_for(timeout=POLL_TIMEOUT_MS)
    card.locator("button:has-text('Claim')").click()
    # No assistant runs here: the console explains (a missing CSRF token would be a 400 page instead).
    page.wait_for_selector(".flash.error")
    assert "could not be reached" in page.inner_text(".flash.error")
