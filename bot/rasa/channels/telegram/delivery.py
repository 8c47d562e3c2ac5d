"""Send to Telegram politely and reliably: rate limits, 429 back-off, retries, "typing…"."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import html
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Optional

from aiolimiter import AsyncLimiter
from telegram import Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.rasa.channels.telegram.render import OutgoingMessage
from bot.shared.settings import Settings

logger = logging.getLogger(__name__)

# Telegram: about 30 messages a second overall and one a second in any one chat.
OVERALL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1
RETRY_AFTER_ATTEMPTS = 3
# Network failures: wait 1, 2, 4, 8, 16 s between attempts (about half a minute in all), inside
# the chat's own task, so other chats are not held up.
NETWORK_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
TYPING_REFRESH_SECONDS = 4.5  # Telegram shows "typing…" for 5 s after each chat action
TYPING_SETTLE_SECONDS = 1.0
_PACED_ENDPOINTS = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
_MAX_CHAT_LIMITERS = 1024

JSONResult = Any
Callback = Callable[..., Coroutine[Any, Any, JSONResult]]


class PacedRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (30/s overall, 20/min per group, 429 retries) plus 1 message/s per chat."""

    def __init__(self, max_retries: int = RETRY_AFTER_ATTEMPTS) -> None:
        """Overall and group limits as Telegram documents them; retry after a 429 `max_retries` times."""
        super().__init__(overall_max_rate=OVERALL_PER_SECOND, overall_time_period=1,
                         max_retries=max_retries)
        self._chat_limiters: dict[str, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: str) -> AsyncLimiter:
        if len(self._chat_limiters) > _MAX_CHAT_LIMITERS:  # forget chats that are idle again
            for key, limiter in list(self._chat_limiters.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._chat_limiters[key]
        return self._chat_limiters.setdefault(chat_id, AsyncLimiter(PER_CHAT_PER_SECOND, 1))

    async def process_request(self, callback: Callback, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: Optional[int]) -> JSONResult:
        """Wait for the chat's one-per-second slot for messages, then apply PTB's limits."""
        chat_id = data.get("chat_id")
        if endpoint in _PACED_ENDPOINTS and chat_id is not None:
            async with self._chat_limiter(str(chat_id)):
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                      rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def make_bot(settings: Settings) -> ExtBot[int]:
    """A python-telegram-bot client for the configured token and API base URL, rate limited."""
    return ExtBot(settings.telegram_token, base_url=settings.telegram_api_base_url,
                  rate_limiter=PacedRateLimiter(),
                  request=HTTPXRequest(connection_pool_size=64, connect_timeout=5.0,
                                       read_timeout=10.0, write_timeout=10.0, pool_timeout=5.0),
                  get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=40.0))


def _seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else float(retry_after)


def _plain(message_html: str) -> str:
    """The visible text of our own HTML (only escapes and <i> are ever used)."""
    return html.unescape(message_html.replace("<i>", "").replace("</i>", ""))


class Sender:
    """Sends messages and chat actions for one bot; every send survives brief outages."""

    def __init__(self, bot: ExtBot[int], retry_delays: tuple[float, ...] = NETWORK_RETRY_DELAYS) -> None:
        """Use `bot`; wait `retry_delays` seconds between attempts after network errors."""
        self.bot = bot
        self._retry_delays = retry_delays

    def describe(self, exc: BaseException) -> str:
        """An error's message for the log, with the bot token (it is in API URLs) removed."""
        return str(exc).replace(self.bot.token, "<token>") if self.bot.token else str(exc)

    async def _with_retries(self, what: str, chat_id: int | str,
                            call: Callable[[], Coroutine[Any, Any, JSONResult]]) -> JSONResult:
        delays = list(self._retry_delays)
        while True:
            try:
                return await call()
            except RetryAfter as exc:  # the rate limiter already retried; keep honouring Telegram
                if not delays:
                    raise
                delays.pop(0)
                await asyncio.sleep(_seconds(exc.retry_after) + 0.1)
            except BadRequest:
                raise
            except NetworkError as exc:  # includes TimedOut; a timed-out send may be repeated
                if not delays:
                    raise
                delay = delays.pop(0)
                logger.warning("%s to chat %s failed (%s); retrying in %.0fs.", what, chat_id,
                               self.describe(exc), delay)
                await asyncio.sleep(delay)

    async def send(self, chat_id: int | str, message: OutgoingMessage,
                   reply_to: Optional[int] = None) -> Optional[Message]:
        """Send one message; None (and a log line) if Telegram refused it for good."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None

        def attempt(text: str, parse_mode: Optional[str]) -> Callable[[], Coroutine[Any, Any, Message]]:
            return lambda: self.bot.send_message(chat_id, text, parse_mode=parse_mode,
                                                 reply_markup=message.keyboard, reply_parameters=reply)
        try:
            try:
                return await self._with_retries("sendMessage", chat_id, attempt(message.html, ParseMode.HTML))
            except BadRequest as exc:
                if "entities" not in str(exc).lower():
                    raise
                # Never expected (everything is escaped), but the learner still gets the words.
                logger.error("Telegram could not parse a reply's HTML (%s); sending it as plain text.",
                             self.describe(exc))
                return await self._with_retries("sendMessage", chat_id, attempt(_plain(message.html), None))
        except (TelegramError, OSError) as exc:
            logger.error("Could not deliver a message to chat %s: %s", chat_id, self.describe(exc))
            return None

    async def send_all(self, chat_id: int | str, messages: list[OutgoingMessage],
                       reply_to: Optional[int] = None) -> int:
        """Send messages in order (the first one as a reply to `reply_to`); how many were delivered."""
        delivered = 0
        for index, message in enumerate(messages):
            if await self.send(chat_id, message, reply_to if index == 0 else None) is not None:
                delivered += 1
        return delivered

    async def quietly(self, what: str, chat_id: int | str, call: Callable[[], Coroutine[Any, Any, Any]]) -> bool:
        """Run a secondary call (spinner, keyboard edit, typing); failures are logged, not raised."""
        try:
            await call()
            return True
        except (TelegramError, OSError) as exc:
            if not isinstance(exc, (BadRequest, Forbidden)):
                logger.warning("%s for chat %s failed: %s", what, chat_id, self.describe(exc))
            else:
                logger.info("%s for chat %s refused: %s", what, chat_id, self.describe(exc))
            return False

    @contextlib.asynccontextmanager
    async def typing(self, chat_id: int | str) -> AsyncIterator[None]:
        """Show "typing…" in a private chat until the block ends (groups: see below)."""
        if str(chat_id).startswith("-"):
            # Group ids are negative. The limiter counts every call for a group against its
            # 20 messages a minute, so chat actions there would take the place of answers.
            yield
            return
        done = asyncio.Event()

        async def keep_typing() -> None:
            while not done.is_set():
                await self.quietly("sendChatAction", chat_id,
                                   lambda: self.bot.send_chat_action(chat_id, ChatAction.TYPING))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(done.wait(), TYPING_REFRESH_SECONDS)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            done.set()
            # Let a chat action in flight finish (so it cannot land after the reply), but briefly.
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, TYPING_SETTLE_SECONDS)

    async def edit_keyboard_away(self, chat_id: int, message_id: int, new_html: Optional[str]) -> None:
        """Remove a message's keyboard, replacing its text with `new_html` when given."""
        if new_html is not None and await self.quietly(
                "editMessageText", chat_id,
                lambda: self.bot.edit_message_text(new_html, chat_id, message_id, parse_mode=ParseMode.HTML,
                                                   reply_markup=None)):
            return
        await self.quietly("editMessageReplyMarkup", chat_id,
                           lambda: self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None))

