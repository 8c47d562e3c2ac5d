"""Fixtures for the bot package's tests: Rasa patched as the server runs it, a Telegram Bot API stand-in."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.rasa import patches
from tests.support.telegram_api import FakeBotApi


@pytest.fixture(autouse=True, scope="session")
def rasa_patched() -> None:
    """Rasa with bot/rasa/patches applied, as `python -m bot.rasa.serve` runs it."""
    patches.apply()


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A fresh Telegram Bot API stand-in on a free 127.0.0.1 port."""
    with FakeBotApi() as api:
        yield api
