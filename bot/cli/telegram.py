"""`coach telegram ...`: register the webhook, or long-poll for local use without a public URL.

Polling forwards each update, exactly as Telegram sent it, to the Rasa server's own webhook (with
the secret), so local development goes through the same handling code as production.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any, Optional

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TelegramError

from bot.rasa.channels.telegram.config import ALLOWED_UPDATES, SECRET_HEADER, check_configuration
from bot.shared.settings import ConfigurationError, Settings, get_settings

logger = logging.getLogger(__name__)

POLL_SECONDS = 30
RETRY_SECONDS = 2.0
WEBHOOK_PATH = "/webhooks/telegram/webhook"


class PollingError(RuntimeError):
    """The Rasa server will never accept the forwarded updates (wrong secret, channel off)."""


def _configured(settings: Settings) -> Settings:
    if not settings.telegram_token:
        raise ConfigurationError("TELEGRAM_TOKEN is not set (get one from @BotFather).")
    check_configuration(settings)
    return settings


def _bot(settings: Settings) -> Bot:
    return Bot(settings.telegram_token, base_url=settings.telegram_api_base_url)


async def set_webhook(settings: Settings, url: str, drop_pending: bool = False) -> bool:
    """Register `url` with Telegram, with the secret and the update types the channel handles."""
    async with _bot(settings) as bot:
        return await bot.set_webhook(url, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=drop_pending,
                                     secret_token=settings.telegram_webhook_secret)


async def _forward(http: aiohttp.ClientSession, url: str, secret: str, update: dict[str, Any],
                   stop: asyncio.Event) -> None:
    """POST one update to the Rasa server until it takes it (a Rasa restart loses nothing)."""
    while not stop.is_set():
        try:
            async with http.post(url, json=update, headers={SECRET_HEADER: secret}) as reply:
                if reply.status == 200:
                    return
                if reply.status == 403:
                    raise PollingError("The Rasa server refused the webhook secret: start it with the same "
                                       "TELEGRAM_WEBHOOK_SECRET as this command.")
                if reply.status == 404:
                    raise PollingError(f"No Telegram channel at {url}: start the Rasa server with TELEGRAM_TOKEN "
                                       "set (credentials.yml lists the channel).")
                if reply.status == 400:
                    logger.warning("The Rasa server refused update %s as malformed; skipped.", update.get("update_id"))
                    return
                logger.warning("The Rasa server answered %s; retrying.", reply.status)
        except aiohttp.ClientError as exc:
            logger.warning("The Rasa server at %s is not reachable (%s); retrying.", url, exc)
        await asyncio.sleep(RETRY_SECONDS)


async def poll(settings: Settings, rasa_url: str, stop: Optional[asyncio.Event] = None,
               poll_seconds: int = POLL_SECONDS) -> None:
    """Fetch updates with getUpdates and hand each to the Rasa server's webhook, until `stop` is set."""
    stop = stop or asyncio.Event()
    url = rasa_url.rstrip("/") + WEBHOOK_PATH
    offset: Optional[int] = None
    async with _bot(settings) as bot, aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        await bot.delete_webhook()  # Telegram refuses getUpdates while a webhook is registered
        logger.info("Polling Telegram as @%s; forwarding updates to %s", bot.username, url)
        while not stop.is_set():
            try:
                updates = await bot.do_api_request(
                    "getUpdates", {"offset": offset, "timeout": poll_seconds, "allowed_updates": ALLOWED_UPDATES},
                    read_timeout=poll_seconds + 10)
            except NetworkError as exc:  # includes the odd timed-out long poll
                logger.warning("getUpdates failed (%s); retrying.",
                               str(exc).replace(settings.telegram_token, "<token>"))
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for update in updates or []:
                await _forward(http, url, settings.telegram_webhook_secret, update, stop)
                offset = int(update["update_id"]) + 1  # confirmed only once the Rasa server has it


def cmd_set_webhook(args: argparse.Namespace) -> int:
    """`coach telegram set-webhook URL`."""
    settings = _configured(get_settings())
    if not args.url.startswith("https://"):
        print("Telegram only calls HTTPS webhooks: the URL must start with https://", file=sys.stderr)
        return 2
    try:
        asyncio.run(set_webhook(settings, args.url, args.drop_pending))
    except TelegramError as exc:
        print(f"Telegram refused the webhook: {str(exc).replace(settings.telegram_token, '<token>')}",
              file=sys.stderr)
        return 1
    print(f"Webhook set: {args.url} (updates: {', '.join(ALLOWED_UPDATES)}; secret token sent).")
    return 0


def cmd_polling(args: argparse.Namespace) -> int:
    """`coach telegram polling`: run until Ctrl-C."""
    settings = _configured(get_settings())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(poll(settings, args.rasa_url or settings.rasa_url))
    except KeyboardInterrupt:
        return 0
    except PollingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def add_telegram_commands(commands: Any) -> None:
    """Add `coach telegram set-webhook URL` and `coach telegram polling` to the CLI."""
    telegram = commands.add_parser("telegram", help="set up the Telegram channel")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    hook = telegram_commands.add_parser("set-webhook", help="register the webhook URL with Telegram")
    hook.add_argument("url", help="public HTTPS URL of /webhooks/telegram/webhook on the Rasa server")
    hook.add_argument("--drop-pending", action="store_true", help="discard updates Telegram still holds")
    hook.set_defaults(handler=cmd_set_webhook)
    polling = telegram_commands.add_parser("polling", help="long polling for local use (no public URL)")
    polling.add_argument("--rasa-url", default="", help="the Rasa server (default: RASA_URL)")
    polling.set_defaults(handler=cmd_polling)
