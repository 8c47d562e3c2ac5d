"""`coach telegram set-webhook` sends the URL, secret and update types; `polling` fails clearly."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.cli.main import main
from bot.cli.telegram import PollingError, poll
from bot.shared.settings import Settings, get_settings
from tests.support.telegram_api import TOKEN, WEBHOOK_SECRET, FakeBotApi, text_update

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


def test_polling_stops_with_a_clear_error_when_rasa_has_no_telegram_channel(bot_api: FakeBotApi) -> None:
    """The forwarded update is refused with 404 (here: a server without the channel)."""
    settings = Settings(telegram_token=TOKEN, telegram_webhook_secret=WEBHOOK_SECRET,
                        telegram_api_base_url=bot_api.base_url)
    bot_api.queue_update(text_update(5, "hi"))
    not_rasa = bot_api.base_url.removesuffix("/bot")
    with pytest.raises(PollingError, match="No Telegram channel"):
        asyncio.run(asyncio.wait_for(poll(settings, not_rasa, poll_seconds=1), timeout=60))
    assert bot_api.calls_to("deleteWebhook") and bot_api.calls_to("getUpdates")
