"""SQLAlchemy models for the careers knowledge base.

Relationships (every fact row points to the source it comes from)::

    Source 1─* SourceSection
    Career 1─* CareerSynonym                           (names learners use, short forms)
    Career 1─* Role 1─* RoleSynonym                    (generic: a title several careers share)
    Career 1─* SalaryBand        (level; min/max GBP a year; several per level, each with its
                                  source and year; optional link from Role.pay_level)
    Career 1─* Qualification 1─* QualificationSubject, 1─* QualificationSynonym
    Career 1─* Certification 1─* CertificationSynonym
    Career 1─* Skill 1─* SkillSynonym                  (kind: technical | soft)
    Career 1─* EntryRoute 1─* EntryRouteSynonym        (how people get in)
    Career 1─* ProgressionRoute ─ from Role, to Role   (how people move on)
    Career 1─* CareerFact   (topic: responsibility | works-with | importance |
                             entry-requirement | pay-factor | networking |
                             mentoring | outlook | working-conditions)
    Career 1─* RelatedCareer (a career people move to or work beside, in the base or not)
    Career 1─* CareerGap     (what the sources do not say, so the assistant never guesses)
    every fact ─* 1 Source (and optionally one SourceSection of it)
    Stage: where learners start from (vocabulary.yml; entry routes name the stages they suit)
    KnowledgeVersion: one row, incremented by each load that changes anything
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, declared_attr, relationship

Base: Any = declarative_base()  # Any: SQLAlchemy 1.4 bases are dynamic classes


class Source(Base):
    """A document the knowledge comes from."""

    __tablename__ = "sources"
    id = Column(Integer, primary_key=True)
    slug = Column(String(100), unique=True, nullable=False)
    title = Column(Text, nullable=False)
    short_title = Column(String(200), nullable=False)
    document = Column(Text, nullable=False)
    publisher = Column(Text, nullable=True)
    url = Column(Text, nullable=True)
    year = Column(Integer, nullable=True)
    sections = relationship("SourceSection", back_populates="source", cascade="all, delete-orphan")


class SourceSection(Base):
    """A named part of a source, so a citation can point at the right paragraph."""

    __tablename__ = "source_sections"
    __table_args__ = (UniqueConstraint("source_id", "key"),)
    id = Column(Integer, primary_key=True)
    source_id = Column(Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False)
    key = Column(String(100), nullable=False)
    heading = Column(Text, nullable=False)
    source = relationship("Source", back_populates="sections")


class Sourced:
    """Mixin: the fact's source and, optionally, the section it comes from."""

    @declared_attr
    def source_id(cls) -> Column:  # noqa: N805 - SQLAlchemy declared_attr signature
        return Column(Integer, ForeignKey("sources.id"), nullable=False)

    @declared_attr
    def section_id(cls) -> Column:  # noqa: N805
        return Column(Integer, ForeignKey("source_sections.id"), nullable=True)

    @declared_attr
    def source(cls):  # type: ignore[no-untyped-def]  # noqa: N805
        return relationship("Source")

    @declared_attr
    def section(cls):  # type: ignore[no-untyped-def]  # noqa: N805
        return relationship("SourceSection")


class Career(Sourced, Base):
    """A career, as the content names it."""

    __tablename__ = "careers"
    id = Column(Integer, primary_key=True)
    slug = Column(String(100), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    main_role_slug = Column(String(100), nullable=True)
    synonyms = relationship("CareerSynonym", cascade="all, delete-orphan")


class Role(Sourced, Base):
    """A job title within a career: a rung on its ladder, a specialisation or self-employment."""

    __tablename__ = "roles"
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    slug = Column(String(100), unique=True, nullable=False)
    title = Column(String(200), nullable=False)
    track = Column(String(30), nullable=False)
    rank = Column(Integer, nullable=True)
    pay_level = Column(String(30), nullable=True)
    focus = Column(Text, nullable=True)
    summary = Column(Text, nullable=False)
    career = relationship("Career")
    synonyms = relationship("RoleSynonym", cascade="all, delete-orphan")


class SynonymMixin:
    """Mixin for alternative names: lower-case text, unique per owner."""

    id = Column(Integer, primary_key=True)
    text = Column(String(200), nullable=False)


class CareerSynonym(SynonymMixin, Base):
    """Another name learners use for a career: a short form, a misspelling, a field's name."""

    __tablename__ = "career_synonyms"
    __table_args__ = (UniqueConstraint("career_id", "text"),)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)


class RoleSynonym(SynonymMixin, Base):
    """Another way people name a role; `generic` titles ("manager") need a career to mean it."""

    __tablename__ = "role_synonyms"
    __table_args__ = (UniqueConstraint("role_id", "text"),)
    role_id = Column(Integer, ForeignKey("roles.id", ondelete="CASCADE"), nullable=False)
    generic = Column(Boolean, nullable=False, default=False)


class SalaryBand(Sourced, Base):
    """One source's annual pay in GBP at one level; either end may be missing, the top open-ended.

    A level may have several bands from different sources; `year` is the year of the figure
    (the source's year unless the content gives the figure's own), `role_slug` the role it
    describes when the source names one, `measure` "average" or "median" for a single figure.
    """

    __tablename__ = "salary_bands"
    __table_args__ = (UniqueConstraint("career_id", "position"),)
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    level = Column(String(30), nullable=False)
    label = Column(String(100), nullable=False)
    position = Column(Integer, nullable=False)
    min_gbp = Column(Integer, nullable=True)
    max_gbp = Column(Integer, nullable=True)
    max_open = Column(Boolean, nullable=False, default=False)
    approximate = Column(Boolean, nullable=False, default=False)
    context = Column(Text, nullable=True)
    year = Column(Integer, nullable=True)
    role_slug = Column(String(100), nullable=True)
    measure = Column(String(20), nullable=True)


class Qualification(Sourced, Base):
    """A qualification: degree, apprenticeship (standard code, level, length), course or the like."""

    __tablename__ = "qualifications"
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    slug = Column(String(100), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    kind = Column(String(40), nullable=False)
    framework_level = Column(Integer, nullable=True)
    standard_code = Column(String(20), nullable=True)
    duration = Column(String(100), nullable=True)
    apprentice_pay_min_gbp = Column(Integer, nullable=True)
    apprentice_pay_approximate = Column(Boolean, nullable=False, default=False)
    apprentice_pay_note = Column(Text, nullable=True)
    note = Column(Text, nullable=True)
    position = Column(Integer, nullable=False)
    subjects = relationship(
        "QualificationSubject", cascade="all, delete-orphan", order_by="QualificationSubject.position"
    )
    synonyms = relationship("QualificationSynonym", cascade="all, delete-orphan")


class QualificationSubject(Base):
    """A subject that makes a degree relevant ("Business management")."""

    __tablename__ = "qualification_subjects"
    __table_args__ = (UniqueConstraint("qualification_id", "name"),)
    id = Column(Integer, primary_key=True)
    qualification_id = Column(
        Integer, ForeignKey("qualifications.id", ondelete="CASCADE"), nullable=False
    )
    name = Column(String(200), nullable=False)
    position = Column(Integer, nullable=False)


class QualificationSynonym(SynonymMixin, Base):
    """Another way people name a qualification."""

    __tablename__ = "qualification_synonyms"
    __table_args__ = (UniqueConstraint("qualification_id", "text"),)
    qualification_id = Column(
        Integer, ForeignKey("qualifications.id", ondelete="CASCADE"), nullable=False
    )


class Certification(Sourced, Base):
    """A professional certification such as Google Analytics IQ."""

    __tablename__ = "certifications"
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    slug = Column(String(100), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    provider = Column(String(200), nullable=True)
    note = Column(Text, nullable=True)
    position = Column(Integer, nullable=False)
    synonyms = relationship("CertificationSynonym", cascade="all, delete-orphan")


class CertificationSynonym(SynonymMixin, Base):
    """Another way people name a certification."""

    __tablename__ = "certification_synonyms"
    __table_args__ = (UniqueConstraint("certification_id", "text"),)
    certification_id = Column(
        Integer, ForeignKey("certifications.id", ondelete="CASCADE"), nullable=False
    )


class Skill(Sourced, Base):
    """A technical or soft skill, with a line on why it matters."""

    __tablename__ = "skills"
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    slug = Column(String(100), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    kind = Column(String(20), nullable=False)
    why = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)
    synonyms = relationship("SkillSynonym", cascade="all, delete-orphan")


class SkillSynonym(SynonymMixin, Base):
    """Another way people name a skill ("seo")."""

    __tablename__ = "skill_synonyms"
    __table_args__ = (UniqueConstraint("skill_id", "text"),)
    skill_id = Column(Integer, ForeignKey("skills.id", ondelete="CASCADE"), nullable=False)


class EntryRoute(Sourced, Base):
    """A way into the career: a starting role, a scheme, experience or learning."""

    __tablename__ = "entry_routes"
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    slug = Column(String(100), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    kind = Column(String(30), nullable=False)
    description = Column(Text, nullable=False)
    for_stages = Column(Text, nullable=False, default="")  # space-separated stage keys
    position = Column(Integer, nullable=False)
    synonyms = relationship("EntryRouteSynonym", cascade="all, delete-orphan")


class EntryRouteSynonym(SynonymMixin, Base):
    """Another way people name an entry route."""

    __tablename__ = "entry_route_synonyms"
    __table_args__ = (UniqueConstraint("entry_route_id", "text"),)
    entry_route_id = Column(
        Integer, ForeignKey("entry_routes.id", ondelete="CASCADE"), nullable=False
    )


class ProgressionRoute(Sourced, Base):
    """A move from one role to another: up the ladder, into a specialism, or independent."""

    __tablename__ = "progression_routes"
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    slug = Column(String(100), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    kind = Column(String(30), nullable=False)
    from_role_id = Column(Integer, ForeignKey("roles.id", ondelete="CASCADE"), nullable=False)
    to_role_id = Column(Integer, ForeignKey("roles.id", ondelete="CASCADE"), nullable=False)
    description = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)
    from_role = relationship("Role", foreign_keys=[from_role_id])
    to_role = relationship("Role", foreign_keys=[to_role_id])


class CareerFact(Sourced, Base):
    """A plain statement about a career under one topic (responsibility, pay factor, ...)."""

    __tablename__ = "career_facts"
    __table_args__ = (UniqueConstraint("career_id", "topic", "position"),)
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    topic = Column(String(40), nullable=False)
    position = Column(Integer, nullable=False)
    title = Column(String(200), nullable=True)
    text = Column(Text, nullable=False)


class RelatedCareer(Sourced, Base):
    """A career people move into or work beside; `related_slug` when the base holds it too."""

    __tablename__ = "related_careers"
    __table_args__ = (UniqueConstraint("career_id", "position"),)
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    related_slug = Column(String(100), nullable=True)
    name = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)


class CareerGap(Base):
    """Something the sources do not give for a career (a topic and what is missing)."""

    __tablename__ = "career_gaps"
    __table_args__ = (UniqueConstraint("career_id", "position"),)
    id = Column(Integer, primary_key=True)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    topic = Column(String(40), nullable=False)
    text = Column(Text, nullable=False)


class Stage(Base):
    """Where a learner can start from (school, university, a job, ...), as vocabulary.yml words it."""

    __tablename__ = "stages"
    id = Column(Integer, primary_key=True)
    key = Column(String(40), unique=True, nullable=False)
    label = Column(String(200), nullable=False)
    as_someone = Column(String(200), nullable=False)
    origin = Column(String(200), nullable=False)
    words = Column(Text, nullable=False, default="")  # the learner's words for it, one per line
    position = Column(Integer, nullable=False)


class KnowledgeVersion(Base):
    """A counter bumped by every load that changes something, so readers can cache safely."""

    __tablename__ = "knowledge_version"
    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False, default=0)


class Passage(Sourced, Base):
    """One fact as a retrievable passage: its words, what it is about, and its sentence embedding.

    Built from the other tables by `coach knowledge load` (knowledge/passages.py); the vector is
    MiniLM's 384 float32 values, recomputed only when the text changes.
    """

    __tablename__ = "passages"
    id = Column(Integer, primary_key=True)
    key = Column(String(200), unique=True, nullable=False)
    career_id = Column(Integer, ForeignKey("careers.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(40), nullable=False)  # the table it comes from ("fact", "skill", ...)
    topic = Column(String(40), nullable=False)  # what it answers ("networking", "skills", ...)
    text = Column(Text, nullable=False)
    vector = Column(LargeBinary, nullable=False)


FACT_TOPICS: tuple[str, ...] = (
    "responsibility",
    "works-with",
    "importance",
    "entry-requirement",
    "pay-factor",
    "networking",
    "mentoring",
    "outlook",
    "working-conditions",
)

# What a gap can be about: the topics the assistant answers.
GAP_TOPICS: tuple[str, ...] = (
    "pay", "entry", "qualifications", "apprenticeships", "skills", "certifications",
    "progression", "working-conditions",
)

