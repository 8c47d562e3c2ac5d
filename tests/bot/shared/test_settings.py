"""Settings come from the environment, once; secrets are never printed; lock store from REDIS_URL."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.utils import AvailableEndpoints

from bot.rasa.stores.atomic_redis_lock import AtomicRedisLockStore
from bot.rasa.stores.lock_store import EnvLockStore, redis_lock_store
from bot.shared.redis_url import RedisAddress
from bot.shared.settings import ConfigurationError, get_settings, load_settings


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "KNOWLEDGE_DATABASE_URL", "REDIS_URL", "TELEGRAM_TOKEN",
                 "COACH_VAR_DIR", "COACH_MAX_MESSAGE_CHARS", "CONSOLE_SECRET_KEY", "CONSOLE_SESSION_HOURS",
                 "CONSOLE_COOKIE_SECURE", "CONSOLE_TRUSTED_PROXIES", "ACTION_SERVER_HOST", "ACTION_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_are_sqlite_files_under_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_VAR_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path}/conversations.db"
    assert settings.knowledge_database_url == f"sqlite:///{tmp_path}/knowledge.db"
    assert settings.max_message_chars == 1000


def test_secrets_are_described_only_as_set_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:very-secret")
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "another-secret")
    settings = load_settings()
    shown = " ".join(settings.describe().values()) + repr(settings)
    assert "very-secret" not in shown and "another-secret" not in shown
    assert settings.describe()["TELEGRAM_TOKEN"] == "set"


def test_bad_numbers_fail_fast_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MAX_MESSAGE_CHARS", "lots")
    with pytest.raises(ConfigurationError, match="COACH_MAX_MESSAGE_CHARS"):
        load_settings()


def test_console_and_action_server_defaults_trust_nothing() -> None:
    settings = load_settings()
    assert (settings.console_session_hours, settings.console_cookie_secure, settings.console_trusted_proxies,
            settings.action_server_host, settings.action_server_token) == (8, "auto", 0, "127.0.0.1", "")


@pytest.mark.parametrize("name, value", [("CONSOLE_COOKIE_SECURE", "sometimes"), ("CONSOLE_TRUSTED_PROXIES", "-1"),
                                         ("CONSOLE_TRUSTED_PROXIES", "one"), ("CONSOLE_SESSION_HOURS", "0")])
def test_bad_console_security_settings_fail_fast(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load_settings()


def test_the_action_server_token_is_described_only_as_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "action-secret")
    settings = load_settings()
    assert "action-secret" not in " ".join(settings.describe().values()) + repr(settings)
    assert settings.describe()["ACTION_SERVER_TOKEN"] == "set"


def test_lock_store_is_in_memory_without_redis_url() -> None:
    assert isinstance(EnvLockStore(), InMemoryLockStore)


def test_lock_store_uses_the_atomic_redis_store_when_redis_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "rediss://:pw@127.0.0.1:6390/3")
    store = EnvLockStore()
    assert isinstance(store, AtomicRedisLockStore)
    assert store.address == RedisAddress("127.0.0.1", 6390, 3, None, "pw", ssl=True)
    assert store.key_prefix == "careercoach:lock:"


def test_endpoints_yml_gives_rasa_the_atomic_store_when_redis_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "token")
    endpoints = AvailableEndpoints.read_endpoints(str(Path(__file__).resolve().parents[3] / "endpoints.yml"))
    assert isinstance(LockStore.create(endpoints.lock_store), InMemoryLockStore)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/3")
    get_settings.cache_clear()
    assert isinstance(LockStore.create(endpoints.lock_store), AtomicRedisLockStore)


def test_a_malformed_redis_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        redis_lock_store("http://example")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/one")
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        EnvLockStore()


def test_webchat_origins_default_to_the_demo_page_and_reject_non_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unset WEBCHAT_ALLOWED_ORIGINS allows the demo page; a bare host name is refused clearly."""
    monkeypatch.delenv("WEBCHAT_ALLOWED_ORIGINS", raising=False)
    assert "http://localhost:8000" in load_settings().webchat_allowed_origins
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "https://careers.example.org/, http://localhost:3000")
    assert load_settings().webchat_allowed_origins == ("https://careers.example.org", "http://localhost:3000")
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "careers.example.org")
    with pytest.raises(ConfigurationError, match="WEBCHAT_ALLOWED_ORIGINS"):
        load_settings()


def test_the_rest_channel_switch_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REST_CHANNEL", raising=False)
    assert load_settings().rest_channel is True
    monkeypatch.setenv("REST_CHANNEL", "off")
    monkeypatch.setenv("REST_CHANNEL_TOKEN", "rest-secret")
    settings = load_settings()
    assert settings.rest_channel is False
    assert "rest-secret" not in repr(settings) and "rest-secret" not in str(settings.describe())
    monkeypatch.setenv("REST_CHANNEL", "maybe")
    with pytest.raises(ConfigurationError, match="REST_CHANNEL"):
        load_settings()
