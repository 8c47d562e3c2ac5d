"""The adviser console in real headless Chromium (Playwright), against the running assistant."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.shared.conversation_ids import REST_PREFIX, rest_conversation
from tests.support.accessibility import assert_accessible
from tests.support.console import CONSOLE_PASSWORD
from tests.support.stack import Stack, learner_says

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCRIPT_PAYLOAD = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> what pays best?'



@pytest.fixture(scope="module")
def learners(stack: Stack) -> dict[str, str]:
    """A few real conversations through the REST channel: their conversation ids (`rest-<sender>`)."""
    tag = uuid.uuid4().hex[:6]
    senders = {"salary": f"salary-{tag}", "script": f"script-{tag}", "human": f"human-{tag}"}
    learner_says(stack, senders["salary"], "hi, I'm Quentin")
    learner_says(stack, senders["salary"], "how much does a senior e-commerce manager earn?")
    learner_says(stack, senders["script"], SCRIPT_PAYLOAD)
    learner_says(stack, senders["human"], "I'm at university studying marketing and want to be a director")
    learner_says(stack, senders["human"], "can I talk to a human careers adviser please?")
    return {name: rest_conversation(sender) for name, sender in senders.items()}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, console_web):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.base = console_web[0]
    yield page
    context.close()


def sign_in(page, email: str) -> None:
    page.goto(f"{page.base}/console/")
    assert "/console/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", CONSOLE_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Inbox')")


def shoot(page, name: str, expected: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000, f"{path} looks blank"
    assert expected in page.inner_text("main")
    return path


def test_unauthenticated_visitors_are_sent_to_sign_in(page):
    for path in ("/console/", "/console/insights", "/console/export.csv"):
        page.goto(f"{page.base}{path}")
        assert "/console/login" in page.url and page.is_visible("button:has-text('Sign in')")


def test_inbox_filter_search_transcript_tag_review_export(page, console_web, learners):
    sign_in(page, console_web[1])
    assert learners["salary"] in page.inner_text("table.inbox")
    shoot(page, "inbox", "Inbox")
    page.select_option("select[name=channel]", "rest")
    page.check("input[name=handoff]")
    page.click("button:has-text('Apply')")
    assert "handoff=1" in page.url and "channel=rest" in page.url
    assert learners["human"] in page.inner_text("table.inbox")
    assert learners["salary"] not in page.inner_text("table.inbox")

    page.goto(f"{page.base}/console/")
    page.fill("input[name=q]", "quentin")
    page.click("button:has-text('Apply')")
    rows = page.inner_text("table.inbox")
    assert learners["salary"] in rows and learners["human"] not in rows

    page.click(f"a:has-text('{learners['salary'][:20]}')")
    page.wait_for_selector("ol.turns")
    assert "how much does a senior e-commerce manager earn?" in page.inner_text("ol.turns")
    assert "ask_salary" in page.inner_text("ol.turns")
    page.fill("input[name=tag]", "pay question")
    page.click("form:has(input[name=tag][placeholder]) button:has-text('Add')")
    assert "pay question" in page.inner_text(".tags")
    page.click("button:has-text('Mark reviewed')")
    assert page.is_visible("text=Reviewed by ada")
    shoot(page, "transcript", "Coach")

    with page.expect_download() as download_info:
        page.click("a.button:has-text('CSV')")
    exported = Path(download_info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {r["conversation_id"] for r in rows} == {learners["salary"]}
    assert any("senior e-commerce manager" in r["text"] for r in rows)

    page.goto(f"{page.base}/console/?tag=pay+question&review=reviewed")
    assert learners["salary"] in page.inner_text("table.inbox")


def test_script_in_a_learner_message_is_shown_as_text(page, console_web, learners):
    sign_in(page, console_web[1])
    page.goto(f"{page.base}/console/conversations/{learners['script']}")
    bubble = page.inner_text("li.turn.user .bubble")
    assert "<script>window.pwned = 1</script>" in bubble
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("li.turn.user img").count() == 0


def test_post_without_csrf_token_is_rejected(page, console_web, learners):
    sign_in(page, console_web[1])
    response = page.request.post(f"{page.base}/console/conversation/review",
                                 form={"sender_id": learners["salary"]})
    assert response.status == 400 and "CSRF" in response.text()


def test_claim_a_handoff_and_reply_from_the_browser(page, console_web, learners, stack):
    sign_in(page, console_web[1])
    page.click("nav >> text=Handoffs")
    item = page.locator("li.card", has_text=learners["human"][:20])
    assert "university" in item.inner_text().lower()
    item.locator("button:has-text('Claim')").click()
    page.wait_for_selector("a:has-text('Handoffs')")
    page.goto(f"{page.base}/console/conversations/{learners['human']}")
    assert page.is_visible("text=You are talking to this learner")
    assert learner_says(stack, learners["human"].removeprefix(REST_PREFIX), "thanks, I'll wait") == []
    page.fill("textarea[name=text]", "Hello from Ada <b>adviser</b>")
    page.click("button:has-text('Send reply')")
    bubbles = page.locator("li.turn.bot.adviser .bubble")
    assert bubbles.first.inner_text() == "Ada from the careers team has joined the conversation."
    assert "Hello from Ada <b>adviser</b>" in bubbles.last.inner_text()
    with sqlite3.connect(stack.conversations_db) as db:
        data = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'bot' ORDER BY id DESC "
                          "LIMIT 1", (learners["human"],)).fetchone()[0]
    assert json.loads(data)["metadata"] == {"adviser": "ada"}
    shoot(page, "handoff", "Adviser ada")
    page.click("button:has-text('Hand back to the assistant')")
    assert page.is_visible("text=handed back to the assistant")
    assert learner_says(stack, learners["human"].removeprefix(REST_PREFIX),
                        "how much does a director of e-commerce earn?")


def test_insights_render_charts(page, console_web, learners):
    sign_in(page, console_web[1])
    page.goto(f"{page.base}/console/insights")
    assert page.locator("svg.chart").count() == 7
    shoot(page, "insights", "Top intents")


@pytest.mark.parametrize("screen", ["login", "inbox", "transcript", "handoffs", "insights"])
def test_console_pages_have_no_wcag_21_aa_violations(page, console_web, learners, screen):
    if screen == "login":
        page.goto(f"{page.base}/console/login")
    else:
        sign_in(page, console_web[1])
        paths = {"inbox": "/console/", "transcript": f"/console/conversations/{learners['salary']}",
                 "handoffs": "/console/handoffs", "insights": "/console/insights"}
        page.goto(f"{page.base}{paths[screen]}")
    page.wait_for_selector("main")
    assert_accessible(page, f"the console's {screen} page")
