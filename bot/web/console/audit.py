"""The audit log: who viewed, exported, revealed, changed or deleted what, and when."""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from bot.web.console.tables import audit_log

PAGE_SIZE = 100


def record(engine: Engine, actor: str, action: str, sender_id: str | None = None, detail: str = "") -> None:
    """Append one entry (never the content of messages: only ids and what was done)."""
    with engine.begin() as connection:
        connection.execute(insert(audit_log).values(at=time.time(), actor=actor, action=action,
                                                    sender_id=sender_id, detail=detail[:1000]))


def entries(engine: Engine, page: int = 1, actor: str = "", action: str = "") -> tuple[list[dict[str, Any]], int]:
    """Newest entries first, optionally for one adviser or action; (rows, total)."""
    conditions = []
    if actor:
        conditions.append(audit_log.c.actor == actor)
    if action:
        conditions.append(audit_log.c.action == action)
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(audit_log).where(*conditions)).scalar() or 0
        rows = connection.execute(select(audit_log).where(*conditions).order_by(audit_log.c.id.desc())
                                  .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
        return [dict(r._mapping) for r in rows], int(total)
