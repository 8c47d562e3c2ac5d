"""A local stand-in for the Telegram Bot API on 127.0.0.1, and builders for Telegram updates.

It answers like Telegram (getMe, sendMessage, sendChatAction, answerCallbackQuery,
editMessageText, editMessageReplyMarkup, setWebhook, deleteWebhook, getUpdates), records every
call, and can be told to fail the next call to a method with a 429 (retry_after) or by dropping
the connection, or to hold a chat's sendMessage calls until released (a server can then be
killed while it waits; a call whose client has gone is recorded with status 0, as not delivered).
"""
from __future__ import annotations

import html
import itertools
import json
import random
import re
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

TOKEN = "123456789:TEST-token-for-the-local-stand-in"
WEBHOOK_SECRET = "e2e-webhook-secret_0123456789"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Career Coach",
            "username": "career_coach_test_bot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters PTB sends as plain strings; every other form field is JSON-encoded.
_STRING_FIELDS = {"text", "url", "secret_token", "callback_query_id", "action", "parse_mode",
                  "inline_message_id"}
_update_ids = itertools.count(random.randint(10_000, 10_000_000) * 100)
_message_ids = itertools.count(1000)


def next_update_id() -> int:
    """A fresh update id (unique in this test run)."""
    return next(_update_ids)


def new_chat_id() -> int:
    """A fresh private chat id, so tests sharing one server never see each other's messages."""
    return random.randint(10**9, 2 * 10**9)


def user(chat_id: int) -> dict[str, Any]:
    """The learner behind a private chat."""
    return {"id": chat_id, "is_bot": False, "first_name": "Learner", "language_code": "en"}


def private_chat(chat_id: int) -> dict[str, Any]:
    """A private chat object."""
    return {"id": chat_id, "type": "private", "first_name": "Learner"}


def message(chat_id: int, text: Optional[str] = None, chat: Optional[dict[str, Any]] = None,
            sender: Optional[dict[str, Any]] = None, **extra: Any) -> dict[str, Any]:
    """A Message from a learner; `/command` text gets its bot_command entity, as Telegram adds."""
    body: dict[str, Any] = {"message_id": next(_message_ids), "date": int(time.time()),
                            "chat": chat or private_chat(chat_id), "from": sender or user(chat_id)}
    if text is not None:
        body["text"] = text
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
    body.update(extra)
    return body


def text_update(chat_id: int, text: str, **extra: Any) -> dict[str, Any]:
    """An Update carrying one text message."""
    return {"update_id": next_update_id(), "message": message(chat_id, text, **extra)}


def callback_update(chat_id: int, sent: dict[str, Any], data: str) -> dict[str, Any]:
    """An Update for a press on a button of `sent` (a message the bot sent)."""
    return {"update_id": next_update_id(),
            "callback_query": {"id": str(next_update_id()), "from": user(chat_id), "chat_instance": "1",
                               "message": sent, "data": data}}


@dataclass
class Call:
    """One request the stand-in received."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> Optional[int]:
        """The chat the call was about, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """What the learner sees of a sent text (HTML tags and escapes resolved)."""
        return html.unescape(re.sub(r"<[^>]+>", "", str(self.params.get("text", ""))))

    @property
    def buttons(self) -> list[dict[str, str]]:
        """The inline keyboard's buttons as {"text", "callback_data"}, in order."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class FakeBotApi:
    """The stand-in server. Use as a context manager; `base_url` goes into TELEGRAM_API_BASE_URL."""

    def __init__(self) -> None:
        """Not listening until started."""
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._faults: dict[str, list[dict[str, Any]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._held: set[int] = set()
        self.holding: list[Call] = []  # sendMessage calls that arrived while their chat was held
        self._server: Optional[ThreadingHTTPServer] = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> FakeBotApi:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                api._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """python-telegram-bot's `base_url` for this server."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def env(self, secret: str) -> dict[str, str]:
        """Environment for a Rasa server (or `coach`) talking to this stand-in."""
        return {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": secret,
                "TELEGRAM_API_BASE_URL": self.base_url}

    # -- test controls ------------------------------------------------------------------------------
    def fail_next(self, method: str, retry_after: Optional[int] = None, drop: bool = False) -> None:
        """Make the next call to `method` answer 429 with `retry_after`, or drop the connection."""
        with self._changed:
            self._faults.setdefault(method, []).append({"retry_after": retry_after, "drop": drop})

    def hold(self, chat_id: int) -> None:
        """Keep the chat's next sendMessage calls waiting (unanswered) until `release`."""
        with self._changed:
            self._held.add(chat_id)

    def release(self, chat_id: int) -> None:
        """Let the chat's held calls go on."""
        with self._changed:
            self._held.discard(chat_id)
            self._changed.notify_all()

    def queue_update(self, update: dict[str, Any]) -> None:
        """Hand an update to the next getUpdates (long polling)."""
        with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    def calls_to(self, method: str, chat_id: Optional[int] = None, ok_only: bool = True) -> list[Call]:
        """Recorded calls to `method` (for one chat), successful ones only unless told otherwise."""
        with self._changed:
            return [c for c in self.calls if c.method == method
                    and (chat_id is None or c.chat_id == chat_id) and (c.status == 200 or not ok_only)]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 60.0, what: str = "") -> Any:
        """Wait until `condition()` is truthy (checked whenever a call arrives); return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [(c.method, c.params.get("chat_id"), c.status) for c in self.calls[-15:]]
                    raise AssertionError(f"Timed out waiting for {what or condition}; last calls: {recent}")
                self._changed.wait(min(remaining, 0.5))

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 60.0) -> list[Call]:
        """Wait until at least `count` messages were sent to the chat; return them all."""
        return self.wait_for(lambda: (lambda sent: sent if len(sent) >= count else None)(
            self.calls_to("sendMessage", chat_id)), timeout, f"{count} message(s) to chat {chat_id}")

    # -- the API ------------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", urllib.parse.urlsplit(request.path).path)
        length = int(request.headers.get("Content-Length") or 0)
        params = _decode(request.headers.get("Content-Type", ""), request.rfile.read(length))
        if match is None or match.group(1) != TOKEN:
            self._reply(request, 401 if match else 404, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = match.group(2)
        with self._changed:
            faults = self._faults.get(method) or []
            fault = faults.pop(0) if faults else None
        if fault is not None:
            self._record(Call(method, params, 429 if fault["retry_after"] is not None else 0))
            if fault["drop"]:
                request.close_connection = True  # no response at all: the client sees a network error
                return
            seconds = fault["retry_after"]
            self._reply(request, 429, {"ok": False, "error_code": 429,
                                       "description": f"Too Many Requests: retry after {seconds}",
                                       "parameters": {"retry_after": seconds}})
            return
        if method == "sendMessage" and self._wait_while_held(Call(method, params)) and _client_gone(request):
            self._record(Call(method, params, 0))  # its sender died while it waited: never delivered
            return
        result = self._result(method, params)
        if result is None:
            self._record(Call(method, params, 404))
            self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
            return
        self._record(Call(method, params, result=result))
        self._reply(request, 200, {"ok": True, "result": result})

    def _wait_while_held(self, call: Call, timeout: float = 120.0) -> bool:
        """Wait while the call's chat is held; True if it was held."""
        deadline = time.monotonic() + timeout
        with self._changed:
            if call.chat_id not in self._held:
                return False
            self.holding.append(call)
            self._changed.notify_all()
            while call.chat_id in self._held and time.monotonic() < deadline:
                self._changed.wait(0.2)
        return True

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"sendChatAction", "answerCallbackQuery", "setWebhook", "deleteWebhook"}:
            return True
        if method in {"sendMessage", "editMessageText", "editMessageReplyMarkup"}:
            chat_id = int(params["chat_id"])
            sent = {"message_id": params.get("message_id") or next(_message_ids), "date": int(time.time()),
                    "chat": private_chat(chat_id) if chat_id > 0 else {"id": chat_id, "type": "group", "title": "G"},
                    "from": BOT_USER, "text": html.unescape(re.sub(r"<[^>]+>", "", str(params.get("text", ""))))}
            if params.get("reply_markup"):
                sent["reply_markup"] = params["reply_markup"]
            return sent
        if method == "getUpdates":
            return self._long_poll(int(params.get("offset") or 0), float(params.get("timeout") or 0))
        return None

    def _long_poll(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + min(timeout, 1.0)  # short, so polling clients stop quickly
        with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return list(self._updates)

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)


def _client_gone(request: BaseHTTPRequestHandler) -> bool:
    """True when the client closed its connection (or its process died) while its call waited."""
    connection: socket.socket = request.connection
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _decode(content_type: str, raw: bytes) -> dict[str, Any]:
    """Parameters of a Bot API call: form fields (JSON-encoded values, as PTB sends) or JSON."""
    if not raw:
        return {}
    if "json" in content_type:
        return dict(json.loads(raw))
    params: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True):
        if key in _STRING_FIELDS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


@contextmanager
def running_fake_api() -> Iterator[FakeBotApi]:
    """A started stand-in, stopped afterwards."""
    with FakeBotApi() as api:
        yield api
