"""NLU assets generated from the knowledge base: the spaCy entity ruler, entity synonyms, patterns."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.content import Vocabulary, read_content
from knowledge.db import make_session_factory
from knowledge.loader import load_knowledge
from knowledge.nlu_assets import (
    ENTITY_NAMES,
    OTHER_CAREER_PATTERN,
    build_spacy_pipeline,
    entity_names_from,
    fingerprint,
    patterns_yaml,
    ruler_patterns,
    synonyms_yaml,
    whole_words_pattern,
    write_if_changed,
)
from knowledge.spellings import Spellings
from tests.support.databases import sqlite_url


@pytest.fixture(scope="module")
def phrases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    factory = make_session_factory(sqlite_url(tmp_path_factory.mktemp("nlu") / "knowledge.db"))
    load_knowledge(factory)
    _content, vocabulary = read_content()
    with factory() as session:
        names = entity_names_from(session, vocabulary)
    factory.kw["bind"].dispose()
    return names


@pytest.fixture(scope="module")
def pipeline(phrases, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    """Build the pipeline once for the module (the slow step); remember whether it was built."""
    target = tmp_path_factory.mktemp("spacy") / "careers_ruler"
    return target, build_spacy_pipeline(phrases, target)


@pytest.fixture(scope="module")
def nlp(pipeline):  # type: ignore[no-untyped-def]
    import spacy

    return spacy.load(pipeline[0])


@pytest.fixture(scope="module")
def synonym_map(phrases) -> dict[str, str]:
    """Phrase → value as Rasa's EntitySynonymMapper would read the generated file."""
    data = yaml.safe_load(synonyms_yaml(phrases))
    mapping: dict[str, str] = {}
    for entry in data["nlu"]:
        for line in entry["examples"].splitlines():
            mapping.setdefault(line.removeprefix("- ").strip(), entry["synonym"])
    return mapping


def _ents(nlp, text: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.text, e.label_, e.ent_id_) for e in nlp(text).ents]


# -- phrases ------------------------------------------------------------------------------------
def test_spelling_variants_cover_every_spelling_the_vocabulary_groups():
    spellings = Spellings((("e-commerce", "ecommerce", "e commerce", "e-com", "ecom", "ecomm"),))
    variants = spellings.variants("E-commerce  Manager")

    assert {"e-commerce manager", "ecommerce manager", "e commerce manager", "e-com manager",
            "ecom manager", "ecomm manager"} <= variants
    assert spellings.variants("Online retail manager") == {"online retail manager"}
    assert spellings.variants("ecommerce") >= {"e-com", "ecomm"}
    assert spellings.variants("recommerce") == {"recommerce"}


def test_entity_names_cover_every_entity(phrases):
    assert set(phrases) == set(ENTITY_NAMES)
    assert all(phrases[entity] for entity in ENTITY_NAMES)
    assert phrases["role"]["e-com manager"] == "ecommerce-manager"
    assert phrases["skill"]["seo and sem"] == "seo-sem"
    assert phrases["stage"]["sixth form"] == "school"
    assert phrases["level"]["mid-level"] == "mid"


def test_generic_titles_are_not_role_phrases_and_careers_are_entities(phrases):
    assert "manager" not in phrases["role"] and "senior manager" not in phrases["role"]
    assert phrases["career"]["ecom"] == "ecommerce-management"
    assert phrases["career"]["online selling"] == "ecommerce-management"


def test_a_skill_phrase_several_careers_use_is_one_skill_of_one_of_them(phrases, synonym_map, nlp):
    """Skill names may repeat across careers ("SEO"): the phrase keeps one of those skills' slugs.

    The entity stays a skill either way; which career's skill it names is for the actions to read
    again within the conversation's career.
    """
    content, _vocabulary = read_content()
    naming_seo = {r.values["slug"] for r in content.rows("skills") if r.values["name"].lower() == "seo"}
    naming_seo |= {r.values["skill"] for r in content.rows("skill_synonyms") if r.values["text"] == "seo"}

    assert naming_seo == {"digital-marketing-search", "seo-sem", "social-media-seo"}
    assert phrases["skill"]["seo"] in naming_seo
    assert synonym_map["seo"] == phrases["skill"]["seo"]
    assert _ents(nlp, "do I need SEO") == [("SEO", "skill", phrases["skill"]["seo"])]


def test_a_phrase_naming_a_role_is_only_a_role(phrases):
    assert phrases["role"]["ecommerce director"] == "director-of-ecommerce"
    assert "ecommerce director" not in phrases["level"]
    role_phrases = set(phrases["role"])
    for entity in ENTITY_NAMES:
        if entity != "role":
            assert role_phrases.isdisjoint(phrases[entity]), entity


def test_no_phrase_stands_for_two_different_values_across_entities(phrases):
    values: dict[str, set[str]] = {}
    for table in phrases.values():
        for phrase, value in table.items():
            values.setdefault(phrase, set()).add(value)

    assert {p: v for p, v in values.items() if len(v) > 1} == {}


def test_ruler_patterns_carry_label_and_canonical_id(phrases):
    patterns = ruler_patterns(phrases)

    assert len(patterns) == sum(len(t) for t in phrases.values())
    assert {"label": "certification", "pattern": "ga iq", "id": "google-analytics-iq"} in patterns


# -- spaCy pipeline -----------------------------------------------------------------------------
def test_pipeline_is_built_with_a_fingerprint(pipeline, phrases):
    target, built = pipeline

    assert built is True
    assert (target / "careers_fingerprint.txt").read_text() == fingerprint(phrases)
    assert (target / "meta.json").is_file()


def test_building_again_with_unchanged_phrases_does_nothing(pipeline, phrases):
    target, _built = pipeline
    stamp = target / "careers_fingerprint.txt"
    before = stamp.stat().st_mtime_ns

    assert build_spacy_pipeline(phrases, target) is False
    assert stamp.stat().st_mtime_ns == before


def test_fingerprint_changes_when_a_phrase_changes(phrases):
    changed = {entity: dict(table) for entity, table in phrases.items()}
    changed["skill"]["juggling"] = "juggling"

    assert fingerprint(changed) != fingerprint(phrases)
    assert fingerprint({e: dict(t) for e, t in phrases.items()}) == fingerprint(phrases)


@pytest.mark.parametrize(("sentence", "expected"), [
    ("I want to be an ecommerce manager", ("ecommerce manager", "role", "ecommerce-manager")),
    ("I want to be an E-Commerce Manager", ("E-Commerce Manager", "role", "ecommerce-manager")),
    ("what does an e-com manager do", ("e-com manager", "role", "ecommerce-manager")),
    ("ECOMMERCE DIRECTOR salary?", ("ECOMMERCE DIRECTOR", "role", "director-of-ecommerce")),
    # "director" alone is a title many careers share: a level here, a role once the career is known.
    ("how much does a director earn", ("director", "level", "director")),
    ("Senior E-commerce Manager pay", ("Senior E-commerce Manager", "role",
                                       "senior-ecommerce-manager")),
    ("what's the pay at entry level", ("entry level", "level", "entry")),
    ("and for Mid-Level people?", ("Mid-Level", "level", "mid")),
    ("is Google Analytics IQ worth it", ("Google Analytics IQ", "certification",
                                         "google-analytics-iq")),
    ("should I get a meta blueprint", ("meta blueprint", "certification", "facebook-blueprint")),
    ("do I need SEO and SEM", ("SEO and SEM", "skill", "seo-sem")),
    ("how important is Budget Management", ("Budget Management", "skill", "budgeting")),
    ("I'm in sixth form", ("sixth form", "stage", "school")),
    ("I'm at uni right now", ("at uni", "stage", "university")),
    ("what soft skills matter", ("soft skills", "skill_kind", "soft")),
    ("which Technical Skills do I need", ("Technical Skills", "skill_kind", "technical")),
    ("is a grad scheme a good idea", ("grad scheme", "entry_route", "graduate-scheme")),
    ("is a marketing degree apprenticeship worth it",
     ("marketing degree apprenticeship", "qualification", "marketing-degree-apprenticeship")),
])
def test_ruler_finds_entity_mentions_in_sentences(nlp, sentence, expected):
    assert expected in _ents(nlp, sentence)


def test_ruler_finds_several_entities_in_one_sentence(nlp):
    found = _ents(nlp, "I'm at uni: what does a senior ecom manager earn at director level?")

    assert found == [("at uni", "stage", "university"),
                     ("senior ecom manager", "role", "senior-ecommerce-manager"),
                     ("director level", "level", "director")]


def test_ruler_finds_nothing_in_unrelated_text(nlp):
    assert _ents(nlp, "I like gardening and nursing") == []


def test_ruler_tells_a_field_as_career_from_the_field_a_learner_is_in(nlp):
    found = _ents(nlp, "Thinking of switching from retail to marketing")

    assert found == [("from retail", "stage", "retail"), ("marketing", "career", "marketing-management")]


def test_ruler_reads_no_entity_in_common_words(nlp):
    assert _ents(nlp, "How long would it take me to get there?") == []


def test_every_ruler_id_survives_the_synonym_mapper(phrases, synonym_map):
    """Rasa maps entity text through the synonyms whatever the label.

    So the mapped value must be the canonical id the ruler gave that phrase.
    """
    mismatched = {(entity, phrase): (value, synonym_map.get(phrase, phrase))
                  for entity, table in phrases.items() for phrase, value in table.items()
                  if synonym_map.get(phrase, phrase) != value}

    assert mismatched == {}


@pytest.mark.parametrize("sentence", ["what about tech", "I work as a retail assistant",
                                      "I was a marketing assistant", "good at customer service"])
def test_ruler_value_of_a_phrase_claimed_by_two_entities_agrees_with_the_synonyms(
        nlp, synonym_map, sentence):
    (ent,) = nlp(sentence).ents

    assert synonym_map.get(ent.text.lower(), ent.text.lower()) == ent.ent_id_


# -- synonyms file ------------------------------------------------------------------------------
def test_synonyms_yaml_is_rasa_nlu_yaml(phrases):
    data = yaml.safe_load(synonyms_yaml(phrases))
    first_entity = {}
    for entity in ENTITY_NAMES:
        for value in phrases[entity].values():
            first_entity.setdefault(value, ENTITY_NAMES.index(entity))

    assert data["version"] == "3.1"
    assert data["nlu"]
    assert all(set(entry) == {"synonym", "examples"} for entry in data["nlu"])
    # sorted entity by entity, in ENTITY_NAMES order (see the next test for why)
    order = [(first_entity[e["synonym"]], e["synonym"]) for e in data["nlu"]]
    assert order == sorted(order)


def test_a_value_named_like_an_earlier_entitys_phrase_comes_after_that_phrase():
    """A role's phrase written before a level of the same name keeps it, with no conflict.

    Rasa maps each value to itself unless a phrase read earlier maps it.
    """
    phrases = {"role": {"director": "director-of-sales", "sales director": "director-of-sales"},
               "level": {"directors": "director", "the top": "director"}}

    data = yaml.safe_load(synonyms_yaml(phrases))

    assert [e["synonym"] for e in data["nlu"]] == ["director-of-sales", "director"]


def test_synonyms_yaml_maps_no_phrase_to_two_values(phrases):
    seen: dict[str, set[str]] = {}
    for entry in yaml.safe_load(synonyms_yaml(phrases))["nlu"]:
        for line in entry["examples"].splitlines():
            seen.setdefault(line.removeprefix("- ").strip(), set()).add(entry["synonym"])

    assert {p: v for p, v in seen.items() if len(v) > 1} == {}


def test_synonyms_yaml_maps_variants_to_canonical_values(synonym_map):
    assert synonym_map["e-com manager"] == "ecommerce-manager"
    assert synonym_map["ecomm director"] == "director-of-ecommerce"
    assert synonym_map.get("director", "director") == "director"
    assert synonym_map["seo and sem"] == "seo-sem"
    assert synonym_map["sixth form"] == "school"
    assert "school" not in synonym_map  # the phrase is its own value: nothing to map
    # A field's name is the career; with words saying the learner is in it, the stage.
    assert synonym_map["marketing"] == "marketing-management"
    assert synonym_map["work in marketing"] == "marketing"
    assert synonym_map["from retail"] == "retail"
    assert "it" not in synonym_map  # a common word is never an entity


# -- patterns file ------------------------------------------------------------------------------
def test_patterns_yaml_is_one_rasa_regex_naming_every_other_career():
    vocabulary = Vocabulary(other_careers=["nurse", "air traffic controller", "nurse", "c++ developer"])

    data = yaml.safe_load(patterns_yaml(vocabulary))

    assert data["version"] == "3.1"
    assert data["nlu"] == [{"regex": OTHER_CAREER_PATTERN, "examples": (
        "- (\\bair\\ traffic\\ controller\\b|\\bc\\+\\+\\ developer\\b|\\bnurse\\b)\n")}]


def test_patterns_yaml_matches_rasas_own_lookup_table_regex():
    from rasa.nlu.utils.pattern_utils import _generate_lookup_regex

    careers = ["accountant", "air traffic controller", "c++ developer", "nurse"]

    assert whole_words_pattern(careers) == _generate_lookup_regex({"elements": careers})


def test_patterns_yaml_without_other_careers_is_empty_rasa_nlu_yaml():
    assert yaml.safe_load(patterns_yaml(Vocabulary()))["nlu"] == []


def test_the_content_names_other_careers_but_none_of_its_own_roles(phrases):
    _content, vocabulary = read_content()

    assert len(vocabulary.other_careers) > 100
    assert not set(vocabulary.other_careers) & set(phrases["role"])


def test_write_if_changed_writes_only_when_the_text_differs(tmp_path):
    target = tmp_path / "nlu" / "synonyms.yml"

    assert write_if_changed(target, "a\n") is True
    assert write_if_changed(target, "a\n") is False
    assert write_if_changed(target, "b\n") is True
    assert target.read_text() == "b\n"


@pytest.mark.parametrize(("phrase", "plural_form"), [
    ("area manager", "area managers"), ("buyer", "buyers"), ("analytics", "analytics"),
    ("head of buying", "heads of buying"), ("secretary", "secretaries"), ("coach", "coaches")])
def test_plural_puts_the_last_word_in_the_plural(phrase, plural_form):
    from knowledge.nlu_assets import plural

    assert plural(phrase) == plural_form


def test_roles_are_found_in_the_plural(phrases):
    assert phrases["role"]["area managers"] == "retail-area-manager"
    assert phrases["role"]["senior merchandisers"] == "senior-merchandiser"
