"""The generated HAProxy configuration, run by Debian's haproxy in front of two small stand-in servers.

Round robin with no stickiness, the client's address passed on, only `/` and the webhooks reachable,
a dead server routed around within seconds and used again once it answers, and a request that a
server dropped sent again only when that is safe (web chat messages, reads), never for REST.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.cli.production.haproxy import haproxy_argv, haproxy_config, server_states
from bot.cli.production.layout import Layout
from harness.processes import Server, free_ports, serving, wait_until_healthy
from tests.support.missing import require_program


class StandIn:
    """A tiny HTTP server posing as one Rasa server: answers `/` and webhooks with its name, or drops them."""

    def __init__(self, name: str, port: int, drop_posts: bool = False) -> None:
        self.name, self.port, self.drop_posts = name, port, drop_posts
        self.posts: list[str] = []
        self.forwarded_for: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _answer(self) -> None:
                body = json.dumps({"server": stand_in.name}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._answer()

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stand_in.posts.append(self.path)
                stand_in.forwarded_for.append(self.headers.get("X-Forwarded-For", ""))
                if stand_in.drop_posts:  # as a server dying mid-request: the connection closes, no answer
                    self.close_connection = True
                    return
                self._answer()

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[tuple[Layout, Server, list[StandIn]]]:
    binary = require_program("haproxy", "haproxy")
    ports = free_ports(8)
    layout = Layout(rasa_ports=(ports[0], ports[1]), action_ports=(ports[2], ports[3]), balancer_port=ports[4],
                    actions_port=ports[5], web_port=ports[6], stats_port=ports[7], state_dir=tmp_path)
    stand_ins = [StandIn("rasa-1", ports[0]), StandIn("rasa-2", ports[1])]
    for stand_in in stand_ins:
        stand_in.start()
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(layout), encoding="utf-8")
    try:
        with serving("test-haproxy", haproxy_argv(binary, str(config)), layout.stats_port) as server:
            wait_until_healthy(server, "/stats", timeout=20)
            wait_for(lambda: all(server_states(layout.stats_url)[s.name].up for s in stand_ins), 10)
            yield layout, server, stand_ins
    finally:
        for stand_in in stand_ins:
            stand_in.stop()


def wait_for(condition: Any, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "condition not met in time"
        time.sleep(0.05)
    return time.monotonic() - started


def post(layout: Layout, path: str) -> requests.Response:
    return requests.post(f"{layout.balancer_url}{path}", json={"sender": "s", "message": "hi"}, timeout=10)


def test_the_generated_configuration_is_valid() -> None:
    binary = require_program("haproxy", "haproxy")
    layout = Layout.default(3)
    checked = subprocess.run([binary, "-c", "-f", "/dev/stdin"], input=haproxy_config(layout), text=True,
                             capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "WARNING" not in checked.stderr + checked.stdout
    assert "cookie" not in haproxy_config(layout)  # no stickiness: any server can take any conversation


def test_requests_go_round_robin_with_the_client_address_and_only_to_public_routes(balancer: Any) -> None:
    layout, _server, stand_ins = balancer
    served = [post(layout, "/webhooks/rest/webhook").json()["server"] for _ in range(6)]
    assert sorted(set(served)) == ["rasa-1", "rasa-2"]
    assert all(a != b for a, b in zip(served, served[1:], strict=False))  # alternating: round robin
    assert {f for s in stand_ins for f in s.forwarded_for} == {"127.0.0.1"}
    assert requests.get(f"{layout.balancer_url}/", timeout=10).status_code == 200
    for closed in ("/model/parse", "/conversations/x/tracker", "/version", "/status"):
        assert requests.get(f"{layout.balancer_url}{closed}", timeout=10).status_code == 404, closed
    states = server_states(layout.stats_url)
    assert states["rasa-1"].sessions >= 3 and states["rasa-2"].sessions >= 3


def test_a_dead_server_is_routed_around_within_seconds_and_used_again_once_it_answers(balancer: Any) -> None:
    layout, _server, stand_ins = balancer
    stand_ins[1].stop()
    answered = []
    started = time.monotonic()

    def down() -> bool:
        answered.append(post(layout, "/webhooks/rest/webhook").status_code)
        return not server_states(layout.stats_url)["rasa-2"].up

    wait_for(down, 5)  # inter 1s, fall 2: about two seconds
    marked_down = time.monotonic() - started
    assert set(answered) == {200}  # a refused connection is sent to the other server at once
    assert marked_down < 4.0
    stand_ins[1].start()
    wait_for(lambda: server_states(layout.stats_url)["rasa-2"].up, 5)  # rise 1
    served = {post(layout, "/webhooks/rest/webhook").json()["server"] for _ in range(4)}
    assert served == {"rasa-1", "rasa-2"}


def test_a_dropped_request_is_sent_again_only_when_safe(balancer: Any) -> None:
    layout, _server, stand_ins = balancer
    stand_ins[0].drop_posts = True  # rasa-1 still passes its health checks, but drops every POST
    rest = [post(layout, "/webhooks/rest/webhook").status_code for _ in range(4)]
    webchat = [post(layout, "/webhooks/webchat/messages") for _ in range(4)]
    assert 502 in rest and 200 in rest  # the REST channel is not idempotent: never sent twice
    assert [r.status_code for r in webchat] == [200] * 4  # the widget's message id makes a retry safe
    assert {r.json()["server"] for r in webchat} == {"rasa-2"}
    assert stand_ins[0].posts.count("/webhooks/webchat/messages") >= 1  # it was tried there first
