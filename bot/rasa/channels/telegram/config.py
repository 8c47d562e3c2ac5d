"""Telegram settings checks and webhook constants (no Rasa import: the CLI uses them too)."""
from __future__ import annotations

import hmac
import re
from typing import Optional

from bot.shared.settings import ConfigurationError, Settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The update types the channel handles; `coach telegram set-webhook` and polling ask for these.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


def check_configuration(settings: Settings) -> None:
    """Refuse a token without a valid webhook secret (anyone could post fake updates)."""
    if not settings.telegram_token:
        return
    secret = settings.telegram_webhook_secret
    if not secret:
        raise ConfigurationError(
            "TELEGRAM_TOKEN is set but TELEGRAM_WEBHOOK_SECRET is not. The Telegram webhook needs a "
            "secret so that only Telegram can post to it: set TELEGRAM_WEBHOOK_SECRET to a random string "
            "(1-256 characters: A-Z, a-z, 0-9, _ and -), e.g. the output of "
            "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`, then run "
            "`coach telegram set-webhook URL` again (or unset TELEGRAM_TOKEN to turn Telegram off).")
    if not _SECRET_FORMAT.match(secret):
        raise ConfigurationError(
            "TELEGRAM_WEBHOOK_SECRET may contain only A-Z, a-z, 0-9, _ and - (1-256 characters), "
            "as Telegram requires.")


def secret_matches(given: Optional[str], expected: str) -> bool:
    """Constant-time comparison of the webhook secret header (missing never matches)."""
    return bool(expected) and given is not None and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8"))
