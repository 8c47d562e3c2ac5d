"""Generate NLU assets from the knowledge base: the spaCy entity ruler, entity synonyms, patterns."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models
from knowledge.content import Vocabulary

# Entity names (the ruler's labels) as Rasa sees them.
# Listed in priority order: a phrase two entities share goes to the one listed first, so a field's
# name is a career even where a skill or a stage has the same words.
ENTITY_NAMES = ("role", "level", "qualification", "certification", "career", "skill", "skill_kind",
                "stage", "entry_route")
# Words before a stage's name that make it where the learner is now ("I work in <field>",
# "moving from <field>"), not the career they ask about.
STAGE_CONTEXTS = ("from", "work in", "working in", "worked in", "i'm in", "im in", "i am in",
                  "background in", "experience in", "currently in")
# The regex feature (config.yml's RegexFeaturizer) marking a message that names another career.
OTHER_CAREER_PATTERN = "other_career"


def plural(phrase: str) -> str:
    """The phrase with its head noun in the plural ("head of sales" → "heads of sales")."""
    before, of, after = phrase.partition(" of ")
    if of:
        return f"{plural(before)}{of}{after}"
    head, _, last = phrase.rpartition(" ")
    if last.endswith(("s", "x", "ch", "sh")):
        last += "es" if not last.endswith("s") else ""
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}".strip()


def entity_names_from(session: Session, vocabulary: Vocabulary) -> dict[str, dict[str, str]]:
    """For each entity, every phrase a learner may use mapped to its canonical value."""
    phrases: dict[str, dict[str, str]] = {name: {} for name in ENTITY_NAMES}

    def add(entity: str, canonical: str, *texts: str) -> None:
        for text in texts:
            for variant in vocabulary.spellings.variants(text):
                phrases[entity].setdefault(variant, canonical)

    # Generic titles ("manager") are left out: they name a role only once the career is known,
    # which the actions work out from the conversation. Learners often ask about roles in the
    # plural ("what do area managers do?").
    for role in session.execute(select(models.Role)).scalars():
        names = [role.title, *(s.text for s in role.synonyms if not s.generic)]
        add("role", role.slug, *names, *(plural(n) for n in names))
    for career in session.execute(select(models.Career)).scalars():
        add("career", career.slug, career.name, *(s.text for s in career.synonyms))
    for qual in session.execute(select(models.Qualification)).scalars():
        add("qualification", qual.slug, qual.name, *(s.text for s in qual.synonyms))
    for cert in session.execute(select(models.Certification)).scalars():
        add("certification", cert.slug, cert.name, *(s.text for s in cert.synonyms))
    for skill in session.execute(select(models.Skill)).scalars():
        add("skill", skill.slug, skill.name, *(s.text for s in skill.synonyms))
    for route in session.execute(select(models.EntryRoute)).scalars():
        add("entry_route", route.slug, route.name, *(s.text for s in route.synonyms))
    for level, words in vocabulary.level_synonyms.items():
        add("level", level, level, *words)
    for kind, words in vocabulary.skill_kinds.items():
        add("skill_kind", kind, kind, *words)
    for stage, (_label, words) in vocabulary.stages.items():
        add("stage", stage, *words)
        # A stage word that is also a career's name is the career on its own, the stage in context.
        fields = [w.lower() for w in words if w.lower() in phrases["career"]]
        add("stage", stage, *(f"{context} {word}" for word in fields for context in STAGE_CONTEXTS))
        # ... unless a longer name starts with it ("from <field> assistant to ..." names the role).
        for entity in ENTITY_NAMES:
            longer = [(p, v) for p, v in phrases[entity].items() if any(p.startswith(f"{w} ") for w in fields)]
            for phrase, value in longer:
                add(entity, value, *(f"{context} {phrase}" for context in STAGE_CONTEXTS))
    # A phrase that names a role ("director") stays a role; actions map roles to pay levels. A
    # phrase that is only a common word ("it", "me") is no name at all: the lower-cased text
    # cannot tell "IT skills" from "would it take".
    from spacy.lang.en.stop_words import STOP_WORDS  # here: spaCy is slow to import

    taken = set(phrases["role"])
    for entity in ENTITY_NAMES:
        phrases[entity] = {p: v for p, v in phrases[entity].items() if p not in STOP_WORDS}
    for entity in ENTITY_NAMES:
        if entity != "role":
            phrases[entity] = {p: v for p, v in phrases[entity].items() if p not in taken}
    # Rasa's synonym mapper ignores the entity label, so one phrase must not stand for two
    # different values: the entity listed first in ENTITY_NAMES keeps it ("tech" is a skill).
    claimed: dict[str, str] = {}
    for entity in ENTITY_NAMES:
        phrases[entity] = {p: v for p, v in phrases[entity].items()
                           if claimed.setdefault(p, v) == v}
    return phrases


def ruler_patterns(phrases: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Entity-ruler phrase patterns, one per phrase, labelled with the entity name."""
    return [{"label": entity, "pattern": phrase, "id": value}
            for entity, table in phrases.items() for phrase, value in sorted(table.items())]


def fingerprint(phrases: dict[str, dict[str, str]]) -> str:
    """A short hash of the phrases, to know when the generated assets are stale."""
    blob = json.dumps(phrases, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def build_spacy_pipeline(phrases: dict[str, dict[str, str]], target: Path) -> bool:
    """Save blank English + entity ruler to `target`; return False when it was already current."""
    stamp = target / "careers_fingerprint.txt"
    digest = fingerprint(phrases)
    if stamp.exists() and stamp.read_text() == digest:
        return False
    import spacy  # imported here: spaCy is slow to import and only needed for this step

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(ruler_patterns(phrases))  # type: ignore[attr-defined]
    nlp.meta["name"] = "careers_ruler"
    nlp.meta["description"] = "Blank English tokenizer with an entity ruler generated from the careers knowledge base."
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    stamp.write_text(digest)
    return True


def synonym_order(phrases: dict[str, dict[str, str]], values: set[str]) -> list[str]:
    """`values` entity by entity (in the order of `phrases`, ENTITY_NAMES), sorted within each."""
    order: list[str] = []
    for table in phrases.values():
        order += sorted(set(table.values()) & values - set(order))
    return order


def synonyms_yaml(phrases: dict[str, dict[str, str]]) -> str:
    """Rasa NLU synonyms mapping each phrase to its canonical value (for roles, levels, ...).

    Rasa's synonym mapper also maps every value to itself, unless a phrase read before already
    maps it: so the values are written entity by entity in priority order, and a value that an
    earlier entity's phrase claims (a level named like a role's phrase) keeps that phrase's
    meaning instead of conflicting with it.
    """
    by_value: dict[str, set[str]] = {}
    claimed: set[str] = set()
    for table in phrases.values():
        for phrase, value in table.items():
            if phrase != value and phrase not in claimed:
                claimed.add(phrase)
                by_value.setdefault(value, set()).add(phrase)
    lines = ["# Generated by `coach knowledge load` from knowledge/content. Do not edit.",
             'version: "3.1"', "nlu:"]
    for value in synonym_order(phrases, set(by_value)):
        lines.append(f"- synonym: {json.dumps(value)}")
        lines.append("  examples: |")
        lines.extend(f"    - {phrase}" for phrase in sorted(by_value[value]))
    return "\n".join(lines) + "\n"


def whole_words_pattern(phrases: list[str]) -> str:
    r"""A regex matching any of `phrases` as a whole word, written as Rasa writes a lookup table."""
    return "(" + "|".join(rf"\b{re.escape(phrase)}\b" for phrase in phrases) + ")"


def patterns_yaml(vocabulary: Vocabulary) -> str:
    """Rasa NLU regex features: one pattern naming every career in the vocabulary's other careers.

    One pattern, so the classifier learns a single "another career" feature from the examples
    that name a few of them, whichever of them a learner names.
    """
    lines = ["# Generated by `coach knowledge load` from knowledge/content/vocabulary.yml. Do not edit.",
             'version: "3.1"']
    careers = sorted(set(vocabulary.other_careers))
    if not careers:
        return "\n".join([*lines, "nlu: []"]) + "\n"
    lines += ["nlu:", f"- regex: {OTHER_CAREER_PATTERN}", "  examples: |",
              f"    - {whole_words_pattern(careers)}"]
    return "\n".join(lines) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it already holds exactly that; return True if written."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True
