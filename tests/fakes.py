"""Helpers shared by the tests.

Editing content copies, locating lines, snapshotting the database, and reading English number
words ("one hundred and forty-two thousand").
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import sessionmaker

from bench.commands import bench_env, log_tail
from bench.paths import REPO_ROOT, log_path
from bench.servers import (
    Server,
    ServerError,
    ensure_alive,
    free_ports,
    rasa_server_args,
    running,
    stop,
    wait_until_answering,
    write_endpoints,
)
from bot.channels.guard import TROUBLE_REPLY
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


class Stack:
    """Running servers plus what a test needs to reach, stop and restart them."""

    def __init__(self, tmp: Path, knowledge_db: Path, model: Path) -> None:
        self.action_port, self.rasa_port, self.web_port = free_ports(3)
        self.conversations_db = tmp / "conversations.db"
        self.env = {"DATABASE_URL": sqlite_url(self.conversations_db),
                    "KNOWLEDGE_DATABASE_URL": sqlite_url(knowledge_db),
                    # The adviser console (web process) hands conversations over through this Rasa server.
                    "RASA_URL": self.url}
        self.endpoints = write_endpoints(tmp / "endpoints.yml", {
            "action_endpoint": {"url": f"http://127.0.0.1:{self.action_port}/webhook"},
            "tracker_store": {"type": "bot.tracker_store.EnvSQLTrackerStore"}})
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
        """Start the action server."""
        self.actions = self._stack.enter_context(running(
            "e2e-actions", ["run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            self.action_port, self.env))

    def start_rasa(self, extra_env: dict[str, str] | None = None) -> None:
        """Start the Rasa server and wait until it answers a real question.

        `extra_env` (e.g. Telegram settings) is kept for later restarts.
        """
        self.rasa_env.update(extra_env or {})
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
def web_process(port: int, env: dict[str, str], timeout: float = 60.0) -> Iterator[Server]:
    """`python -m bot.web.serve --port PORT` until the block ends, ready once /healthz answers."""
    log = log_path("e2e-web")
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.web.serve", "--port", str(port)],
                                   cwd=REPO_ROOT, env=bench_env(env), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = Server("e2e-web", process, log, port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            ensure_alive(server)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise ServerError(f"web process not answering; see {log}:\n{log_tail(log)}") from None
                time.sleep(0.2)
        yield server
    finally:
        stop(server)




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
