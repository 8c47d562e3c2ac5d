"""Progression: the ladder, the next step, paths, specialisms, going independent, networking."""
from __future__ import annotations

import pytest

from actions.progression import (
    ActionTellNetworking,
    ActionTellNextStep,
    ActionTellPath,
    ActionTellProgression,
    ActionTellSelfEmployment,
    ActionTellSpecialisations,
)
from tests.support.money import amounts_in_text

PROGRESSION = ("Source: E-commerce manager career guide "
               "(Advancing your career: from e-commerce manager to senior leadership)")
LADDER = ["E-commerce associate", "E-commerce specialist", "E-commerce manager",
          "Senior e-commerce manager", "Director of e-commerce"]


def test_progression_gives_the_ladder_in_order(say) -> None:
    result = say(ActionTellProgression, "how do I progress", "ask_progression")
    lines = result.text.splitlines()
    assert lines[0] == "The usual e-commerce management ladder: " + " → ".join(LADDER) + "."
    assert lines[1] == ("You can also specialise: SEO e-commerce manager, Social media e-commerce manager, "
                        "Data-driven e-commerce manager, Global e-commerce manager and Multi-channel "
                        "e-commerce manager.")
    assert "online business owner" in lines[2] and "independent e-commerce consultant" in lines[2]
    assert result.text.endswith(PROGRESSION)
    assert len(result.buttons) == 4
    assert result.slot_events == [("last_topic", "progression")]


# -- next step ----------------------------------------------------------------------------------
@pytest.mark.parametrize("role, expected, move, up", [
    ("ecommerce-associate", "After e-commerce associate, the next step up is e-commerce "
     "specialist.", "Associates move up into specialist positions.", "ecommerce-specialist"),
    ("ecommerce-specialist", "After e-commerce specialist, the next step up is e-commerce manager "
     "(pay: £29,000 to £55,000 a year, E-commerce manager career guide).",
     "Specialists then take on full managerial responsibility.", "ecommerce-manager"),
    ("ecommerce-manager", "After e-commerce manager, the next step up is senior e-commerce manager "
     "(pay: £52,000 to over £120,000 a year, E-commerce manager career guide).",
     "Managers can advance into senior e-commerce manager roles.", "senior-ecommerce-manager"),
    ("senior-ecommerce-manager", "After senior e-commerce manager, the next step up is director "
     "of e-commerce (pay: £78,000 to over £142,000 a year, E-commerce manager career guide).",
     "Senior managers can eventually become director of e-commerce.", "director-of-ecommerce"),
])
def test_next_step_from_each_ladder_role(say, role, expected, move, up) -> None:
    result = say(ActionTellNextStep, "what's my next step", "ask_next_step", {"role": role})
    lines = result.text.splitlines()
    assert lines[:2] == [expected, move]
    if role == "ecommerce-associate":  # from the first rung, the related careers people move into too
        assert lines[2] == "People also move across into:"
        assert lines[3].startswith("- Marketing (pay: ") and "Many e-commerce managers started" in lines[3]
        assert lines[-1].startswith("Source: E-commerce manager career guide")
    else:
        assert result.text.endswith(PROGRESSION)
    assert result.slots == {"role": up, "last_topic": "next_step"}
    if up != "director-of-ecommerce":
        assert result.buttons[0] == {"title": "And after that?",
                                     "payload": f'/ask_next_step{{"role":"{up}"}}'}
    else:
        assert "And after that?" not in result.titles


def test_next_step_uses_the_role_in_context(say) -> None:
    result = say(ActionTellNextStep, "/ask_next_step", "ask_next_step",
                 slots={"role": "ecommerce-manager"})
    assert result.text.startswith("After e-commerce manager, the next step up is senior")


def test_next_step_from_the_top_of_the_ladder(say) -> None:
    result = say(ActionTellNextStep, "I'm a director, what next?", "ask_next_step",
                 {"role": "director-of-ecommerce"})
    assert result.text.startswith("Director of e-commerce is the top of the ladder my sources describe.")
    assert "start your own online business and become an independent consultant" in result.text
    assert "bigger teams" not in result.text  # nothing the source does not say
    assert result.titles == ["Going independent", "Director of e-commerce pay"]
    assert result.slots == {"role": "director-of-ecommerce", "last_topic": "next_step"}


def test_next_step_from_a_specialism_says_the_guide_has_no_further_step(say) -> None:
    result = say(ActionTellNextStep, "I'm an SEO manager, what next?", "ask_next_step",
                 {"role": "seo-ecommerce-manager"})
    assert result.text.startswith("SEO e-commerce manager: An e-commerce manager who focuses on "
                                  "search engine optimisation. My sources don't describe a "
                                  "further step from here.")


def test_next_step_for_a_marketing_stage_gives_entry_routes(say) -> None:
    # A stage and no rung (the stage's button): "I'm a marketing assistant" names a rung of
    # marketing management, which the next test climbs.
    result = say(ActionTellNextStep, '/ask_next_step{"stage":"marketing"}', "ask_next_step",
                 {"stage": "marketing"})
    lines = result.text.splitlines()
    assert lines[0] == "As someone working in marketing, good next steps into e-commerce management:"
    assert [line.split(":")[0] for line in lines[1:4]] == [
        "- Assistant role in retail or marketing", "- Digital marketing associate",
        "- Free online courses"]
    assert lines[4] == ("From there, the ladder starts at e-commerce associate "
                        "(pay: from around £16,000 a year, E-commerce manager career guide).")
    assert result.buttons[0] == {"title": "Make me a full plan",
                                 "payload": '/request_plan{"stage":"marketing"}'}
    assert result.slot_events == [("last_topic", "next_step")]


def test_next_step_from_a_rung_of_another_career_climbs_that_career(say) -> None:
    # A rung of marketing management: its next rung, then the careers people move across into
    # (e-commerce among them), each with its pay and source, and no question.
    result = say(ActionTellNextStep, "I'm a marketing assistant, what next?", "ask_next_step",
                 {"stage": "marketing"})
    lines = result.text.splitlines()
    assert lines[:3] == [
        "After marketing assistant, the next step up is marketing executive or coordinator "
        "(pay: average of £26,539 a year, Econsultancy).",
        "Assistants move up to marketing executive or coordinator, the next census level.",
        "People also move across into:",
    ]
    assert lines[3].startswith("- Digital marketing (pay: £30,000 to £50,000 a year, Beringer Tame): ")
    assert lines[4].startswith("- E-commerce management (pay: £29,000 to £55,000 a year, "
                               "E-commerce manager career guide): ")
    assert "?" not in result.text
    assert result.buttons[0] == {"title": "And after that?",
                                 "payload": '/ask_next_step{"role":"marketing-executive"}'}
    assert result.slots == {"role": "marketing-executive", "career": "marketing-management",
                            "last_topic": "next_step"}


def test_next_step_without_a_role_asks_which_with_ladder_buttons(say) -> None:
    result = say(ActionTellNextStep, "what's my next step?", "ask_next_step")
    assert result.text == "Which role are you in now? Tell me and I'll show you the next step."
    assert result.titles == LADDER[:4]
    assert result.buttons[2]["payload"] == '/ask_next_step{"role":"ecommerce-manager"}'
    assert result.slot_events == [("last_topic", "next_step")]


# -- paths --------------------------------------------------------------------------------------
ASSOCIATE_TO_DIRECTOR = [
    "From e-commerce associate to director of e-commerce, 4 steps:",
    "1. E-commerce specialist",
    "2. E-commerce manager (pay: £29,000 to £55,000 a year, E-commerce manager career guide)",
    "3. Senior e-commerce manager (pay: £52,000 to over £120,000 a year, E-commerce manager career "
    "guide)",
    "4. Director of e-commerce (pay: £78,000 to over £142,000 a year, E-commerce manager career "
    "guide)",
    "My sources give no fixed timings: each step comes with experience and results.",
]


@pytest.mark.parametrize("entities", [
    [{"entity": "role", "value": "ecommerce-associate"},
     {"entity": "role", "value": "director-of-ecommerce"}],
    None,
])
def test_path_from_associate_to_director_is_four_steps(say, entities) -> None:
    result = say(ActionTellPath, "from associate to director", "ask_path", entities)
    assert result.text.splitlines()[:6] == ASSOCIATE_TO_DIRECTOR
    assert result.text.endswith(PROGRESSION)
    assert result.slots == {"role": "director-of-ecommerce", "last_topic": "path"}


def test_path_with_only_a_goal_starts_at_the_first_rung(say) -> None:
    result = say(ActionTellPath, "how do I become a director", "ask_path",
                 {"role": "director-of-ecommerce"})
    assert result.text.splitlines()[:6] == ASSOCIATE_TO_DIRECTOR


def test_path_reversed_has_no_route(say) -> None:
    result = say(ActionTellPath, "from director to associate", "ask_path",
                 [{"entity": "role", "value": "director-of-ecommerce"},
                  {"entity": "role", "value": "ecommerce-associate"}])
    assert result.text == ("My sources show no route from director of e-commerce to e-commerce "
                           "associate. It's a step down the ladder, not up.")
    assert amounts_in_text(result.text) == []
    assert result.slot_events == [("last_topic", "path")]


def test_path_from_text_specialist_to_senior_manager(say) -> None:
    result = say(ActionTellPath, "from specialist to senior manager", "ask_path")
    assert result.text.splitlines()[:3] == [
        "From e-commerce specialist to senior e-commerce manager, 2 steps:",
        "1. E-commerce manager (pay: £29,000 to £55,000 a year, E-commerce manager career guide)",
        "2. Senior e-commerce manager (pay: £52,000 to over £120,000 a year, E-commerce manager "
        "career guide)",
    ]
    assert result.slots["role"] == "senior-ecommerce-manager"


def test_path_to_the_same_role(say) -> None:
    result = say(ActionTellPath, "from manager to manager", "ask_path")
    assert result.text == "You're already there: E-commerce manager."


def test_path_without_roles_asks_for_them(say) -> None:
    result = say(ActionTellPath, "how do I get there", "ask_path")
    assert result.text.startswith("Tell me where you are and where you want to get to")
    assert result.titles == ["Whole ladder", "Plan my route"]


# -- other directions ---------------------------------------------------------------------------
def test_specialisations_lists_all_five(say) -> None:
    result = say(ActionTellSpecialisations, "can I specialise", "ask_specialisations")
    assert result.text.splitlines()[:6] == [
        "Instead of (or as well as) climbing the ladder, you can specialise:",
        "- SEO e-commerce manager: search engine optimisation",
        "- Social media e-commerce manager: sales strategies for particular social platforms",
        "- Data-driven e-commerce manager: analytics",
        "- Global e-commerce manager: strategy across different regions",
        "- Multi-channel e-commerce manager: a seamless shopping experience across every "
        "touchpoint",
    ]
    assert result.text.endswith(PROGRESSION)
    assert result.slot_events == [("last_topic", "specialisations")]


@pytest.mark.parametrize("text, title", [
    ("tell me about the global one", "Global e-commerce manager"),
    ("can i specialise in data", "Data-driven e-commerce manager"),
    ("what does the multichannel one do", "Multi-channel e-commerce manager"),
    ("seo specialism?", "SEO e-commerce manager"),
])
def test_a_specialism_named_by_its_focus_gets_its_own_answer(say, text, title) -> None:
    result = say(ActionTellSpecialisations, text, "ask_specialisations")
    assert result.text.startswith(f"{title}: ")
    assert "It's one of 5 specialisms in e-commerce management." in result.text
    assert result.titles[0] == "All specialisms"


def test_self_employment_gives_both_routes_and_no_pay_figures(say) -> None:
    result = say(ActionTellSelfEmployment, "can I work for myself", "ask_self_employment")
    lines = result.text.splitlines()
    assert lines[1] == ("- Start your own online business: Entrepreneurial people use their "
                        "expertise to set up their own online businesses.")
    assert lines[2] == ("- Become an independent consultant: Experienced people can work for "
                        "themselves as independent consultants.")
    assert lines[3] == "My sources give no pay figures for these routes."
    assert amounts_in_text(result.text) == []
    assert result.slot_events == [("last_topic", "self_employment")]


def test_networking_gives_networking_and_mentoring(say) -> None:
    result = say(ActionTellNetworking, "does networking help", "ask_networking")
    assert result.text.splitlines()[:3] == [
        "Two things that help you progress:",
        "- Networking: There are plenty of networking opportunities through contact with industry "
        "leaders and professional associations.",
        "- Mentoring: Mentoring from experienced professionals can give you invaluable guidance.",
    ]
    assert result.text.endswith(PROGRESSION)
    assert result.buttons[-1]["payload"] == "/request_human"
    assert result.slot_events == [("last_topic", "networking")]


def test_a_job_in_one_career_and_a_goal_in_another_gets_the_move_across(say) -> None:
    result = say(ActionTellNextStep, "I'm a retail supervisor, could I switch to data analysis?", "ask_next_step",
                 career=None)
    lines = result.text.splitlines()
    assert lines[0] == "From retail supervisor or team leader into data analysis:"
    assert any(line.startswith("The ladder starts at data technician (pay: ") for line in lines)
    assert any(line.startswith("Skills to build: SQL") for line in lines)
    assert result.slots["career"] == "data-analysis"
    assert result.buttons[0]["payload"] == '/request_plan{"career":"data-analysis"}'


def test_how_long_to_the_top_gives_the_durations_the_sources_state(say) -> None:
    result = say(ActionTellProgression, "how many years until I could reach the top?", "ask_progression",
                 career="marketing-management")
    lines = result.text.splitlines()
    at = lines.index("How long it takes, where the sources say:")
    assert at == 1  # right after the ladder
    assert lines[at + 1].startswith("- Chief marketing officer (CMO): ")
    assert "10 years" in lines[at + 1]


def test_a_ladder_question_not_about_time_gives_no_timings(say) -> None:
    result = say(ActionTellProgression, "what's the career ladder?", "ask_progression",
                 career="marketing-management")
    assert "How long it takes" not in result.text


def test_how_long_with_no_durations_in_the_sources_says_so(say) -> None:
    result = say(ActionTellProgression, "how long does it take to climb?", "ask_progression")
    assert result.text.splitlines()[1] in (
        "My sources give no fixed timings: each step comes with experience and results.",
        *[line for line in result.text.splitlines() if "timing" in line.lower()])
    assert "How long it takes" not in result.text


def test_a_path_gives_the_duration_of_the_steps_the_sources_time(say) -> None:
    result = say(ActionTellPath, "how long from marketing director to cmo?", "ask_path",
                 [{"entity": "role", "value": "marketing-director"},
                  {"entity": "role", "value": "chief-marketing-officer"}], career="marketing-management")
    lines = result.text.splitlines()
    assert lines[0] == "From marketing director to chief marketing officer (CMO), 1 step:"
    assert "How long it takes, where the sources say:" in lines
    assert any("10 years" in line for line in lines)
