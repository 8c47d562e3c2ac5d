"""The job itself and getting in.

Role, teams and importance; requirements, degree, apprenticeships, alternatives, certifications
and experience.
"""
from __future__ import annotations

import pytest

from actions.entry import (
    ActionTellAlternatives,
    ActionTellApprenticeships,
    ActionTellCertifications,
    ActionTellDegree,
    ActionTellExperience,
    ActionTellRequirements,
)
from actions.role import ActionTellImportance, ActionTellRole, ActionTellTeams
from bot.shared.settings import get_settings
from tests.support.money import amounts_in_text

GUIDE = "Source: E-commerce manager career guide"
QUALIFICATIONS = (f"{GUIDE} (Academic requirements: relevant degrees and professional "
                  "certifications)")
EXPERIENCE = f"{GUIDE} (Building experience through digital marketing and online retail roles)"
DAY_TO_DAY = f"{GUIDE} (What does an e-commerce manager actually do day-to-day?)"


# -- the job ------------------------------------------------------------------------------------
def test_role_gives_the_summary_and_six_day_to_day_tasks(say) -> None:
    result = say(ActionTellRole, "what does an ecommerce manager do", "ask_role")
    lines = result.text.splitlines()
    assert lines[0].startswith("E-commerce managers run a business's online sales: they look "
                               "after the whole customer journey")
    assert lines[1] == "Day to day that means:"
    assert lines[2:8] == [
        "- Plan strategies that raise brand awareness and grow online sales.",
        "- Analyse how the website performs and find what to improve.",
        "- Work with colleagues in marketing, IT and logistics.",
        "- Run social media campaigns.",
        "- Manage the budget for digital projects.",
        "- Fix problems on the website.",
    ]
    assert result.text.endswith(DAY_TO_DAY)
    assert result.titles == ["Which teams?", "Why it matters", "Skills needed", "How to get in"]
    assert result.slots == {"role": "ecommerce-manager", "last_topic": "role"}


def test_role_named_in_the_message_gets_its_own_summary(say) -> None:
    result = say(ActionTellRole, "what does a senior manager do", "ask_role",
                 {"role": "senior-ecommerce-manager"})
    assert result.text.startswith("Senior e-commerce manager: Leads e-commerce with more scope and "
                                  "responsibility than a manager.")
    lines = result.text.splitlines()
    # Where it sits on the ladder, its pay with the source, and how people reach it.
    assert lines[1] == ("It is step 4 of 5 on the e-commerce management ladder (E-commerce manager → "
                        "Senior e-commerce manager → Director of e-commerce).")
    assert lines[2] == "Pay: £52,000 to over £120,000 a year."
    assert lines[3].startswith("How people get there: ")
    assert lines[-1].startswith("Source: E-commerce manager career guide")
    assert result.buttons[0] == {"title": "How do I get there?",
                                 "payload": '/ask_path{"role":"senior-ecommerce-manager"}'}
    assert result.slots == {"role": "senior-ecommerce-manager", "last_topic": "role"}


def test_how_to_become_a_rung_higher_up_gives_the_climb_with_pay_then_the_plan_offer(say) -> None:
    result = say(ActionTellRequirements, "how do I get to be a senior ecommerce manager?", "ask_requirements",
                 {"role": "senior-ecommerce-manager"})
    lines = result.text.splitlines()
    assert lines[0] == "From e-commerce associate to senior e-commerce manager, 3 steps:"
    assert lines[3].startswith("3. Senior e-commerce manager (pay: £52,000 to over £120,000 a year")
    assert "Plan my route" in result.titles
    # The career's main job keeps the ways in.
    main = say(ActionTellRequirements, "how do I become an ecommerce manager?", "ask_requirements",
               {"role": "ecommerce-manager"})
    assert not main.text.startswith("From ")


def test_role_in_context_only_does_not_replace_the_job_description(say) -> None:
    result = say(ActionTellRole, "/ask_role", "ask_role", slots={"role": "director-of-ecommerce"})
    assert result.text.startswith("E-commerce managers run a business's online sales")


def test_teams_are_marketing_it_and_logistics(say) -> None:
    result = say(ActionTellTeams, "who do they work with", "ask_teams")
    assert result.text.splitlines()[0] == (
        "In e-commerce management you work closely with Marketing, IT and Logistics.")
    assert result.text.endswith(DAY_TO_DAY)
    assert result.buttons[1]["payload"] == '/ask_skills{"skill_kind":"soft"}'
    assert result.slot_events == [("last_topic", "teams")]


def test_importance_lists_the_four_points_and_the_outlook(say) -> None:
    result = say(ActionTellImportance, "why do companies need them", "ask_importance")
    lines = result.text.splitlines()
    assert lines[0] == "Why e-commerce management matters:"
    assert lines[1] == ("- A company's online presence often decides whether it succeeds or fails "
                        "in today's retail market.")
    assert "- Because the role matters so much to the business, e-commerce managers often carry real " \
           "influence and decision-making authority." in lines
    assert lines[5].startswith("- The role keeps changing with technology, data analytics and "
                               "global trade")
    # Two sections (importance and progression) of one source: the source without a section.
    assert lines[-1] == GUIDE
    assert result.slot_events == [("last_topic", "importance")]


# -- getting in ---------------------------------------------------------------------------------
def test_requirements_summarise_every_route_in(say) -> None:
    result = say(ActionTellRequirements, "what qualifications do I need", "ask_requirements")
    lines = result.text.splitlines()
    assert lines[0] == "There is no single route into e-commerce management."
    assert lines[1] == ("- A degree in a subject such as business management, marketing, fashion "
                        "buying, retail business management.")
    assert lines[2] == ("- Or an apprenticeship, paid while you learn: Marketing degree apprenticeship "
                        "(Level 6) and Digital marketer degree apprenticeship (Level 6).")
    assert lines[3] == ("- Hands-on experience, for example as assistant role in retail or marketing, "
                        "digital marketing associate and e-commerce assistant.")
    assert lines[4] == "- Certifications such as Google Analytics IQ and Facebook Blueprint strengthen your CV."
    assert lines[-1] == GUIDE
    assert result.titles == ["Do I need a degree?", "Apprenticeships", "Getting experience",
                             "Plan my route"]
    assert result.slot_events == [("last_topic", "requirements")]


def test_degree_names_the_four_subjects_and_the_alternatives(say) -> None:
    result = say(ActionTellDegree, "do I need a degree", "ask_degree")
    lines = result.text.splitlines()
    assert lines[0] == "There is no single route into e-commerce management."
    assert lines[1].startswith("Most employers look for a solid educational foundation")
    assert lines[2] == ("Useful subjects: Business management, Marketing, Fashion buying, "
                        "Retail business management.")
    assert lines[3] == ("Gives the theory behind consumer behaviour, markets and strategic "
                        "planning.")
    assert "apprenticeships" in lines[4]
    assert result.slot_events == [("last_topic", "degree")]


def test_apprenticeships_give_level_6_and_around_20000_without_inventing_a_figure(say) -> None:
    result = say(ActionTellApprenticeships, "tell me about apprenticeships", "ask_apprenticeships")
    lines = result.text.splitlines()
    assert lines[0] == "Apprenticeships into e-commerce management let you earn while you learn:"
    assert lines[1] == ("- Marketing degree apprenticeship (Level 6): around £20,000 a year to "
                        "start.")
    assert lines[2].startswith("- Digital marketer degree apprenticeship (Level 6): Pays slightly "
                               "more than the marketing degree apprenticeship's starting salary")
    assert "the source gives no exact figure." in lines[2]
    assert not lines[2].endswith(".."), "the note's own full stop must not be doubled"
    # The only figure is the marketing apprenticeship's £20,000, quoted twice.
    assert set(amounts_in_text(result.text)) == {20_000}
    assert result.text.endswith(QUALIFICATIONS)
    assert result.slot_events == [("last_topic", "apprenticeships")]


def test_alternatives_are_t_levels_and_btecs(say) -> None:
    result = say(ActionTellAlternatives, "do I need a-levels", "ask_alternatives")
    lines = result.text.splitlines()
    assert lines[0] == ("You don't need A-levels: T-Levels and BTECs in relevant subjects are "
                        "viable alternatives.")
    assert lines[1].startswith("Vocational qualification: For people who prefer an applied route")
    assert result.text.endswith(QUALIFICATIONS)
    assert result.slot_events == [("last_topic", "alternatives")]


def test_certifications_are_google_analytics_iq_and_facebook_blueprint(say) -> None:
    result = say(ActionTellCertifications, "which certifications help", "ask_certifications")
    lines = result.text.splitlines()
    assert lines[0] == "Certifications worth considering:"
    assert lines[1] == "- Google Analytics IQ"
    assert lines[2].startswith("- Facebook Blueprint")
    assert lines[3] == ("Worth it? Yes: an advanced certification that strengthens your "
                        "credentials and shows employers specialised expertise.")
    assert result.text.endswith(QUALIFICATIONS)
    assert result.slot_events == [("last_topic", "certifications")]


def test_certification_entity_narrows_the_list(say) -> None:
    result = say(ActionTellCertifications, "is facebook blueprint worth it", "ask_certifications",
                 {"certification": "facebook-blueprint"})
    assert "Facebook Blueprint" in result.text
    assert "Google Analytics IQ" not in result.text


def test_experience_lists_starting_roles_scheme_volunteering_and_courses(say) -> None:
    result = say(ActionTellExperience, "how do I get experience", "ask_experience")
    lines = result.text.splitlines()
    assert lines[0] == "Ways to get experience for e-commerce management:"
    assert lines[1] == ("- Starting roles: Assistant role in retail or marketing; Digital "
                        "marketing associate; E-commerce assistant.")
    for start in ("- Graduate training scheme: A structured programme for graduates",
                  "- Work experience: Short placements",
                  "- Volunteering: Volunteering is another way",
                  "- Free online courses: Free courses on online learning platforms"):
        assert any(line.startswith(start) for line in lines), start
    assert result.text.endswith(EXPERIENCE)
    assert result.buttons[-1]["payload"] == '/ask_salary{"level":"entry"}'
    assert result.slot_events == [("last_topic", "experience")]


@pytest.mark.parametrize("route, start", [
    ("graduate-scheme", "Graduate training scheme: A structured programme for graduates"),
    ("volunteering", "Volunteering: Volunteering is another way"),
])
def test_experience_entry_route_entity_answers_just_that_route(say, route, start) -> None:
    result = say(ActionTellExperience, "tell me more", "ask_experience", {"entry_route": route})
    assert result.text.startswith(start)
    assert "Starting roles" not in result.text
    assert result.titles == ["Other ways in", "Plan my route"]


# -- which career -------------------------------------------------------------------------------
def test_a_topic_with_no_career_anywhere_asks_which_career(say, careers) -> None:
    result = say(ActionTellDegree, "which degrees do employers look for?", "ask_degree", career=None)
    assert result.text == "Which career do you mean? I can answer for each of these:"
    # One button per career, each asking the same question about that career.
    assert result.buttons == [{"title": name, "payload": f'/ask_degree{{"career":"{slug}"}}'}
                              for slug, name in careers.items()]
    assert result.slot_events == [("last_topic", "degree")]


def test_a_qualification_name_several_careers_use_asks_which_career(say, knowledge) -> None:
    from knowledge import queries

    text = "tell me about the level 6 apprenticeship"
    words = "level 6 apprenticeship"
    with knowledge() as session:
        sharing = queries.careers_naming(session, "qualification", words)
        own = queries.careers_naming(session, "qualification", "level 6 buying apprenticeship")
    assert len(sharing) > 1 and own == ["retail-buying"]
    start = text.index(words)
    entity = {"entity": "qualification", "value": "some-qualification", "start": start,
              "end": start + len(words)}
    result = say(ActionTellApprenticeships, text, "ask_apprenticeships", [entity], career=None)
    assert result.text == "Which career do you mean? I can answer for each of these:"
    # A name only one career's qualification has settles that career.
    own_text = "tell me about the level 6 buying apprenticeship"
    start = own_text.index("level 6 buying apprenticeship")
    entity = {"entity": "qualification", "value": "buyer-assistant-buyer-apprenticeship", "start": start,
              "end": start + len("level 6 buying apprenticeship")}
    result = say(ActionTellApprenticeships, own_text, "ask_apprenticeships", [entity], career=None)
    assert ("career", "retail-buying") in result.slot_events


def test_a_career_button_answers_the_question_for_that_career(say, careers) -> None:
    for slug in careers:
        result = say(ActionTellDegree, f'/ask_degree{{"career":"{slug}"}}', "ask_degree",
                     {"career": slug}, career=None)
        assert "Which career" not in result.text
        assert result.text.splitlines()[-1].startswith(("Source: ", "Sources: ")), slug
        assert result.slot_events == [("career", slug), ("last_topic", "degree")]


def test_the_deployments_default_career_answers_and_says_so(say, monkeypatch) -> None:
    monkeypatch.setenv("DEFAULT_CAREER", "data-analysis")
    get_settings.cache_clear()
    result = say(ActionTellDegree, "which degrees do employers look for?", "ask_degree", career=None)
    body = result.text.split("\n\n")[0].splitlines()
    assert "Useful subjects: Mathematics." in body
    assert body[-1] == ("(That's for data analysis, the career I cover by default: name another "
                        "career to ask about it.)")
    assert result.slot_events == [("career", "data-analysis"), ("last_topic", "degree")]


def test_a_role_named_by_another_job_word_says_what_the_sources_call_it(say) -> None:
    text = "what does an ecommerce lead earn?"
    start = text.index("ecommerce lead")
    entity = {"entity": "role", "value": "ecommerce-manager", "start": start, "end": start + len("ecommerce lead")}
    from actions.salary import ActionTellSalary

    result = say(ActionTellSalary, text, "ask_salary", [entity])
    assert result.text.splitlines()[0] == 'My sources usually call this role "E-commerce manager".'
    same = "what does an ecom manager earn?"
    start = same.index("ecom manager")
    entity = {"entity": "role", "value": "ecommerce-manager", "start": start, "end": start + len("ecom manager")}
    assert "usually call" not in say(ActionTellSalary, same, "ask_salary", [entity]).text


def test_what_the_main_job_is_and_what_it_pays_gives_both(say) -> None:
    result = say(ActionTellRole, "what does an e-commerce manager do and what do they earn?", "ask_role",
                 {"role": "ecommerce-manager"})
    assert "Day to day that means:" in result.text
    assert "E-commerce manager pay: £29,000 to £55,000 a year." in result.text.splitlines()
    plain = say(ActionTellRole, "what does an e-commerce manager do?", "ask_role", {"role": "ecommerce-manager"})
    assert "£" not in plain.text
