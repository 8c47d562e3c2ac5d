"""The Rasa project trains and validates without warnings about its own data, and has its stories.

Each check runs the piece of Rasa that reports the warning, in-process and on the project's own
config, domain and data (the generated files too, as `coach knowledge load` wrote them):
- `rasa data validate`'s Validator: unused intents or responses, unknown actions, story conflicts;
- the training recipe's validator: data the pipeline cannot use (lookup tables, regexes, ...);
- the EntitySynonymMapper: one phrase mapped to two values;
- RulePolicy's training: a rule that contradicts a story ("Contradicting rules or stories").

Rasa's Validator does not know what Rasa itself sends without a story naming it, and reports a
form's questions and the responses of its default actions as "not used in any story or rule";
bot/rasa/patches/validator.py (applied here as `python -m bot.rasa.serve train` applies it)
counts those as used, so no warning at all is accepted.
"""
from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
STORIES = REPO_ROOT / "data" / "stories.yml"
UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")


@pytest.fixture(scope="module", autouse=True)
def rasa_patched() -> None:
    """Rasa as the Makefile's training and validation run it (python -m bot.rasa.serve)."""
    from bot.rasa import patches

    patches.apply()


def _importer() -> Any:
    """The project's training data as `rasa train` reads it (read on first use, then cached)."""
    from rasa.shared.importers.importer import TrainingDataImporter

    return TrainingDataImporter.load_from_config(str(REPO_ROOT / "config.yml"), str(REPO_ROOT / "domain.yml"),
                                                 [str(REPO_ROOT / "data")])


@pytest.fixture(scope="module")
def importer() -> Any:
    """The project's training data, for checks that do not look at warnings raised while reading it."""
    return _importer()


def _warnings_of(run: Callable[[], Any]) -> tuple[Any, list[str]]:
    """What `run` returns, and the warnings Rasa raised (or logged) meanwhile, as its CLI shows them.

    Rasa's CLI hides the warnings it lists as expected (e.g. "Slot auto-fill has been removed",
    raised whenever a domain is read); so does this.
    """
    import logging

    from rasa.utils.common import EXPECTED_WARNINGS

    logged: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                logged.append(record.getMessage())

    handler, rasa_logger = Collect(), logging.getLogger("rasa")
    rasa_logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for category, message in EXPECTED_WARNINGS:
                warnings.filterwarnings("ignore", message=f".*{message}", category=category)
            result = run()
    finally:
        rasa_logger.removeHandler(handler)
    raised = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return result, raised + logged


@pytest.fixture(scope="module")
def validation() -> tuple[bool, list[str]]:
    """Every check of `rasa data validate --fail-on-warnings`: (all passed, the warnings).

    The data is read meanwhile, so the warnings of reading it (e.g. a phrase given two values in
    two files) count too.
    """
    from rasa.validator import Validator

    def run() -> bool:
        validator = Validator.from_importer(_importer())
        checks = [validator.verify_domain_validity(), validator.verify_actions_in_stories_rules(),
                  validator.verify_forms_in_stories_rules(), validator.verify_form_slots(),
                  validator.verify_slot_mappings(), validator.verify_nlu(ignore_warnings=False),
                  validator.verify_story_structure(ignore_warnings=False)]
        validator.warn_if_config_mandatory_keys_are_not_set()
        return all(checks)

    return _warnings_of(run)


def test_rasa_data_validate_reports_no_problem(validation):
    passed, found = validation

    assert passed
    assert found == []


def test_a_response_nothing_sends_would_still_be_reported(importer):
    """The check above can fail: a response no story, rule, form or default action uses still warns."""
    from rasa.shared.core.domain import Domain
    from rasa.validator import Validator

    from bot.rasa.patches.validator import sent_by_rasa

    domain = importer.get_domain()
    extra = Domain.from_dict({"responses": {"utter_never_sent": [{"text": "never"}],
                                            "utter_ask_no_such_slot": [{"text": "never"}]}})
    validator = Validator(domain.merge(extra), importer.get_nlu_data(), importer.get_stories(), importer.get_config())
    _passed, found = _warnings_of(lambda: validator.verify_utterances_in_stories(ignore_warnings=False))

    assert sorted(m.group(1) for m in map(UNUSED_RESPONSE.fullmatch, found) if m) == [
        "utter_ask_no_such_slot", "utter_never_sent"]
    assert {"utter_restart", "utter_default"} <= sent_by_rasa(domain)
    required = domain.required_slots_for_form(domain.form_names[0])
    assert {f"utter_ask_{slot}" for slot in required} <= sent_by_rasa(domain)


def test_without_the_patch_rasa_reports_the_responses_it_sends_itself(importer):
    """Why the patch exists: Rasa's own check calls a form's questions and utter_default unused."""
    from rasa.validator import Validator

    from bot.rasa.patches.validator import ORIGINAL_VERIFY_UTTERANCES, sent_by_rasa

    validator = Validator.from_importer(importer)
    _passed, found = _warnings_of(lambda: ORIGINAL_VERIFY_UTTERANCES(validator, False))
    reported = {m.group(1) for m in map(UNUSED_RESPONSE.fullmatch, found) if m}

    assert reported and reported <= sent_by_rasa(importer.get_domain())


@pytest.fixture(scope="module")
def train_schema(importer: Any) -> Any:
    """The training graph `rasa train` builds from config.yml."""
    from rasa.engine.recipes.recipe import Recipe
    from rasa.shared.data import TrainingType

    config = importer.get_config()
    return Recipe.recipe_for_name(config["recipe"]).graph_config_for_recipe(
        config, {}, training_type=TrainingType.BOTH).train_schema


def _rule_policy_node(schema: Any) -> Any:
    """The graph node of the configured RulePolicy (or subclass)."""
    from rasa.core.policies.rule_policy import RulePolicy

    (node,) = [n for n in schema.nodes.values() if issubclass(n.uses, RulePolicy)]
    return node


def test_the_training_recipe_finds_nothing_in_the_data_the_pipeline_cannot_use(importer, train_schema):
    """E.g. lookup tables: only DIET and CRF would read their features (the one regex is read as a feature)."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.graph_components.validators.default_recipe_validator import DefaultV1RecipeValidator

    _importer, found = _warnings_of(lambda: DefaultV1RecipeValidator(train_schema).validate(importer))

    assert found == []
    assert _rule_policy_node(train_schema).uses is RulePolicy


def test_no_phrase_is_mapped_to_two_values():
    """Reading the NLU data merges no two values for a phrase; the synonym mapper overwrites none."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper

    nlu, read = _warnings_of(lambda: _importer().get_nlu_data())
    with tempfile.TemporaryDirectory() as tmp:
        mapper = EntitySynonymMapper.create({}, LocalModelStorage(Path(tmp)), Resource("synonyms"),
                                            ExecutionContext(GraphSchema({}), "test"))
        _resource, trained = _warnings_of(lambda: mapper.train(nlu))

    assert read + trained == []
    assert nlu.entity_synonyms
    assert {p: v for p, v in nlu.entity_synonyms.items() if mapper.synonyms[p.lower()] != v} == {}


def test_no_rule_contradicts_a_story(importer, train_schema):
    """The configured RulePolicy's check at training: the rules, run over every story, predict its actions."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.generator import TrainingDataGenerator

    domain = importer.get_domain()
    trackers = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    node = _rule_policy_node(train_schema)
    with tempfile.TemporaryDirectory() as tmp:
        policy = node.uses.create({**node.uses.get_default_config(), **node.config}, LocalModelStorage(Path(tmp)),
                                  Resource("rules"), ExecutionContext(GraphSchema({}), "test"))
        policy.train(trackers, domain)  # raises InvalidRule listing any contradiction

    assert any(not t.is_rule_tracker for t in trackers)


# -- data/stories.yml -----------------------------------------------------------------------------
def _stories() -> list[dict[str, Any]]:
    return list(yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"])


def _form_turns(steps: list[dict[str, Any]], form: str) -> Iterator[list[str]]:
    """The actions of each stretch of a story while `form` is active."""
    actions: list[str] = []
    active = False
    for step in steps:
        if "active_loop" in step:
            if step["active_loop"] == form and not active:
                active, actions = True, []
            elif step["active_loop"] is None and active:
                active = False
                yield actions
        elif active and "action" in step:
            actions.append(step["action"])
    if active:
        yield actions


def test_the_stories_cover_the_route_plan_a_digression_in_it_and_the_handoff(importer):
    (form,) = importer.get_domain().form_names
    stories = _stories()
    actions = [[s["action"] for s in story["steps"] if "action" in s] for story in stories]
    stretches = [stretch for story in stories for stretch in _form_turns(story["steps"], form)]

    assert any(story and story[0].startswith("utter_greet") for story in actions)
    # the form is completed, in one message and over several
    assert any("action_make_plan" in a for a in actions)
    # a question asked inside the form is answered, then the form asks again
    assert any(a != form and a != "action_deactivate_loop" and stretch[i + 1] == form
               for stretch in stretches for i, a in enumerate(stretch[:-1]))
    # the form is paused
    assert any("action_deactivate_loop" in stretch for stretch in stretches)
    # a follow-up continues the topic of the answer before it
    assert any("action_answer_followup" in a for a in actions)
    # the handoff to an adviser, outside the form and inside it
    assert any("action_request_human" in a and form not in a for a in actions)
    assert any("action_request_human" in stretch for stretch in stretches)


def test_an_intent_without_examples_still_warns_unless_it_is_an_external_one(importer):
    """The `EXTERNAL_` exemption can fail: any other intent missing from the NLU data still warns."""
    from rasa.shared.core.domain import Domain
    from rasa.validator import Validator

    domain = importer.get_domain().merge(Domain.from_dict({"intents": ["never_typed", "EXTERNAL_ping"]}))
    validator = Validator(domain, importer.get_nlu_data(), importer.get_stories(), importer.get_config())
    _passed, found = _warnings_of(lambda: validator.verify_intents(ignore_warnings=False))
    assert [m for m in found if "is listed in the domain file" in m] == [
        "The intent 'never_typed' is listed in the domain file, but is not found in the NLU training data."]
