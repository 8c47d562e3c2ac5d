"""Local stand-ins for the handoff notification channels: a webhook receiver and an SMTP server on 127.0.0.1."""
from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

with warnings.catch_warnings():  # deprecated, still in Python 3.10's standard library (no aiosmtpd here)
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd

SECRET_PATH = "/services/T000/B000/hook-secret-xyz"


class WebhookStandIn:
    """A 127.0.0.1 HTTP server recording JSON bodies and their arrival; 500 to the first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each recorded body
        self.requests = 0
        self.failures = failures
        self.release = threading.Event()
        self.release.set()
        self.received = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stand_in.release.wait(10)
                with stand_in.received:
                    stand_in.requests += 1
                    failed = stand_in.requests <= stand_in.failures
                    if not failed:
                        stand_in.bodies.append(json.loads(body))
                        stand_in.arrivals.append(time.monotonic())
                        stand_in.received.notify_all()
                self.send_response(500 if failed else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least `count` bodies were recorded or `timeout` seconds pass; whether they were."""
        with self.received:
            return self.received.wait_for(lambda: len(self.bodies) >= count, timeout)

    def arrival(self, match: Callable[[dict[str, Any]], bool]) -> Optional[float]:
        """When the first body `match` accepts arrived (time.monotonic()), or None if none has yet."""
        with self.received:
            return next((at for body, at in zip(self.bodies, self.arrivals, strict=True) if match(body)), None)

    def close(self) -> None:
        """Stop serving and free the port."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class SmtpStandIn(smtpd.SMTPServer):
    """An SMTP server on 127.0.0.1 (no STARTTLS, no AUTH) that keeps every message it receives."""

    def __init__(self) -> None:
        self.socket_map: dict[int, Any] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            super().__init__(("127.0.0.1", 0), None, map=self.socket_map, decode_data=False)  # type: ignore[arg-type]
        self.port = int(self.socket.getsockname()[1])  # type: ignore[union-attr]
        self.received: list[tuple[str, list[str], bytes]] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            asyncore.loop(timeout=0.05, count=1, map=self.socket_map)

    def process_message(self, peer: Any, mailfrom: str, rcpttos: list[str], data: bytes | str,
                        **kwargs: Any) -> None:
        """Keep the message (sender, recipients, raw bytes)."""
        self.received.append((mailfrom, rcpttos, data.encode() if isinstance(data, str) else data))

    def wait_for(self, count: int, timeout: float) -> bool:
        """Poll until at least `count` messages arrived or `timeout` seconds pass; whether they did."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.received) >= count

    def stop(self) -> None:
        """Stop the loop and close its sockets."""
        self._stop.set()
        self.thread.join(5)
        asyncore.close_all(map=self.socket_map)
