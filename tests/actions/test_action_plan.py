"""The route plan: the form's extraction and validation (through its `run`) and the plan."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.plan import ActionMakePlan, ValidateCareerPlanForm, build_plan, named_subject
from tests.support.action_runs import CAREER, ActionResult, make_tracker, run_action
from tests.support.money import amounts_in_text

FORM = {"name": "career_plan_form"}
PLAN_SLOTS = ("plan_stage", "plan_subject", "plan_current_role", "plan_goal")


@pytest.fixture
def fill(domain: dict[str, Any]):
    """Run the form validation on one message, as Rasa does while the form is active."""

    def _fill(text: str, intent: str, entities: Any = None, requested: str = "plan_stage",
              career: str | None = CAREER, **slots: Any) -> ActionResult:
        if career is not None:
            slots.setdefault("career", career)
        tracker = make_tracker(text, intent, entities,
                               slots={"requested_slot": requested, **slots}, active_loop=FORM)
        return run_action(ValidateCareerPlanForm(), tracker, domain)

    return _fill


def filled(result: ActionResult) -> dict[str, Any]:
    """Plan slots the form set (ignoring `requested_slot`)."""
    return {k: v for k, v in result.slots.items() if k != "requested_slot"}


# -- extraction ---------------------------------------------------------------------------------
def test_retail_worker_who_wants_to_be_a_manager(fill) -> None:
    # The entity ruler tags "retail" as a stage and "e-commerce manager" as a role.
    result = fill("I work in retail and want to become an e-commerce manager", "request_plan",
                  [{"entity": "stage", "value": "retail"},
                   {"entity": "role", "value": "ecommerce-manager"}])
    assert filled(result) == {"plan_stage": "retail", "plan_goal": "ecommerce-manager"}
    assert result.messages == []


def test_online_retail_names_the_career_not_the_learners_job(fill) -> None:
    result = fill("I'm at school and want to get into online retail as a director", "request_plan",
                  [{"entity": "stage", "value": "school"}, {"entity": "stage", "value": "retail"},
                   {"entity": "role", "value": "director-of-ecommerce"}])
    assert filled(result)["plan_stage"] == "school"
    result = fill("plan a route for me into online retail", "request_plan",
                  [{"entity": "stage", "value": "retail"}])
    assert "plan_stage" not in filled(result)


@pytest.mark.parametrize("entities", [
    [{"entity": "stage", "value": "graduate"},
     {"entity": "role", "value": "director-of-ecommerce"}],
    None,  # the words alone are enough
])
def test_business_graduate_who_wants_to_be_a_director(fill, entities) -> None:
    result = fill("I'm a graduate in business management and I want to become a director of "
                  "ecommerce", "request_plan", entities)
    assert filled(result) == {"plan_stage": "graduate", "plan_subject": "Business management",
                              "plan_goal": "director-of-ecommerce"}
    # Everything the plan needs is there, so the form asks nothing more.
    assert result.slots["requested_slot"] is None


def test_a_specialist_is_already_in_ecommerce(fill) -> None:
    result = fill("I'm a specialist", "inform_stage", {"role": "ecommerce-specialist"})
    assert filled(result) == {"plan_stage": "in-career",
                              "plan_current_role": "ecommerce-specialist"}
    assert result.slots["requested_slot"] == "plan_goal"


def test_a_field_named_alone_answers_the_stage_question(fill) -> None:
    # The entity ruler reads a field's name on its own as the career; asked where they are now,
    # the learner means the field they work in.
    result = fill("marketing", "inform_stage",
                  [{"entity": "career", "value": "marketing-management", "start": 0, "end": 9}])
    assert filled(result) == {"plan_stage": "marketing"}
    result = fill("marketing", "inform_stage",
                  [{"entity": "career", "value": "marketing-management", "start": 0, "end": 9}],
                  requested="plan_goal", plan_stage="retail")
    assert "plan_stage" not in filled(result)


def test_a_question_mid_form_fills_nothing(fill) -> None:
    result = fill("how much does a director earn?", "ask_salary",
                  {"role": "director-of-ecommerce"}, requested="plan_goal", plan_stage="retail")
    assert result.events == []


def test_a_short_answer_fills_the_requested_goal_whatever_the_intent(fill) -> None:
    result = fill("director", "nlu_fallback", requested="plan_goal", plan_stage="retail")
    assert filled(result) == {"plan_goal": "director-of-ecommerce"}


def test_a_current_role_answer_is_not_taken_as_the_goal(fill) -> None:
    result = fill("I'm a specialist", "inform_stage", {"role": "ecommerce-specialist"},
                  requested="plan_current_role", plan_stage="in-career")
    assert filled(result) == {"plan_current_role": "ecommerce-specialist"}
    assert result.slots["requested_slot"] == "plan_goal"


def test_stage_button_for_university_asks_for_the_subject_next(fill) -> None:
    result = fill('/inform_stage{"stage":"university"}', "inform_stage", {"stage": "university"})
    assert filled(result) == {"plan_stage": "university"}
    assert result.slots["requested_slot"] == "plan_subject"


def test_stage_button_for_in_ecommerce_asks_for_the_current_role_next(fill) -> None:
    result = fill('/inform_stage{"stage":"in-career"}', "inform_stage",
                  {"stage": "in-career"})
    assert filled(result) == {"plan_stage": "in-career"}
    assert result.slots["requested_slot"] == "plan_current_role"


def test_subject_button_then_goal_button(fill) -> None:
    subject = fill('/inform_stage{"subject":"Marketing"}', "inform_stage",
                   {"subject": "Marketing"}, requested="plan_subject", plan_stage="university")
    assert filled(subject) == {"plan_subject": "Marketing"}
    assert subject.slots["requested_slot"] == "plan_goal"
    goal = fill('/inform_stage{"role":"director-of-ecommerce"}', "inform_stage",
                {"role": "director-of-ecommerce"}, requested="plan_goal",
                plan_stage="university", plan_subject="Marketing")
    assert filled(goal) == {"plan_goal": "director-of-ecommerce"}
    assert goal.slots["requested_slot"] is None


def test_studying_a_subject_means_university(fill) -> None:
    result = fill("I study marketing at uni", "inform_stage",
                  [{"entity": "stage", "value": "marketing"},
                   {"entity": "stage", "value": "university"}])
    assert filled(result) == {"plan_stage": "university", "plan_subject": "Marketing"}


def test_an_unlisted_subject_answer_is_kept_by_name(fill) -> None:
    result = fill("astrophysics", "nlu_fallback", requested="plan_subject",
                  plan_stage="university")
    assert filled(result) == {"plan_subject": "Astrophysics"}


@pytest.mark.parametrize("answer", ["something else", "idk", "not sure", "🤷", "42"])
def test_a_non_answer_to_the_subject_question_becomes_other(fill, answer) -> None:
    result = fill(answer, "nlu_fallback", requested="plan_subject", plan_stage="university")
    assert filled(result) == {"plan_subject": "other"}


def test_a_graduate_naming_an_unlisted_subject_in_one_sentence(fill) -> None:
    result = fill("i graduated in history last year and work in a call centre", "request_plan",
                  [{"entity": "stage", "value": "customer-service"}])
    assert filled(result) == {"plan_stage": "graduate", "plan_subject": "History"}


@pytest.mark.parametrize("text, subject", [
    ("i have a degree in english literature", "English literature"),
    ("graduated in law, now what", "Law"),
    ("i'm studying physics at leeds", "Physics"),
    ("i've got a chemistry degree", "Chemistry"),
    ("i'm a history graduate working in a shop", "History"),
    ("i'm at uni", None),
    ("i'm studying at university", None),
    ("i have a degree", None),
])
def test_named_subject_reads_the_subject_a_learner_names(text, subject) -> None:
    assert named_subject(text) == subject


def test_unknown_values_are_rejected_by_validation(domain) -> None:
    form, dispatcher = ValidateCareerPlanForm(), CollectingDispatcher()
    tracker = make_tracker("x", "inform_stage")
    assert form.validate_plan_stage("space", dispatcher, tracker, domain) == {"plan_stage": None}
    assert form.validate_plan_stage("retail", dispatcher, tracker, domain) == {
        "plan_stage": "retail"}
    assert form.validate_plan_goal("astronaut", dispatcher, tracker, domain) == {"plan_goal": None}
    # Only ladder roles can be a current rung.
    assert form.validate_plan_current_role("seo-ecommerce-manager", dispatcher, tracker,
                                           domain) == {"plan_current_role": None}
    assert form.validate_plan_current_role("ecommerce-manager", dispatcher, tracker, domain) == {
        "plan_current_role": "ecommerce-manager"}


@pytest.mark.parametrize("stage, expected", [
    (None, ["plan_stage", "plan_goal"]),
    ("school", ["plan_stage", "plan_goal"]),
    ("retail", ["plan_stage", "plan_goal"]),
    ("university", ["plan_stage", "plan_subject", "plan_goal"]),
    ("graduate", ["plan_stage", "plan_subject", "plan_goal"]),
    ("in-career", ["plan_stage", "plan_current_role", "plan_goal"]),
])
def test_required_slots_depend_on_the_stage(domain, stage, expected) -> None:
    form = ValidateCareerPlanForm()
    tracker = make_tracker("x", "inform_stage", slots={"plan_stage": stage}, active_loop=FORM)
    slots = asyncio.run(form.required_slots(form.domain_slots(domain), CollectingDispatcher(),
                                            tracker, domain))
    assert slots == expected


# -- the plan ------------------------------------------------------------------------------------
@pytest.fixture
def plan(domain: dict[str, Any]):
    """Run action_make_plan with these plan slots."""

    def _plan(career: str | None = CAREER, **slots: Any) -> ActionResult:
        if career is not None:
            slots.setdefault("career", career)
        tracker = make_tracker('/inform_stage', "inform_stage", slots=slots)
        return run_action(ActionMakePlan(), tracker, domain)

    return _plan


def test_school_plan_covers_t_level_btec_apprenticeship_and_the_ladder(plan) -> None:
    result = plan(plan_stage="school", plan_goal="ecommerce-manager")
    lines = result.text.splitlines()
    assert lines[0] == "Your route from school or college to e-commerce manager:"
    assert lines[1] == ("1. Finish A-levels, or T-Level in a relevant subject or BTEC in a relevant "
                        "subject.")
    assert lines[2] == ("2. Then a degree (business management, marketing, fashion buying, retail "
                        "business management) or an apprenticeship such as Marketing degree "
                        "apprenticeship (Level 6), around £20,000 a year while you learn.")
    assert lines[3] == "3. Meanwhile: work experience, volunteering and free online courses."
    assert lines[4:7] == ["4. E-commerce associate: from around £16,000 a year.",
                          "5. E-commerce specialist.",
                          "6. E-commerce manager: £29,000 to £55,000 a year."]
    assert lines[7].startswith("7. Along the way: get Google Analytics IQ and Facebook Blueprint")
    assert lines[-1].startswith("Source: E-commerce manager career guide")
    assert amounts_in_text(result.text) == [20_000, 16_000, 29_000, 55_000]


def test_retail_plan_starts_with_assistant_roles(plan) -> None:
    result = plan(plan_stage="retail", plan_goal="ecommerce-manager")
    lines = result.text.splitlines()
    assert lines[0] == "Your route from retail to e-commerce manager:"
    assert lines[1] == ("1. Use your retail experience to move into assistant role in retail or "
                        "marketing or e-commerce assistant.")
    assert lines[2] == "2. Build know-how with volunteering and free online courses."
    assert "E-commerce manager: £29,000 to £55,000 a year." in result.text


def test_specialist_to_director_plan_starts_at_manager(plan) -> None:
    result = plan(plan_stage="in-career", plan_current_role="ecommerce-specialist",
                  plan_goal="director-of-ecommerce")
    lines = result.text.splitlines()
    assert lines[:4] == [
        "Your route from e-commerce specialist to director of e-commerce:",
        "1. E-commerce manager: £29,000 to £55,000 a year.",
        "2. Senior e-commerce manager: £52,000 to over £120,000 a year.",
        "3. Director of e-commerce: £78,000 to over £142,000 a year.",
    ]
    assert "E-commerce associate" not in result.text
    assert "E-commerce specialist:" not in result.text


def test_graduate_plan_recognises_the_subject(plan) -> None:
    result = plan(plan_stage="graduate", plan_subject="Business management",
                  plan_goal="director-of-ecommerce")
    lines = result.text.splitlines()
    assert lines[1] == "1. Your business management degree is one employers look for."
    assert "graduate training scheme" in lines[2]
    assert "Director of e-commerce: £78,000 to over £142,000 a year." in result.text


def test_student_with_another_subject_hears_the_named_subjects(plan) -> None:
    result = plan(plan_stage="university", plan_subject="other", plan_goal="ecommerce-manager")
    assert ("1. The degree subjects my sources name are business management, marketing, fashion "
            "buying and retail business management.") in result.text


def test_a_graduate_in_an_unlisted_subject_is_told_so_honestly(plan) -> None:
    result = plan(plan_stage="graduate", plan_subject="History", plan_goal="ecommerce-manager")
    assert ("1. My sources don't name history; the degree subjects they name are business "
            "management, marketing, fashion buying and retail business management, so build the "
            "experience below.") in result.text
    assert "Your history degree is one employers look for" not in result.text


def test_plan_for_someone_already_at_the_goal(plan) -> None:
    result = plan(plan_stage="in-career", plan_current_role="ecommerce-manager",
                  plan_goal="ecommerce-manager")
    assert ("1. You're already an e-commerce manager: look at specialisms or the next rung."
            in result.text)


def test_plan_downwards_has_no_route(plan) -> None:
    result = plan(plan_stage="in-career", plan_current_role="director-of-ecommerce",
                  plan_goal="ecommerce-manager")
    assert ("1. My sources show no route from director of e-commerce to e-commerce manager."
            in result.text)


def test_plan_remembers_the_goal_and_resets_the_plan_slots(plan) -> None:
    result = plan(plan_stage="retail", plan_goal="senior-ecommerce-manager")
    assert result.slot_events[:2] == [("role", "senior-ecommerce-manager"), ("last_topic", "plan")]
    assert result.slot_events[2:] == [(name, None) for name in PLAN_SLOTS]
    assert len(result.buttons) <= 4


def test_plan_without_slots_starts_where_you_are_and_aims_at_the_main_role(plan) -> None:
    # No stage: no career's routes are assumed; the plan climbs the career's ladder to its main role.
    result = plan()
    assert result.text.splitlines()[0] == "Your route from where you are to e-commerce manager:"


def test_build_plan_directly(knowledge) -> None:
    with knowledge() as session:
        reply = build_plan(session, "marketing", None, None, "ecommerce-manager")
    assert reply.lines[0] == "Your route from marketing to e-commerce manager:"
    assert reply.lines[1] == ("1. Use your marketing experience to move into assistant role in "
                              "retail or marketing or digital marketing associate.")
    # The plan names its career (the goal's): the action sets the slot only when it changes.
    assert reply.slots == {"role": "ecommerce-manager", "career": "ecommerce-management"}


def test_the_plan_question_is_asked_in_full_then_reminded_once_after_other_questions(domain) -> None:
    from actions.plan import PLAN_REMINDER, ActionAskPlanGoal

    slots = {"career": CAREER, "plan_stage": "retail", "requested_slot": "plan_goal"}
    asked = run_action(ActionAskPlanGoal(), make_tracker("I work in a shop", "inform_stage", slots=slots), domain)
    assert asked.text.startswith("And where would you like to get to?") and asked.buttons

    history = [{"event": "user", "text": "plan my route", "parse_data": {"intent": {"name": "request_plan"}}},
               {"event": "bot", "text": asked.text}]
    first = run_action(ActionAskPlanGoal(), make_tracker("how much do directors earn?", "ask_salary",
                                                         slots=slots, events=history), domain)
    assert first.text.startswith(PLAN_REMINDER) and first.titles == asked.titles

    history += [{"event": "user", "text": "how much do directors earn?",
                 "parse_data": {"intent": {"name": "ask_salary"}}}, {"event": "bot", "text": first.text}]
    again = run_action(ActionAskPlanGoal(), make_tracker("and what skills?", "ask_skills",
                                                         slots=slots, events=history), domain)
    assert again.messages == [] and again.events == []
