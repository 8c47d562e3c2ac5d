"""The real stack for end-to-end tests: Rasa and action servers on free 127.0.0.1 ports."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import CONSOLE_PASSWORD, Stack, sqlite_url
from tests.telegram_fake import WEBHOOK_SECRET, FakeBotApi


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
    from bot.console.accounts import add_account
    from bot.console.db import dispose_engines, get_engine

    stack.start_web()  # runs the console migrations at start-up
    url = stack.web_url
    email = "ada@example.org"
    add_account(get_engine(sqlite_url(stack.conversations_db)), email, CONSOLE_PASSWORD, is_admin=True)
    dispose_engines()
    yield url, email
