"""The web chat channel: REST with polling for the embeddable widget (bot/web/widget/static/widget.js).

Routes under `/webhooks/webchat/` (the session token travels in the `X-Webchat-Session` header,
never in a URL):

- `POST /session` issues a session token and returns the greeting with the main topics;
- `GET /messages?after=N` returns a page (at most 50) of the conversation's messages after
  cursor N, with the next cursor and `more` when others follow (history on load, page by page,
  and the poll);
- `POST /messages` with `{"id", "text", "title"?, "after"?, "career"?}` sends one learner message
  and returns a page of the messages after `after`; the widget's `id` makes it idempotent, so a
  retry never stores or answers a message twice; `career` (the page's `data-career`, a slug) is
  stored as the message's `career` metadata, and ignored unless it looks like a slug;
- `DELETE /session` ends the conversation for this token ("start over").

A token stops working (404, as for an unknown one) once its conversation has had no new event
for WEBCHAT_IDLE_HOURS. Messages per session and new sessions per client address are rate
limited (bot/rasa/channels/limits.py): 429 with `retry_after` seconds and a polite text to show.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import Event
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels import limits
from bot.rasa.channels.adviser import is_paused
from bot.rasa.channels.answering import REPLY_TIMEOUT_SECONDS, answer
from bot.rasa.channels.guard import TROUBLE_REPLY, prepare_text
from bot.rasa.channels.webchat.cors import SESSION_HEADER, install_cors_rule, origin_allowed
from bot.rasa.channels.webchat.history import (
    Page,
    closed_marker,
    has_message,
    is_closed,
    is_idle,
    messages_after,
    page_after,
    stored_unanswered,
    user_metadata,
)
from bot.rasa.channels.webchat.sessions import (
    conversation_id,
    is_client_message_id,
    new_token,
    parse_token,
    rasa_message_id,
)
from bot.shared.career_slug import career_slug
from bot.shared.settings import get_settings
from bot.shared.text import clean_value

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 200
MAX_CURSOR = 10_000_000
DEFAULT_GREETING = "Hi! I'm Career Coach, an automated assistant. What would you like to know?"
UNKNOWN_SESSION = "Unknown or ended session. Start a new one with POST /webhooks/webchat/session."


class RefusedRequestError(Exception):
    """A request the channel refuses, with the HTTP status and message to send back."""

    def __init__(self, status: int, message: str, retry_after: Optional[int] = None) -> None:
        """Remember the status and the message for the learner's browser (and when to retry)."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def _error(problem: RefusedRequestError) -> HTTPResponse:
    if problem.retry_after is None:
        return response.json({"error": problem.message}, status=problem.status)
    return response.json({"error": problem.message, "retry_after": problem.retry_after},
                         status=problem.status, headers={"Retry-After": str(problem.retry_after)})


async def _admit(checks: list[tuple[limits.RateLimiter, Optional[str], float]], text: str) -> None:
    """Take a token from each bucket, or refuse with 429 and how long to wait."""
    wait = await limits.admit(checks)
    if wait:
        raise RefusedRequestError(429, text.format(seconds=limits.seconds_text(wait)),
                                  limits.retry_after(wait))


def _page_json(page: Page) -> dict[str, Any]:
    return {"messages": page.messages, "cursor": page.cursor, "more": page.more}


def _cursor(raw: Any) -> int:
    """A non-negative event position from a query value or JSON number; default 0."""
    if raw is None or raw == "":
        return 0
    if isinstance(raw, bool):
        raise RefusedRequestError(400, "'after' must be a whole number of at least 0.")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise RefusedRequestError(400, "'after' must be a whole number of at least 0.") from None
    if not 0 <= value <= MAX_CURSOR or (isinstance(raw, float) and raw != value):
        raise RefusedRequestError(400, "'after' must be a whole number of at least 0.")
    return value


def _title(raw: Any) -> Optional[str]:
    """The quick-reply title the learner clicked (shown as their message), cleaned."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise RefusedRequestError(400, "'title' must be a string.")
    return clean_value(raw, MAX_TITLE_CHARS)


def _greeting(agent: Any) -> dict[str, Any]:
    """The domain's `utter_greet` text and buttons: the main topics, offered on first open."""
    domain = getattr(agent, "domain", None)
    variants = (getattr(domain, "responses", None) or {}).get("utter_greet") or [{}]
    first = variants[0] if isinstance(variants[0], dict) else {}
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in first.get("buttons") or []
               if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)]
    return {"text": first.get("text") or DEFAULT_GREETING, "buttons": buttons}


class WebchatInput(InputChannel):
    """Input channel for the embeddable web chat widget (see the module docstring for routes)."""

    def __init__(self, allowed_origins: Optional[Sequence[str]] = None,
                 reply_timeout: float = REPLY_TIMEOUT_SECONDS) -> None:
        """Origins default to WEBCHAT_ALLOWED_ORIGINS; the timeout to the REST channel's."""
        self.allowed_origins = tuple(allowed_origins if allowed_origins is not None
                                     else get_settings().webchat_allowed_origins)
        self.reply_timeout = reply_timeout
        # Messages being answered in this process, so a quick retry waits for the first attempt.
        self._in_flight: dict[tuple[str, str], asyncio.Future[Any]] = {}

    @classmethod
    def name(cls) -> str:
        """Served under /webhooks/webchat/."""
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> WebchatInput:
        """No credentials: allowed origins come from the environment (bot/shared/settings.py)."""
        return cls()

    def get_output_channel(self) -> Optional[OutputChannel]:
        """None: the widget fetches every new bot message (adviser replies too) by polling."""
        return None

    # -- helpers ---------------------------------------------------------------------------------
    def _check_origin(self, request: Request) -> None:
        if not origin_allowed(request.headers.get("origin"), self.allowed_origins):
            raise RefusedRequestError(403, "This site is not allowed to use the web chat.")

    @staticmethod
    def _agent(request: Request) -> Any:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or getattr(agent, "processor", None) is None:
            raise RefusedRequestError(503, "The assistant is starting up. Please try again in a moment.")
        return agent

    @staticmethod
    def _token(request: Request) -> str:
        raw = request.headers.get(SESSION_HEADER.lower())
        if raw is None:
            raise RefusedRequestError(401, f"Send the session token in the {SESSION_HEADER} header.")
        token = parse_token(raw)
        if token is None:
            raise RefusedRequestError(404, UNKNOWN_SESSION)
        return token

    @staticmethod
    async def _events(agent: Any, sender_id: str) -> list[Event]:
        """Every stored event of the conversation (all sessions); 404 if never issued, ended or idle."""
        tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
        events = list(tracker.events) if tracker is not None else []
        idle_seconds = get_settings().webchat_idle_hours * 3600
        if not events or is_closed(events) or is_idle(events, time.time(), idle_seconds):
            raise RefusedRequestError(404, UNKNOWN_SESSION)
        return events

    @staticmethod
    def _client(request: Request) -> Optional[str]:
        return limits.limited_address(request, limits.for_app(request.app).trusted_proxies)

    async def _deliver(self, agent: Any, sender_id: str, text: str, message_id: str,
                       metadata: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        """Hand the message to Rasa once; returns the replies and whether it was a duplicate."""
        duplicate = False

        async def handle_once(message: UserMessage) -> None:
            nonlocal duplicate
            message.message_id = message_id  # stored with the message, so retries find it
            # Checked again under the conversation lock: another server process may have
            # taken the same retry (Rasa's own handler would take this lock itself).
            async with agent.lock_store.lock(sender_id):
                tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
                if tracker is not None and has_message(list(tracker.events), message_id):
                    duplicate = True
                    return
                await agent.processor.handle_message(message)

        replies = await answer(handle_once, text, sender_id, self.name(), metadata,
                               timeout=self.reply_timeout)
        return replies, duplicate

    async def _send(self, request: Request) -> dict[str, Any]:
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - Sanic raises various errors for bad JSON
            raise RefusedRequestError(400, 'The body must be JSON: {"id": ..., "text": ...}.') from None
        if not isinstance(body, dict):
            raise RefusedRequestError(400, 'The body must be a JSON object: {"id": ..., "text": ...}.')
        client_id, raw_text = body.get("id"), body.get("text")
        if not is_client_message_id(client_id):
            raise RefusedRequestError(400, "'id' must be 8-64 letters, digits, '-' or '_', new for each message.")
        if not isinstance(raw_text, str):
            raise RefusedRequestError(400, "'text' must be a string.")
        title, after = _title(body.get("title")), _cursor(body.get("after"))
        career = career_slug(body.get("career"))  # the page's career: anything else is ignored
        agent = self._agent(request)
        sender_id = conversation_id(self._token(request))
        buckets = limits.for_app(request.app)
        # Before any database work: a flood is refused at the cost of a look-up (one Redis call when shared).
        await _admit([(buckets.client_messages, self._client(request), limits.text_cost(raw_text)),
                      (buckets.webchat_messages, sender_id, 1.0)], limits.SLOW_DOWN)
        message_id = rasa_message_id(client_id)
        events = await self._events(agent, sender_id)
        stored_before = len(events)
        notices: list[str] = []
        replies: list[dict[str, Any]] = []
        key = (sender_id, client_id)
        if has_message(events, message_id):
            pass  # a retry of a message already answered: send the stored conversation back
        elif key in self._in_flight:
            await asyncio.shield(self._in_flight[key])  # a retry while the first try is answered
        else:
            prepared = prepare_text(raw_text, get_settings().max_message_chars, domain=agent.domain)
            notices += prepared.notices
            if prepared.text is not None:
                replies = await self._answer_once(agent, key, prepared.text, message_id,
                                                  user_metadata(client_id, title, career))
        events = await self._events(agent, sender_id)
        # Replies Rasa did not store (an apology when it failed) are shown once, as notices.
        stored = {m["text"] for m in messages_after(events, stored_before) if m["from"] == "bot"}
        notices += [r["text"] for r in replies if r.get("text") and r["text"] not in stored]
        if not notices and stored_unanswered(events, message_id) and not await is_paused(sender_id):
            # A retry of a message whose first try failed after it was stored (that try's apology
            # went to a request the browser had given up): apologise again rather than stay silent.
            notices.append(TROUBLE_REPLY)
        stamp = time.time()
        return {**_page_json(page_after(events, after)),
                "notices": [{"id": f"n-{client_id}-{n}", "from": "bot", "text": text, "buttons": [],
                             "time": stamp, "notice": True} for n, text in enumerate(notices)]}

    async def _answer_once(self, agent: Any, key: tuple[str, str], text: str, message_id: str,
                           metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Answer a new message once, even if the browser retries meanwhile; [] for a duplicate."""
        task = asyncio.ensure_future(self._deliver(agent, key[0], text, message_id, metadata))
        self._in_flight[key] = task
        task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        # Shielded: if the browser gives up, the message is still answered and stored.
        replies, duplicate = await asyncio.shield(task)
        return [] if duplicate else replies

    async def _start(self, request: Request) -> HTTPResponse:
        agent = self._agent(request)
        await _admit([(limits.for_app(request.app).webchat_sessions, self._client(request), 1.0)],
                     limits.TOO_MANY_SESSIONS)
        token = new_token()
        sender_id = conversation_id(token)
        tracker = await agent.processor.fetch_tracker_with_initial_session(sender_id)
        await agent.tracker_store.save(tracker)
        return response.json({"session": token, "greeting": _greeting(agent),
                              "max_chars": get_settings().max_message_chars}, status=201)

    async def _end(self, request: Request) -> HTTPResponse:
        agent = self._agent(request)
        sender_id = conversation_id(self._token(request))
        await self._events(agent, sender_id)
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.tracker_store.retrieve(sender_id)
            tracker.update(closed_marker())
            await agent.tracker_store.save(tracker)
        return response.empty()

    async def _history(self, request: Request) -> HTTPResponse:
        after = _cursor(request.args.get("after"))
        agent = self._agent(request)
        events = await self._events(agent, conversation_id(self._token(request)))
        return response.json(_page_json(page_after(events, after)))

    # -- routes ----------------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes for the widget; `on_new_message` is not used (see `_deliver`)."""
        module = inspect.getmodule(self)
        hook = Blueprint(f"webchat_{type(self).__name__}", module.__name__ if module else None)
        allowed = self.allowed_origins
        limits.install_body_cap(hook)  # for the whole Rasa app: every channel and route

        @hook.listener("before_server_start")
        async def cors_rule(app: Sanic, _loop: Any) -> None:
            # Where Rasa mounted these routes (normally /webhooks/webchat), read from the routes.
            prefixes = {route.path.split("webchat")[0] + "webchat" for route in hook.routes
                        if "webchat" in route.path}
            for prefix in prefixes or {"/webhooks/webchat"}:
                install_cors_rule(app, "/" + prefix.lstrip("/"), allowed)

        def guarded(work: Callable[[Request], Awaitable[HTTPResponse]]
                    ) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
            async def route(request: Request) -> HTTPResponse:
                try:
                    self._check_origin(request)
                    return await work(request)
                except RefusedRequestError as problem:
                    return _error(problem)
                except Exception:  # noqa: BLE001 - the widget shows "reconnecting", never a 500 page
                    logger.exception("Web chat request %s %s failed.", request.method, request.path)
                    return _error(RefusedRequestError(503, "The chat is having trouble. Please try again in a moment."))
            return route

        async def send(request: Request) -> HTTPResponse:
            return response.json(await self._send(request))

        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        hook.add_route(guarded(health), "/", methods=["GET"], name="health")
        hook.add_route(guarded(self._start), "/session", methods=["POST"], name="start")
        hook.add_route(guarded(self._end), "/session", methods=["DELETE"], name="end")
        hook.add_route(guarded(self._history), "/messages", methods=["GET"], name="history")
        hook.add_route(guarded(send), "/messages", methods=["POST"], name="send")
        return hook
