"""Configuration from environment variables, read once, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import NamedTuple, TypedDict
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]


DEMO_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")


class ConfigurationError(RuntimeError):
    """A required setting is missing or invalid."""


# -- request size and rate limits (bot/rasa/channels/limits.py) ---------------------------------------
class RateLimit(NamedTuple):
    """A token bucket: `burst` requests at once, then `per_minute` more a minute; burst 0 = off."""

    burst: int
    per_minute: float


LIMITS_OFF = RateLimit(0, 0.0)
MAX_REQUEST_BYTES = 64 * 1024
WEBCHAT_MESSAGE_LIMIT = RateLimit(20, 30.0)   # per web chat session
WEBCHAT_SESSION_LIMIT = RateLimit(30, 10.0)   # new web chat sessions per client address
REST_MESSAGE_LIMIT = RateLimit(30, 60.0)      # per REST sender
CLIENT_MESSAGE_LIMIT = RateLimit(100, 240.0)  # per client address, REST and web chat (long ones cost more)
WEBCHAT_IDLE_HOURS = 24.0


def _rate_limit(name: str, default: RateLimit) -> RateLimit:
    """`BURST,PER_MINUTE` (e.g. `10,30`), or `off`; empty means the default."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("off", "0"):
        return LIMITS_OFF
    try:
        burst, per_minute = (part.strip() for part in raw.split(","))
        limit = RateLimit(int(burst), float(per_minute))
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be BURST,PER_MINUTE (e.g. 10,30) or off, got {raw!r}") from exc
    if limit.burst < 1 or not 0 < limit.per_minute < float("inf"):
        raise ConfigurationError(f"{name} needs a burst of at least 1 and a positive rate, got {raw!r}")
    return limit


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """Comma-separated proxy addresses or networks (`10.0.0.0/8`); empty trusts no proxy."""
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ip_network(part, strict=False)))
        except ValueError as exc:
            raise ConfigurationError(
                f"RASA_TRUSTED_PROXIES entries must be IP addresses or networks: {part!r}") from exc
    return tuple(networks)


def _positive_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from exc
    if not 0 < value < float("inf"):
        raise ConfigurationError(f"{name} must be positive, got {raw!r}")
    return value


def _describe_limit(limit: RateLimit) -> str:
    return f"{limit.burst} at once, then {limit.per_minute:g}/min" if limit.burst else "off"
# -- end of request size and rate limits ------------------------------------------------------


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
    # Console sign-in and the action server's exposure (issue 11).
    console_session_hours: int = 8
    console_cookie_secure: str = "auto"
    console_trusted_proxies: int = 0
    action_server_host: str = "127.0.0.1"
    action_server_token: str = field(default="", repr=False)
    # request size and rate limits (bot/rasa/channels/limits.py)
    max_request_bytes: int = MAX_REQUEST_BYTES
    trusted_proxies: tuple[str, ...] = ()
    webchat_message_limit: RateLimit = WEBCHAT_MESSAGE_LIMIT
    webchat_session_limit: RateLimit = WEBCHAT_SESSION_LIMIT
    rest_message_limit: RateLimit = REST_MESSAGE_LIMIT
    client_message_limit: RateLimit = CLIENT_MESSAGE_LIMIT
    webchat_idle_hours: float = WEBCHAT_IDLE_HOURS
    rest_channel: bool = True
    rest_channel_token: str = field(default="", repr=False)
    # The career answered when neither the message, the conversation nor the page names one.
    default_career: str = ""
    # Office hours and handoff notifications (bot/shared/office_hours.py, bot/web/console/notify.py).
    adviser_hours: str = ""
    adviser_holidays_file: str = ""
    # Minutes a learner waits for an adviser before being offered to carry on or leave contact details.
    adviser_wait_minutes: int = 20
    smtp_url: str = field(default="", repr=False)
    handoff_email_to: tuple[str, ...] = ()
    handoff_email_from: str = ""
    handoff_webhook_url: str = field(default="", repr=False)
    console_public_url: str = DEMO_ORIGINS[0]

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
            "CONSOLE_SESSION_HOURS": str(self.console_session_hours),
            "CONSOLE_COOKIE_SECURE": self.console_cookie_secure,
            "CONSOLE_TRUSTED_PROXIES": str(self.console_trusted_proxies),
            "ACTION_SERVER_HOST": self.action_server_host,
            "DEFAULT_CAREER": self.default_career or "(none: the assistant asks which career)",
            "ACTION_SERVER_TOKEN": ("set" if self.action_server_token
                                    else "not set (generated in var/action_server_token)"),
            # request size and rate limits
            "RASA_MAX_REQUEST_BYTES": str(self.max_request_bytes),
            "RASA_TRUSTED_PROXIES": ", ".join(self.trusted_proxies) or "(none: the socket address is the client)",
            "WEBCHAT_MESSAGE_LIMIT": _describe_limit(self.webchat_message_limit),
            "WEBCHAT_SESSION_LIMIT": _describe_limit(self.webchat_session_limit),
            "REST_MESSAGE_LIMIT": _describe_limit(self.rest_message_limit),
            "CLIENT_MESSAGE_LIMIT": _describe_limit(self.client_message_limit),
            "WEBCHAT_IDLE_HOURS": f"{self.webchat_idle_hours:g}",
            "REST_CHANNEL": "on" if self.rest_channel else "off",
            "REST_CHANNEL_TOKEN": "set" if self.rest_channel_token else "not set (REST channel open)",
            "ADVISER_HOURS": self.adviser_hours or "(not set: advisers always in)",
            "ADVISER_HOLIDAYS_FILE": self.adviser_holidays_file or "(none)",
            "ADVISER_WAIT_MINUTES": str(self.adviser_wait_minutes),
            "SMTP_URL": _describe_smtp(self.smtp_url),
            "HANDOFF_EMAIL_TO": ", ".join(self.handoff_email_to) or "(none)",
            "HANDOFF_EMAIL_FROM": self.handoff_email_from or "(none)",
            "HANDOFF_WEBHOOK_URL": "set" if self.handoff_webhook_url else "not set (no webhook notifications)",
            "CONSOLE_PUBLIC_URL": self.console_public_url,
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


def _count(name: str, default: int) -> int:
    """A whole number that may be 0 (e.g. how many proxies to trust)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number (0 or more), got {raw!r}")
    return int(raw)


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (case-insensitive), or the default when unset."""
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
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


def _describe_smtp(url: str) -> str:
    """The SMTP server without its credentials."""
    if not url:
        return "not set (no email notifications)"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}" + (" (with login)" if parts.username else "")


def _smtp_url(raw: str) -> str:
    """`smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://` (TLS); empty = off."""
    url = raw.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ConfigurationError("SMTP_URL has an invalid port") from exc
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError("SMTP_URL must be smtp://user:password@host:port or smtps://... (TLS)")
    return url


def _addresses(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated email addresses."""
    found = tuple(a.strip() for a in raw.split(",") if a.strip())
    for address in found:
        if address.count("@") != 1 or address.startswith("@") or address.endswith("@") or " " in address:
            raise ConfigurationError(f"{name} entries must be email addresses, got {address!r}")
    return found


class _Notifications(TypedDict):
    smtp_url: str
    handoff_email_to: tuple[str, ...]
    handoff_email_from: str
    handoff_webhook_url: str
    console_public_url: str


class _OfficeHours(TypedDict):
    adviser_hours: str
    adviser_holidays_file: str


def _notifications(env: os._Environ[str]) -> _Notifications:
    """SMTP_URL with its recipients and sender, HANDOFF_WEBHOOK_URL and CONSOLE_PUBLIC_URL, checked together."""
    smtp_url = _smtp_url(env.get("SMTP_URL", ""))
    to = _addresses("HANDOFF_EMAIL_TO", env.get("HANDOFF_EMAIL_TO", ""))
    user = unquote(urlsplit(smtp_url).username or "")
    sender = env.get("HANDOFF_EMAIL_FROM", "").strip() or (user if "@" in user else "")
    if smtp_url and not to:
        raise ConfigurationError("SMTP_URL is set but HANDOFF_EMAIL_TO (who gets the emails) is not")
    if to and not smtp_url:
        raise ConfigurationError("HANDOFF_EMAIL_TO is set but SMTP_URL (the server that sends them) is not")
    if smtp_url and not sender:
        raise ConfigurationError("HANDOFF_EMAIL_FROM is needed (the SMTP user name is not an email address)")
    _addresses("HANDOFF_EMAIL_FROM", sender)  # empty is fine: no email
    webhook = env.get("HANDOFF_WEBHOOK_URL", "").strip()
    if webhook and not webhook.startswith(("https://", "http://")):
        raise ConfigurationError("HANDOFF_WEBHOOK_URL must start with https:// (or http://)")
    public = env.get("CONSOLE_PUBLIC_URL", "").strip().rstrip("/") or DEMO_ORIGINS[0]
    if not public.startswith(("https://", "http://")):
        raise ConfigurationError(f"CONSOLE_PUBLIC_URL must start with https:// or http://: {public!r}")
    return {"smtp_url": smtp_url, "handoff_email_to": to, "handoff_email_from": sender,
            "handoff_webhook_url": webhook, "console_public_url": public}


def _office_hours(env: os._Environ[str]) -> _OfficeHours:
    """ADVISER_HOURS and ADVISER_HOLIDAYS_FILE, parsed once here so a mistake stops the process."""
    from bot.shared import office_hours  # it needs this module's ConfigurationError

    hours, holidays = env.get("ADVISER_HOURS", "").strip(), env.get("ADVISER_HOLIDAYS_FILE", "").strip()
    office_hours.load(hours, holidays)
    return {"adviser_hours": hours, "adviser_holidays_file": holidays}


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
        adviser_wait_minutes=_positive_int("ADVISER_WAIT_MINUTES", 20),
        webchat_allowed_origins=_origins(env.get("WEBCHAT_ALLOWED_ORIGINS", "")),
        webchat_server_url=_server_url(env.get("WEBCHAT_SERVER_URL", "")),
        rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
        coach_api_token=env.get("COACH_API_TOKEN", ""),
        console_session_hours=_positive_int("CONSOLE_SESSION_HOURS", 8),
        console_cookie_secure=_choice("CONSOLE_COOKIE_SECURE", "auto", ("auto", "true", "false")),
        console_trusted_proxies=_count("CONSOLE_TRUSTED_PROXIES", 0),
        action_server_host=env.get("ACTION_SERVER_HOST", "").strip() or "127.0.0.1",
        action_server_token=env.get("ACTION_SERVER_TOKEN", ""),
        # request size and rate limits
        max_request_bytes=_positive_int("RASA_MAX_REQUEST_BYTES", MAX_REQUEST_BYTES),
        trusted_proxies=_trusted_proxies(env.get("RASA_TRUSTED_PROXIES", "")),
        webchat_message_limit=_rate_limit("WEBCHAT_MESSAGE_LIMIT", WEBCHAT_MESSAGE_LIMIT),
        webchat_session_limit=_rate_limit("WEBCHAT_SESSION_LIMIT", WEBCHAT_SESSION_LIMIT),
        rest_message_limit=_rate_limit("REST_MESSAGE_LIMIT", REST_MESSAGE_LIMIT),
        client_message_limit=_rate_limit("CLIENT_MESSAGE_LIMIT", CLIENT_MESSAGE_LIMIT),
        webchat_idle_hours=_positive_float("WEBCHAT_IDLE_HOURS", WEBCHAT_IDLE_HOURS),
        rest_channel=_on_off("REST_CHANNEL", True),
        rest_channel_token=env.get("REST_CHANNEL_TOKEN", ""),
        default_career=env.get("DEFAULT_CAREER", "").strip(),
        **_office_hours(env),
        **_notifications(env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return load_settings()
