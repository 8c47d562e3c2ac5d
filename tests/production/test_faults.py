"""The fault suite: conversations through HAProxy while processes of the production profile are killed.

One profile (two Rasa servers, the Telegram channel talking to the local Bot API stand-in). Web
chat: 50 conversations of 10 messages, clients retrying like the widget, while in turn a Rasa
server is killed with SIGKILL, Redis is killed, PostgreSQL is restarted and an action server is
stopped (SIGSTOP) and let go again. Telegram: updates posted to the webhook through HAProxy, one
Rasa server killed between its 200 and its reply, Redis killed. Afterwards the database must hold
every message once, in order, each answered, and Redis no lock. Counts and recovery times are
printed, not asserted. Select with `-m production`; about 1.5-2.5 minutes on two cores, start-up included.
"""
from __future__ import annotations

import json
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
import requests

from bot.cli.production.postgres import accepts_connections
from bot.cli.production.redis_server import LocalRedis, answers_ping
from bot.rasa.channels.guard import TROUBLE_REPLY
from bot.shared.conversation_ids import telegram_conversation
from bot.shared.generated_secrets import persistent_secret
from bot.shared.settings import get_settings
from bot.shared.telegram_updates import DONE
from harness.production import Profile, production_profile
from knowledge import queries
from knowledge.db import make_session_factory
from tests.support.missing import require_production_programs
from tests.support.stored_turns import lock_keys, stored_turns, turn_problems
from tests.support.telegram_api import WEBHOOK_SECRET, FakeBotApi, new_chat_id, text_update
from tests.support.telegram_inbox import stored_updates
from tests.support.widget_client import ClientStats, WidgetClient

pytestmark = [pytest.mark.production, pytest.mark.e2e]

CONVERSATIONS = 50
MESSAGES = 10
THINK_SECONDS = (0.2, 1.0)             # pause before each message, at random in this range
FAULT_AFTER_MESSAGE = (1, 3, 5, 7)     # fault n once every client could have sent this many (gates)
RECOVERY_TIMEOUT_SECONDS = 240.0       # a Rasa server's model load on two busy cores
ACTIONS_STOPPED_SECONDS = 8.0
LATE_TURNS_SECONDS = 90.0             # a turn past the reply time limit runs on for up to 30 s (answering.py)
CHATS = 10
UPDATES_PER_CHAT = 5
TEMPLATES = ("how much does a {role} earn?", "what does a {career} do?", "how do I become a {role}?",
             "what skills does a {career} need?", "what comes after {role}?", "tell me about {career}")


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture(scope="module")
def profile(bot_api: FakeBotApi) -> Iterator[Profile]:
    require_production_programs()
    # 50 learners arrive from one address here: the per-address limits would throttle them as one.
    env = {**bot_api.env(WEBHOOK_SECRET), "CLIENT_MESSAGE_LIMIT": "off", "WEBCHAT_SESSION_LIMIT": "off"}
    with production_profile(servers=2, env=env) as running:
        yield running


def database_url(profile: Profile) -> str:
    return (profile.layout.state_dir / "database_url").read_text(encoding="utf-8").strip()


def redis_url(profile: Profile) -> str:
    state = profile.layout.state_dir
    return LocalRedis(state / "redis", profile.layout.redis_port, persistent_secret(state / "redis_password"), "").url


def learner_questions(count: int, seed: int) -> list[str]:
    """Ordinary learner questions about the knowledge base's careers and roles."""
    factory = make_session_factory(get_settings().knowledge_database_url, create=False)
    with factory() as session:
        careers = queries.list_careers(session)
        roles = [role.title for career in careers for role in queries.list_roles(session, career.slug)]
    factory.kw["bind"].dispose()
    chosen = random.Random(seed)
    return [chosen.choice(TEMPLATES).format(career=chosen.choice(careers).name.lower(),
                                            role=chosen.choice(roles).lower()) for _ in range(count)]


# -- faults -----------------------------------------------------------------------------------------

@dataclass
class Fault:
    """One fault: how to cause it, how to tell it is over, and what was measured."""

    name: str
    inject: Callable[[], None]
    recovered: Callable[[], bool]
    timings: dict[str, float] = field(default_factory=dict)
    injected: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0  # time.monotonic() when injected


def up(profile: Profile, name: str) -> bool:
    try:
        return profile.states()[name].up
    except (OSError, KeyError):
        return False


def restarted(profile: Profile, name: str, old: list[Optional[int]], answers: Callable[[], bool]) -> Callable[[], bool]:
    return lambda: profile.pid(name) not in (None, *old) and answers()


def rasa_kill(profile: Profile, name: str = "rasa-1") -> Fault:
    old: list[Optional[int]] = []

    def inject() -> None:
        old.append(profile.kill(name, signal.SIGKILL))

    fault = Fault(f"kill -9 {name}", inject, lambda: False)
    # Over once HAProxy has marked it down and then up again (its new process loaded the model).
    fault.recovered = restarted(profile, name, old, lambda: "down" in fault.timings and up(profile, name))
    return fault


def redis_kill(profile: Profile) -> Fault:
    old: list[Optional[int]] = []
    url = redis_url(profile)

    def inject() -> None:
        old.append(profile.kill("redis", signal.SIGKILL))

    return Fault("kill -9 redis", inject, restarted(profile, "redis", old, lambda: answers_ping(url)))


def postgres_restart(profile: Profile) -> Fault:
    old: list[Optional[int]] = []
    url = database_url(profile)

    def inject() -> None:
        old.append(profile.kill("postgres", signal.SIGINT))  # a fast shutdown: sessions cut, then it exits

    return Fault("restart postgres (SIGINT)", inject, restarted(profile, "postgres", old,
                                                               lambda: accepts_connections(url)))


def actions_stop(profile: Profile, name: str = "actions-1") -> Fault:
    continued = threading.Event()

    def inject() -> None:
        profile.kill(name, signal.SIGSTOP)

        def let_go() -> None:
            time.sleep(ACTIONS_STOPPED_SECONDS)
            profile.kill(name, signal.SIGCONT)
            continued.set()
        threading.Thread(target=let_go, daemon=True).start()

    return Fault(f"SIGSTOP {name} for {ACTIONS_STOPPED_SECONDS:.0f} s", inject,
                 lambda: continued.is_set() and up(profile, name))


def run_faults(profile: Profile, faults: list[Fault], due: Callable[[int], bool], done: threading.Event,
               down_name: Callable[[Fault], Optional[str]] = lambda f: None) -> None:
    """Inject each fault once `due(index)` and the previous one is over; time its recovery."""
    try:
        _run_faults(profile, faults, due, done, down_name)
    except Exception as exc:  # noqa: BLE001 - reported by the test through the timings
        for fault in faults:
            fault.timings.setdefault("not recovered", 0.0)
            fault.timings.setdefault(f"error {exc!r}", 0.0)
    finally:
        for fault in faults:  # no client waits for a fault that will not come
            fault.injected.set()


def _run_faults(profile: Profile, faults: list[Fault], due: Callable[[int], bool], done: threading.Event,
                down_name: Callable[[Fault], Optional[str]]) -> None:
    for index, fault in enumerate(faults):
        while not due(index) and not done.is_set():
            time.sleep(0.1)
        started = fault.at = time.monotonic()
        fault.inject()
        fault.injected.set()
        watched = down_name(fault)
        while not fault.recovered():
            if watched and "down" not in fault.timings and not up(profile, watched):
                fault.timings["down"] = time.monotonic() - started
            if time.monotonic() - started > RECOVERY_TIMEOUT_SECONDS:
                fault.timings["not recovered"] = RECOVERY_TIMEOUT_SECONDS
                break
            time.sleep(0.1)
        fault.timings.setdefault("recovered", time.monotonic() - started)


def watched_server(fault: Fault) -> Optional[str]:
    words = fault.name.split()
    return next((w for w in words if w.startswith(("rasa-", "actions-"))), None)


def print_faults(faults: list[Fault], stats: Optional[ClientStats] = None) -> None:
    """Each fault's timings, and what clients saw from it until the next fault."""
    for index, fault in enumerate(faults):
        times = ", ".join(f"{k} after {v:.1f} s" for k, v in fault.timings.items())
        until = faults[index + 1].at if index + 1 < len(faults) else float("inf")
        seen = ""
        if stats is not None:
            apologies = sum(1 for t in stats.apologised_at if fault.at <= t < until)
            failed = sum(1 for t in stats.errors_at if fault.at <= t < until)
            seen = f"; until the next fault {failed} failed tries (sent again), {apologies} apologies"
        print(f"  {fault.name}: {times}{seen}")


# -- web chat -----------------------------------------------------------------------------------------

def test_web_chat_under_faults_loses_no_message(profile: Profile) -> None:
    started = time.monotonic()
    stats = ClientStats()
    origin = f"http://127.0.0.1:{profile.layout.web_port}"
    clients = [WidgetClient(profile.layout.balancer_url, origin, stats, TROUBLE_REPLY) for _ in range(CONVERSATIONS)]
    texts = learner_questions(CONVERSATIONS * MESSAGES, seed=16)
    faults = [rasa_kill(profile), redis_kill(profile), postgres_restart(profile), actions_stop(profile)]
    everyone_done = threading.Event()

    def converse(number: int) -> None:
        client = clients[number]
        pause = random.Random(number)
        time.sleep(pause.uniform(0, 2))
        index = 0
        try:
            client.start()
            for index in range(MESSAGES):
                for fault, after in zip(faults, FAULT_AFTER_MESSAGE, strict=True):
                    if index > after:
                        fault.injected.wait(RECOVERY_TIMEOUT_SECONDS * 2)
                time.sleep(pause.uniform(*THINK_SECONDS))
                client.say(texts[number * MESSAGES + index])
        except Exception as exc:  # noqa: BLE001 - counted; the other clients go on
            stats.failed.append(f"client {number}: {exc!r}")
            stats.add("skipped", MESSAGES - index)

    driver = threading.Thread(target=run_faults, args=(
        profile, faults, lambda i: stats.sent + stats.skipped >= CONVERSATIONS * FAULT_AFTER_MESSAGE[i], everyone_done,
        watched_server), daemon=True)
    driver.start()
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        list(pool.map(converse, range(CONVERSATIONS)))
    traffic = time.monotonic() - started
    everyone_done.set()
    driver.join(RECOVERY_TIMEOUT_SECONDS)

    # Turns that ran past the reply time limit (apologised) go on until stored: wait for every lock.
    profile.wait_for(lambda: not lock_keys(redis_url(profile)), LATE_TURNS_SECONDS, "every turn has ended")
    turns = stored_turns(database_url(profile), [c.sender_id for c in clients if c.session],
                         lambda data: data.get("message_id"))
    problems = []
    for client in (c for c in clients if c.session):
        sent = [f"webchat:{s.client_id}" for s in client.sent]
        apologised = [f"webchat:{s.client_id}" for s in client.sent if s.apology]
        problems += [f"{client.sender_id[:20]} {p}" for p in turn_problems(turns[client.sender_id], sent, apologised)]
    stored = sum(1 for t in turns.values() for turn in t if turn.who == "user")
    locks = lock_keys(redis_url(profile))
    print(f"\nweb chat under faults: {stats.sent} messages from {CONVERSATIONS} conversations in {traffic:.0f} s; "
          f"{stored} stored; {stats.retries} retries; {stats.apologies} apologies; "
          f"errors seen by clients {stats.errors or 'none'}; {len(stats.unanswered)} unanswered, "
          f"{len(stats.failed)} given up")
    before = [sum(1 for t in times if t < faults[0].at) for times in (stats.errors_at, stats.apologised_at)]
    print(f"  before the first fault: {before[0]} failed tries, {before[1]} apologies")
    print_faults(faults, stats)
    assert all(f.at and "not recovered" not in f.timings for f in faults), [f.timings for f in faults]
    assert stats.failed == [] and stats.unanswered == []
    shown = {p.split()[0] for p in problems}
    assert problems == [], "\n".join(problems + [f"{c.sender_id}: {turns[c.sender_id]}" for c in clients
                                                  if c.session and c.sender_id[:20] in shown])
    assert locks == []


# -- Telegram -----------------------------------------------------------------------------------------

@dataclass
class TelegramStats:
    """What the stand-in Telegram saw of its webhook calls."""

    acknowledged: list[int] = field(default_factory=list)
    duplicates: int = 0
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def deliver(profile: Profile, update: dict[str, Any], stats: TelegramStats, first: bool = True) -> str:
    """POST an update as Telegram does: again (the same update) after an error, with a growing pause.

    The webhook's status: `accepted`, or `duplicate` for an update already stored. A first delivery
    that had to be sent again counts as accepted either way (the cut-off try may have stored it).
    """
    for attempt in range(10):
        if attempt:
            with stats.lock:
                stats.retries += 1
            time.sleep(min(0.5 * 2 ** attempt, 5.0))
        try:
            reply = requests.post(f"{profile.layout.balancer_url}/webhooks/telegram/webhook", json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, timeout=30)
        except requests.RequestException as exc:
            kind = type(exc).__name__
        else:
            if reply.status_code == 200:
                status = str(reply.json().get("status"))
                return "accepted" if first and attempt and status == "duplicate" else status
            kind = f"HTTP {reply.status_code}"
        with stats.lock:
            stats.errors[kind] = stats.errors.get(kind, 0) + 1
    raise AssertionError(f"update {update['update_id']} never accepted")


def claimed_server(profile: Profile, update_id: int) -> Optional[str]:
    """The Rasa server (rasa-1, rasa-2) whose claim the update's row holds."""
    row = stored_updates(database_url(profile)).get(update_id)
    if row is None or not row.claimed_by:
        return None
    pid = int(row.claimed_by.split(":")[1])
    return next((n for n in ("rasa-1", "rasa-2") if profile.pid(n) == pid), None)


def test_telegram_updates_under_faults_are_all_answered_once(profile: Profile, bot_api: FakeBotApi) -> None:
    started = time.monotonic()
    stats = TelegramStats()
    chats = [new_chat_id() for _ in range(CHATS)]
    held_chat = chats[0]
    texts = learner_questions(CHATS * UPDATES_PER_CHAT, seed=61)
    updates = {chat: [text_update(chat, texts[n * UPDATES_PER_CHAT + i]) for i in range(UPDATES_PER_CHAT)]
               for n, chat in enumerate(chats)}
    updates[held_chat] = []  # its one update is sent while its reply is held
    profile.wait_for(lambda: up(profile, "rasa-1") and up(profile, "rasa-2"), RECOVERY_TIMEOUT_SECONDS,
                     "both Rasa servers up")
    killed: dict[str, Any] = {}
    halfway = threading.Event()
    redis = redis_kill(profile)

    def kill_while_replying() -> None:
        try:
            hold_and_kill()
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread below
            killed["error"] = repr(exc)
            bot_api.release(held_chat)

    def hold_and_kill() -> None:
        """Hold the chat's reply at the stand-in, kill the server that acknowledged the update, let go."""
        halfway.wait(120)
        bot_api.hold(held_chat)
        update = text_update(held_chat, texts[0])
        updates[held_chat].append(update)
        assert deliver(profile, update, stats) == "accepted"
        with stats.lock:
            stats.acknowledged.append(update["update_id"])
        bot_api.wait_for(lambda: [c for c in bot_api.holding if c.chat_id == held_chat], 60, "the held reply")
        name = claimed_server(profile, update["update_id"])
        assert name is not None
        killed["name"], killed["at"] = name, time.monotonic()
        killed["pid"] = profile.kill(name, signal.SIGKILL)
        profile.wait_for(lambda: profile.pid(name) != killed["pid"], 30, f"{name} restarted")
        bot_api.release(held_chat)
        killed["answered"] = bot_api.wait_for(
            lambda: len(bot_api.calls_to("sendMessage", held_chat)) >= len(updates[held_chat]), 120,
            "the held update answered by the other server") and time.monotonic() - killed["at"]
        profile.wait_for(lambda: up(profile, name), RECOVERY_TIMEOUT_SECONDS, f"{name} up again")
        killed["up"] = time.monotonic() - killed["at"]
        run_faults(profile, [redis], lambda _i: True, threading.Event())

    def chat_along(chat: int) -> None:
        pause = random.Random(chat)
        for number, update in enumerate(list(updates[chat])):
            time.sleep(pause.uniform(0.5, 2.0))
            status = deliver(profile, update, stats)
            with stats.lock:
                stats.acknowledged.append(update["update_id"])
            if number % 2 == 0:  # Telegram sends some updates again: each must be dropped
                again = deliver(profile, update, stats, first=False)
                assert again == "duplicate", again
                with stats.lock:
                    stats.duplicates += 1
            if number == 1 and chat == chats[1]:
                halfway.set()
            assert status == "accepted", status

    faulting = threading.Thread(target=kill_while_replying, daemon=True)
    faulting.start()
    with ThreadPoolExecutor(CHATS - 1) as pool:
        list(pool.map(chat_along, chats[1:]))
    faulting.join(RECOVERY_TIMEOUT_SECONDS * 2)
    def answered(chat: int) -> Callable[[], bool]:
        return lambda: len(bot_api.calls_to("sendMessage", chat)) >= len(updates[chat])

    for chat in chats:
        bot_api.wait_for(answered(chat), 120, f"every update of chat {chat} answered")
    traffic = time.monotonic() - started

    url = database_url(profile)
    rows = stored_updates(url)
    acknowledged = set(stats.acknowledged)
    lost = sorted(acknowledged - set(rows))
    unfinished = {u: rows[u].state for u in acknowledged & set(rows) if rows[u].state != DONE}
    twice = {u: rows[u].attempts for u in acknowledged & set(rows) if rows[u].attempts != 1}
    turns = stored_turns(url, [telegram_conversation(str(chat)) for chat in chats],
                         lambda data: str(((data.get("metadata") or {}).get("telegram") or {}).get("update_id")))
    problems = []
    for chat in chats:
        sent = [str(u["update_id"]) for u in updates[chat]]
        problems += [f"chat {chat}: {p}" for p in turn_problems(turns[telegram_conversation(str(chat))], sent)]
    undelivered = [c for c in bot_api.calls_to("sendMessage", ok_only=False) if c.status == 0]
    print(f"\nTelegram under faults: {len(acknowledged)} updates acknowledged in {traffic:.0f} s, "
          f"{stats.duplicates} duplicates dropped, {stats.retries} webhook retries, errors {stats.errors or 'none'}; "
          f"{killed.get('name')} killed holding a reply: answered by the other server after "
          f"{killed.get('answered', 0):.1f} s, back up after {killed.get('up', 0):.1f} s; "
          f"{len(undelivered)} replies cut off by the kill; updates claimed more than once {twice or 'none'}")
    print_faults([redis])
    assert "error" not in killed and killed.get("up"), killed
    assert lost == [] and unfinished == {}
    assert problems == [], json.dumps(problems, indent=1)
    assert lock_keys(redis_url(profile)) == []
