"""`coach telegram set-webhook`: registers the URL with the secret and the update types used."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.cli import main
from bot.settings import get_settings
from tests.telegram_fake import TOKEN, WEBHOOK_SECRET, FakeBotApi

URL = "https://coach.example.org/webhooks/telegram/webhook"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def configure(monkeypatch: pytest.MonkeyPatch, api: FakeBotApi, secret: str = WEBHOOK_SECRET) -> None:
    for name, value in api.env(secret).items():
        monkeypatch.setenv(name, value)


def test_set_webhook_sends_url_secret_and_update_types(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    configure(monkeypatch, bot_api)
    assert main(["telegram", "set-webhook", URL]) == 0
    [call] = bot_api.calls_to("setWebhook")
    assert call.params["url"] == URL and call.params["secret_token"] == WEBHOOK_SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    out = capsys.readouterr().out
    assert "Webhook set" in out and WEBHOOK_SECRET not in out and TOKEN not in out


def test_set_webhook_refuses_plain_http(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    configure(monkeypatch, bot_api)
    assert main(["telegram", "set-webhook", "http://insecure.example.org/hook"]) == 2
    assert "https://" in capsys.readouterr().err and bot_api.calls == []


def test_missing_token_or_secret_is_a_clear_configuration_error(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["telegram", "set-webhook", URL]) == 2
    assert "TELEGRAM_TOKEN is not set" in capsys.readouterr().err
    configure(monkeypatch, bot_api, secret="")
    get_settings.cache_clear()
    assert main(["telegram", "polling"]) == 2
    assert "TELEGRAM_WEBHOOK_SECRET is not" in capsys.readouterr().err
    assert bot_api.calls == []
