"""The chat widget on the demo page in headless Chromium, against the real Rasa and web servers."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.orm import sessionmaker

from bot.rasa.channels.webchat.sessions import conversation_id
from harness.paths import REPO_ROOT
from knowledge import queries
from knowledge.db import make_session_factory
from knowledge.pay import pounds
from tests.support.accessibility import assert_accessible
from tests.support.databases import sqlite_url
from tests.support.stack import Stack, append_adviser_message
from tests.support.widget import WidgetPage

pytestmark = pytest.mark.e2e
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
DIRECTOR_QUESTION = "how much does a director of e-commerce earn?"
MARKUP = '<img src=x onerror="window.__x=1">'


@pytest.fixture
def knowledge(loaded_template: Path) -> Iterator[sessionmaker]:
    """The knowledge base the servers answer from (read only here)."""
    factory = make_session_factory(sqlite_url(loaded_template), create=False)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (own localStorage) at desktop size."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    yield ctx
    ctx.close()


def demo(ctx: Any, web: Stack) -> WidgetPage:
    """Open the demo page in a new tab of `ctx`; fail on any script error."""
    widget = WidgetPage(ctx.new_page())
    widget.page.goto(web.web_url + "/")
    widget.page.wait_for_function("() => window.__careerCoachWidget === true")
    return widget


def band(knowledge: sessionmaker, level: str) -> tuple[str, str]:
    """The pay band at a level, as the assistant writes it."""
    with knowledge() as session:
        found = queries.salary_for(session, level, "ecommerce-management")
    assert found is not None and found.min_gbp and found.max_gbp
    return pounds(found.min_gbp), pounds(found.max_gbp)


def assert_rendered(path: Path, width: int, height: int) -> None:
    """The screenshot exists, has the viewport's size and real content (not one flat colour)."""
    with Image.open(path) as image:
        assert image.size == (width, height)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 200, f"{path} looks blank ({len(colours)} colours)"


def test_keyboard_opens_the_chat_which_greets_with_topics_and_escape_returns_focus(web: Stack, context: Any) -> None:
    widget = demo(context, web)
    page = widget.page
    for _ in range(60):  # Tab through the page until the launcher (the last stop) has focus
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.id === 'career-coach-widget' && "
                         "document.activeElement.shadowRoot.activeElement?.classList.contains('launcher')"):
            break
    else:
        pytest.fail("the launcher never received keyboard focus")
    launcher = widget.part(".launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.get_attribute("aria-label") == "Open chat with Career Coach"
    page.keyboard.press("Enter")
    widget.part(".messages .msg.bot").first.wait_for()
    assert widget.part("textarea").evaluate("e => e.getRootNode().activeElement === e")
    assert widget.part(".panel").get_attribute("role") == "dialog"
    assert widget.part("label[for=cc-input]").inner_text() == "Type your question"
    titles = widget.part(".msg.bot button.reply").all_inner_texts()
    assert titles == ["Careers I cover", "Pay", "How to get in", "Plan my route"]
    assert launcher.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert widget.part(".panel").is_hidden()
    assert launcher.evaluate("e => e.getRootNode().activeElement === e")
    assert not widget.errors


def test_salary_answer_quick_reply_and_history_restored_after_reload(
        web: Stack, context: Any, knowledge: sessionmaker) -> None:
    widget = demo(context, web)
    widget.open()
    answer = widget.ask(DIRECTOR_QUESTION)
    assert all(figure in answer for figure in band(knowledge, "director"))
    assert "Source:" in answer
    live = widget.part("[aria-live=polite]").first.inner_text()
    assert all(figure in live for figure in band(knowledge, "director"))  # announced to screen readers
    before = widget.bot_count()
    widget.part(".msg.bot").last.locator("button.reply", has_text="Senior pay").click()
    senior = widget.wait_for_reply(before)
    assert all(figure in senior for figure in band(knowledge, "senior"))
    assert widget.texts()[-2] == "user: Senior pay"
    old_buttons = widget.part(".messages .msg").nth(-3).locator("button.reply")
    assert old_buttons.count() and all(old_buttons.nth(i).is_disabled() for i in range(old_buttons.count()))
    assert widget.part(".msg.bot").last.locator("button.reply").first.is_enabled()
    assert widget.part(".msg.user time").count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.page.screenshot(path=SCREENSHOTS / "widget-desktop.png")
    assert_rendered(SCREENSHOTS / "widget-desktop.png", 1280, 800)

    shown = widget.texts()
    widget.page.reload()
    restored = WidgetPage(widget.page)
    restored.open()
    restored.page.wait_for_function(
        "n => document.querySelector('#career-coach-widget').shadowRoot"
        ".querySelectorAll('.messages .msg').length >= n", arg=len(shown))
    assert restored.texts() == shown


def test_a_second_browser_profile_cannot_read_the_first_ones_conversation(
        web: Stack, context: Any, browser: Any) -> None:
    first = demo(context, web)
    first.open()
    first.ask("my secret question about pay")
    other_ctx = browser.new_context()
    try:
        second = demo(other_ctx, web)
        second.open()
        assert second.texts() == [first.texts()[0]]  # the greeting only
        assert second.token() != first.token()
        api = web.url + "/webhooks/webchat/messages"
        statuses = second.page.evaluate(
            """async ([api, forged]) => {
                 const plain = await fetch(api);
                 const guessed = await fetch(api, {headers: {'X-Webchat-Session': forged}});
                 return [plain.status, guessed.status, await guessed.text()];
               }""", [api, conversation_id(first.token())])
        assert statuses[:2] == [401, 404] and "secret" not in statuses[2]
    finally:
        other_ctx.close()


def test_markup_in_a_message_is_shown_literally_and_never_runs(web: Stack, context: Any) -> None:
    widget = demo(context, web)
    widget.open()
    widget.ask(MARKUP)
    mine = widget.part(".msg.user .bubble").last
    assert mine.inner_text() == MARKUP
    assert widget.part("img").count() == 0
    assert widget.page.evaluate("() => window.__x") is None


def test_adviser_messages_arrive_by_polling_with_an_unread_badge_and_safe_formatting(
        web: Stack, context: Any) -> None:
    widget = demo(context, web)
    widget.open()
    widget.ask("can I talk to a careers adviser?")
    widget.page.keyboard.press("Escape")
    text = ("**Hello**, I'm Sam.\n- Read https://example.org/careers.\n- Not a link: javascript:alert(1)\n"
            "<b>not bold</b>")
    append_adviser_message(web.conversations_db, conversation_id(widget.token()), text, "Sam")
    badge = widget.part(".badge")
    badge.wait_for(state="visible", timeout=30_000)
    assert badge.inner_text() == "1"
    assert "1 unread message" in (widget.part(".launcher").get_attribute("aria-label") or "")
    widget.part(".launcher").click()
    assert badge.is_hidden()
    message = widget.part(".msg.adviser").last
    assert message.locator("strong").inner_text() == "Hello"
    assert message.locator("li").count() == 2
    links = message.locator("a")
    assert links.count() == 1 and links.get_attribute("href") == "https://example.org/careers"
    assert links.get_attribute("rel") == "noopener noreferrer nofollow"
    assert message.locator("b").count() == 0 and "<b>not bold</b>" in message.inner_text()
    assert "Sam" in message.locator(".meta").inner_text()


def test_hostile_host_page_css_does_not_break_the_widget(web: Stack, browser: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True, reduced_motion="reduce")
    try:
        widget = demo(ctx, web)
        widget.page.add_style_tag(content=(
            "* { display: block !important; color: red !important; font: 40px/3 serif !important;"
            " position: static !important; visibility: visible; box-sizing: content-box !important; }"
            " button, textarea, section, ol, li { display: none !important; border: 9px solid red; }"
            " html { font-size: 4px !important; }"))
        widget.open()
        reply = widget.ask("what skills do I need?")
        assert "Technical" in reply
        widget.page.mouse.move(0, 0)  # off the launcher, which grows a little under the pointer
        launcher = widget.part(".launcher").bounding_box()
        panel = widget.part(".panel").bounding_box()
        assert launcher and panel
        assert (round(launcher["width"]), round(launcher["height"])) == (60, 60)
        assert launcher["x"] + 60 == pytest.approx(1280 - 20, abs=2)
        assert round(panel["width"]) == 380
        style = widget.part(".msg.bot .bubble").last.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).fontSize]")
        assert style[0] != "rgb(255, 0, 0)" and style[1] == "15px"
    finally:
        ctx.close()


def test_network_trouble_is_shown_and_a_retry_never_duplicates_the_message(web: Stack, context: Any) -> None:
    widget = demo(context, web)
    widget.open()
    page = widget.page

    def lose_the_answer(route: Any) -> None:  # the server gets the message, the browser never hears back
        if route.request.method == "POST":
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route("**/webhooks/webchat/messages*", lose_the_answer)
    widget.part("textarea").fill("what qualifications do I need?")
    widget.part("textarea").press("Enter")
    retry = widget.part("button.retry")
    retry.wait_for(timeout=30_000)
    assert retry.inner_text() == "Not sent – tap to retry"
    page.unroute("**/webhooks/webchat/messages*")
    before = widget.bot_count()
    retry.click()
    widget.wait_for_reply(before)
    assert [t for t in widget.texts() if t.startswith("user:")] == ["user: what qualifications do I need?"]
    history = page.evaluate(
        """async ([api, token]) => (await (await fetch(api + '?after=0',
             {headers: {'X-Webchat-Session': token}})).json()).messages""",
        [web.url + "/webhooks/webchat/messages", widget.token()])
    assert [m["text"] for m in history if m["from"] == "user"] == ["what qualifications do I need?"]

    page.route("**/webhooks/webchat/messages*", lambda route: route.abort())
    banner = widget.part(".banner")
    banner.wait_for(state="visible", timeout=30_000)
    assert "Reconnecting" in banner.inner_text()
    page.unroute("**/webhooks/webchat/messages*")
    banner.wait_for(state="hidden", timeout=60_000)


def test_a_phone_sized_screen_opens_the_chat_full_screen(web: Stack, browser: Any) -> None:
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                              reduced_motion="reduce")
    try:
        widget = demo(ctx, web)
        widget.open()
        widget.ask("what does an e-commerce manager do?")
        panel = widget.part(".panel").bounding_box()
        assert panel == {"x": 0, "y": 0, "width": 375, "height": 740}
        assert widget.part(".launcher").is_hidden()
        assert widget.part(".panel").evaluate("e => getComputedStyle(e).animationName") == "none"
        for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:  # full screen: focus never leaves the chat
            widget.page.keyboard.press(key)
            assert widget.page.evaluate("() => document.activeElement?.id") == "career-coach-widget"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        widget.page.screenshot(path=SCREENSHOTS / "widget-mobile.png")
        assert_rendered(SCREENSHOTS / "widget-mobile.png", 375, 740)
        widget.page.keyboard.press("Escape")
        assert widget.part(".panel").is_hidden() and widget.part(".launcher").is_visible()
    finally:
        ctx.close()


def test_start_over_begins_a_new_conversation_and_ends_the_old_one(web: Stack, context: Any) -> None:
    widget = demo(context, web)
    widget.open()
    widget.ask("what does an e-commerce manager do?")
    old = widget.token()
    widget.part("button[aria-label='Start over']").click()
    widget.part(".confirm button.primary").click()
    widget.page.wait_for_function("old => { const k = Object.keys(localStorage).find("
                                  "k => k.startsWith('careerCoach:')); const s = k && JSON.parse("
                                  "localStorage.getItem(k)).session; return s && s !== old; }", arg=old)
    assert len(widget.texts()) == 1 and widget.part(".msg.bot button.reply:enabled").count() == 4
    status = widget.page.evaluate(
        "async ([api, token]) => (await fetch(api, {headers: {'X-Webchat-Session': token}})).status",
        [web.url + "/webhooks/webchat/messages", old])
    assert status == 404


def test_a_site_can_set_title_greeting_colour_side_and_open_on_load(web: Stack, browser: Any) -> None:
    # A page made up by the test counts as a public site, and Chromium lets a public site reach a
    # server on this machine only with the "local network access" permission (a real site's Rasa
    # server sits on a public address).
    ctx = browser.new_context(permissions=["local-network-access"])
    try:
        page = ctx.new_page()
        site = (f'<!doctype html><html lang="en"><body><h1>Partner site</h1><a href="#x">first link</a>'
                f'<script src="{web.web_url}/widget.js" data-server="{web.url}" data-title="Ask Pathways"'
                ' data-greeting="Hello from our careers team!" data-accent="#ffd43b" data-position="left"'
                ' data-open="true" defer></script></body></html>')
        page.route("**/partner-site", lambda route: route.fulfill(content_type="text/html", body=site))
        page.goto(web.web_url + "/partner-site")
        widget = WidgetPage(page)
        widget.part(".messages .msg.bot").first.wait_for()
        assert widget.part("#cc-title").inner_text() == "Ask Pathways"
        assert widget.texts() == ["bot: Hello from our careers team!"]
        assert widget.part(".msg.bot button.reply").count() == 4  # the main topics still come from the server
        head = widget.part(".head").evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
        assert head == ["rgb(255, 212, 59)", "rgb(0, 0, 0)"]  # dark text on a light accent, for contrast
        box = widget.part(".panel").bounding_box()
        assert box and box["x"] == 20
        assert page.evaluate("() => document.activeElement === document.body")  # opening did not steal focus
        assert not widget.errors
    finally:
        ctx.close()


def test_a_message_still_sending_when_the_page_reloads_is_sent_again_and_delivered_once(
        web: Stack, context: Any) -> None:
    widget = demo(context, web)
    widget.open()
    page = widget.page
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:  # the first try is on its way when the page goes
        if route.request.method == "POST" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/webhooks/webchat/messages*", hold_the_first)
    widget.part("textarea").fill("how do I become an e-commerce manager?")
    widget.part("textarea").press("Enter")
    widget.part(".pending").wait_for()
    for _ in range(200):  # Playwright hands the intercepted request over while we wait on the page
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the message was never sent"
    page.reload()  # the held request dies with the page: the server never saw it
    widget = WidgetPage(page)
    widget.open()
    page.wait_for_function(
        "() => { const r = document.querySelector('#career-coach-widget').shadowRoot;"
        " return r.querySelectorAll('.messages .msg.bot').length >= 2 && !r.querySelector('.pending'); }")
    users = [t for t in widget.texts() if t.startswith("user:")]
    assert users == ["user: how do I become an e-commerce manager?"]


@pytest.mark.parametrize("width, height", [(1280, 800), (375, 740)], ids=["desktop", "phone"])
def test_the_open_widget_with_a_reply_and_quick_replies_has_no_wcag_21_aa_violations(
        web: Stack, browser: Any, width: int, height: int) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    try:
        widget = demo(ctx, web)
        widget.open()
        widget.ask(DIRECTOR_QUESTION)
        assert widget.part(".msg.bot").last.locator("button.reply:enabled").count() > 0
        assert_accessible(widget.page, f"the open widget at {width} px")
    finally:
        ctx.close()


def test_a_mid_tone_site_accent_still_gets_header_text_with_enough_contrast(web: Stack, browser: Any) -> None:
    # #777777 is too light for white text (4.48:1) and too dark for #111 (4.21:1); black gives 4.69:1.
    ctx = browser.new_context(permissions=["local-network-access"], reduced_motion="reduce")
    try:
        page = ctx.new_page()
        site = (f'<!doctype html><html lang="en"><head><title>Partner</title></head><body><main><h1>Partner</h1>'
                f'</main><script src="{web.web_url}/widget.js" data-server="{web.url}" data-accent="#777777"'
                ' data-open="true" defer></script></body></html>')
        page.route("**/partner-site", lambda route: route.fulfill(content_type="text/html", body=site))
        page.goto(web.web_url + "/partner-site")
        widget = WidgetPage(page)
        widget.part(".messages .msg.bot button.reply").first.wait_for()
        assert_accessible(page, "the widget with a #777777 accent")
    finally:
        ctx.close()


def test_a_career_page_tells_the_assistant_its_career_with_every_message(
        web: Stack, context: Any, knowledge: sessionmaker) -> None:
    """The page's data-career reaches the stored user events as metadata, where the actions read it."""
    with knowledge() as session:
        career = queries.list_careers(session)[-1]
    widget = WidgetPage(context.new_page())
    widget.page.goto(f"{web.web_url}/careers/{career.slug}")
    widget.page.wait_for_function("() => window.__careerCoachWidget === true")
    assert widget.page.locator("h1").inner_text() == career.name
    widget.open()
    reply = widget.ask("how much does it pay?")
    assert "£" in reply and "Source" in reply  # answered for the page's career, not a question back
    with sqlite3.connect(web.conversations_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'",
                          (conversation_id(widget.token()),)).fetchall()
    metadata = [json.loads(data)["metadata"] for (data,) in rows]
    assert metadata and all(m["career"] == career.slug and m["webchat"]["client_id"] for m in metadata)
    assert widget.errors == []
    assert_accessible(widget.page, f"the {career.slug} page with the chat open")


def test_the_thumbs_down_tells_the_assistant_without_showing_the_payload(web: Stack, context: Any) -> None:
    """A keyboard user rejects an answer: `/feedback_negative` reaches Rasa, the learner sees "👎 This didn't help"."""
    widget = demo(context, web)
    widget.open()
    assert widget.part(".msg.bot button.down").count() == 0  # not on the greeting
    widget.ask(DIRECTOR_QUESTION)
    thumbs = widget.part(".msg.bot").nth(widget.bot_count() - 1).locator("button.down")
    assert thumbs.get_attribute("aria-label") == "This answer didn't help" and thumbs.is_enabled()
    before = widget.bot_count()
    thumbs.focus()
    widget.page.keyboard.press("Enter")
    widget.wait_for_reply(before)
    assert "user: \U0001f44e This didn't help" in widget.texts()
    assert not any("/feedback_negative" in t for t in widget.texts())
    assert thumbs.is_visible() and thumbs.is_disabled()  # the answer rejected keeps its (used) button
    with sqlite3.connect(web.conversations_db) as db:
        intents = [name for (name,) in db.execute(
            "SELECT intent_name FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (conversation_id(widget.token()),))]
    assert intents[-1] == "feedback_negative"
    apology = widget.part(".msg.bot").nth(widget.bot_count() - 1).locator("button.down")
    assert apology.is_enabled()
    widget.ask("what skills do I need?")
    assert not apology.is_visible()  # answers before the learner's last message offer none
    assert thumbs.is_visible() and thumbs.is_disabled()
    assert widget.errors == []
