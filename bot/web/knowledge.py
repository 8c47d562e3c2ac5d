"""The web process's read-only view of the knowledge base (the demo careers site and the console)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from knowledge import queries
from knowledge.db import make_session_factory

logger = logging.getLogger(__name__)
T = TypeVar("T")
_factories: dict[str, sessionmaker] = {}
_lock = threading.Lock()


def knowledge_sessions(url: str) -> sessionmaker:
    """One session factory per knowledge database URL for the whole process (never creates tables)."""
    with _lock:
        if url not in _factories:
            _factories[url] = make_session_factory(url, create=False)
        return _factories[url]


def read_knowledge(url: str, read: Callable[[Session], T], default: T) -> T:
    """`read(session)` on the knowledge base; `default` when none is set up or it cannot be read (logged).

    The web pages still work before `coach knowledge load` has run, or while a load rebuilds the
    tables: they show what they can without the careers.
    """
    if not url or _missing_file(url):
        return default
    try:
        with knowledge_sessions(url)() as session:
            return read(session)
    except (SQLAlchemyError, LookupError) as exc:
        logger.warning("Could not read the knowledge base (%s); showing no careers. Run `coach knowledge load`.",
                       str(exc).splitlines()[0][:200])
        return default


def _missing_file(url: str) -> bool:
    """A SQLite file that does not exist yet (not loaded): reading it would only create an empty one."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
        and not Path(parsed.database).exists()


def career_names(url: str) -> dict[str, str]:
    """Each career's name by its slug and by its main role's slug ({} without a knowledge base)."""
    def names(session: Session) -> dict[str, str]:
        found: dict[str, str] = {}
        for career in queries.list_careers(session):
            found[career.slug] = career.name
            if career.main_role:
                found.setdefault(career.main_role, career.name)
        return found
    return read_knowledge(url, names, {})


def dispose_knowledge_sessions() -> None:
    """Close every pooled knowledge connection (tests call this when done)."""
    with _lock:
        for factory in _factories.values():
            factory.kw["bind"].dispose()
        _factories.clear()
