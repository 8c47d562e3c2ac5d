"""The web chat channel on Rasa's own Sanic app with a stand-in agent.

Sessions, idempotent messages, history ownership, allowed origins and bad payloads; rate limits
per session and per client address, history in pages, and tokens that expire when idle.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.channels import limits
from bot.rasa.channels.guard import EMPTY_REPLY, TROUBLE_REPLY
from bot.rasa.channels.webchat.channel import UNKNOWN_SESSION, WebchatInput
from bot.rasa.channels.webchat.history import PAGE_SIZE
from bot.rasa.channels.webchat.sessions import conversation_id, new_token, parse_token
from bot.shared.settings import WEBCHAT_MESSAGE_LIMIT, WEBCHAT_SESSION_LIMIT, get_settings
from harness.loops import run_to_completion
from tests.support.channel_server import FakeAgent, serving_channels
from tests.support.clock import ManualClock

PAGE = "http://careers.example.org"
EVIL = "http://evil.example"
HEADER = "X-Webchat-Session"


@dataclass
class Chat:
    """A running channel, its stand-in agent and an HTTP client sending from the allowed page."""

    url: str
    agent: FakeAgent
    client: httpx.Client

    def start(self) -> str:
        """Issue a session; return its token."""
        reply = self.client.post(f"{self.url}/session")
        assert reply.status_code == 201, reply.text
        return reply.json()["session"]

    def send(self, token: str, body: Any, **headers: str) -> httpx.Response:
        """POST a message body (a dict as JSON, bytes as they are)."""
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(f"{self.url}/messages", content=content,
                                headers={HEADER: token, "Content-Type": "application/json", **headers})

    def history(self, token: str | None, after: Any = 0) -> httpx.Response:
        """GET the messages after a cursor."""
        headers = {HEADER: token} if token is not None else {}
        return self.client.get(f"{self.url}/messages", params={"after": after}, headers=headers)

    async def events(self, token: str) -> list[Any]:
        """Every stored event of the token's conversation."""
        tracker = await self.agent.tracker_store.retrieve_full_tracker(conversation_id(token))
        return list(tracker.events) if tracker else []


@contextmanager
def running_chat(agent: FakeAgent, cors: str = "*") -> Iterator[Chat]:
    channel = WebchatInput(allowed_origins=[PAGE], reply_timeout=3.0)
    with serving_channels([channel], agent, cors=cors) as base, \
            httpx.Client(headers={"Origin": PAGE}, timeout=30) as client:
        yield Chat(f"{base}/webhooks/webchat", agent, client)


@pytest.fixture
def chat() -> Iterator[Chat]:
    """The channel with an agent that answers at once."""
    with running_chat(FakeAgent()) as running:
        yield running


def stored_events(chat: Chat, token: str) -> list[Any]:
    """The conversation's stored events (read on the test's own event loop)."""
    return run_to_completion(chat.events(token))


def test_session_tokens_have_256_random_bits_and_are_not_the_conversation_id() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(len(t) == 43 and parse_token(t) == t for t in tokens)
    token = next(iter(tokens))
    assert conversation_id(token).startswith("webchat-") and token not in conversation_id(token)
    for junk in ("", "short", "x" * 44, "a" * 42 + "!", conversation_id(token)):
        assert parse_token(junk) is None


def test_a_new_session_is_stored_and_greets_with_the_main_topics(chat: Chat) -> None:
    reply = chat.client.post(f"{chat.url}/session")
    body = reply.json()
    assert reply.status_code == 201 and reply.headers["access-control-allow-origin"] == PAGE
    assert body["greeting"] == {"text": "Hello from the test domain.",
                                "buttons": [{"title": "Pay", "payload": "/ask_salary"}]}
    assert body["max_chars"] == 1000
    assert [e.type_name for e in stored_events(chat, body["session"])] == ["action", "session_started", "action"]
    assert chat.history(body["session"]).json() == {"messages": [], "cursor": 3, "more": False}


def test_a_message_is_answered_and_a_retry_with_the_same_id_is_not_stored_again(chat: Chat) -> None:
    token = chat.start()
    first = chat.send(token, {"id": "msg-00000001", "text": "what does it pay?", "after": 3})
    assert first.status_code == 200
    messages = first.json()["messages"]
    assert [(m["from"], m["text"]) for m in messages] == [
        ("user", "what does it pay?"), ("bot", "You asked: what does it pay?")]
    assert messages[0]["client_id"] == "msg-00000001"
    assert messages[1]["buttons"] == [{"title": "More", "payload": "/more"}]
    retry = chat.send(token, {"id": "msg-00000001", "text": "what does it pay?", "after": 3})
    assert retry.status_code == 200 and retry.json()["messages"] == messages
    assert chat.agent.processor.handled == ["what does it pay?"]
    users = [e for e in stored_events(chat, token) if isinstance(e, UserUttered)]
    assert len(users) == 1 and users[0].input_channel == "webchat"


def test_a_retry_sent_while_the_first_try_is_still_being_answered_waits_for_it() -> None:
    with running_chat(FakeAgent(reply_delay=0.5)) as chat:
        token = chat.start()
        body = {"id": "slow-0000001", "text": "hello there"}
        with ThreadPoolExecutor(3) as pool:
            replies = list(pool.map(lambda _: chat.send(token, body), range(3)))
        assert [r.status_code for r in replies] == [200, 200, 200]
        for reply in replies:
            assert [m["text"] for m in reply.json()["messages"]] == ["hello there", "You asked: hello there"]
        assert chat.agent.processor.handled == ["hello there"]


def test_a_quick_reply_sends_the_payload_and_shows_the_title(chat: Chat) -> None:
    token = chat.start()
    reply = chat.send(token, {"id": "button-0001", "text": "/ask_salary", "title": "Pay"})
    assert chat.agent.processor.handled == ["/ask_salary"]
    assert reply.json()["messages"][0] == {**reply.json()["messages"][0], "from": "user", "text": "Pay"}


def test_the_pages_career_is_stored_as_message_metadata_and_anything_else_is_ignored(chat: Chat) -> None:
    token = chat.start()
    sent = {"page-000001": "retail-buyer", "page-000002": "x" * 100}
    ignored = {"page-000003": "Retail Buyer", "page-000004": "retail-buyer\n", "page-000005": "x" * 101,
               "page-000006": 7, "page-000007": ["retail-buyer"], "page-000008": "", "page-000009": None}
    for client_id, career in {**sent, **ignored}.items():
        reply = chat.send(token, {"id": client_id, "text": "how much does it pay?", "career": career})
        assert reply.status_code == 200, reply.text
    chat.send(token, {"id": "page-000010", "text": "no page career"})
    users = {e.metadata["webchat"]["client_id"]: e.metadata for e in stored_events(chat, token)
             if isinstance(e, UserUttered)}
    assert len(users) == 10
    for client_id, career in sent.items():  # beside the channel's own details, which stay as they were
        assert users[client_id] == {"webchat": {"client_id": client_id}, "career": career}
    assert all("career" not in users[client_id] for client_id in [*ignored, "page-000010"])


def test_polling_returns_only_newer_messages_including_an_advisers_reply(chat: Chat) -> None:
    token = chat.start()
    cursor = chat.send(token, {"id": "poll-000001", "text": "can I talk to someone?"}).json()["cursor"]
    assert chat.history(token, cursor).json() == {"messages": [], "cursor": cursor, "more": False}

    async def adviser_replies() -> None:  # what the adviser console does, through the store
        tracker = await chat.agent.tracker_store.retrieve(conversation_id(token))
        tracker.update(BotUttered("Hi, I'm Sam, a careers adviser.", metadata={"adviser": "Sam"}))
        await chat.agent.tracker_store.save(tracker)

    run_to_completion(adviser_replies())
    news = chat.history(token, cursor).json()
    assert [(m["from"], m["text"], m.get("adviser")) for m in news["messages"]] == [
        ("bot", "Hi, I'm Sam, a careers adviser.", "Sam")]
    assert news["cursor"] == cursor + 1
    assert len(chat.history(token, 0).json()["messages"]) == 3


def test_only_the_holder_of_the_token_can_read_the_conversation(chat: Chat) -> None:
    token, other = chat.start(), chat.start()
    chat.send(token, {"id": "secret-0001", "text": "my private question"})
    assert chat.history(other).json()["messages"] == []
    assert chat.history(None).status_code == 401
    unknown = [chat.history(t) for t in (new_token(), "not-a-token", conversation_id(token))]
    assert {r.status_code for r in unknown} == {404}
    assert len({r.text for r in unknown}) == 1 and "private" not in unknown[0].text
    assert chat.send(new_token(), {"id": "secret-0002", "text": "hi"}).status_code == 404
    assert chat.agent.processor.handled == ["my private question"]


def test_starting_over_ends_the_old_token(chat: Chat) -> None:
    token = chat.start()
    chat.send(token, {"id": "over-000001", "text": "first question"})
    ended = chat.client.delete(f"{chat.url}/session", headers={HEADER: token})
    assert ended.status_code == 204
    assert chat.history(token).status_code == 404
    assert chat.send(token, {"id": "over-000002", "text": "again"}).status_code == 404
    assert chat.client.delete(f"{chat.url}/session", headers={HEADER: token}).status_code == 404


BAD_BODIES = [
    b"not json", b"[1, 2]", b'"text"', b"{}", b'{"text": "hi"}', b'{"id": "short", "text": "hi"}',
    b'{"id": "has spaces in it", "text": "hi"}', b'{"id": "good-id-001", "text": 5}',
    b'{"id": "good-id-001", "text": null}', b'{"id": "good-id-001", "text": ["a"]}',
    b'{"id": "good-id-001", "text": "hi", "after": -1}', b'{"id": "good-id-001", "text": "hi", "after": "x"}',
    b'{"id": "good-id-001", "text": "hi", "after": 1.5}', b'{"id": "good-id-001", "text": "hi", "after": true}',
    b'{"id": "good-id-001", "text": "hi", "title": 7}', b'{"id": 12345678, "text": "hi"}',
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=lambda b: b.decode()[:40])
def test_bad_message_bodies_get_400_and_store_nothing(chat: Chat, body: bytes) -> None:
    token = chat.start()
    reply = chat.send(token, body)
    assert reply.status_code == 400 and reply.json()["error"]
    assert chat.agent.processor.handled == []


@pytest.mark.parametrize("after", ["abc", "-3", "1e3", "99999999999"])
def test_a_bad_cursor_gets_400(chat: Chat, after: str) -> None:
    assert chat.history(chat.start(), after).status_code == 400


def test_empty_text_gets_a_prompt_and_long_text_is_cut_with_a_notice(chat: Chat) -> None:
    token = chat.start()
    empty = chat.send(token, {"id": "empty-00001", "text": " \x00 "}).json()
    assert empty["messages"] == [] and [n["text"] for n in empty["notices"]] == [EMPTY_REPLY]
    long = chat.send(token, {"id": "long-000001", "text": "salary " * 400}).json()
    assert len(chat.agent.processor.handled[0]) <= 1000
    assert "only the first 1,000 characters" in long["notices"][0]["text"]


def test_when_rasa_fails_the_learner_gets_an_apology_not_an_error(chat: Chat) -> None:
    async def broken(_message: Any) -> None:
        raise RuntimeError("model exploded")

    chat.agent.processor.handle_message = broken  # type: ignore[method-assign]
    reply = chat.send(chat.start(), {"id": "broken-0001", "text": "hello"})
    assert reply.status_code == 200
    assert [n["text"] for n in reply.json()["notices"]] == [TROUBLE_REPLY]


def test_a_retry_of_a_message_stored_without_an_answer_gets_the_apology_again(chat: Chat) -> None:
    async def store_then_fail(message: Any) -> None:  # as when the action server does not answer
        tracker = await chat.agent.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        await chat.agent.tracker_store.save(tracker)
        raise RuntimeError("the action server did not answer")

    chat.agent.processor.handle_message = store_then_fail  # type: ignore[method-assign]
    token = chat.start()
    first = chat.send(token, {"id": "unanswered-1", "text": "hello"})
    retry = chat.send(token, {"id": "unanswered-1", "text": "hello"})  # the first reply never arrived
    for reply in (first, retry):
        assert reply.status_code == 200
        assert [n["text"] for n in reply.json()["notices"]] == [TROUBLE_REPLY]
    assert [m["from"] for m in retry.json()["messages"]] == ["user"]


@pytest.mark.parametrize("cors", ["*", ""], ids=["rasa --cors *", "no --cors"])
def test_only_allowed_origins_get_cors_headers_and_others_are_refused(cors: str) -> None:
    with running_chat(FakeAgent(), cors=cors) as chat:
        preflight = {"Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type,x-webchat-session"}
        good = chat.client.options(f"{chat.url}/messages", headers=preflight)
        assert good.headers["access-control-allow-origin"] == PAGE
        assert "x-webchat-session" in good.headers["access-control-allow-headers"].lower()
        assert "credentials" not in " ".join(good.headers).lower()
        bad = chat.client.options(f"{chat.url}/messages", headers={**preflight, "Origin": EVIL})
        assert "access-control-allow-origin" not in bad.headers
        token = chat.start()
        refused = chat.send(token, {"id": "evil-000001", "text": "hi"}, Origin=EVIL)
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
        assert chat.client.post(f"{chat.url}/session", headers={"Origin": EVIL}).status_code == 403
        assert chat.history(token).headers["access-control-allow-origin"] == PAGE
        assert chat.agent.processor.handled == []


def test_the_channel_is_listed_in_credentials_and_sends_nothing_itself() -> None:
    credentials = yaml.safe_load((Path(__file__).resolve().parents[4] / "credentials.yml").read_text())
    assert "bot.rasa.channels.webchat.channel.WebchatInput" in credentials
    assert WebchatInput.name() == "webchat" and WebchatInput().get_output_channel() is None


# -- limits, pages, idle expiry --------------------------------------------------------------------
@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[ManualClock]:
    """Frozen limiter clock and default limits (whatever the environment says)."""
    frozen = ManualClock()
    monkeypatch.setattr(limits, "now", frozen)
    for name in ("WEBCHAT_MESSAGE_LIMIT", "WEBCHAT_SESSION_LIMIT", "CLIENT_MESSAGE_LIMIT",
                 "RASA_TRUSTED_PROXIES", "WEBCHAT_IDLE_HOURS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield frozen
    get_settings.cache_clear()


def test_a_burst_of_messages_in_one_session_is_answered_then_slowed_down_politely(
        chat: Chat, clock: ManualClock) -> None:
    token, other = chat.start(), chat.start()
    interval = 60 / WEBCHAT_MESSAGE_LIMIT.per_minute  # seconds until the next message is allowed
    for n in range(WEBCHAT_MESSAGE_LIMIT.burst):
        assert chat.send(token, {"id": f"burst-{n:06d}", "text": f"question {n}"}).status_code == 200
    refused = chat.send(token, {"id": "burst-toomany", "text": "one too many"})
    wait = limits.retry_after(interval)
    assert refused.status_code == 429 and refused.headers["retry-after"] == str(wait)
    assert refused.json() == {"error": limits.slow_down(interval), "retry_after": wait}
    assert refused.headers["access-control-allow-origin"] == PAGE
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()
    assert "one too many" not in chat.agent.processor.handled  # refused before Rasa saw it
    assert chat.send(other, {"id": "other-000001", "text": "hello"}).status_code == 200  # others go on
    clock.value += interval
    again = chat.send(token, {"id": "burst-toomany", "text": "one too many"})  # the widget's retry
    assert again.status_code == 200 and again.json()["messages"][-1]["text"] == "You asked: one too many"


def test_new_sessions_per_client_address_are_limited(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    monkeypatch.setenv("RASA_TRUSTED_PROXIES", "127.0.0.1")  # the test's loopback peer is our proxy
    get_settings.cache_clear()
    client = {"X-Forwarded-For": "203.0.113.9"}
    with running_chat(FakeAgent()) as chat:
        for _ in range(WEBCHAT_SESSION_LIMIT.burst):
            assert chat.client.post(f"{chat.url}/session", headers=client).status_code == 201
        refused = chat.client.post(f"{chat.url}/session", headers=client)
        interval = 60 / WEBCHAT_SESSION_LIMIT.per_minute
        assert refused.status_code == 429 and refused.json()["retry_after"] == limits.retry_after(interval)
        assert refused.json()["error"].startswith("Too many new conversations")
        clock.value += interval
        assert chat.client.post(f"{chat.url}/session", headers=client).status_code == 201


def test_this_machines_own_clients_are_not_limited_per_address_and_forwarded_for_is_ignored(
        chat: Chat, clock: ManualClock) -> None:
    """Loopback is the operator's tools and tests, or an untrusted local proxy carrying every learner."""
    for _ in range(WEBCHAT_SESSION_LIMIT.burst + 5):
        chat.start()
    spoofed = chat.client.post(f"{chat.url}/session", headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status_code == 201


def test_behind_a_trusted_proxy_each_forwarded_address_gets_its_own_sessions(
        monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    monkeypatch.setenv("RASA_TRUSTED_PROXIES", "127.0.0.0/8")
    monkeypatch.setenv("WEBCHAT_SESSION_LIMIT", "2,10")
    get_settings.cache_clear()
    with running_chat(FakeAgent()) as chat:
        def start_from(address: str) -> int:
            return chat.client.post(f"{chat.url}/session", headers={"X-Forwarded-For": address}).status_code
        assert [start_from("198.51.100.7") for _ in range(3)] == [201, 201, 429]
        assert start_from("198.51.100.8") == 201


def store_conversation(chat: Chat, token: str, events: list[Any]) -> None:
    """Store a conversation under the token's id, as if it had happened."""
    async def save() -> None:
        await chat.agent.tracker_store.save(DialogueStateTracker.from_events(conversation_id(token), events))
    run_to_completion(save())


def long_conversation(turns: int, stamp: float | None = None) -> list[Any]:
    """A session start and `turns` question-and-answer pairs (2 messages each)."""
    at = {} if stamp is None else {"timestamp": stamp}
    events: list[Any] = [ActionExecuted("action_session_start", **at), SessionStarted(**at),
                         ActionExecuted("action_listen", **at)]
    for n in range(turns):
        events += [UserUttered(f"question {n}", **at), ActionExecuted("utter_x", **at),
                   BotUttered(f"answer {n}", **at), ActionExecuted("action_listen", **at)]
    return events


def test_history_comes_in_pages_and_a_reply_returns_only_newer_messages(chat: Chat) -> None:
    token = new_token()
    store_conversation(chat, token, long_conversation(60))  # 120 messages
    pages, cursor, more = [], 0, True
    while more:
        page = chat.history(token, cursor).json()
        assert len(page["messages"]) <= PAGE_SIZE
        pages.append([m["text"] for m in page["messages"]])
        cursor, more = page["cursor"], page["more"]
    assert [len(p) for p in pages] == [50, 50, 20]
    assert sum(pages, []) == [t for n in range(60) for t in (f"question {n}", f"answer {n}")]
    reply = chat.send(token, {"id": "paged-000001", "text": "and now?", "after": cursor}).json()
    assert [m["text"] for m in reply["messages"]] == ["and now?", "You asked: and now?"]
    assert reply["more"] is False and reply["cursor"] > cursor
    from_start = chat.send(token, {"id": "paged-000001", "text": "and now?"}).json()  # no cursor sent
    assert len(from_start["messages"]) == PAGE_SIZE and from_start["more"] is True


def test_a_token_idle_longer_than_the_limit_is_unknown_and_a_recent_one_works(
        chat: Chat, clock: ManualClock) -> None:
    import time

    idle, recent = new_token(), new_token()
    store_conversation(chat, idle, long_conversation(1, stamp=time.time() - 25 * 3600))
    store_conversation(chat, recent, long_conversation(1, stamp=time.time() - 23 * 3600))
    assert chat.history(recent).status_code == 200
    gone = [chat.history(idle), chat.send(idle, {"id": "idle-000001", "text": "hi"}),
            chat.client.delete(f"{chat.url}/session", headers={HEADER: idle})]
    assert [r.status_code for r in gone] == [404, 404, 404]
    assert all(r.json() == {"error": UNKNOWN_SESSION} for r in gone)
    assert chat.agent.processor.handled == []
