"""Helpers shared by the tests.

Editing content copies, locating lines, snapshotting the database, and reading English number
words ("one hundred and forty-two thousand").
"""
from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy.orm import sessionmaker

from bench.commands import bench_env, log_tail
from bench.paths import REPO_ROOT, log_path
from bench.servers import (
    Server,
    ServerError,
    ensure_alive,
    free_ports,
    rasa_server_args,
    run_to_completion,
    running,
    stop,
    wait_until_answering,
    write_endpoints,
)
from bot.rasa.channels.guard import TROUBLE_REPLY
from knowledge.models import Base

CAREER_DIR = Path("careers") / "ecommerce-management"


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def edit(path: Path, old: str, new: str) -> str:
    """Replace the single occurrence of `old` in the file with `new`; return the edited text."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    edited = text.replace(old, new)
    path.write_text(edited, encoding="utf-8")
    return edited


def line_of(text: str, fragment: str, start_line: int = 1) -> int:
    """1-based number of the first line (from `start_line`) that contains `fragment`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start_line and fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not found in the text")


def snapshot(factory: sessionmaker) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, to compare database states."""
    engine = factory.kw["bind"]
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


# -- English number words ------------------------------------------------------------------------
_UNITS = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {word: 10 * value for value, word in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
NUMBER_WORDS = set(_UNITS) | set(_TENS) | {"hundred"} | set(_SCALES)
_TOKEN = re.compile(r"£\s?\d[\d,]*|[A-Za-z]+|\d+")


def words_to_number(phrase: str) -> int:
    """Value of an English number phrase: "one hundred and forty-two thousand" → 142000."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower().strip()) if w]
    if not words:
        raise ValueError("empty number phrase")
    total, current, previous = 0, 0, None
    for word in words:
        if word == "and":
            if previous != "hundred":
                raise ValueError(f"unexpected 'and' in {phrase!r}")
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        else:
            raise ValueError(f"not a number word: {word!r} in {phrase!r}")
        previous = word
    if previous == "and":
        raise ValueError(f"{phrase!r} ends with 'and'")
    return total + current


def number_phrases(text: str) -> list[tuple[str, int]]:
    """Every maximal run of number words (or £ figure) in `text`, with the word that follows it.

    "and" belongs to a number only straight after "hundred" ("one hundred and twenty"); otherwise
    it separates two numbers ("between twenty-nine and fifty-five thousand").
    Returns (phrase, token index after the phrase) pairs.
    """
    tokens = [t.lower() for t in _TOKEN.findall(text.replace("-", " "))]
    runs: list[tuple[str, int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("£"):
            runs.append((token, i + 1))
            i += 1
            continue
        if token not in NUMBER_WORDS:
            i += 1
            continue
        start = i
        while i < len(tokens) and (tokens[i] in NUMBER_WORDS or (
                tokens[i] == "and" and tokens[i - 1] == "hundred" and i + 1 < len(tokens)
                and tokens[i + 1] in NUMBER_WORDS)):
            i += 1
        runs.append((" ".join(tokens[start:i]), i))
    return runs


def amounts_in_text(text: str) -> list[int]:
    """Every money-sized figure (1,000 or more) the text states, in order of appearance.

    A bare number joined to the next one by "and" or "to" takes that number's scale:
    "between twenty-nine and fifty-five thousand" gives 29000 and 55000.
    """
    tokens = [t.lower() for t in _TOKEN.findall(text.replace("-", " "))]
    runs = number_phrases(text)
    values: list[int] = []
    for index, (phrase, end) in enumerate(runs):
        if phrase.startswith("£"):
            values.append(int(re.sub(r"[^\d]", "", phrase)))
            continue
        value = words_to_number(phrase)
        last = phrase.split()[-1]
        if last not in _SCALES and index + 1 < len(runs):
            next_phrase, next_end = runs[index + 1]
            joined_by = tokens[end] if end < len(tokens) else ""
            starts_next = next_end - len(next_phrase.split()) == end + 1
            next_last = next_phrase.split()[-1]
            if joined_by in ("and", "to") and starts_next and next_last in _SCALES:
                value *= _SCALES[next_last]
        if value >= 1000:
            values.append(value)
    return values


# -- Rasa trackers for action tests ---------------------------------------------------------------
def make_tracker(text: str, intent: str | None,
                 entities: list[dict[str, Any]] | dict[str, str] | None = None,
                 slots: dict[str, Any] | None = None, events: list[dict[str, Any]] | None = None,
                 active_loop: dict[str, Any] | None = None,
                 intent_ranking: list[dict[str, Any]] | None = None,
                 sender_id: str = "test-user") -> Any:
    """A rasa_sdk Tracker whose latest message is `text`, classified as `intent`.

    `entities` is either Rasa's list form ([{"entity": "level", "value": "director"}]) or a plain
    {name: value} mapping. The latest user message is also appended to the events, as Rasa does.
    """
    from rasa_sdk import Tracker

    if isinstance(entities, dict):
        entities = [{"entity": name, "value": value} for name, value in entities.items()]
    parse = {"text": text,
             "intent": {"name": intent, "confidence": 0.9} if intent else {},
             "entities": list(entities or []),
             "intent_ranking": intent_ranking if intent_ranking is not None else (
                 [{"name": intent, "confidence": 0.9}] if intent else [])}
    history = list(events or [])
    history.append({"event": "user", "text": text, "parse_data": parse})
    return Tracker(sender_id, dict(slots or {}), parse, history, False, None,
                   dict(active_loop or {}), "action_listen")


class ActionResult:
    """What one custom action did: the messages it sent and the events it returned."""

    def __init__(self, messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.events = events

    @property
    def text(self) -> str:
        """All message texts, joined by blank lines."""
        return "\n\n".join(m.get("text") or "" for m in self.messages)

    @property
    def buttons(self) -> list[dict[str, str]]:
        """Every button of every message, in order."""
        return [b for m in self.messages for b in (m.get("buttons") or [])]

    @property
    def titles(self) -> list[str]:
        """Button titles, in order."""
        return [b["title"] for b in self.buttons]

    @property
    def slot_events(self) -> list[tuple[str, Any]]:
        """(name, value) of each SlotSet event, in order."""
        return [(e["name"], e["value"]) for e in self.events if e.get("event") == "slot"]

    @property
    def slots(self) -> dict[str, Any]:
        """The final value of each slot the action set."""
        return dict(self.slot_events)


def run_action(action: Any, tracker: Any, domain: dict[str, Any]) -> ActionResult:
    """Run a rasa_sdk action to completion with a CollectingDispatcher."""
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return ActionResult(dispatcher.messages, list(events or []))


READY_QUESTION = "how much does a director of e-commerce earn?"
CREDENTIALS = Path(__file__).resolve().parents[1] / "credentials.yml"
PROJECT_ENDPOINTS = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))


class Stack:
    """Running servers plus what a test needs to reach, stop and restart them."""

    def __init__(self, tmp: Path, knowledge_db: Path, model: Path) -> None:
        self.action_port, self.rasa_port, self.web_port = free_ports(3)
        self.conversations_db = tmp / "conversations.db"
        self.env = {"DATABASE_URL": sqlite_url(self.conversations_db),
                    # Shared by the action server and the Rasa server (endpoints.yml sends it).
                    "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16),
                    "KNOWLEDGE_DATABASE_URL": sqlite_url(knowledge_db),
                    # The adviser console (web process) hands conversations over through this Rasa server.
                    "RASA_URL": self.url,
                    # The demo page (web process) talks to this Rasa server, which allows its origin.
                    "WEBCHAT_ALLOWED_ORIGINS": f"{self.web_url},http://localhost:{self.web_port}",
                    "WEBCHAT_SERVER_URL": self.url}
        self.endpoints = write_endpoints(tmp / "endpoints.yml", {
            "action_endpoint": {"url": f"http://127.0.0.1:{self.action_port}/webhook",
                                "headers": PROJECT_ENDPOINTS["action_endpoint"]["headers"]},
            "tracker_store": {"type": "bot.rasa.stores.tracker_store.EnvSQLTrackerStore"}})
        self.model = model
        self.rasa_env: dict[str, str] = {}  # extra environment for the Rasa server only
        self._stack = ExitStack()
        self.actions = self.rasa = self.web = None

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        """Base URL of the web process (demo page and widget), without a trailing slash."""
        return f"http://127.0.0.1:{self.web_port}"

    def start_actions(self) -> None:
        """Start the action server as the Procfile does (127.0.0.1, token from the environment)."""
        self.actions = self._stack.enter_context(python_server(
            "e2e-actions", ["actions.serve", "--port", str(self.action_port)], self.action_port, self.env,
            "/health"))

    def start_rasa(self, extra_env: dict[str, str] | None = None) -> None:
        """Start the Rasa server and wait until it answers a real question.

        `extra_env` (e.g. Telegram settings) is kept for later restarts.
        """
        self.rasa_env.update(extra_env or {})
        # No `--cors`, as in the Procfile: the web chat installs its own CORS rule.
        self.rasa = self._stack.enter_context(running(
            "e2e-rasa", rasa_server_args(self.model, self.rasa_port, CREDENTIALS, self.endpoints),
            self.rasa_port, {**self.env, **self.rasa_env}))
        wait_until_answering(self.rasa, READY_QUESTION, apologies=[TROUBLE_REPLY])

    def start_web(self) -> None:
        """Start the web process (demo page + widget) once; its widget talks to this Rasa server."""
        if self.web is None:
            self.web = self._stack.enter_context(web_process(self.web_port, self.env))

    def stop_actions(self) -> None:
        """Stop the action server (SIGTERM, then SIGKILL after a grace period)."""
        if self.actions is not None:
            stop(self.actions)

    def stop_rasa(self) -> None:
        """Stop the Rasa server."""
        if self.rasa is not None:
            stop(self.rasa)

    def close(self) -> None:
        """Stop everything still running."""
        self._stack.close()


@contextmanager
def python_server(name: str, module_args: list[str], port: int, env: dict[str, str], health: str,
                  timeout: float = 60.0) -> Iterator[Server]:
    """`python -m MODULE ARGS...` until the block ends, ready once GET `health` answers 200."""
    log = log_path(name)
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", *module_args],
                                   cwd=REPO_ROOT, env=bench_env(env), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = Server(name, process, log, port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            ensure_alive(server)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise ServerError(f"{name} not answering; see {log}:\n{log_tail(log)}") from None
                time.sleep(0.2)
        yield server
    finally:
        stop(server)


def web_process(port: int, env: dict[str, str], timeout: float = 60.0) -> AbstractContextManager[Server]:
    """`python -m bot.web.serve --port PORT` until the block ends, ready once /healthz answers."""
    return python_server("e2e-web", ["bot.web.serve", "--port", str(port)], port, env, "/healthz", timeout)


def learner_says(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    """Send one learner message through the REST channel as `sender`; the replies.

    The conversation is stored as `rest-<sender>` (bot/rasa/channels/conversation_ids.rest_conversation).
    """
    response = requests.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=30)
    assert response.status_code == 200
    return response.json()


# -- Adviser console ------------------------------------------------------------------------------
CONSOLE_PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered console page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def console_sign_in(client: Any, email: str, password: str = CONSOLE_PASSWORD) -> str:
    """Sign a Flask test client in through the form; the session's CSRF token."""
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client.get("/console/").get_data(as_text=True))


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """A throw-away PostgreSQL server in a new folder under /tmp on a free port; its SQLAlchemy URL.

    Uses the `initdb` and `pg_ctl` on PATH (or Debian's /usr/lib/postgresql/*/bin); as root the
    server runs as the `postgres` user, since PostgreSQL refuses to run as root (and the folder is
    outside pytest's private temporary folder, which that user cannot enter).
    """
    import os
    import pwd
    import shutil
    import tempfile

    bin_dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    initdb = shutil.which("initdb") or next((str(d / "initdb") for d in bin_dirs if (d / "initdb").exists()), None)
    if initdb is None:
        raise FileNotFoundError("initdb")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="coach-postgres-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_ports(1)[0]
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True, timeout=120)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


# -- a Rasa server with a stand-in agent, for channel tests ---------------------------------------
class FakeProcessor:
    """Stands in for Rasa's MessageProcessor: stores each message and answers with a fixed reply."""

    def __init__(self, tracker_store: Any, reply_delay: float = 0.0) -> None:
        self.tracker_store = tracker_store
        self.reply_delay = reply_delay
        self.handled: list[str] = []

    async def fetch_tracker_with_initial_session(self, sender_id: str, output_channel: Any = None,
                                                 metadata: Any = None) -> Any:
        """A new conversation starts with a session, as Rasa's does."""
        from rasa.shared.core.events import ActionExecuted, SessionStarted

        tracker = await self.tracker_store.get_or_create_tracker(sender_id, append_action_listen=False)
        if not tracker.events:
            for event in (ActionExecuted("action_session_start"), SessionStarted(),
                          ActionExecuted("action_listen")):
                tracker.update(event)
        return tracker

    async def handle_message(self, message: Any) -> None:
        """Store the user message and one bot reply (with a button); send the reply on."""
        import asyncio

        from rasa.shared.core.events import BotUttered, UserUttered

        self.handled.append(message.text)
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "ask", "confidence": 1.0},
                                   input_channel=message.input_channel,
                                   message_id=message.message_id, metadata=message.metadata))
        reply = {"text": f"You asked: {message.text}", "buttons": [{"title": "More", "payload": "/more"}]}
        tracker.update(BotUttered(reply["text"], {"buttons": reply["buttons"]}))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_response(message.sender_id, reply)


class FakeAgent:
    """What the web chat channel uses of Rasa's Agent: domain, tracker and lock stores, processor."""

    def __init__(self, reply_delay: float = 0.0) -> None:
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain

        self.domain = Domain.from_dict({"intents": ["greet", "ask_salary", "more"], "entities": ["level"],
                                        "responses": {"utter_greet": [{
            "text": "Hello from the test domain.",
            "buttons": [{"title": "Pay", "payload": "/ask_salary"}]}]}})
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.lock_store = InMemoryLockStore()
        self.processor = FakeProcessor(self.tracker_store, reply_delay)

    def is_ready(self) -> bool:
        """Always ready."""
        return True

    async def handle_message(self, message: Any) -> None:
        """As Rasa's Agent: the processor handles the message under the conversation's lock."""
        async with self.lock_store.lock(message.sender_id):
            await self.processor.handle_message(message)


@contextmanager
def serving_channels(channels: list[Any], agent: Any, cors: str = "") -> Iterator[str]:
    """Rasa's own Sanic app (CORS as `rasa run --cors`, default none) with `channels`, on a free port; its URL."""
    import asyncio
    import threading

    from rasa.core.run import configure_app
    from sanic import Sanic

    Sanic.test_mode = True  # a fresh app per test in one process
    app = configure_app(input_channels=channels, cors=cors, enable_api=False)
    app.ctx.agent = agent
    port = free_ports(1)[0]
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.before_start()
        await server.after_start()
        holder["server"] = server
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30), "the Sanic test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        async def shutdown() -> None:
            server = holder["server"]
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


# -- the widget in a real browser ------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
WIDGET = "#career-coach-widget"
_ROOT = "document.querySelector('#career-coach-widget').shadowRoot"


class WidgetPage:
    """The demo page's chat widget in a Playwright page (selectors pierce its open shadow root)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []  # uncaught script errors on the page
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def part(self, selector: str) -> Any:
        """A locator inside the widget."""
        return self.page.locator(f"{WIDGET} {selector}")

    def open(self) -> None:
        """Click the launcher and wait for the greeting."""
        self.part(".launcher").click()
        self.part(".messages .msg.bot").first.wait_for()

    def bot_count(self) -> int:
        """How many bot messages the conversation shows."""
        return self.part(".messages .msg.bot").count()

    def wait_for_reply(self, bots_before: int, timeout: float = 30_000) -> str:
        """Wait until a new bot message is shown and nothing is pending; return its text."""
        self.page.wait_for_function(
            f"n => {{ const r = {_ROOT}; return r.querySelectorAll('.messages .msg.bot').length > n"
            " && !r.querySelector('.pending') && r.querySelector('.typing').hidden; }",
            arg=bots_before, timeout=timeout)
        return self.part(".messages .msg.bot .bubble").last.inner_text()

    def ask(self, text: str) -> str:
        """Type a question, press Enter and return the reply's text."""
        before = self.bot_count()
        self.part("textarea").fill(text)
        self.part("textarea").press("Enter")
        return self.wait_for_reply(before)

    def texts(self) -> list[str]:
        """Every message shown, in order, as 'user: ...' / 'bot: ...'."""
        return self.page.evaluate(
            f"() => Array.from({_ROOT}.querySelectorAll('.messages .msg')).map("
            "m => (m.classList.contains('user') ? 'user: ' : 'bot: ') + m.querySelector('.bubble').innerText)")

    def token(self) -> str:
        """The session token the widget keeps in localStorage."""
        return self.page.evaluate(
            "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
            ".find(k => k.startsWith('careerCoach:')))).session")


def append_adviser_message(conversations_db: Path, sender_id: str, text: str, adviser: str) -> None:
    """Store a bot message as the adviser console does: appended to the conversation by another process."""
    import json
    import sqlite3

    from rasa.shared.core.events import BotUttered

    event = BotUttered(text, metadata={"adviser": adviser})
    with sqlite3.connect(conversations_db) as db:
        db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                   (sender_id, event.type_name, event.timestamp, json.dumps(event.as_dict())))


def run_coroutine(coroutine: Any) -> Any:
    """Run a coroutine to completion, even when this thread already runs an event loop."""
    return run_to_completion(coroutine)


class ManualClock:
    """A clock that stands still until a test moves it (`clock.value += seconds`)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value
