"""Idempotent, transactional loading of validated content into the knowledge database."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from knowledge import models
from knowledge.content import CONTENT_DIR, ContentSet, Record, read_content

# Table name → (model, natural key columns, references resolved from slugs to ids).
# A reference maps a record field to (column, table it points at).
_TABLES: list[tuple[str, type, tuple[str, ...], dict[str, tuple[str, str]]]] = [
    ("sources", models.Source, ("slug",), {}),
    ("source_sections", models.SourceSection, ("source_id", "key"),
     {"source": ("source_id", "sources")}),
    ("stages", models.Stage, ("key",), {}),
    ("careers", models.Career, ("slug",), {}),
    ("career_synonyms", models.CareerSynonym, ("career_id", "text"),
     {"career": ("career_id", "careers")}),
    ("roles", models.Role, ("slug",), {"career": ("career_id", "careers")}),
    ("role_synonyms", models.RoleSynonym, ("role_id", "text"), {"role": ("role_id", "roles")}),
    ("salary_bands", models.SalaryBand, ("career_id", "position"),
     {"career": ("career_id", "careers")}),
    ("qualifications", models.Qualification, ("slug",), {"career": ("career_id", "careers")}),
    ("qualification_subjects", models.QualificationSubject, ("qualification_id", "name"),
     {"qualification": ("qualification_id", "qualifications")}),
    ("qualification_synonyms", models.QualificationSynonym, ("qualification_id", "text"),
     {"qualification": ("qualification_id", "qualifications")}),
    ("certifications", models.Certification, ("slug",), {"career": ("career_id", "careers")}),
    ("certification_synonyms", models.CertificationSynonym, ("certification_id", "text"),
     {"certification": ("certification_id", "certifications")}),
    ("skills", models.Skill, ("slug",), {"career": ("career_id", "careers")}),
    ("skill_synonyms", models.SkillSynonym, ("skill_id", "text"), {"skill": ("skill_id", "skills")}),
    ("entry_routes", models.EntryRoute, ("slug",), {"career": ("career_id", "careers")}),
    ("entry_route_synonyms", models.EntryRouteSynonym, ("entry_route_id", "text"),
     {"entry_route": ("entry_route_id", "entry_routes")}),
    ("progression_routes", models.ProgressionRoute, ("slug",),
     {"career": ("career_id", "careers"), "from_role": ("from_role_id", "roles"),
      "to_role": ("to_role_id", "roles")}),
    ("career_facts", models.CareerFact, ("career_id", "topic", "position"),
     {"career": ("career_id", "careers")}),
    ("related_careers", models.RelatedCareer, ("career_id", "position"),
     {"career": ("career_id", "careers")}),
    ("career_gaps", models.CareerGap, ("career_id", "position"),
     {"career": ("career_id", "careers")}),
]
_CITED = {"source": ("source_id", "sources"), "section": ("section_id", "source_sections")}


@dataclass
class TableChanges:
    """How many rows of one table were added, updated and removed."""

    added: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        """Number of rows touched."""
        return self.added + self.updated + self.removed


@dataclass
class LoadReport:
    """What a load changed, table by table, and how many rows each table now holds."""

    changes: dict[str, TableChanges] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    passages: int = 0  # retrievable passages, when the load built them
    embedded: int = 0  # of which embedded by this load (new or changed text)

    @property
    def changed(self) -> bool:
        """True when anything in the database changed."""
        return any(c.total for c in self.changes.values())

    def summary(self) -> str:
        """Describe the load in a few lines for operators."""
        lines = []
        for table, count in self.counts.items():
            change = self.changes.get(table, TableChanges())
            delta = "" if not change.total else (
                f"  (+{change.added} added, ~{change.updated} updated, -{change.removed} removed)")
            lines.append(f"  {table:<24} {count:>4}{delta}")
        if self.passages:
            lines.append(f"  {'passages (retrieval)':<24} {self.passages:>4}"
                         + (f"  ({self.embedded} embedded)" if self.embedded else ""))
        head = "Knowledge loaded:" if self.changed else "Knowledge already up to date; nothing changed:"
        return "\n".join([head, *lines])


class _Syncer:
    """Brings each table in line with the records, remembering slug → id for references."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, dict[Any, int]] = {}
        self.stale: list[tuple[str, list[Any]]] = []
        self.report = LoadReport()

    def ref_key(self, table: str, record: Record) -> Any:
        """The key other records use to point at this record (slug, or source+key for sections)."""
        values = record.values
        if table == "source_sections":
            return (values["source"], values["key"])
        return values.get("slug")

    def resolve(self, record: Record, refs: dict[str, tuple[str, str]]) -> dict[str, Any]:
        """Turn slug references into id columns."""
        values = dict(record.values)
        for name, (column, target) in {**refs, **_CITED}.items():
            if name not in values:
                continue
            ref = values.pop(name)
            if name == "section":
                ref = (record.values["source"], ref) if ref is not None else None
            values[column] = self.ids[target][ref] if ref is not None else None
        return values

    def sync(self, table: str, model: type, key: tuple[str, ...],
             refs: dict[str, tuple[str, str]], records: list[Record]) -> None:
        """Insert, update or mark stale the rows of one table."""
        change = self.report.changes.setdefault(table, TableChanges())
        existing = {tuple(getattr(obj, k) for k in key): obj
                    for obj in self.session.execute(select(model)).scalars()}
        wanted: dict[tuple[Any, ...], tuple[Record, dict[str, Any]]] = {}
        for record in records:
            values = self.resolve(record, refs)
            wanted[tuple(values[k] for k in key)] = (record, values)
        ids: dict[Any, int] = {}
        for natural, (record, values) in wanted.items():
            obj = existing.get(natural)
            if obj is None:
                obj = model(**values)
                self.session.add(obj)
                change.added += 1
            elif any(getattr(obj, col) != val for col, val in values.items()):
                for col, val in values.items():
                    setattr(obj, col, val)
                change.updated += 1
            self.session.flush()
            ids[self.ref_key(table, record)] = obj.id
        self.ids[table] = ids
        self.stale.append((table, [obj for k, obj in existing.items() if k not in wanted]))
        self.report.counts[table] = len(wanted)

    def remove_stale(self) -> None:
        """Delete rows no longer in the content, children before parents."""
        for table, objects in reversed(self.stale):
            for obj in objects:
                self.session.delete(obj)
            self.session.flush()
            self.report.changes[table].removed += len(objects)


def load_content(session: Session, content: ContentSet) -> LoadReport:
    """Make the database match `content` inside the caller's transaction; report what changed."""
    syncer = _Syncer(session)
    for table, model, key, refs in _TABLES:
        syncer.sync(table, model, key, refs, content.rows(table))
    syncer.remove_stale()
    if syncer.report.changed:
        bump_version(session)
    return syncer.report


def bump_version(session: Session) -> None:
    """Tell readers that cached results are stale: the knowledge changed."""
    row = session.get(models.KnowledgeVersion, 1)
    if row is None:
        # A random start: a database recreated at the same path never repeats a version that
        # a running process may still hold cached results for.
        session.add(models.KnowledgeVersion(id=1, version=secrets.randbelow(2**31) + 1))
    else:
        row.version += 1


def load_knowledge(factory: sessionmaker, root: Path = CONTENT_DIR) -> LoadReport:
    """Validate the content folder and load it in one transaction (all or nothing)."""
    content, _vocabulary = read_content(root)
    with factory() as session, session.begin():
        return load_content(session, content)
