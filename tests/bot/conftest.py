"""Fixtures for the bot package's tests: a local Telegram Bot API stand-in per test."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.telegram_api import FakeBotApi


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A fresh Telegram Bot API stand-in on a free 127.0.0.1 port."""
    with FakeBotApi() as api:
        yield api
