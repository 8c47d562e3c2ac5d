"""The real stack for end-to-end tests: Rasa and action servers on free 127.0.0.1 ports."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import Stack
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
