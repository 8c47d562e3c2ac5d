"""The real stack for end-to-end tests: Rasa and action servers on free 127.0.0.1 ports."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.console import CONSOLE_PASSWORD
from tests.support.databases import sqlite_url
from tests.support.stack import Stack
from tests.support.telegram_api import WEBHOOK_SECRET, FakeBotApi

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeBotApi]:
    """The local Telegram Bot API stand-in that the Rasa server's Telegram channel talks to."""
    with FakeBotApi() as api:
        yield api


@pytest.fixture(scope="session")
def stack(trained_model: Path, loaded_template: Path, tmp_path_factory: pytest.TempPathFactory,
          telegram_api: FakeBotApi) -> Iterator[Stack]:
    """Both servers, started once for all end-to-end tests."""
    servers = Stack(tmp_path_factory.mktemp("stack"), loaded_template, trained_model)
    try:
        servers.start_actions()
        servers.start_rasa(extra_env=telegram_api.env(WEBHOOK_SECRET))
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="session")
def console_web(stack: Stack) -> Iterator[tuple[str, str]]:
    """The web process on the stack's conversations database, with one admin: (base URL, email)."""
    from bot.web.console.accounts import add_account
    from bot.web.console.db import dispose_engines, get_engine

    stack.start_web()  # runs the console migrations at start-up
    url = stack.web_url
    email = "ada@example.org"
    add_account(get_engine(sqlite_url(stack.conversations_db)), email, CONSOLE_PASSWORD, is_admin=True)
    dispose_engines()
    yield url, email


@pytest.fixture(scope="session")
def web(stack: Stack) -> Stack:
    """The stack plus the web process serving the demo page, whose widget talks to its Rasa server."""
    stack.start_web()
    return stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()
