"""What the conversations database and Redis hold after a fault test: stored turns, and locks left behind."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import redis
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from bot.rasa.stores.atomic_redis_lock import DEFAULT_KEY_PREFIX


@dataclass(frozen=True)
class Turn:
    """A learner (`user`) or assistant (`bot`) event of a stored conversation, in stored order."""

    who: str
    key: Optional[str]  # the learner message's identity (web chat message id, Telegram update id)
    text: str


def stored_turns(database_url: str, sender_ids: Iterable[str],
                 key: Callable[[dict[str, Any]], Optional[str]]) -> dict[str, list[Turn]]:
    """User and bot events of each conversation from Rasa's `events` table, by id; `key` names a user event."""
    wanted = list(sender_ids)
    engine = sa.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT sender_id, type_name, data FROM events WHERE type_name IN ('user', 'bot') "
                "AND sender_id IN :ids ORDER BY id").bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": wanted}).all()
    finally:
        engine.dispose()
    turns: dict[str, list[Turn]] = {sender: [] for sender in wanted}
    for sender, type_name, raw in rows:
        data = json.loads(raw)
        turns[sender].append(Turn(type_name, key(data) if type_name == "user" else None, data.get("text") or ""))
    return turns


def turn_problems(turns: Sequence[Turn], sent: Sequence[str], apologised: Iterable[str] = ()) -> list[str]:
    """What is wrong with one conversation whose learner sent messages `sent` (keys, in order).

    Each sent message is stored once, in the order sent, and a bot message follows it before the
    next learner message. One the client got the channel's apology for (`apologised`, shown as a
    notice and not stored) is stored too, but may have no bot message after it (its action failed).
    """
    excused = set(apologised)
    problems = []
    keys = [t.key for t in turns if t.who == "user"]
    for key in set(keys):
        if keys.count(key) > 1:
            problems.append(f"{key}: stored {keys.count(key)} times")
    missing = [key for key in sent if key not in keys]
    problems += [f"{key}: not stored" for key in missing]
    unknown = [key for key in keys if key not in sent]
    problems += [f"{key}: stored but never sent" for key in unknown]
    if [k for k in keys if k in sent] != [k for k in sent if k in keys]:
        problems.append(f"order: stored {keys}, sent {list(sent)}")
    for index, turn in enumerate(turns):
        if turn.who == "user" and turn.key not in excused:
            if index + 1 == len(turns) or turns[index + 1].who != "bot":
                problems.append(f"{turn.key}: no bot answer before the next learner message")
    return problems


def lock_keys(redis_url: str, prefix: str = DEFAULT_KEY_PREFIX) -> list[str]:
    """Every key of the atomic lock store still in Redis (none once every turn has ended)."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        return sorted(k.decode() for k in client.scan_iter(f"{prefix}:lock:*"))
    finally:
        client.close()
