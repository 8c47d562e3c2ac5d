"""The web process's demo page and widget files: the embed snippet, size budget, no third parties."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.shared.settings import ConfigurationError, Settings, load_settings
from bot.web.app import create_app
from bot.web.widget import STATIC, widget_server_url

WIDGET_BUDGET_BYTES = 32_000


@pytest.fixture
def client(tmp_path: Path) -> Callable[[Settings], FlaskClient]:
    """Makes a test client of the whole web application (the console's tables in a temporary database)."""
    def make(settings: Settings) -> FlaskClient:
        return create_app(replace(settings, var_dir=tmp_path,
                                  database_url=f"sqlite:///{tmp_path / 'conversations.db'}")).test_client()
    return make


def test_the_demo_page_embeds_the_widget_exactly_as_a_customer_site_would(
        client: Callable[[Settings], FlaskClient]) -> None:
    page = client(Settings()).get("/", base_url="http://careers.local:8000")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ('<script src="http://careers.local:8000/widget.js" data-server="http://careers.local:5005" '
            "defer></script>") in html
    assert "<style" not in html and "<script>" not in html  # nothing inline: the policy below holds
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self' http://careers.local:5005" in policy


def test_the_rasa_url_for_the_demo_page_can_be_configured(client: Callable[[Settings], FlaskClient]) -> None:
    settings = replace(Settings(), webchat_server_url="https://chat.example.org")
    html = client(settings).get("/").get_data(as_text=True)
    assert 'data-server="https://chat.example.org"' in html
    assert widget_server_url(Settings(), "http://[::1]:8000/") == "http://[::1]:5005"


def test_a_rasa_url_that_is_not_http_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBCHAT_SERVER_URL", "javascript:alert(1)")
    with pytest.raises(ConfigurationError, match="WEBCHAT_SERVER_URL"):
        load_settings()


@pytest.mark.parametrize(("path", "kind"), [("/widget.js", "text/javascript"), ("/widget.css", "text/css")])
def test_the_widget_files_are_served_with_their_types(path: str, kind: str,
                                                     client: Callable[[Settings], FlaskClient]) -> None:
    reply = client(Settings()).get(path)
    assert reply.status_code == 200 and reply.mimetype == kind
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.data == (STATIC / path.lstrip("/")).read_bytes()


def test_the_widget_and_its_css_fit_in_32_kb_together() -> None:
    size = sum(len((STATIC / name).read_bytes()) for name in ("widget.js", "widget.css"))
    assert size <= WIDGET_BUDGET_BYTES, f"widget.js + widget.css are {size:,} bytes"


def test_the_widget_loads_nothing_from_other_hosts_and_never_parses_html() -> None:
    script = (STATIC / "widget.js").read_text()
    css = (STATIC / "widget.css").read_text()
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", script + css))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace name, never fetched
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert risky not in script
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


def test_the_thumbs_down_is_a_labelled_button_sending_the_feedback_intent_with_a_readable_title() -> None:
    script = (STATIC / "widget.js").read_text()
    css = (STATIC / "widget.css").read_text()
    assert 'el("button", "down", "\\ud83d\\udc4e", { type: "button", "aria-label": NO_HELP' in script
    assert 'var NO_HELP = "This answer didn\'t help";' in script
    # the payload goes to Rasa; the learner's bubble (and the stored title) reads as words
    assert 'send("/feedback_negative", "\\ud83d\\udc4e This didn\'t help");' in script
    assert "min-width: 44px; height: 44px;" in css.split("@media (max-width: 599.98px)", 1)[1]  # touch sized


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to parse the widget with")
def test_the_widget_script_parses() -> None:
    result = subprocess.run(["node", "--check", str(STATIC / "widget.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
