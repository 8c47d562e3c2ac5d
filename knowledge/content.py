"""Read and validate the YAML content folder into plain records, collecting every problem."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from knowledge.models import FACT_TOPICS, GAP_TOPICS
from knowledge.spellings import Spellings
from knowledge.yaml_lines import LineDict, YamlSyntaxError, load_yaml

CONTENT_DIR = Path(__file__).parent / "content"
SALARY_LEVELS = ("apprentice", "entry", "graduate", "entry-qualified", "mid", "experienced", "senior",
                 "director")
PAY_MEASURES = ("range", "average", "median")
ROLE_TRACKS = ("ladder", "specialisation", "independent")
QUALIFICATION_KINDS = ("degree", "postgraduate", "degree-apprenticeship", "apprenticeship",
                       "alternative-to-a-levels", "college-course", "vocational", "short-course")
SKILL_KINDS = ("technical", "soft")
ENTRY_KINDS = ("starting-role", "scheme", "experience", "learning")
PROGRESSION_KINDS = ("vertical", "specialisation", "independent")
CAREER_FILES = ("career.yml", "roles.yml", "salaries.yml", "qualifications.yml", "skills.yml",
                "routes.yml")


@dataclass(frozen=True)
class ContentProblem:
    """One validation problem, located by file and line."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        """Render as `file:line: message`, relative to the content folder when possible."""
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content folder has problems; nothing should be loaded."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Record:
    """One row to load: its table, natural key fields and values, plus where it was written."""

    table: str
    values: dict[str, Any]
    path: Path
    line: int


@dataclass
class Vocabulary:
    """Learner stages, skill kinds and levels with the words people use for them; other careers."""

    stages: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    skill_kinds: dict[str, list[str]] = field(default_factory=dict)
    level_synonyms: dict[str, list[str]] = field(default_factory=dict)
    other_careers: list[str] = field(default_factory=list)
    spellings: Spellings = field(default_factory=Spellings)


@dataclass
class ContentSet:
    """Everything read from the content folder, as records grouped by table."""

    records: dict[str, list[Record]] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        """Append a record to its table's list."""
        self.records.setdefault(record.table, []).append(record)

    def rows(self, table: str) -> list[Record]:
        """Return the records of one table (possibly none)."""
        return self.records.get(table, [])


class _Reader:
    """Walks the content files, turning them into records and collecting problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = ContentSet()
        self.problems: list[ContentProblem] = []
        self.sources: dict[str, set[str]] = {}
        self.slugs: dict[str, dict[str, tuple[Path, int]]] = {}
        self.related_refs: list[tuple[Path, int, str]] = []
        self.source_years: dict[str, Optional[int]] = {}
        self.spellings = Spellings()
        self.stage_keys: set[str] = set()

    # -- problems ---------------------------------------------------------------------------
    def problem(self, path: Path, line: int, message: str) -> None:
        """Record a problem."""
        self.problems.append(ContentProblem(path, line, message))

    def load(self, path: Path) -> Optional[LineDict]:
        """Parse one file, or record why it cannot be parsed."""
        try:
            data = load_yaml(path)
        except YamlSyntaxError as exc:
            self.problem(path, exc.line, f"YAML syntax error: {exc.problem}")
            return None
        except OSError as exc:
            self.problem(path, 1, f"cannot read file: {exc.strerror}")
            return None
        if data is None:
            data = LineDict()
            data.line, data.key_lines = 1, {}
        if not isinstance(data, LineDict):
            self.problem(path, 1, "the file must be a mapping of keys to values")
            return None
        return data

    # -- typed field access -----------------------------------------------------------------
    def text(self, path: Path, item: LineDict, key: str, required: bool = True) -> Optional[str]:
        """Read a non-empty string field."""
        value = item.get(key)
        if value is None:
            if required:
                self.problem(path, item.line, f"missing required field '{key}'")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem(path, item.line_of(key), f"'{key}' must be text")
            return None
        text = str(value).strip()
        if required and not text:
            self.problem(path, item.line_of(key), f"'{key}' must not be empty")
            return None
        return text or None

    def choice(self, path: Path, item: LineDict, key: str, allowed: tuple[str, ...],
               required: bool = True) -> Optional[str]:
        """Read a field that must be one of `allowed`."""
        value = self.text(path, item, key, required)
        if value is not None and value not in allowed:
            self.problem(path, item.line_of(key),
                         f"'{key}' is '{value}'; expected one of: {', '.join(allowed)}")
            return None
        return value

    def pounds(self, path: Path, item: LineDict, key: str) -> Optional[int]:
        """Read an optional whole-pounds amount: a non-negative number."""
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(path, item.line_of(key),
                         f"'{key}' must be a number of pounds (like 25000), not {value!r}")
            return None
        if value < 0:
            self.problem(path, item.line_of(key), f"'{key}' must not be negative ({value})")
            return None
        return int(value)

    def year(self, path: Path, item: LineDict, key: str) -> Optional[int]:
        """Read an optional year of publication, like 2019."""
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
            self.problem(path, item.line_of(key), f"'{key}' must be a year like 2019, not {value!r}")
            return None
        return value

    def flag(self, path: Path, item: LineDict, key: str) -> bool:
        """Read an optional true/false field."""
        value = item.get(key, False)
        if not isinstance(value, bool):
            self.problem(path, item.line_of(key), f"'{key}' must be true or false")
            return False
        return value

    def strings(self, path: Path, item: LineDict, key: str) -> list[str]:
        """Read an optional list of strings."""
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.problem(path, item.line_of(key), f"'{key}' must be a list of words or phrases")
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    def items(self, path: Path, data: LineDict, key: str) -> list[LineDict]:
        """Read an optional list of mappings."""
        value = data.get(key) or []
        if not isinstance(value, list):
            self.problem(path, data.line_of(key), f"'{key}' must be a list")
            return []
        good = []
        for entry in value:
            if isinstance(entry, LineDict):
                good.append(entry)
            else:
                self.problem(path, data.line_of(key), f"each entry of '{key}' must be a mapping")
        return good

    def known_keys(self, path: Path, item: LineDict, allowed: set[str]) -> None:
        """Flag keys that are not part of the format (usually typos)."""
        for key in item:
            if key not in allowed:
                self.problem(path, item.line_of(str(key)), f"unknown field '{key}'")

    def unique_slug(self, path: Path, item: LineDict, kind: str) -> Optional[str]:
        """Read a slug and check it is not used twice for the same kind of thing."""
        slug = self.text(path, item, "slug")
        if slug is None:
            return None
        seen = self.slugs.setdefault(kind, {})
        if slug in seen:
            first_path, first_line = seen[slug]
            self.problem(path, item.line_of("slug"),
                         f"duplicate {kind} slug '{slug}' (first used at {first_path.name}:{first_line})")
            return None
        seen[slug] = (path, item.line_of("slug"))
        return slug

    def citation(self, path: Path, item: LineDict, defaults: LineDict) -> dict[str, Optional[str]]:
        """Work out the source (and section) of a fact from the item or the file's defaults."""
        source = item.get("source", defaults.get("source"))
        section = item.get("section", defaults.get("section"))
        if not source:
            self.problem(path, item.line, "missing source: give 'source:' on the item or at the top of the file")
            return {"source": None, "section": None}
        if source not in self.sources:
            self.problem(path, item.line_of("source") if "source" in item else defaults.line_of("source"),
                         f"unknown source '{source}' (not in sources.yml)")
            return {"source": None, "section": None}
        if section is not None and section not in self.sources[source]:
            self.problem(path, item.line_of("section") if "section" in item else defaults.line_of("section"),
                         f"unknown section '{section}' of source '{source}'")
            section = None
        return {"source": source, "section": section}

    # -- files ------------------------------------------------------------------------------
    def read_sources(self) -> None:
        """Read sources.yml: documents (publisher, address and year where known) and their sections."""
        path = self.root / "sources.yml"
        data = self.load(path)
        if data is None:
            return
        for item in self.items(path, data, "sources"):
            self.known_keys(path, item, {"slug", "title", "short_title", "document", "publisher", "url", "year",
                                         "sections"})
            slug = self.unique_slug(path, item, "source")
            title = self.text(path, item, "title")
            short = self.text(path, item, "short_title")
            document = self.text(path, item, "document")
            if not (slug and title and short and document):
                continue
            self.sources[slug] = set()
            self.source_years[slug] = year = self.year(path, item, "year")
            self.content.add(Record("sources", {
                "slug": slug, "title": title, "short_title": short, "document": document,
                "publisher": self.text(path, item, "publisher", required=False),
                "url": self.text(path, item, "url", required=False),
                "year": year}, path, item.line))
            for section in self.items(path, item, "sections"):
                key = self.text(path, section, "key")
                heading = self.text(path, section, "heading")
                if key and heading:
                    self.sources[slug].add(key)
                    self.content.add(Record("source_sections", {"source": slug, "key": key,
                                                                "heading": heading}, path, section.line))

    def read_vocabulary(self) -> Vocabulary:
        """Read vocabulary.yml: learner stages, words for kinds of skill and levels, other careers."""
        vocab = Vocabulary()
        path = self.root / "vocabulary.yml"
        data = self.load(path)
        if data is None:
            return vocab
        for position, item in enumerate(self.items(path, data, "stages")):
            self.known_keys(path, item, {"key", "label", "as_someone", "origin", "synonyms"})
            key, label = self.text(path, item, "key"), self.text(path, item, "label")
            as_someone, origin = self.text(path, item, "as_someone"), self.text(path, item, "origin")
            if key and label and as_someone and origin:
                words = self.strings(path, item, "synonyms")
                vocab.stages[key] = (label, words)
                self.stage_keys.add(key)
                self.content.add(Record("stages", {"key": key, "label": label, "as_someone": as_someone,
                                                   "origin": origin, "position": position,
                                                   "words": "\n".join(w.lower() for w in words)},
                                        path, item.line))
        for item in self.items(path, data, "skill_kinds"):
            kind = self.choice(path, item, "kind", SKILL_KINDS)
            if kind:
                vocab.skill_kinds[kind] = self.strings(path, item, "synonyms")
        for item in self.items(path, data, "levels"):
            level = self.choice(path, item, "level", SALARY_LEVELS)
            if level:
                vocab.level_synonyms[level] = self.strings(path, item, "synonyms")
        vocab.other_careers = self.strings(path, data, "other_careers")
        groups = data.get("spellings") or []
        if not isinstance(groups, list) or not all(
                isinstance(g, list) and len(g) > 1 and all(isinstance(w, str) for w in g) for g in groups):
            self.problem(path, data.line_of("spellings"), "'spellings' must be a list of lists of two or more words")
        else:
            vocab.spellings = Spellings(tuple(tuple(g) for g in groups))
        self.spellings = vocab.spellings
        meaning = data.get("same_meaning") or []
        if not isinstance(meaning, list) or not all(
                isinstance(g, list) and len(g) > 1 and all(isinstance(w, str) and w.isalpha() for w in g)
                for g in meaning):
            self.problem(path, data.line_of("same_meaning"),
                         "'same_meaning' must be a list of lists of two or more single words")
        return vocab

    def read_career(self, folder: Path) -> None:
        """Read one career folder (career.yml, roles.yml, ...)."""
        files: dict[str, LineDict] = {}
        for name in CAREER_FILES:
            path = folder / name
            if not path.exists():
                self.problem(path, 1, "file missing from the career folder")
                continue
            data = self.load(path)
            if data is not None:
                files[name] = data
        if "career.yml" not in files:
            return
        career = self._career(folder / "career.yml", files["career.yml"])
        if career is None:
            return
        if "roles.yml" in files:
            self._roles(folder / "roles.yml", files["roles.yml"], career)
        if "salaries.yml" in files:
            self._salaries(folder / "salaries.yml", files["salaries.yml"], career)
        if "qualifications.yml" in files:
            self._qualifications(folder / "qualifications.yml", files["qualifications.yml"], career)
        if "skills.yml" in files:
            self._skills(folder / "skills.yml", files["skills.yml"], career)
        if "routes.yml" in files:
            self._routes(folder / "routes.yml", files["routes.yml"], career)
        main_role = files["career.yml"]["career"].get("main_role")
        if main_role and main_role not in self.slugs.get("role", {}):
            self.problem(folder / "career.yml", files["career.yml"]["career"].line_of("main_role"),
                         f"unknown role '{main_role}' (not in roles.yml)")

    def _facts(self, path: Path, data: LineDict, key: str, topic: Optional[str], career: str,
               text_key: str = "text", title_key: Optional[str] = None) -> None:
        """Read a list of plain statements; `topic` None means each item names it in `kind`."""
        positions: dict[str, int] = {}
        for item in self.items(path, data, key):
            allowed = {text_key, "source", "section"} | ({title_key} if title_key else set())
            allowed |= {"kind"} if topic is None else set()
            self.known_keys(path, item, allowed)
            item_topic = topic or self.choice(path, item, "kind", ("networking", "mentoring"))
            text = self.text(path, item, text_key)
            title = self.text(path, item, title_key) if title_key else None
            cite = self.citation(path, item, data)
            if item_topic and text and cite["source"]:
                assert item_topic in FACT_TOPICS
                position = positions.get(item_topic, 0)
                positions[item_topic] = position + 1
                self.content.add(Record("career_facts", {
                    "career": career, "topic": item_topic, "position": position, "title": title,
                    "text": text, **cite}, path, item.line))

    def _career(self, path: Path, data: LineDict) -> Optional[str]:
        self.known_keys(path, data, {"source", "section", "career", "responsibilities",
                                     "works_with", "importance", "outlook", "working_conditions",
                                     "related_careers", "gaps"})
        item = data.get("career")
        if not isinstance(item, LineDict):
            self.problem(path, data.line_of("career"), "missing 'career:' block")
            return None
        self.known_keys(path, item, {"slug", "name", "summary", "main_role", "synonyms", "source",
                                     "section"})
        slug = self.unique_slug(path, item, "career")
        name, summary = self.text(path, item, "name"), self.text(path, item, "summary")
        cite = self.citation(path, item, data)
        if not (slug and name and summary and cite["source"]):
            return None
        self.content.add(Record("careers", {"slug": slug, "name": name, "summary": summary,
                                            "main_role_slug": item.get("main_role"), **cite},
                                path, item.line))
        self._facts(path, data, "responsibilities", "responsibility", slug)
        self._facts(path, data, "works_with", "works-with", slug, text_key="team")
        self._facts(path, data, "importance", "importance", slug)
        self._facts(path, data, "outlook", "outlook", slug)
        self._facts(path, data, "working_conditions", "working-conditions", slug)
        self._synonyms(path, item, "career_synonyms", "career", slug)
        self._related(path, data, slug)
        self._gaps(path, data, slug)
        return slug

    def _related(self, path: Path, data: LineDict, career: str) -> None:
        """Read related careers; a `career:` slug is checked once every folder is read."""
        for position, item in enumerate(self.items(path, data, "related_careers")):
            self.known_keys(path, item, {"career", "name", "text", "source", "section"})
            name, text = self.text(path, item, "name"), self.text(path, item, "text")
            related = self.text(path, item, "career", required=False)
            cite = self.citation(path, item, data)
            if name and text and cite["source"]:
                if related:
                    self.related_refs.append((path, item.line_of("career"), related))
                self.content.add(Record("related_careers", {
                    "career": career, "position": position, "related_slug": related,
                    "name": name, "text": text, **cite}, path, item.line))

    def _gaps(self, path: Path, data: LineDict, career: str) -> None:
        """Read what the sources do not give (no source: a gap is the sources' silence)."""
        for position, item in enumerate(self.items(path, data, "gaps")):
            self.known_keys(path, item, {"topic", "text"})
            topic, text = self.choice(path, item, "topic", GAP_TOPICS), self.text(path, item, "text")
            if topic and text:
                self.content.add(Record("career_gaps", {
                    "career": career, "position": position, "topic": topic, "text": text},
                    path, item.line))

    def _synonyms(self, path: Path, item: LineDict, table: str, owner_key: str, owner: str,
                  generic_key: Optional[str] = None) -> None:
        """Add the item's synonyms in every spelling; for roles, also its generic titles, flagged."""
        seen: set[str] = set()
        lists = [([self.spellings.variants(t) for t in self.strings(path, item, "synonyms")], False)]
        if generic_key:
            lists.append(([{" ".join(t.lower().split())} for t in self.strings(path, item, generic_key)], True))
        for texts, generic in lists:
            for variants in texts:
                for lowered in sorted(variants):
                    if lowered in seen:
                        continue
                    seen.add(lowered)
                    values: dict[str, Any] = {owner_key: owner, "text": lowered}
                    if generic_key:
                        values["generic"] = generic
                    self.content.add(Record(table, values, path, item.line))

    def _roles(self, path: Path, data: LineDict, career: str) -> None:
        self.known_keys(path, data, {"source", "section", "roles"})
        for item in self.items(path, data, "roles"):
            self.known_keys(path, item, {"slug", "title", "track", "rank", "pay_level", "focus",
                                         "summary", "synonyms", "generic_titles", "source",
                                         "section"})
            slug = self.unique_slug(path, item, "role")
            title, summary = self.text(path, item, "title"), self.text(path, item, "summary")
            track = self.choice(path, item, "track", ROLE_TRACKS)
            pay_level = self.choice(path, item, "pay_level", SALARY_LEVELS, required=False)
            rank = item.get("rank")
            if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
                self.problem(path, item.line_of("rank"), "'rank' must be a whole number from 1")
                rank = None
            if track == "ladder" and rank is None:
                self.problem(path, item.line, "ladder roles need a 'rank'")
            cite = self.citation(path, item, data)
            if slug and title and summary and track and cite["source"]:
                self.content.add(Record("roles", {
                    "career": career, "slug": slug, "title": title, "track": track, "rank": rank,
                    "pay_level": pay_level, "focus": self.text(path, item, "focus", False),
                    "summary": summary, **cite}, path, item.line))
                self._synonyms(path, item, "role_synonyms", "role", slug, "generic_titles")

    def _salaries(self, path: Path, data: LineDict, career: str) -> None:
        self.known_keys(path, data, {"source", "section", "salary_bands", "pay_factors"})
        for position, item in enumerate(self.items(path, data, "salary_bands")):
            self.known_keys(path, item, {"level", "label", "min", "max", "max_open", "approximate",
                                         "context", "year", "role", "measure", "source", "section"})
            level = self.choice(path, item, "level", SALARY_LEVELS)
            label = self.text(path, item, "label")
            low, high = self.pounds(path, item, "min"), self.pounds(path, item, "max")
            if "min" not in item and "max" not in item:
                self.problem(path, item.line, "a salary band needs 'min', 'max' or both")
            if low is not None and high is not None and low > high:
                self.problem(path, item.line_of("min"),
                             f"salary min {low} is above max {high} for level '{level}'")
                continue
            role = self.text(path, item, "role", required=False)
            if role is not None and role not in self.slugs.get("role", {}):
                self.problem(path, item.line_of("role"), f"unknown role '{role}' (not in roles.yml)")
            measure = self.choice(path, item, "measure", PAY_MEASURES, required=False)
            cite = self.citation(path, item, data)
            if level and label and cite["source"]:
                self.content.add(Record("salary_bands", {
                    "career": career, "level": level, "label": label, "position": position,
                    "min_gbp": low, "max_gbp": high, "max_open": self.flag(path, item, "max_open"),
                    "approximate": self.flag(path, item, "approximate"),
                    "context": self.text(path, item, "context", False),
                    "year": self.year(path, item, "year") or self.source_years.get(cite["source"]),
                    "role_slug": role, "measure": None if measure == "range" else measure,
                    **cite}, path, item.line))
        self._facts(path, data, "pay_factors", "pay-factor", career, title_key="factor")

    def _qualifications(self, path: Path, data: LineDict, career: str) -> None:
        self.known_keys(path, data, {"source", "section", "entry_requirements", "qualifications",
                                     "certifications"})
        self._facts(path, data, "entry_requirements", "entry-requirement", career)
        for position, item in enumerate(self.items(path, data, "qualifications")):
            self.known_keys(path, item, {"slug", "name", "kind", "level", "standard", "duration",
                                         "subjects", "apprentice_pay", "note", "synonyms", "source",
                                         "section"})
            slug = self.unique_slug(path, item, "qualification")
            name = self.text(path, item, "name")
            kind = self.choice(path, item, "kind", QUALIFICATION_KINDS)
            level = item.get("level")
            if level is not None and (isinstance(level, bool) or not isinstance(level, int)
                                      or not 1 <= level <= 8):
                self.problem(path, item.line_of("level"), "'level' must be a framework level 1-8")
                level = None
            pay = item.get("apprentice_pay") or LineDict()
            if not isinstance(pay, LineDict):
                self.problem(path, item.line_of("apprentice_pay"), "'apprentice_pay' must be a mapping")
                pay = LineDict()
            if not hasattr(pay, "key_lines"):
                pay.line, pay.key_lines = item.line, {}
            self.known_keys(path, pay, {"min", "approximate", "note"})
            cite = self.citation(path, item, data)
            if slug and name and kind and cite["source"]:
                self.content.add(Record("qualifications", {
                    "career": career, "slug": slug, "name": name, "kind": kind,
                    "framework_level": level,
                    "standard_code": self.text(path, item, "standard", False),
                    "duration": self.text(path, item, "duration", False),
                    "apprentice_pay_min_gbp": self.pounds(path, pay, "min"),
                    "apprentice_pay_approximate": self.flag(path, pay, "approximate"),
                    "apprentice_pay_note": self.text(path, pay, "note", False),
                    "note": self.text(path, item, "note", False), "position": position, **cite},
                    path, item.line))
                for index, subject in enumerate(self.strings(path, item, "subjects")):
                    self.content.add(Record("qualification_subjects", {
                        "qualification": slug, "name": subject, "position": index}, path, item.line))
                self._synonyms(path, item, "qualification_synonyms", "qualification", slug)
        for position, item in enumerate(self.items(path, data, "certifications")):
            self.known_keys(path, item, {"slug", "name", "provider", "note", "synonyms", "source",
                                         "section"})
            slug = self.unique_slug(path, item, "certification")
            name = self.text(path, item, "name")
            cite = self.citation(path, item, data)
            if slug and name and cite["source"]:
                self.content.add(Record("certifications", {
                    "career": career, "slug": slug, "name": name,
                    "provider": self.text(path, item, "provider", False),
                    "note": self.text(path, item, "note", False), "position": position, **cite},
                    path, item.line))
                self._synonyms(path, item, "certification_synonyms", "certification", slug)

    def _skills(self, path: Path, data: LineDict, career: str) -> None:
        self.known_keys(path, data, {"source", "section", "skills"})
        for position, item in enumerate(self.items(path, data, "skills")):
            self.known_keys(path, item, {"slug", "name", "kind", "why", "synonyms", "source",
                                         "section"})
            slug = self.unique_slug(path, item, "skill")
            name, why = self.text(path, item, "name"), self.text(path, item, "why")
            kind = self.choice(path, item, "kind", SKILL_KINDS)
            cite = self.citation(path, item, data)
            if slug and name and why and kind and cite["source"]:
                self.content.add(Record("skills", {
                    "career": career, "slug": slug, "name": name, "kind": kind, "why": why,
                    "position": position, **cite}, path, item.line))
                self._synonyms(path, item, "skill_synonyms", "skill", slug)

    def _routes(self, path: Path, data: LineDict, career: str) -> None:
        self.known_keys(path, data, {"source", "section", "entry_routes", "progression_routes",
                                     "support"})
        for position, item in enumerate(self.items(path, data, "entry_routes")):
            self.known_keys(path, item, {"slug", "name", "kind", "description", "for_stages",
                                         "synonyms", "source", "section"})
            slug = self.unique_slug(path, item, "entry route")
            name, description = self.text(path, item, "name"), self.text(path, item, "description")
            kind = self.choice(path, item, "kind", ENTRY_KINDS)
            cite = self.citation(path, item, data)
            if slug and name and description and kind and cite["source"]:
                self.content.add(Record("entry_routes", {
                    "career": career, "slug": slug, "name": name, "kind": kind,
                    "description": description,
                    "for_stages": " ".join(self._stages(path, item)),
                    "position": position, **cite}, path, item.line))
                self._synonyms(path, item, "entry_route_synonyms", "entry_route", slug)
        roles = self.slugs.get("role", {})
        for position, item in enumerate(self.items(path, data, "progression_routes")):
            self.known_keys(path, item, {"slug", "name", "kind", "from", "to", "description",
                                         "source", "section"})
            slug = self.unique_slug(path, item, "progression route")
            name, description = self.text(path, item, "name"), self.text(path, item, "description")
            kind = self.choice(path, item, "kind", PROGRESSION_KINDS)
            ends = {}
            for end in ("from", "to"):
                role = self.text(path, item, end)
                if role is not None and role not in roles:
                    self.problem(path, item.line_of(end), f"unknown role '{role}' (not in roles.yml)")
                    role = None
                ends[end] = role
            cite = self.citation(path, item, data)
            if slug and name and description and kind and ends["from"] and ends["to"] and cite["source"]:
                self.content.add(Record("progression_routes", {
                    "career": career, "slug": slug, "name": name, "kind": kind,
                    "from_role": ends["from"], "to_role": ends["to"], "description": description,
                    "position": position, **cite}, path, item.line))
        self._facts(path, data, "support", None, career)


    def _stages(self, path: Path, item: LineDict) -> list[str]:
        """An entry route's learner stages, each one of vocabulary.yml's stage keys."""
        stages = self.strings(path, item, "for_stages")
        for stage in stages:
            if stage not in self.stage_keys:
                self.problem(path, item.line_of("for_stages"),
                             f"unknown stage '{stage}' (not a key under stages: in vocabulary.yml)")
        return [s for s in stages if s in self.stage_keys]

    def check_role_names(self) -> None:
        """A role's title or own synonym names one career's role; titles careers share are generic."""
        careers = {r.values["slug"]: r.values["career"] for r in self.content.rows("roles")}
        named: dict[str, tuple[str, Record]] = {}
        rows = [(r.values["title"].lower(), r.values["slug"], r) for r in self.content.rows("roles")]
        rows += [(r.values["text"], r.values["role"], r) for r in self.content.rows("role_synonyms")
                 if not r.values["generic"]]
        reported: set[tuple[Path, int, str]] = set()
        for text, role, record in rows:
            first = named.setdefault(text, (role, record))
            if careers.get(first[0]) != careers.get(role) and (record.path, record.line, first[0]) not in reported:
                reported.add((record.path, record.line, first[0]))  # once, not once per spelling
                self.problem(record.path, record.line,
                             f"'{text}' names roles in two careers ({first[0]}, {role}): list it under "
                             "generic_titles in both, or keep it in one")

    def check_related(self) -> None:
        """Every related career named by slug is one of the careers read."""
        careers = self.slugs.get("career", {})
        for path, line, slug in self.related_refs:
            if slug not in careers:
                self.problem(path, line, f"unknown career '{slug}' (no careers/ folder has that slug)")


def read_content(root: Path = CONTENT_DIR) -> tuple[ContentSet, Vocabulary]:
    """Read and validate the whole content folder; raise ContentError listing every problem."""
    reader = _Reader(root)
    reader.read_sources()
    vocabulary = reader.read_vocabulary()
    careers_dir = root / "careers"
    folders = sorted(p for p in careers_dir.iterdir() if p.is_dir()) if careers_dir.is_dir() else []
    if not folders:
        reader.problem(careers_dir, 1, "no career folders found")
    for folder in folders:
        reader.read_career(folder)
    reader.check_related()
    reader.check_role_names()
    if reader.problems:
        raise ContentError(reader.problems)
    return reader.content, vocabulary
