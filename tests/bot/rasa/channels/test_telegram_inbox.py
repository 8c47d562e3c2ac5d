"""Durable Telegram updates: stored before the 200, handled once across servers, recovered after a death.

Several "servers" (Telegram channels, each with its own inbox instance id) share one database: a
SQLite file and a real PostgreSQL server. Time for leases and grace periods is a hand-moved clock.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import pytest
import sqlalchemy as sa

from bot.rasa.channels.telegram.channel import TelegramInput
from bot.rasa.channels.telegram.handler import TelegramHandler
from bot.rasa.channels.telegram.inbox import LEASE_SECONDS, UNCLAIMED_GRACE_SECONDS, Inbox, StoredUpdate
from bot.shared.erasure import erase_conversations
from bot.shared.telegram_updates import DONE, FAILED, PENDING, PROCESSING, TABLE
from harness.processes import free_ports
from tests.support.clock import ManualClock
from tests.support.missing import missing
from tests.support.postgres import temporary_postgres
from tests.support.telegram_api import FakeBotApi, new_chat_id, text_update
from tests.support.telegram_channel import FakeRasa, fake_request, run, settings_for
from tests.support.telegram_inbox import handling_problems, stored_updates


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One throw-away PostgreSQL server for this module's PostgreSQL runs."""
    server = temporary_postgres()
    try:
        url = server.__enter__()
    except (FileNotFoundError, KeyError, subprocess.SubprocessError):
        missing("PostgreSQL", "postgresql")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The conversations database: a fresh SQLite file, or the PostgreSQL server with no inbox table yet."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
    engine.dispose()
    return url


class Recorder(FakeRasa):
    """Rasa stand-in shared by all servers: one log of (server, text), in handling order; can be held."""

    def __init__(self, log: list[tuple[str, str]], name: str, hold: Optional[asyncio.Event] = None) -> None:
        super().__init__()
        self.log, self.name, self.hold = log, name, hold

    async def __call__(self, incoming: Any) -> None:
        self.log.append((self.name, incoming.text or ""))
        if self.hold is not None:
            await self.hold.wait()
        await super().__call__(incoming)


@dataclass
class Server:
    """One Rasa server's Telegram channel and what it hands messages to."""

    name: str
    channel: TelegramInput
    rasa: Recorder
    handler: TelegramHandler

    @property
    def inbox(self) -> Inbox:
        return self.channel.inbox

    async def post(self, update: dict[str, Any]) -> tuple[int, Any]:
        reply = await self.channel.receive(fake_request(update), self.rasa)
        return reply.status, json.loads(reply.body or b"null")


class Cluster:
    """Servers on one database and one clock, all stopped at the end."""

    def __init__(self, url: str, bot_api: FakeBotApi) -> None:
        self.url, self.bot_api = url, bot_api
        self.clock = ManualClock()
        self.log: list[tuple[str, str]] = []
        self.servers: list[Server] = []

    def server(self, name: str, hold: Optional[asyncio.Event] = None, url: Optional[str] = None,
               **inbox_options: Any) -> Server:
        inbox = Inbox(url or self.url, instance=name, clock=self.clock, **inbox_options)
        channel = TelegramInput(settings_for(self.bot_api, database_url=self.url), inbox=inbox)
        rasa = Recorder(self.log, name, hold)
        handler = channel.handler(rasa, SimpleNamespace(ctx=SimpleNamespace(agent=None)))
        self.servers.append(Server(name, channel, rasa, handler))
        return self.servers[-1]

    async def drain(self) -> None:
        for server in self.servers:
            await server.channel.drain(timeout=30)

    def stored(self) -> dict[int, StoredUpdate]:
        return stored_updates(self.url)

    def close(self) -> None:
        for server in self.servers:
            server.inbox.close()


@pytest.fixture
def cluster(database_url: str, bot_api: FakeBotApi) -> Iterator[Cluster]:
    servers = Cluster(database_url, bot_api)
    yield servers
    servers.close()


def rows(url: str) -> list[dict[str, Any]]:
    """The inbox table as another connection sees it."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(TABLE):
                return []
            return [dict(row._mapping) for row in connection.execute(sa.text(f"SELECT * FROM {TABLE}"))]
    finally:
        engine.dispose()


def dies_after_the_200(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server stores updates and answers, but is killed before it handles anything."""
    monkeypatch.setattr(server.channel.worker, "start", lambda *_args: None)


def test_the_200_is_sent_only_after_the_update_is_committed(cluster: Cluster) -> None:
    a = cluster.server("A")
    update = text_update(new_chat_id(), "what does it pay?")

    async def scenario() -> list[dict[str, Any]]:
        status, body = await a.post(update)
        assert (status, body) == (200, {"status": "accepted"})
        # Nothing has run since the answer: the row is already visible to any other connection.
        seen = rows(cluster.url)
        await cluster.drain()
        return seen

    [seen] = run(scenario())
    assert seen["update_id"] == update["update_id"] and seen["state"] == PENDING
    assert json.loads(seen["payload"]) == update and seen["chat_id"] == update["message"]["chat"]["id"]
    assert cluster.log == [("A", "what does it pay?")]
    [done] = cluster.stored().values()
    assert done.state == DONE and done.claimed_by == "A" and done.attempts == 1
    assert not done.has_payload  # a handled update keeps no message text


def test_a_duplicate_is_handled_once_whichever_server_it_reaches(cluster: Cluster) -> None:
    a, b = cluster.server("A"), cluster.server("B")
    chat = new_chat_id()
    first, second = text_update(chat, "first"), text_update(chat, "second")

    async def scenario() -> list[tuple[int, Any]]:
        answers = [await a.post(first), await b.post(first)]
        answers += await asyncio.gather(a.post(second), b.post(second))  # at the same moment
        await cluster.drain()
        answers.append(await b.post(first))  # long after: still known
        await cluster.drain()
        return answers

    answers = run(scenario())
    assert answers[:2] == [(200, {"status": "accepted"}), (200, {"status": "duplicate"})]
    assert sorted(body["status"] for _status, body in answers[2:4]) == ["accepted", "duplicate"]
    assert answers[4] == (200, {"status": "duplicate"})
    assert sorted(text for _server, text in cluster.log) == ["first", "second"]
    assert [c.text for c in cluster.bot_api.calls_to("sendMessage", chat)] == ["echo: first", "echo: second"]


def test_an_update_whose_server_died_after_the_200_is_handled_once_by_another(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = cluster.server("A"), cluster.server("B")
    dies_after_the_200(a, monkeypatch)
    update = text_update(new_chat_id(), "are you there?")

    async def scenario() -> list[int]:
        status, _body = await a.post(update)
        assert status == 200
        claimed = [await b.channel.worker.sweep(b.handler)]  # within the grace period: A may still claim it
        cluster.clock.value += UNCLAIMED_GRACE_SECONDS + 1
        claimed.append(await b.channel.worker.sweep(b.handler))
        await cluster.drain()
        claimed.append(await b.channel.worker.sweep(b.handler))
        restarted = cluster.server("A-restarted")
        claimed.append(await restarted.channel.worker.sweep(restarted.handler))
        return claimed

    assert run(scenario()) == [0, 1, 0, 0]
    assert cluster.log == [("B", "are you there?")]
    row = cluster.stored()[update["update_id"]]
    assert (row.state, row.claimed_by, row.attempts) == (DONE, "B", 1)
    assert handling_problems(cluster.url, [update["update_id"]]) == []


def test_a_chats_order_is_kept_when_a_server_recovers_an_old_update_while_new_ones_arrive(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    hold = asyncio.Event()
    a, b, c = cluster.server("A"), cluster.server("B", hold=hold), cluster.server("C")
    dies_after_the_200(a, monkeypatch)
    chat, other_chat = new_chat_id(), new_chat_id()
    updates = [text_update(chat, "one"), text_update(chat, "two"), text_update(other_chat, "elsewhere"),
               text_update(chat, "three")]

    async def scenario() -> None:
        await a.post(updates[0])  # stored, then A dies
        await b.post(updates[1])  # must wait for "one"
        await c.post(updates[2])  # another chat is not held up
        await c.channel.drain()
        assert cluster.log == [("C", "elsewhere")]
        cluster.clock.value += UNCLAIMED_GRACE_SECONDS + 1
        assert await b.channel.worker.sweep(b.handler) == 1  # "one", the chat's first; "two" waits behind it
        while len(cluster.log) < 2:
            await asyncio.sleep(0.01)
        await c.post(updates[3])  # arrives while B handles "one"
        assert await c.channel.worker.sweep(c.handler) == 0
        hold.set()
        await cluster.drain()

    run(scenario())
    assert cluster.log == [("C", "elsewhere"), ("B", "one"), ("B", "two"), ("B", "three")]
    assert [m.text for m in cluster.bot_api.calls_to("sendMessage", chat)] == ["echo: one", "echo: two",
                                                                                "echo: three"]
    assert handling_problems(cluster.url, [u["update_id"] for u in updates]) == []


def test_a_lapsed_lease_lets_another_server_take_the_update(cluster: Cluster) -> None:
    """A hangs (no renewals): after the lease another server handles the update; A's claim is lost."""
    hold = asyncio.Event()
    a, b = cluster.server("A", hold=hold), cluster.server("B")
    update = text_update(new_chat_id(), "hello?")

    async def scenario() -> tuple[list[int], bool]:
        await a.post(update)
        while not cluster.log:
            await asyncio.sleep(0.01)
        assert await asyncio.to_thread(b.inbox.claim, update["update_id"]) is None  # A's lease holds
        claimed = [await b.channel.worker.sweep(b.handler)]
        cluster.clock.value += LEASE_SECONDS + 1
        claimed.append(await b.channel.worker.sweep(b.handler))
        await b.channel.drain()
        still_mine = await asyncio.to_thread(a.inbox.renew, update["update_id"])
        hold.set()
        await cluster.drain()
        return claimed, still_mine

    claimed, still_mine = run(scenario())
    assert claimed == [0, 1] and not still_mine
    assert cluster.log[:2] == [("A", "hello?"), ("B", "hello?")]
    assert handling_problems(cluster.url, [update["update_id"]]) == [f"update {update['update_id']}: claimed 2 times"]


def test_a_long_update_keeps_its_lease_by_renewing_it(database_url: str, bot_api: FakeBotApi) -> None:
    """Real time: a 2.5 s turn under a 1 s lease is never taken by a server sweeping meanwhile."""
    log: list[tuple[str, str]] = []
    a_inbox = Inbox(database_url, instance="A", lease_seconds=1.0, grace_seconds=0)
    b_inbox = Inbox(database_url, instance="B", lease_seconds=1.0, grace_seconds=0)
    a = TelegramInput(settings_for(bot_api, database_url=database_url), inbox=a_inbox)
    b = TelegramInput(settings_for(bot_api, database_url=database_url), inbox=b_inbox)

    class Slow(Recorder):
        async def __call__(self, incoming: Any) -> None:
            await asyncio.sleep(2.5)
            await super().__call__(incoming)

    slow = Slow(log, "A")
    b_handler = b.handler(Recorder(log, "B"), SimpleNamespace(ctx=SimpleNamespace(agent=None)))
    update = text_update(new_chat_id(), "a long question")

    async def scenario() -> int:
        await a.receive(fake_request(update), slow)
        taken = 0
        for _ in range(15):
            await asyncio.sleep(0.2)
            taken += await b.worker.sweep(b_handler)
        await a.drain()
        await b.drain()
        return taken

    try:
        assert run(scenario()) == 0
        assert log == [("A", "a long question")]
        row = a_inbox.stored()[0]
        assert (row.state, row.claimed_by, row.attempts) == (DONE, "A", 1)
    finally:
        a_inbox.close()
        b_inbox.close()


def test_a_database_that_cannot_store_gets_telegram_a_503_and_nothing_is_half_stored(
        cluster: Cluster, database_url: str, tmp_path: Path) -> None:
    unreachable = (f"sqlite:///{tmp_path}" if database_url.startswith("sqlite")  # a folder, not a database file
                   else f"postgresql+psycopg2://postgres@127.0.0.1:{free_ports(1)[0]}/postgres")
    down = cluster.server("down", url=unreachable)
    a = cluster.server("A")
    update = text_update(new_chat_id(), "is anyone there?")

    def lose_the_connection(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise sa.exc.OperationalError(statement, None, Exception("connection lost"))

    async def scenario() -> list[tuple[int, Any]]:
        answers = [await down.post(update)]
        await asyncio.to_thread(a.inbox.prepare)
        sa.event.listen(a.inbox.engine, "after_cursor_execute", lose_the_connection)
        answers.append(await a.post(update))  # the row was written, then the connection broke: rolled back
        sa.event.remove(a.inbox.engine, "after_cursor_execute", lose_the_connection)
        assert rows(cluster.url) == []
        answers.append(await a.post(update))  # Telegram sends it again
        await cluster.drain()
        return answers

    answers = run(scenario())
    assert [status for status, _body in answers] == [503, 503, 200]
    assert cluster.log == [("A", "is anyone there?")]


def test_erasure_deletes_the_chats_stored_updates_but_not_what_arrived_after_a_forget(cluster: Cluster) -> None:
    inbox = cluster.server("A").inbox
    chat, other = new_chat_id(), new_chat_id()
    ids = {}
    for name, to in [("done", chat), ("forget", chat), ("after", chat), ("other", other)]:
        update = text_update(to, name)
        ids[name] = update["update_id"]
        assert inbox.store(update["update_id"], to, update)
    for name in ("done", "forget"):
        assert inbox.claim(ids[name]) is not None
        if name == "done":
            inbox.finish(ids[name])

    # /forget being handled: the learner's next message, sent after it, is kept for the new conversation
    erase_conversations(inbox.engine, [f"telegram-{chat}"])
    assert sorted(cluster.stored()) == sorted([ids["after"], ids["other"]])
    # an erasure with nothing in progress (the console's) deletes everything the chat sent
    erase_conversations(inbox.engine, [f"telegram-{chat}"])
    assert sorted(cluster.stored()) == [ids["other"]]


def test_handled_rows_are_pruned_after_the_retention_in_bounded_batches(cluster: Cluster) -> None:
    inbox = cluster.server("A", retention_seconds=100).inbox
    chat = new_chat_id()
    updates = [text_update(chat, f"message {i}") for i in range(5)]
    for update in updates:
        inbox.store(update["update_id"], chat, update)
    for update in updates[:4]:
        assert inbox.claim(update["update_id"]) is not None
        inbox.finish(update["update_id"])
    assert inbox.prune() == 0  # too recent
    cluster.clock.value += 101
    assert inbox.prune(batch=3) == 3 and inbox.prune(batch=3) == 1 and inbox.prune() == 0
    assert [(r.update_id, r.state) for r in cluster.stored().values()] == [(updates[4]["update_id"], PENDING)]


def test_an_update_that_keeps_killing_its_server_is_given_up_and_its_chat_moves_on(cluster: Cluster) -> None:
    inbox = cluster.server("A", max_attempts=2).inbox
    chat = new_chat_id()
    poison, after = text_update(chat, "poison"), text_update(chat, "after")
    for update in (poison, after):
        inbox.store(update["update_id"], chat, update)
    cluster.clock.value += UNCLAIMED_GRACE_SECONDS + 1
    for _death in range(2):
        claimed, given_up = inbox.recover(10)
        assert [c.update_id for c in claimed] == [poison["update_id"]] and given_up == []
        cluster.clock.value += LEASE_SECONDS + 1  # the server died handling it
    claimed, given_up = inbox.recover(10)
    assert given_up == [poison["update_id"]] and claimed == []
    claimed, given_up = inbox.recover(10)
    assert [c.update_id for c in claimed] == [after["update_id"]]
    states = {r.update_id: r.state for r in cluster.stored().values()}
    assert states == {poison["update_id"]: FAILED, after["update_id"]: PROCESSING}


def test_stopping_hands_unfinished_updates_back_for_another_server(cluster: Cluster) -> None:
    hold = asyncio.Event()
    a, b = cluster.server("A", hold=hold), cluster.server("B")
    update = text_update(new_chat_id(), "still there?")

    async def scenario() -> int:
        await a.post(update)
        while not cluster.log:
            await asyncio.sleep(0.01)
        await a.channel.worker.close(timeout=0.1)  # shutting down mid-turn
        assert cluster.stored()[update["update_id"]].state == PENDING
        cluster.clock.value += UNCLAIMED_GRACE_SECONDS + 1
        claimed = await b.channel.worker.sweep(b.handler)
        await cluster.drain()
        return claimed

    assert run(scenario()) == 1
    assert cluster.log == [("A", "still there?"), ("B", "still there?")]
    assert cluster.stored()[update["update_id"]].state == DONE


def test_two_servers_creating_the_table_at_once_both_succeed(database_url: str) -> None:
    inboxes = [Inbox(database_url, instance=str(i)) for i in range(4)]

    async def scenario() -> None:
        await asyncio.gather(*(asyncio.to_thread(inbox.prepare) for inbox in inboxes))

    try:
        run(scenario())
        assert all(inbox.stored() == [] for inbox in inboxes)
    finally:
        for inbox in inboxes:
            inbox.close()
