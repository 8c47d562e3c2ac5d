"""The demo page's chat widget as a Playwright page object."""
from __future__ import annotations

from typing import Any

WIDGET = "#career-coach-widget"
_ROOT = "document.querySelector('#career-coach-widget').shadowRoot"


class WidgetPage:
    """The demo page's chat widget in a Playwright page (selectors pierce its open shadow root)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []  # uncaught script errors on the page
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def part(self, selector: str) -> Any:
        """A locator inside the widget."""
        return self.page.locator(f"{WIDGET} {selector}")

    def open(self) -> None:
        """Click the launcher and wait for the greeting."""
        self.part(".launcher").click()
        self.part(".messages .msg.bot").first.wait_for()

    def bot_count(self) -> int:
        """How many bot messages the conversation shows."""
        return self.part(".messages .msg.bot").count()

    def wait_for_reply(self, bots_before: int, timeout: float = 30_000) -> str:
        """Wait until a new bot message is shown and nothing is pending; return its text."""
        self.page.wait_for_function(
            f"n => {{ const r = {_ROOT}; return r.querySelectorAll('.messages .msg.bot').length > n"
            " && !r.querySelector('.pending') && r.querySelector('.typing').hidden; }",
            arg=bots_before, timeout=timeout)
        return self.part(".messages .msg.bot .bubble").last.inner_text()

    def ask(self, text: str) -> str:
        """Type a question, press Enter and return the reply's text."""
        before = self.bot_count()
        self.part("textarea").fill(text)
        self.part("textarea").press("Enter")
        return self.wait_for_reply(before)

    def texts(self) -> list[str]:
        """Every message shown, in order, as 'user: ...' / 'bot: ...'."""
        return self.page.evaluate(
            f"() => Array.from({_ROOT}.querySelectorAll('.messages .msg')).map("
            "m => (m.classList.contains('user') ? 'user: ' : 'bot: ') + m.querySelector('.bubble').innerText)")

    def token(self) -> str:
        """The session token the widget keeps in localStorage."""
        return self.page.evaluate(
            "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
            ".find(k => k.startsWith('careerCoach:')))).session")
