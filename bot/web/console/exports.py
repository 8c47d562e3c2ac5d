"""Exports: messages of one or many conversations as CSV or JSON Lines; labelled messages as Rasa NLU YAML."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.shared.contact_details import EMAIL_MASK, PHONE_MASK, mask
from bot.web.console.formatting import iso
from bot.web.console.tables import messages

FORMATS = ("csv", "jsonl")
COLUMNS = ("conversation_id", "event_id", "time_utc", "role", "text", "intent", "confidence")
CHUNK = 200


def _records(engine: Engine, senders: Iterable[str], revealed: Collection[str]) -> Iterator[dict[str, object]]:
    wanted = iter(senders)
    while True:
        chunk = [s for _, s in zip(range(CHUNK), wanted, strict=False)]
        if not chunk:
            return
        order = {sender: n for n, sender in enumerate(chunk)}
        with engine.connect() as connection:
            rows = connection.execute(select(messages).where(messages.c.sender_id.in_(chunk))).all()
        rows.sort(key=lambda r: (order[r.sender_id], r.event_id))
        for row in rows:
            yield {"conversation_id": row.sender_id, "event_id": row.event_id, "time_utc": iso(row.ts),
                   "role": row.role, "text": row.text if row.sender_id in revealed else mask(row.text),
                   "intent": row.intent,
                   "confidence": None if row.confidence is None else round(row.confidence, 4)}


def stream(engine: Engine, senders: Iterable[str], fmt: str, revealed: Collection[str] = ()) -> Iterator[str]:
    """The messages of the conversations (in the given order), chunk by chunk as text.

    Contact details are masked except in the `revealed` conversations (ones an admin revealed).
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if fmt == "jsonl":
        for record in _records(engine, senders, revealed):
            yield json.dumps(record, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for n, record in enumerate(_records(engine, senders, revealed), start=1):
        writer.writerow({k: _csv_safe(v) for k, v in record.items()})
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_safe(value: object) -> object:
    """Neutralise spreadsheet formulas in learner text (=, +, -, @ at the start of a cell)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def _training_text(text: str) -> str:
    """Contact details replaced by neutral examples (square-bracket placeholders mean entities in Rasa)."""
    return mask(text).replace(EMAIL_MASK, "name@example.com").replace(PHONE_MASK, "07700 900000")


def nlu_yaml(examples: dict[str, list[str]]) -> str:
    """Rasa 3.x NLU training data for the labelled messages (contact details masked)."""
    lines = ['version: "3.1"', "", "# Exported from the adviser console: learner messages the coach misunderstood,",
             "# labelled by advisers. Review, then add to data/nlu.yml or a file in data/nlu/.", "nlu:"]
    for intent in sorted(examples):
        texts = sorted({" ".join(_training_text(t).split()) for t in examples[intent] if t.strip()})
        if not texts:
            continue
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {t}" for t in texts]
    return "\n".join(lines) + "\n"
