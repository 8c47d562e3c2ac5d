"""action_answer_followup (context follow-ups) and action_tell_skills."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from actions.base import Ask
from actions.followup import ActionAnswerFollowup, choose_topic
from actions.skills import ActionTellSkills

TECHNICAL = ["SEO and SEM", "Data analytics", "Website platforms and e-commerce technology",
             "Google Analytics", "Social media strategy", "Money and budget management"]
SOFT = ["Leadership", "Persuasion and communication", "Initiative and flexibility", "Organisation",
        "Creativity", "Teamwork and collaboration", "Customer service focus", "Strategic vision"]


# -- follow-ups ---------------------------------------------------------------------------------
def test_salary_followup_with_a_level_gives_that_levels_pay(say) -> None:
    result = say(ActionAnswerFollowup, "and a director?", "followup", {"level": "director"},
                 slots={"last_topic": "salary", "level": "mid"})
    assert "£78,000 to over £142,000 a year." in result.text
    assert "£29,000" not in result.text
    assert result.slots["level"] == "director"
    assert result.slots["last_topic"] == "salary"


def test_salary_followup_with_entry_level_gives_both_entry_figures(say) -> None:
    result = say(ActionAnswerFollowup, "what about entry level?", "followup", {"level": "entry"},
                 slots={"last_topic": "salary"})
    assert "from around £16,000 a year" in result.text
    assert "around £25,000 a year" in result.text


def test_skills_followup_with_soft_kind_lists_the_soft_skills(say) -> None:
    result = say(ActionAnswerFollowup, "what about the soft ones", "followup",
                 {"skill_kind": "soft"}, slots={"last_topic": "skills", "skill_kind": "technical"})
    lines = result.text.splitlines()
    assert lines[0] == "Soft skills for e-commerce management:"
    assert [line.split(":")[0].lstrip("- ") for line in lines[1:1 + len(SOFT)]] == SOFT
    assert "SEO and SEM" not in result.text
    assert result.slots == {"skill_kind": "soft", "last_topic": "skills"}


def test_next_step_followup_and_after_that_climbs_from_the_role_in_context(say) -> None:
    result = say(ActionAnswerFollowup, "and after that?", "followup",
                 slots={"last_topic": "next_step", "role": "ecommerce-specialist"})
    assert result.text.startswith("After e-commerce specialist, the next step up is e-commerce "
                                  "manager (pay: £29,000 to £55,000 a year, E-commerce manager "
                                  "career guide).")
    assert result.slots == {"role": "ecommerce-manager", "last_topic": "next_step"}


def test_and_after_that_works_whatever_the_last_topic(say) -> None:
    result = say(ActionAnswerFollowup, "and then what?", "followup",
                 slots={"last_topic": "salary", "role": "senior-ecommerce-manager"})
    assert "the next step up is director of e-commerce" in result.text
    assert result.slots["last_topic"] == "next_step"


def test_role_followup_without_last_topic_answers_with_pay(say) -> None:
    result = say(ActionAnswerFollowup, "and the director?", "followup",
                 {"role": "director-of-ecommerce"})
    assert result.text.startswith("Director of e-commerce: £78,000 to over £142,000 a year.")
    assert result.slots["last_topic"] == "salary"


def test_role_followup_after_a_role_question_describes_the_role(say) -> None:
    result = say(ActionAnswerFollowup, "and a senior manager?", "followup",
                 {"role": "senior-ecommerce-manager"}, slots={"last_topic": "role"})
    assert result.text.startswith("Senior e-commerce manager: Leads e-commerce with more scope")
    assert result.slots["last_topic"] == "role"


def test_a_specialism_followup_after_specialisms_stays_on_specialisms(say) -> None:
    result = say(ActionAnswerFollowup, "and the data one?", "followup", {"skill": "data-analytics"},
                 slots={"last_topic": "specialisations"})
    assert result.text.startswith("Data-driven e-commerce manager: ")
    assert result.slots["last_topic"] == "specialisations"


def test_a_skill_followup_after_specialisms_moves_to_skills(say) -> None:
    result = say(ActionAnswerFollowup, "and leadership?", "followup", {"skill": "leadership"},
                 slots={"last_topic": "specialisations"})
    assert result.text.startswith("Yes. Leadership is one of the soft skills")
    assert result.slots["last_topic"] == "skills"


def test_followup_with_nothing_to_go_on_asks_for_more(say) -> None:
    result = say(ActionAnswerFollowup, "hmm ok", "followup")
    assert result.text == "Could you say a bit more? For example: 'how much does a director earn?'"
    assert result.titles == ["Pay", "Skills", "Career ladder"]
    assert result.events == []


def test_followup_after_a_topic_without_an_answering_action_asks_for_more(say) -> None:
    result = say(ActionAnswerFollowup, "ok", "followup", slots={"last_topic": "plan"})
    assert result.text.startswith("Could you say a bit more?")
    assert result.events == []


def test_followup_reaches_every_topic_even_when_imported_on_its_own() -> None:
    """Regression: topics were found only if some other code had imported their modules."""
    code = ("import actions.followup\n"
            "from actions.base import KnowledgeAction\n"
            "missing = [t for t in ('salary', 'skills', 'next_step', 'path', 'role', 'teams',\n"
            "           'degree', 'source') if KnowledgeAction.for_topic(t) is None]\n"
            "assert not missing, missing\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("last, named, text, expected", [
    ("salary", {"level_from_message": True, "level": "senior"}, "and senior?", "salary"),
    ("skills", {"level_from_message": True, "level": "senior"}, "and senior?", "salary"),
    ("salary", {"skill_kind": "soft"}, "soft ones?", "skills"),
    ("teams", {}, "more?", "teams"),
    (None, {}, "and after that?", "next_step"),
    (None, {}, "hmm", None),
])
def test_choose_topic(last, named, text, expected) -> None:
    assert choose_topic(last, Ask(text, "followup", **named)) == expected


# -- skills -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, entities, name, kind, why", [
    ("do I need SEO?", None, "SEO and SEM", "technical",
     "makes the website easier to find and brings in organic traffic."),
    ("do I need SEO?", {"skill": "seo-sem"}, "SEO and SEM", "technical",
     "makes the website easier to find and brings in organic traffic."),
    ("is budgeting important", None, "Money and budget management", "technical",
     "makes sure money is spent efficiently across the different digital channels."),
    ("does leadership matter?", {"skill": "leadership"}, "Leadership", "soft",
     "inspires and guides a team towards shared goals."),
])
def test_a_named_skill_is_confirmed_with_its_kind(say, text, entities, name, kind, why) -> None:
    result = say(ActionTellSkills, text, "ask_skills", entities)
    assert result.text.startswith(
        f"Yes. {name} is one of the {kind} skills employers look for in e-commerce management: {why}")
    assert result.text.splitlines()[-1].startswith("Source: E-commerce manager career guide (")
    assert result.titles[0] == f"All {kind} skills"
    assert result.buttons[0]["payload"] == f'/ask_skills{{"skill_kind":"{kind}"}}'
    assert result.slots == {"skill_kind": kind, "last_topic": "skills"}


@pytest.mark.parametrize("kind, names, heading, other", [
    ("technical", TECHNICAL, "Technical proficiencies: from website platforms to analytics tools",
     "Soft"),
    ("soft", SOFT, "Soft skills that set top e-commerce managers apart", "Technical"),
])
def test_skill_kind_lists_every_skill_of_that_kind(say, kind, names, heading, other) -> None:
    result = say(ActionTellSkills, f"what {kind} skills do I need", "ask_skills",
                 {"skill_kind": kind})
    lines = result.text.splitlines()
    assert lines[0] == f"{kind.capitalize()} skills for e-commerce management:"
    assert [line[2:].split(":")[0] for line in lines[1:1 + len(names)]] == names
    assert lines[1 + len(names)] == ""
    assert result.text.endswith(f"Source: E-commerce manager career guide ({heading})")
    assert result.titles[0] == f"{other} skills"
    assert result.slots == {"skill_kind": kind, "last_topic": "skills"}


def test_skills_overview_names_both_kinds(say) -> None:
    result = say(ActionTellSkills, "what skills do I need", "ask_skills")
    lines = result.text.splitlines()
    assert lines[0] == "E-commerce management needs both kinds of skill:"
    assert lines[1] == "- Technical: " + ", ".join(TECHNICAL) + "."
    assert lines[2] == "- Soft: " + ", ".join(SOFT) + "."
    assert len(lines) == 5 and lines[3] == ""  # two lists, a blank line, the source
    assert result.text.endswith("Source: E-commerce manager career guide")
    assert result.titles == ["Technical skills in detail", "Soft skills in detail",
                             "Certifications"]
    assert result.slot_events == [("last_topic", "skills")]


def test_skills_button_payload_is_not_read_as_a_skill(say) -> None:
    result = say(ActionTellSkills, "/ask_skills", "ask_skills")
    assert result.text.startswith("E-commerce management needs both kinds of skill:")
