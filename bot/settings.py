"""Configuration from environment variables, read once, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


DEMO_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")


class ConfigurationError(RuntimeError):
    """A required setting is missing or invalid."""


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Every setting the processes use; secrets are never logged (see `describe`)."""

    var_dir: Path = PROJECT_ROOT / "var"
    knowledge_database_url: str = ""
    database_url: str = ""
    redis_url: str = ""
    telegram_token: str = field(default="", repr=False)
    telegram_webhook_secret: str = field(default="", repr=False)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    console_secret_key: str = field(default="", repr=False)
    max_message_chars: int = 1000
    webchat_allowed_origins: tuple[str, ...] = DEMO_ORIGINS
    webchat_server_url: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    coach_api_token: str = field(default="", repr=False)
    rest_channel: bool = True
    rest_channel_token: str = field(default="", repr=False)

    @property
    def spacy_pipeline_dir(self) -> Path:
        """Where the generated spaCy pipeline lives (config.yml points here)."""
        return self.var_dir / "spacy" / "careers_ruler"

    def describe(self) -> dict[str, str]:
        """Settings safe to print: secrets shown only as set / not set."""
        return {
            "KNOWLEDGE_DATABASE_URL": self.knowledge_database_url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url or "(in-memory lock store)",
            "TELEGRAM_TOKEN": "set" if self.telegram_token else "not set (Telegram off)",
            "TELEGRAM_WEBHOOK_SECRET": "set" if self.telegram_webhook_secret else "not set",
            "CONSOLE_SECRET_KEY": "set" if self.console_secret_key else "not set (generated in var/console_secret_key)",
            "WEBCHAT_ALLOWED_ORIGINS": ", ".join(self.webchat_allowed_origins),
            "WEBCHAT_SERVER_URL": self.webchat_server_url or "(the demo page's host, port 5005)",
            "RASA_URL": self.rasa_url,
            "COACH_API_TOKEN": "set" if self.coach_api_token else "not set (generated in var/coach_api_token)",
            "REST_CHANNEL": "on" if self.rest_channel else "off",
            "REST_CHANNEL_TOKEN": "set" if self.rest_channel_token else "not set (REST channel open)",
        }


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}")
    return value


def _origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins such as `https://careers.example.org`; empty means the demo page."""
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigurationError(f"WEBCHAT_ALLOWED_ORIGINS entries must start with http:// or https://: {origin!r}")
    return origins or DEMO_ORIGINS


def _server_url(raw: str) -> str:
    """The Rasa server URL browsers use for the demo page's widget; empty means same host, port 5005."""
    url = raw.strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"WEBCHAT_SERVER_URL must start with http:// or https://: {url!r}")
    return url


def _on_off(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("on", "off"):
        raise ConfigurationError(f"{name} must be on or off, got {raw!r}")
    return raw == "on"


def load_settings() -> Settings:
    """Build Settings from the environment (no caching; see `get_settings`)."""
    env = os.environ
    var_dir = Path(env.get("COACH_VAR_DIR", str(PROJECT_ROOT / "var")))
    return Settings(
        var_dir=var_dir,
        knowledge_database_url=env.get("KNOWLEDGE_DATABASE_URL") or _sqlite(var_dir / "knowledge.db"),
        database_url=env.get("DATABASE_URL") or _sqlite(var_dir / "conversations.db"),
        redis_url=env.get("REDIS_URL", ""),
        telegram_token=env.get("TELEGRAM_TOKEN", ""),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot",
        console_secret_key=env.get("CONSOLE_SECRET_KEY", ""),
        max_message_chars=_positive_int("COACH_MAX_MESSAGE_CHARS", 1000),
        webchat_allowed_origins=_origins(env.get("WEBCHAT_ALLOWED_ORIGINS", "")),
        webchat_server_url=_server_url(env.get("WEBCHAT_SERVER_URL", "")),
        rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
        coach_api_token=env.get("COACH_API_TOKEN", ""),
        rest_channel=_on_off("REST_CHANNEL", True),
        rest_channel_token=env.get("REST_CHANNEL_TOKEN", ""),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return load_settings()
