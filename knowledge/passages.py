"""Every fact of the knowledge base as a retrievable passage with its source, and their embeddings."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models

DIMENSIONS = 384  # MiniLM's embedding size


@dataclass(frozen=True)
class PassageText:
    """A passage before it is stored: where it comes from and what it says."""

    key: str
    career_id: int
    kind: str
    topic: str
    text: str
    source_id: int
    section_id: Optional[int]


def _join(*parts: Optional[str]) -> str:
    """The parts that are there, as one passage ("Title: text.")."""
    return " ".join(p.strip() for p in parts if p and p.strip())


def _facts(session: Session) -> Iterator[tuple[str, Any, str, str]]:
    """(kind, row, topic, text) for every sourced row worth retrieving."""
    for career in session.execute(select(models.Career)).scalars():
        yield "career", career, "role", _join(f"{career.name}:", career.summary)
    for role in session.execute(select(models.Role)).scalars():
        focus = f"Focus: {role.focus}." if role.focus else None
        yield "role", role, "role", _join(f"{role.title}:", role.summary, focus)
    for fact in session.execute(select(models.CareerFact)).scalars():
        yield "fact", fact, fact.topic, _join(f"{fact.title}:" if fact.title else None, fact.text)
    for qual in session.execute(select(models.Qualification)).scalars():
        yield "qualification", qual, "qualifications", _join(f"{qual.name}:", qual.note, qual.duration,
                                                             qual.apprentice_pay_note)
    for cert in session.execute(select(models.Certification)).scalars():
        yield "certification", cert, "certifications", _join(f"{cert.name}:", cert.provider, cert.note)
    for skill in session.execute(select(models.Skill)).scalars():
        yield "skill", skill, "skills", _join(f"{skill.name}:", skill.why)
    for route in session.execute(select(models.EntryRoute)).scalars():
        yield "entry_route", route, "entry", _join(f"{route.name}:", route.description)
    for move in session.execute(select(models.ProgressionRoute)).scalars():
        yield "move", move, "progression", _join(f"{move.name}:", move.description)
    for related in session.execute(select(models.RelatedCareer)).scalars():
        yield "related", related, "related", _join(f"{related.name}:", related.text)


def passage_texts(session: Session) -> list[PassageText]:
    """Every passage the content gives, keyed by table and row slug or id."""
    found = []
    for kind, row, topic, text in _facts(session):
        career_id = row.id if kind == "career" else row.career_id
        ident = getattr(row, "slug", None) or f"{career_id}-{row.id}"
        found.append(PassageText(f"{kind}:{ident}", career_id, kind, topic, text, row.source_id,
                                 row.section_id))
    return found


def index_passages(session: Session, encode: Callable[[list[str]], np.ndarray]) -> tuple[int, int]:
    """Make the passages table match the content, embedding only new or changed texts.

    Returns (passages, newly embedded).
    """
    wanted = {p.key: p for p in passage_texts(session)}
    stored = {row.key: row for row in session.execute(select(models.Passage)).scalars()}
    for key in stored.keys() - wanted.keys():
        session.delete(stored[key])
    changed = [p for p in wanted.values() if p.key not in stored or stored[p.key].text != p.text]
    vectors = dict(zip((p.key for p in changed), encode([p.text for p in changed]), strict=True)) if changed else {}
    for passage in wanted.values():
        row = stored.get(passage.key)
        if row is None:
            row = models.Passage(key=passage.key)
            session.add(row)
        row.career_id, row.kind, row.topic, row.text = (passage.career_id, passage.kind, passage.topic,
                                                        passage.text)
        row.source_id, row.section_id = passage.source_id, passage.section_id
        if passage.key in vectors:
            row.vector = np.asarray(vectors[passage.key], dtype=np.float32).tobytes()
    session.flush()
    return len(wanted), len(changed)
