"""action_tell_salary and action_tell_pay_factors: exact figures from salaries.yml, with context."""
from __future__ import annotations

import json

import pytest

from actions.salary import ActionTellPayFactors, ActionTellSalary
from tests.support.action_runs import ActionResult
from tests.support.money import amounts_in_text

SOURCE_LINE = ("Source: E-commerce manager career guide "
               "(Typical salary expectations and how they scale with experience)")
# Every figure salaries.yml states, so a reply can be checked for invented amounts.
SALARY_FIGURES = {16_000, 25_000, 29_000, 55_000, 52_000, 120_000, 78_000, 142_000, 60_000}


def assert_salary_reply(result: ActionResult) -> None:
    """The common shape of every salary answer."""
    assert len(result.messages) == 1
    assert result.text.splitlines()[-1].startswith("Source: E-commerce manager career guide")
    assert len(result.buttons) <= 4
    assert ("last_topic", "salary") in result.slot_events
    assert set(amounts_in_text(result.text)) <= SALARY_FIGURES


def test_entry_level_gives_16000_and_the_qualified_25000(say) -> None:
    result = say(ActionTellSalary, "what's the entry level pay", "ask_salary", {"level": "entry"})
    assert_salary_reply(result)
    assert "E-commerce management, entry level: from around £16,000 a year." in result.text
    assert "Also: entry level with relevant qualifications, from around £25,000 a year." in result.text
    assert "Entry-level positions typically start at around this figure." in result.text
    assert result.text.endswith(SOURCE_LINE)
    assert result.slots["level"] == "entry"
    assert amounts_in_text(result.text) == [16_000, 25_000]


def test_an_employer_named_with_a_level_gets_that_employers_figures(say) -> None:
    result = say(ActionTellSalary, "what do mcdonalds trainee managers earn?", "ask_salary", {"level": "entry"},
                 career="retail-management")
    lines = result.text.splitlines()
    assert lines[0] == "Retail management pay: £22,000 to £25,000 a year (2019 figure)."
    assert "McDonald's trainee managers" in lines[1]
    assert lines[-1] == "Source: TARGETjobs"
    assert ("last_topic", "salary") in result.slot_events


def test_a_qualified_start_is_told_in_its_own_words_with_its_source(say) -> None:
    result = say(ActionTellSalary, "what's the entry level pay", "ask_salary", {"level": "entry"},
                 career="retail-management")
    assert "relevant qualifications" not in result.text
    line = next(line for line in result.text.splitlines() if line.startswith("Also: "))
    assert "career changer" in line and "£53,485" in line
    assert "newshub.co.uk" in result.text.splitlines()[-1] or "Nantwich" in result.text.splitlines()[-1]


def test_mid_level_gives_29000_to_55000(say) -> None:
    result = say(ActionTellSalary, "mid level salary?", "ask_salary", {"level": "mid"})
    assert_salary_reply(result)
    assert "E-commerce management, mid-level: £29,000 to £55,000 a year." in result.text
    assert "What mid-level e-commerce managers can expect to earn." in result.text
    assert amounts_in_text(result.text) == [29_000, 55_000]
    assert result.slots["level"] == "mid"


def test_senior_gives_52000_to_over_120000_and_the_60000_experienced_note(say) -> None:
    result = say(ActionTellSalary, "how much do seniors get", "ask_salary", {"level": "senior"})
    assert_salary_reply(result)
    assert "E-commerce management, senior: £52,000 to over £120,000 a year." in result.text
    assert ("The same source also says: experienced e-commerce managers with a proven record of "
            "driving growth can reach the upper end of £60,000 a year.") in result.text
    assert amounts_in_text(result.text) == [52_000, 120_000, 60_000]
    assert result.slots["level"] == "senior"


def test_experienced_level_mentions_the_senior_band_too(say) -> None:
    result = say(ActionTellSalary, "and experienced?", "ask_salary", {"level": "experienced"})
    assert_salary_reply(result)
    assert result.text.startswith(
        "E-commerce management, experienced e-commerce managers: up to £60,000 a year.")
    assert "senior positions, from £52,000 to over £120,000." in result.text


def test_director_level_gives_78000_to_142000_or_more(say) -> None:
    result = say(ActionTellSalary, "what do directors earn", "ask_salary", {"level": "director"})
    assert_salary_reply(result)
    assert "E-commerce management, director level: £78,000 to over £142,000 a year." in result.text
    assert ("The most experienced professionals, especially in director-level roles, may earn "
            "this or more.") in result.text
    assert amounts_in_text(result.text) == [78_000, 142_000]
    assert result.slots["level"] == "director"


@pytest.mark.parametrize("level, others", [
    ("entry", ["Mid-level pay", "Senior pay", "Director pay"]),
    ("mid", ["Entry level pay", "Senior pay", "Director pay"]),
    ("director", ["Entry level pay", "Mid-level pay", "Senior pay"]),
])
def test_level_buttons_offer_the_other_levels(say, level: str, others: list[str]) -> None:
    result = say(ActionTellSalary, f"/ask_salary{{\"level\":\"{level}\"}}", "ask_salary",
                 {"level": level})
    assert result.titles == [*others, "What affects pay?"]
    assert result.buttons[-1]["payload"] == "/ask_pay_factors"


def test_director_role_entity_gives_the_director_band(say) -> None:
    result = say(ActionTellSalary, "how much does a director of ecommerce earn", "ask_salary",
                 {"role": "director-of-ecommerce"})
    assert_salary_reply(result)
    assert result.text.startswith("Director of e-commerce: £78,000 to over £142,000 a year.")
    assert result.slots == {"level": "director", "role": "director-of-ecommerce",
                            "last_topic": "salary"}


def test_manager_role_entity_gives_the_mid_band(say) -> None:
    result = say(ActionTellSalary, "what's an ecommerce manager's salary", "ask_salary",
                 {"role": "ecommerce-manager"})
    assert_salary_reply(result)
    assert result.text.startswith("E-commerce manager: £29,000 to £55,000 a year.")
    assert result.slots["role"] == "ecommerce-manager"
    assert result.slots["level"] == "mid"


def test_typo_in_text_without_entities_still_finds_the_manager(say) -> None:
    result = say(ActionTellSalary, "how much do ecommerce manger make", "ask_salary")
    assert_salary_reply(result)
    assert result.text.startswith("E-commerce manager: £29,000 to £55,000 a year.")
    assert result.slots["role"] == "ecommerce-manager"


def test_no_entity_and_no_context_lists_every_band(say) -> None:
    result = say(ActionTellSalary, "how much is the pay?", "ask_salary")
    assert_salary_reply(result)
    lines = result.text.splitlines()
    assert lines[0] == "E-commerce management pay runs from about £16,000 to £142,000 or more a year:"
    assert lines[1:8] == [
        "- Entry level: from around £16,000 a year",
        "- Entry level with relevant qualifications: from around £25,000 a year",
        "- Mid-level: £29,000 to £55,000 a year",
        "- Experienced e-commerce managers: up to £60,000 a year",
        "- Senior: £52,000 to over £120,000 a year",
        "- Director level: £78,000 to over £142,000 a year",
        "",
    ]
    assert result.titles == ["Entry level pay", "Mid-level pay", "What affects pay?", "Career ladder"]
    # Nothing to remember but the topic.
    assert result.slot_events == [("last_topic", "salary")]


def test_button_payload_without_entities_gives_the_overview(say) -> None:
    result = say(ActionTellSalary, "/ask_salary", "ask_salary")
    assert result.text.startswith("E-commerce management pay runs from about £16,000")


def test_role_slot_gives_that_roles_band_when_nothing_is_named(say) -> None:
    result = say(ActionTellSalary, "and how much does that pay?", "ask_salary",
                 slots={"role": "senior-ecommerce-manager"})
    assert_salary_reply(result)
    assert result.text.startswith("Senior e-commerce manager: £52,000 to over £120,000 a year.")
    assert result.slots["role"] == "senior-ecommerce-manager"
    assert result.slots["level"] == "senior"


def test_level_slot_is_used_when_nothing_is_named(say) -> None:
    result = say(ActionTellSalary, "/ask_salary", "ask_salary", slots={"level": "mid"})
    assert "E-commerce management, mid-level: £29,000 to £55,000 a year." in result.text


def test_level_entity_beats_the_role_in_context(say) -> None:
    result = say(ActionTellSalary, "/ask_salary", "ask_salary", {"level": "director"},
                 slots={"role": "ecommerce-manager"})
    assert result.text.startswith("E-commerce management, director level: £78,000 to over £142,000")
    # The manager in context is not the role whose pay was given, so it is cleared.
    assert result.slots["role"] is None


@pytest.mark.parametrize("entities", [{"role": "ecommerce-specialist"}, None])
def test_role_without_a_pay_level_gets_no_invented_figure(say, entities) -> None:
    result = say(ActionTellSalary, "what does an ecommerce specialist earn", "ask_salary", entities)
    assert_salary_reply(result)
    lines = result.text.splitlines()
    assert lines[0] == "My sources give no pay figure for e-commerce specialist roles specifically."
    # Only the labelled bands either side, quoted exactly; no figure for the specialist itself.
    assert lines[1:3] == ["- Entry level: from around £16,000 a year",
                          "- Mid-level: £29,000 to £55,000 a year"]
    assert "Specialist:" not in result.text and "specialist: £" not in result.text
    assert amounts_in_text(result.text) == [16_000, 29_000, 55_000]
    assert result.slots == {"role": "ecommerce-specialist", "last_topic": "salary"}
    assert "level" not in result.slots


def test_pay_factors_lists_experience_company_size_and_location(say) -> None:
    result = say(ActionTellPayFactors, "what affects pay", "ask_pay_factors")
    assert result.text.splitlines()[:4] == [
        "Pay in e-commerce management varies a lot. The main factors:",
        "- Experience: Pay rises substantially as you build expertise and take on more "
        "responsibility.",
        "- Company size: Pay varies with the size of the company you work for.",
        "- Location: Pay varies with where the job is based.",
    ]
    assert result.text.endswith(SOURCE_LINE)
    assert amounts_in_text(result.text) == []
    assert result.slot_events == [("last_topic", "pay_factors")]


# -- which career, and careers with several sources ---------------------------------------------
def test_pay_with_no_career_asks_which_and_keeps_the_level(say, careers) -> None:
    result = say(ActionTellSalary, "what's the entry level pay?", "ask_salary", {"level": "entry"},
                 career=None)
    assert result.text == "Which career do you mean? I can answer for each of these:"
    assert result.buttons == [
        {"title": name, "payload": f'/ask_salary{{"level":"entry","career":"{slug}"}}'}
        for slug, name in careers.items()]
    assert amounts_in_text(result.text) == []
    assert result.slot_events == [("last_topic", "salary")]


def test_a_generic_title_with_no_career_asks_among_the_careers_with_that_title(
        say, careers, careers_titled) -> None:
    result = say(ActionTellSalary, "what does a manager earn", "ask_salary", career=None)
    titled = careers_titled("manager")
    assert 1 < len(titled) < len(careers)  # several careers have managers; not every one does
    assert result.text == '"Manager" is a job title in several careers. Which one do you mean?'
    assert result.titles == [careers[slug] for slug in titled]
    for button, slug in zip(result.buttons, titled, strict=True):
        intent, _, entities = button["payload"].partition("{")
        assert intent == "/ask_salary"
        assert json.loads("{" + entities)["career"] == slug
    assert amounts_in_text(result.text) == []
    assert result.slot_events == [("last_topic", "salary")]


def test_the_pages_career_answers_and_says_so(say) -> None:
    result = say(ActionTellSalary, "how much does it pay?", "ask_salary", career=None,
                 metadata={"career": "retail-buying"})
    body = result.text.split("\n\n")[0].splitlines()
    assert body[0] == "Retail buying pay runs from about £12,000 to £102,800 a year:"
    assert body[-1] == ("(That's for retail buying, the career this page is about: name another "
                        "career to ask about it.)")
    assert result.text.splitlines()[-1].startswith("Sources: National Careers Service; ")
    assert result.slot_events == [("career", "retail-buying"), ("last_topic", "salary")]


def test_a_level_several_sources_give_lists_each_source_with_old_figures_dated(say) -> None:
    result = say(ActionTellSalary, "what's the pay at the start?", "ask_salary", {"level": "entry"},
                 career="retail-buying")
    lines = result.text.splitlines()
    assert lines[:12] == [
        "Retail buying, starter, by source:",
        "- Starter: £18,000 to £30,000 a year (National Careers Service)",
        "- Starting salary (older profile): from £12,000 a year (cross-stitch-centre.co.uk)",
        "- Junior buyer, starting: £18,000 to £25,000 a year (Prospects)",
        "- Junior buyer or buyer's assistant: £25,000 to £35,000 a year (fnfcampustour.com)",
        "- Buyer's admin assistant, London start: average of £20,835 a year "
        "(Fashion & Retail Personnel, 2012 figure)",
        "- Junior buyer, high street womenswear: £28,000 to £32,000 a year (Drapers)",
        "- Junior buying role: £16,000 to £25,000 a year (Retail Appointment)",
        "- Buying and merchandising assistant (median): median of £33,133 a year "
        "(Institute for Apprenticeships and Technical Education)",
        "- Buyer's admin assistant, London: £16,000 to £20,000 a year "
        "(livvym1994.blogspot.com, 2011 figure)",
        "- Assistant buyer, London: £20,000 to £28,000 a year (livvym1994.blogspot.com, 2011 figure)",
        "- Junior buyer, London: £28,000 to £35,000 a year (livvym1994.blogspot.com, 2011 figure)",
    ]
    assert lines[-1].startswith("Sources: National Careers Service; cross-stitch-centre.co.uk; Prospects")
    # The conversation was already about retail buying: the career slot is not set again.
    assert result.slot_events == [("level", "entry"), ("role", None), ("last_topic", "salary")]


def test_a_pay_factor_question_naming_cases_gives_their_figures_first(say) -> None:
    result = say(ActionTellPayFactors, "are marketers paid better in banking or in charities?",
                 "ask_pay_factors", career="marketing-management")
    lines = result.text.splitlines()
    assert lines[0] == "Marketing management pay in the cases you name, by source:"
    figures = [line for line in lines[1:] if line.startswith("- ") and "£" in line and "(" in line]
    assert any("banking" in line.lower() for line in figures[:3])
    assert any("charit" in line.lower() for line in figures[:3])
    assert "What the sources say about it:" in lines  # the sector factor that names charities
    assert lines[-1] == "Source: City A.M."
    assert result.slot_events == [("last_topic", "pay_factors")]


def test_a_general_pay_factor_question_lists_every_factor(say) -> None:
    result = say(ActionTellPayFactors, "what makes pay go up or down?", "ask_pay_factors",
                 career="marketing-management")
    assert result.text.splitlines()[0] == "Pay in marketing management varies a lot. The main factors:"


def test_cases_a_pay_question_names_beat_the_role_remembered_from_before(say) -> None:
    result = say(ActionTellSalary, "what do banks pay marketers?", "ask_salary",
                 career="marketing-management", slots={"role": "marketing-director"})
    lines = result.text.splitlines()
    assert all("bank" in line.lower() for line in lines[1:] if line.startswith("- "))
    assert any("bank" in line.lower() for line in lines[1:])
