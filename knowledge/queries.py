"""Typed read functions over the knowledge base; the only place SQL about careers is built."""
from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Optional, TypeVar

from sqlalchemy import select, union
from sqlalchemy.orm import Session, selectinload

from knowledge import models
from knowledge.matching import NameIndex, normalise

Row = models.Sourced
T = TypeVar("T")
_MEMO_LIMIT = 4096
_MEMO: dict[Hashable, Any] = {}


def _version_key(session: Session) -> tuple[str, int]:
    """(database URL, knowledge version), read once per session and kept in `session.info`."""
    key = session.info.get("knowledge_version_key")
    if key is None:
        key = session.info["knowledge_version_key"] = (str(session.get_bind().url), knowledge_version(session))
    return key


def _memo(session: Session, key: Hashable, build: Callable[[], T]) -> T:
    """Reuse a query result until the knowledge base is reloaded (its version changes).

    The facts change only through `coach knowledge load`, which bumps the version, so the
    action server answers most questions without touching the database.
    """
    full_key = (_version_key(session), key)
    if full_key not in _MEMO:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        _MEMO[full_key] = build()
    return _MEMO[full_key]


def memoized(query: Callable[..., T]) -> Callable[..., T]:
    """Memoize a query function whose arguments are hashable and whose results are immutable."""
    @functools.wraps(query)
    def cached(session: Session, *args: Any, **kwargs: Any) -> T:
        value = _memo(session, (query.__name__, args, tuple(sorted(kwargs.items()))),
                      lambda: query(session, *args, **kwargs))
        return list(value) if isinstance(value, list) else value  # type: ignore[return-value]
    return cached


@dataclass(frozen=True)
class Citation:
    """Where a fact comes from: the source's short title and, if known, the section heading."""

    source: str
    section: Optional[str] = None
    document: str = ""

    def line(self) -> str:
        """A one-line citation for replies."""
        return f"Source: {self.source}" + (f" ({self.section})" if self.section else "")


@dataclass(frozen=True)
class CareerInfo:
    """A career and its headline role."""

    slug: str
    name: str
    summary: str
    main_role: Optional[str]
    citation: Citation
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleInfo:
    """A role within a career."""

    slug: str
    title: str
    career: str
    track: str
    rank: Optional[int]
    pay_level: Optional[str]
    focus: Optional[str]
    summary: str
    citation: Citation


@dataclass(frozen=True)
class SalaryBandInfo:
    """Pay at one level, in GBP a year."""

    level: str
    label: str
    min_gbp: Optional[int]
    max_gbp: Optional[int]
    max_open: bool
    approximate: bool
    context: Optional[str]
    citation: Citation
    year: Optional[int] = None
    role_slug: Optional[str] = None
    measure: Optional[str] = None


@dataclass(frozen=True)
class QualificationInfo:
    """A qualification and, for apprenticeships, the starting pay."""

    slug: str
    name: str
    kind: str
    framework_level: Optional[int]
    subjects: tuple[str, ...]
    apprentice_pay_min_gbp: Optional[int]
    apprentice_pay_approximate: bool
    apprentice_pay_note: Optional[str]
    note: Optional[str]
    citation: Citation
    standard_code: Optional[str] = None
    duration: Optional[str] = None


@dataclass(frozen=True)
class CertificationInfo:
    """A professional certification."""

    slug: str
    name: str
    provider: Optional[str]
    note: Optional[str]
    citation: Citation


@dataclass(frozen=True)
class SkillInfo:
    """A skill, its kind and why it matters."""

    slug: str
    name: str
    kind: str
    why: str
    citation: Citation


@dataclass(frozen=True)
class EntryRouteInfo:
    """A way into a career."""

    slug: str
    name: str
    kind: str
    description: str
    for_stages: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True)
class MoveInfo:
    """A move from one role to another."""

    slug: str
    name: str
    kind: str
    from_role: RoleInfo
    to_role: RoleInfo
    description: str
    citation: Citation


@dataclass(frozen=True)
class FactInfo:
    """A plain statement under a topic."""

    topic: str
    title: Optional[str]
    text: str
    citation: Citation


@dataclass(frozen=True)
class RelatedCareerInfo:
    """A career people move into or work beside; `slug` when the knowledge base holds it."""

    slug: Optional[str]
    name: str
    text: str
    citation: Citation


@dataclass(frozen=True)
class GapInfo:
    """Something the sources do not give for a career."""

    topic: str
    text: str


@dataclass(frozen=True)
class StageInfo:
    """Where a learner starts from: the button label and how replies word it."""

    key: str
    label: str
    as_someone: str
    origin: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceInfo:
    """A source document."""

    slug: str
    title: str
    short_title: str
    document: str
    publisher: Optional[str] = None
    url: Optional[str] = None
    year: Optional[int] = None


def _cite(row: Row) -> Citation:
    source = row.source
    return Citation(source.short_title, row.section.heading if row.section else None,
                    source.document)


def _role(row: models.Role) -> RoleInfo:
    return RoleInfo(row.slug, row.title, row.career.slug, row.track, row.rank, row.pay_level,
                    row.focus, row.summary, _cite(row))


def _career_id(session: Session, career: Optional[str]) -> int:
    """Id of the named career; with no name, of the only career (never a silent pick of many)."""
    return _memo(session, ("career_id", career), lambda: _find_career_id(session, career))


def _find_career_id(session: Session, career: Optional[str]) -> int:
    query = select(models.Career.id).order_by(models.Career.id)
    if career:
        query = query.where(models.Career.slug == career)
    found = session.execute(query.limit(2)).scalars().all()
    if not found:
        raise LookupError(f"unknown career {career!r}" if career else "no careers loaded")
    if len(found) > 1:
        raise LookupError("several careers are loaded: name the one you mean")
    return int(found[0])


def _career(row: models.Career) -> CareerInfo:
    return CareerInfo(row.slug, row.name, row.summary, row.main_role_slug, _cite(row),
                      tuple(s.text for s in row.synonyms))


# -- careers -------------------------------------------------------------------------------------
@memoized
def get_career(session: Session, career: Optional[str] = None) -> CareerInfo:
    """The named career (or the only one loaded)."""
    return _career(session.get(models.Career, _career_id(session, career)))


@memoized
def find_career_by_key(session: Session, key: str) -> Optional[CareerInfo]:
    """The career a page or deployment names: its slug, its main role's slug, or one of its names."""
    for career in list_careers(session):
        if key in (career.slug, career.main_role):
            return career
    slug = _index(session, "career").best_match(key)
    return get_career(session, slug) if slug else None


@memoized
def list_careers(session: Session) -> list[CareerInfo]:
    """Every career in the knowledge base, in the order loaded."""
    rows = session.execute(select(models.Career).options(selectinload(models.Career.synonyms))
                           .order_by(models.Career.id)).scalars()
    return [_career(r) for r in rows]


def find_career_in_text(session: Session, text: str) -> Optional[CareerInfo]:
    """The career a sentence names by its name or one of its synonyms (short forms too)."""
    slug = _index(session, "career").find_in(text, word_threshold=0.85)  # "careers" is no career's typo
    return get_career(session, slug) if slug else None


def careers_in_text(session: Session, text: str) -> list[CareerInfo]:
    """Every career a sentence names, by a career name or a role's title, in order of mention."""
    found: list[str] = []
    words = normalise(text).split()
    careers, roles = _index(session, "career"), _index(session, "role")
    start = 0
    while start < len(words):
        for size in range(min(6, len(words) - start), 0, -1):
            phrase = " ".join(words[start:start + size])
            slug = careers.exact.get(phrase)
            if slug is None and phrase in roles.exact:
                role = get_role(session, roles.exact[phrase])
                slug = role.career if role else None
            if slug is not None:
                if slug not in found:
                    found.append(slug)
                start += size
                break
        else:
            start += 1
    return [get_career(session, slug) for slug in found]


# The tables of named things a career's learners take: qualifications and certifications.
_NAMED_MODELS: dict[str, Any] = {"qualification": models.Qualification, "certification": models.Certification}


@memoized
def career_of(session: Session, kind: str, slug: str) -> Optional[CareerInfo]:
    """The career a qualification or certification (by slug) belongs to."""
    model = _NAMED_MODELS[kind]
    row = session.execute(select(model).where(model.slug == slug)).scalars().first()
    return get_career(session, session.get(models.Career, row.career_id).slug) if row else None


@memoized
def careers_naming(session: Session, kind: str, phrase: str) -> list[str]:
    """The careers (slugs) with a qualification or certification this name or synonym names."""
    model = _NAMED_MODELS[kind]
    wanted = " ".join(phrase.lower().split())
    ids = {r.career_id for r in session.execute(select(model)).scalars()
           if wanted in {r.name.lower(), *(s.text.lower() for s in r.synonyms)}}
    return sorted(r.slug for r in session.execute(select(models.Career).where(models.Career.id.in_(ids))).scalars())


@memoized
def names_of_kind(session: Session, kind: str, career: str) -> list[str]:
    """Every name and synonym of a career's qualifications or certifications."""
    model = _NAMED_MODELS[kind]
    rows = session.execute(select(model).where(model.career_id == _career_id(session, career))).scalars()
    return [name for r in rows for name in (r.name, *(s.text for s in r.synonyms))]


@memoized
def related_careers(session: Session, career: Optional[str] = None) -> list[RelatedCareerInfo]:
    """Careers people move into or work beside, in content order."""
    rows = session.execute(select(models.RelatedCareer)
                           .where(models.RelatedCareer.career_id == _career_id(session, career))
                           .order_by(models.RelatedCareer.position)).scalars()
    return [RelatedCareerInfo(r.related_slug, r.name, r.text, _cite(r)) for r in rows]


@memoized
def gaps(session: Session, career: Optional[str] = None,
         topic: Optional[str] = None) -> list[GapInfo]:
    """What the sources do not give for a career, optionally on one topic."""
    query = select(models.CareerGap).where(models.CareerGap.career_id == _career_id(session, career))
    if topic:
        query = query.where(models.CareerGap.topic == topic)
    rows = session.execute(query.order_by(models.CareerGap.position)).scalars()
    return [GapInfo(r.topic, r.text) for r in rows]


@memoized
def facts(session: Session, topic: str, career: Optional[str] = None) -> list[FactInfo]:
    """Statements under one topic (see models.FACT_TOPICS), in content order."""
    rows = session.execute(
        select(models.CareerFact)
        .where(models.CareerFact.career_id == _career_id(session, career),
               models.CareerFact.topic == topic)
        .order_by(models.CareerFact.position)).scalars()
    return [FactInfo(r.topic, r.title, r.text, _cite(r)) for r in rows]


@memoized
def responsibilities(session: Session, career: Optional[str] = None) -> list[FactInfo]:
    """Day-to-day tasks of the career's main role."""
    return facts(session, "responsibility", career)


# -- roles ---------------------------------------------------------------------------------------
@memoized
def list_roles(session: Session, career: Optional[str] = None,
               track: Optional[str] = None) -> list[RoleInfo]:
    """Roles of a career, ladder first in rank order, optionally one track only."""
    query = select(models.Role).where(models.Role.career_id == _career_id(session, career))
    if track:
        query = query.where(models.Role.track == track)
    rows = session.execute(query.order_by(models.Role.rank.is_(None), models.Role.rank,
                                          models.Role.id)).scalars()
    return [_role(r) for r in rows]


@memoized
def get_role(session: Session, slug: str) -> Optional[RoleInfo]:
    """The role with this slug, if any."""
    row = session.execute(select(models.Role).where(models.Role.slug == slug)).scalars().first()
    return _role(row) if row else None


def knowledge_version(session: Session) -> int:
    """The knowledge base's change counter (0 before the first load)."""
    # A column, not an ORM object: this runs once per action server message.
    version = session.execute(select(models.KnowledgeVersion.version)
                              .where(models.KnowledgeVersion.id == 1)).scalar()
    return int(version) if version is not None else 0


def _index(session: Session, kind: str) -> NameIndex:
    """Name index for careers, roles, generic titles or skills, rebuilt when the knowledge changes."""
    builders: dict[str, Callable[[], dict[str, str]]] = {
        "career": lambda: _career_names(session), "role": lambda: _role_names(session),
        "skill": lambda: _skill_names(session), "generic": lambda: _generic_titles(session)}
    return _memo(session, ("index", kind), lambda: NameIndex(builders[kind]()))


def _career_names(session: Session) -> dict[str, str]:
    names: dict[str, str] = {}
    for career in list_careers(session):
        names[career.name] = career.slug
        names[career.slug] = career.slug
        for synonym in career.synonyms:
            names.setdefault(synonym, career.slug)
    return names


def _role_names(session: Session) -> dict[str, str]:
    """Titles and specific synonyms of every role (generic titles are kept apart)."""
    names: dict[str, str] = {}
    for role in session.execute(select(models.Role).options(selectinload(models.Role.synonyms))).scalars():
        names[role.title] = role.slug
        names[role.slug] = role.slug
        for synonym in role.synonyms:
            if not synonym.generic:
                names.setdefault(synonym.text, role.slug)
    return names


def _generic_titles(session: Session) -> dict[str, str]:
    """Each generic title ("manager") mapped to itself; `roles_with_title` says whose it is."""
    rows = session.execute(select(models.RoleSynonym.text).where(models.RoleSynonym.generic)).scalars()
    return {text: text for text in rows}


@memoized
def roles_with_title(session: Session, title: str) -> list[RoleInfo]:
    """The roles, one career each at most, that a generic title stands for."""
    rows = session.execute(select(models.Role).join(models.RoleSynonym)
                           .where(models.RoleSynonym.generic, models.RoleSynonym.text == title)
                           .order_by(models.Role.career_id, models.Role.id)).scalars()
    found: dict[int, RoleInfo] = {}
    for row in rows:
        found.setdefault(row.career_id, _role(row))
    return list(found.values())


def find_generic_title_in_text(session: Session, text: str) -> Optional[str]:
    """The generic title a sentence uses ("manager", "head of department"), if any."""
    return _index(session, "generic").find_in(text)


def find_role(session: Session, text: str, career: Optional[str] = None) -> Optional[RoleInfo]:
    """Find a role by title or synonym (or, within `career`, a generic title), tolerant of typos."""
    slug = _index(session, "role").best_match(text)
    if slug:
        return get_role(session, slug)
    title = _index(session, "generic").best_match(text) if career else None
    return _role_in_career(session, title, career) if title and career else None


def _specialism_names(session: Session, career: str) -> dict[str, str]:
    """A career's specialisms by the words their titles add to the main role's ("global")."""
    info = get_career(session, career)
    main = get_role(session, info.main_role) if info.main_role else None
    names = {}
    for role in list_roles(session, career, track="specialisation"):
        own = own_words(role.title, main.title if main else "")
        if len(own) >= 3 and own != role.title.lower():
            names[own] = role.slug
    return names


def own_words(title: str, main_title: str) -> str:
    """The words of a title that the career's main title lacks ("global" of "Global <main title>")."""
    common = set(main_title.lower().split())
    return " ".join(w for w in title.lower().split() if w not in common)


def find_role_in_text(session: Session, text: str, career: Optional[str] = None) -> Optional[RoleInfo]:
    """Find the longest role mention inside a sentence (generic titles only within `career`).

    Within `career`, a specialism named by its own words ("the global one") wins over another
    career's role named by no more words.
    """
    size, slug = _index(session, "role").longest_exact(text)
    if career:
        index = _memo(session, ("specialisms", career), lambda: NameIndex(_specialism_names(session, career)))
        own_size, own = index.longest_exact(text)
        role = get_role(session, slug) if slug else None
        if own and own_size >= size and (role is None or role.career != career):
            return get_role(session, own)
    slug = slug or _index(session, "role").find_in(text)
    if slug:
        return get_role(session, slug)
    title = find_generic_title_in_text(session, text) if career else None
    return _role_in_career(session, title, career) if title and career else None


def _role_in_career(session: Session, title: str, career: str) -> Optional[RoleInfo]:
    return next((r for r in roles_with_title(session, title) if r.career == career), None)


@memoized
def ladder(session: Session, career: Optional[str] = None) -> list[RoleInfo]:
    """The vertical ladder of a career, first rung first."""
    return list_roles(session, career, track="ladder")


@memoized
def moves_from(session: Session, role: str, kind: Optional[str] = None) -> list[MoveInfo]:
    """Progression routes that start at `role`, optionally of one kind."""
    query = (select(models.ProgressionRoute).join(models.ProgressionRoute.from_role)
             .where(models.Role.slug == role))
    if kind:
        query = query.where(models.ProgressionRoute.kind == kind)
    rows = session.execute(query.order_by(models.ProgressionRoute.position)).scalars()
    return [_move(r) for r in rows]


@memoized
def moves(session: Session, kind: Optional[str] = None,
          career: Optional[str] = None) -> list[MoveInfo]:
    """All progression routes of a career, optionally of one kind."""
    query = select(models.ProgressionRoute).where(
        models.ProgressionRoute.career_id == _career_id(session, career))
    if kind:
        query = query.where(models.ProgressionRoute.kind == kind)
    rows = session.execute(query.order_by(models.ProgressionRoute.position)).scalars()
    return [_move(r) for r in rows]


def _move(row: models.ProgressionRoute) -> MoveInfo:
    return MoveInfo(row.slug, row.name, row.kind, _role(row.from_role), _role(row.to_role),
                    row.description, _cite(row))


@memoized
def next_rung(session: Session, role: str) -> Optional[RoleInfo]:
    """The next role up the ladder from `role`, if there is one."""
    ups = moves_from(session, role, kind="vertical")
    return ups[0].to_role if ups else None


@memoized
def path_between(session: Session, start: str, goal: str) -> Optional[list[MoveInfo]]:
    """The shortest chain of moves from role `start` to role `goal` ([] if the same, None if none)."""
    if start == goal:
        return []
    queue: deque[tuple[str, list[MoveInfo]]] = deque([(start, [])])
    seen = {start}
    while queue:
        here, path = queue.popleft()
        for move in moves_from(session, here):
            if move.to_role.slug in seen:
                continue
            if move.to_role.slug == goal:
                return [*path, move]
            seen.add(move.to_role.slug)
            queue.append((move.to_role.slug, [*path, move]))
    return None


# -- pay -----------------------------------------------------------------------------------------
def _band(row: models.SalaryBand) -> SalaryBandInfo:
    return SalaryBandInfo(row.level, row.label, row.min_gbp, row.max_gbp, row.max_open,
                          row.approximate, row.context, _cite(row), row.year, row.role_slug,
                          row.measure)


@memoized
def salary_bands(session: Session, career: Optional[str] = None) -> list[SalaryBandInfo]:
    """Every salary band of a career, in content order."""
    rows = session.execute(
        select(models.SalaryBand).where(models.SalaryBand.career_id == _career_id(session, career))
        .order_by(models.SalaryBand.position)).scalars()
    return [_band(r) for r in rows]


@memoized
def salaries_at(session: Session, level: str, career: Optional[str] = None) -> list[SalaryBandInfo]:
    """Every source's band at one level (entry, graduate, mid, senior, director, ...)."""
    return [b for b in salary_bands(session, career) if b.level == level]


@memoized
def salary_for(session: Session, level: str, career: Optional[str] = None) -> Optional[SalaryBandInfo]:
    """The first band the content gives at one level."""
    bands = salaries_at(session, level, career)
    return bands[0] if bands else None


@memoized
def salaries_for_role(session: Session, role: str) -> list[SalaryBandInfo]:
    """Bands naming the role itself, else the bands at the level the content links to it."""
    info = get_role(session, role)
    if info is None:
        return []
    named = [b for b in salary_bands(session, info.career) if b.role_slug == role]
    if named:
        return named
    return salaries_at(session, info.pay_level, info.career) if info.pay_level else []


@memoized
def salary_for_role(session: Session, role: str) -> Optional[SalaryBandInfo]:
    """The first band for a role (see `salaries_for_role`), if the content gives one."""
    bands = salaries_for_role(session, role)
    return bands[0] if bands else None


@memoized
def overall_pay_range(session: Session, career: Optional[str] = None) -> tuple[int, int, bool]:
    """Lowest and highest figures across all bands, and whether the top is open-ended."""
    bands = salary_bands(session, career)
    lows = [b.min_gbp for b in bands if b.min_gbp is not None]
    highs = [(b.max_gbp, b.max_open) for b in bands if b.max_gbp is not None]
    top, open_top = max(highs) if highs else (max(lows), True)
    return min(lows), top, open_top


# -- qualifications, certifications, skills, routes ------------------------------------------
@memoized
def qualifications(session: Session, career: Optional[str] = None,
                   kind: Optional[str] = None) -> list[QualificationInfo]:
    """Qualifications of a career, optionally one kind (degree, degree-apprenticeship, ...)."""
    query = select(models.Qualification).where(
        models.Qualification.career_id == _career_id(session, career))
    if kind:
        query = query.where(models.Qualification.kind == kind)
    rows = session.execute(query.order_by(models.Qualification.position)).scalars()
    return [QualificationInfo(r.slug, r.name, r.kind, r.framework_level,
                              tuple(s.name for s in r.subjects), r.apprentice_pay_min_gbp,
                              r.apprentice_pay_approximate, r.apprentice_pay_note, r.note,
                              _cite(r), r.standard_code, r.duration) for r in rows]


@memoized
def certifications(session: Session, career: Optional[str] = None) -> list[CertificationInfo]:
    """Certifications worth having for a career."""
    rows = session.execute(
        select(models.Certification)
        .where(models.Certification.career_id == _career_id(session, career))
        .order_by(models.Certification.position)).scalars()
    return [CertificationInfo(r.slug, r.name, r.provider, r.note, _cite(r)) for r in rows]


@memoized
def skills(session: Session, career: Optional[str] = None,
           kind: Optional[str] = None) -> list[SkillInfo]:
    """Skills of a career, optionally only technical or only soft ones."""
    query = select(models.Skill).where(models.Skill.career_id == _career_id(session, career))
    if kind:
        query = query.where(models.Skill.kind == kind)
    rows = session.execute(query.order_by(models.Skill.position)).scalars()
    return [SkillInfo(r.slug, r.name, r.kind, r.why, _cite(r)) for r in rows]


def _skill_names(session: Session, career: Optional[str] = None) -> dict[str, str]:
    query = select(models.Skill).options(selectinload(models.Skill.synonyms))
    if career:
        query = query.where(models.Skill.career_id == _career_id(session, career))
    names: dict[str, str] = {}
    for skill in session.execute(query.order_by(models.Skill.id)).scalars():
        names[skill.name] = skill.slug
        for synonym in skill.synonyms:
            names.setdefault(synonym.text, skill.slug)
    return names


@memoized
def get_skill(session: Session, slug: str) -> Optional[SkillInfo]:
    """The skill with this slug, if any."""
    row = session.execute(select(models.Skill).where(models.Skill.slug == slug)).scalars().first()
    return SkillInfo(row.slug, row.name, row.kind, row.why, _cite(row)) if row else None


def find_skill(session: Session, text: str, career: Optional[str] = None) -> Optional[SkillInfo]:
    """Find a skill by name or synonym ("SEO", "budgeting"), within `career` when given."""
    index = (_memo(session, ("skill-index", career), lambda: NameIndex(_skill_names(session, career)))
             if career else _index(session, "skill"))
    slug = index.best_match(text) or index.find_in(text, word_threshold=0.8)
    if slug is None:
        return None
    row = session.execute(select(models.Skill).where(models.Skill.slug == slug)).scalars().one()
    return SkillInfo(row.slug, row.name, row.kind, row.why, _cite(row))


@memoized
def entry_routes(session: Session, career: Optional[str] = None,
                 stage: Optional[str] = None) -> list[EntryRouteInfo]:
    """Routes into a career, optionally only those suited to a learner stage."""
    rows = session.execute(
        select(models.EntryRoute)
        .where(models.EntryRoute.career_id == _career_id(session, career))
        .order_by(models.EntryRoute.position)).scalars()
    routes = [EntryRouteInfo(r.slug, r.name, r.kind, r.description,
                             tuple(r.for_stages.split()), _cite(r)) for r in rows]
    return [r for r in routes if stage is None or stage in r.for_stages]


@memoized
def stages(session: Session) -> list[StageInfo]:
    """Every learner stage, in vocabulary order."""
    rows = session.execute(select(models.Stage).order_by(models.Stage.position)).scalars()
    return [StageInfo(r.key, r.label, r.as_someone, r.origin, tuple(filter(None, (r.words or "").split("\n"))))
            for r in rows]


def stage_named_by(session: Session, phrase: str) -> Optional[StageInfo]:
    """The stage whose key or one of whose words is exactly `phrase` (any case), or None."""
    wanted = " ".join(phrase.lower().split())
    return next((s for s in stages(session) if wanted in (s.key.replace("-", " "), *s.words)), None)


@memoized
def stages_for(session: Session, career: str) -> list[StageInfo]:
    """The stages some entry route into `career` suits, in vocabulary order."""
    used = {s for r in entry_routes(session, career) for s in r.for_stages}
    return [s for s in stages(session) if s.key in used]


def _sourced_models() -> list[Any]:
    """Every table of facts that cite a source."""
    return [m.class_ for m in models.Base.registry.mappers if issubclass(m.class_, models.Sourced)]


@memoized
def sources(session: Session, career: Optional[str] = None) -> list[SourceInfo]:
    """The documents at least one fact (of `career`, when given) cites; sources.yml may list more."""
    def cited_by(model: Any) -> Any:
        query = select(model.source_id)
        if career is None:
            return query
        owner = model.id if model is models.Career else model.career_id
        return query.where(owner == _career_id(session, career))
    cited = union(*(cited_by(model) for model in _sourced_models())).subquery()
    rows = session.execute(select(models.Source).where(models.Source.id.in_(select(cited.c.source_id)))
                           .order_by(models.Source.id)).scalars()
    return [SourceInfo(r.slug, r.title, r.short_title, r.document, r.publisher, r.url, r.year) for r in rows]
