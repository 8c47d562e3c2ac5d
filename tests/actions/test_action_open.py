"""Questions no intent answers: retrieved passages with sources, "not covered", and negative feedback."""
from __future__ import annotations

from actions.feedback import ActionFeedbackNegative
from actions.open import ANSWER, ActionAnswerOpen
from knowledge.retrieval import retrieve


def test_an_unrecognised_question_the_passages_answer_gets_them_with_their_source(say, knowledge) -> None:
    text = "would volunteering help me get some experience?"
    with knowledge() as session:
        hits = retrieve(session, text, {"social-media-management"})
    assert hits[0].score >= ANSWER  # the premise: the content answers this
    result = say(ActionAnswerOpen, text, "nlu_fallback", career="social-media-management")
    lines = result.text.splitlines()
    assert lines[0] == "Here is what my sources say about that:"
    assert any("volunteer" in line.lower() for line in lines[1:3])
    assert lines[-1].startswith(("Source: ", "Sources: "))
    assert "Talk to an adviser" in result.titles
    assert result.slot_events[-1] == ("last_topic", "retrieved")


def test_a_question_the_sources_do_not_cover_says_so_and_offers_an_adviser(say) -> None:
    result = say(ActionAnswerOpen, "will robots take all these jobs by 2040?", "ask_uncovered",
                 career="merchandising")
    assert result.text.startswith("My sources on retail merchandising don't cover that, so I won't guess.")
    assert "careers adviser" in result.text
    assert result.buttons[0] == {"title": "Talk to an adviser", "payload": "/request_human"}
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_an_unrecognised_question_nothing_answers_is_not_covered(say) -> None:
    result = say(ActionAnswerOpen, "which football team should I support in the cup final?", "nlu_fallback",
                 career="data-analysis")
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_a_message_that_is_no_question_still_gets_the_clarifying_question(say) -> None:
    for text in ("hmm", "blorp fizzle wub"):
        result = say(ActionAnswerOpen, text, "nlu_fallback")
        assert result.text == "I'm not sure I understood. Did you mean one of these?"
        assert result.slot_events == []


def test_with_no_career_the_passages_of_every_career_are_searched_and_named(say) -> None:
    result = say(ActionAnswerOpen, "could doing unpaid work for a charity help me get into social media?",
                 "nlu_fallback", career=None)
    assert result.slot_events[-1][1] in ("retrieved", "not_covered")
    if result.slot_events[-1][1] == "retrieved":
        assert "(for " in result.text or "social media" in result.text.lower()


def test_negative_feedback_apologises_and_offers_rephrasing_and_an_adviser(say) -> None:
    result = say(ActionFeedbackNegative, "that was no help", "feedback_negative", career="retail-buying")
    lines = result.text.splitlines()
    assert lines[0] == "Sorry, that answer didn't help."
    assert lines[1].startswith("You could ask in another way") and "buyer" in lines[1].lower()
    assert result.titles == ["Talk to an adviser", "What can you do?"]
    assert ("last_topic", "retrieved") not in result.slot_events
    assert result.slot_events == []


def test_an_unsure_intent_leaning_to_not_covered_gets_the_honest_reply(say) -> None:
    from actions.salary import ActionTellPayFactors

    ranking = [{"name": "ask_pay_factors", "confidence": 0.55}, {"name": "ask_uncovered", "confidence": 0.3}]
    result = say(ActionTellPayFactors, "how should I go about asking my boss for more money?", "ask_pay_factors",
                 career="retail-management", confidence=0.55, intent_ranking=ranking)
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_a_sure_intent_keeps_its_answer(say) -> None:
    from actions.salary import ActionTellPayFactors

    ranking = [{"name": "ask_pay_factors", "confidence": 0.9}, {"name": "ask_uncovered", "confidence": 0.05}]
    result = say(ActionTellPayFactors, "what affects how much people get paid?", "ask_pay_factors",
                 career="retail-management", confidence=0.9, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "pay_factors")


def test_an_unsure_intent_gives_way_to_a_passage_of_another_topic_that_answers_clearly(say, knowledge) -> None:
    from actions.salary import ActionTellSalary

    text = "would volunteering help me get some experience?"
    ranking = [{"name": "ask_salary", "confidence": 0.5}, {"name": "ask_experience", "confidence": 0.3}]
    result = say(ActionTellSalary, text, "ask_salary", career="social-media-management", confidence=0.5,
                 intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "retrieved")
    assert "volunteer" in result.text.lower()


def test_a_sure_intent_whose_answer_misses_the_detail_asked_gives_way_to_the_passage_with_it(say) -> None:
    from actions.entry import ActionTellApprenticeships

    text = "how old must you be to start the buying apprenticeship at the Fashion Retail Academy?"
    ranking = [{"name": "ask_apprenticeships", "confidence": 0.97}]
    result = say(ActionTellApprenticeships, text, "ask_apprenticeships", career="retail-buying", confidence=0.97,
                 intent_ranking=ranking)
    lines = result.text.splitlines()
    assert result.slot_events[-1] == ("last_topic", "retrieved")
    assert lines[0] == "Here is what my sources say about that:"
    assert "16" in lines[1] and "Fashion Retail Academy" in lines[1]


def test_a_sure_intent_whose_answer_uses_the_questions_words_keeps_it(say) -> None:
    from actions.role import ActionTellConditions

    ranking = [{"name": "ask_conditions", "confidence": 0.98}]
    result = say(ActionTellConditions, "can data analysts work from home?", "ask_conditions", career="data-analysis",
                 confidence=0.98, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "conditions")


def test_an_unsure_intent_asked_about_something_no_source_mentions_is_not_covered(say) -> None:
    from actions.role import ActionTellImportance

    ranking = [{"name": "ask_importance", "confidence": 0.5}, {"name": "ask_salary", "confidence": 0.2}]
    result = say(ActionTellImportance, "is it a big deal in Aberystwyth?", "ask_importance",
                 career="retail-management", confidence=0.5, intent_ranking=ranking)
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_home_working_asked_where_only_other_careers_sources_mention_it_is_not_covered(say) -> None:
    from actions.role import ActionTellConditions

    ranking = [{"name": "ask_conditions", "confidence": 0.97}]
    result = say(ActionTellConditions, "can merchandisers work from home?", "ask_conditions",
                 career="merchandising", confidence=0.97, intent_ranking=ranking)
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_a_question_about_a_named_qualification_leads_with_its_own_passage(say) -> None:
    from actions.entry import ActionTellApprenticeships

    ranking = [{"name": "ask_apprenticeships", "confidence": 0.95}]
    result = say(ActionTellApprenticeships, "who designed the retail leader degree apprenticeship?",
                 "ask_apprenticeships", career="retail-management", confidence=0.95, intent_ranking=ranking)
    lines = result.text.splitlines()
    assert lines[1].startswith("- Retail leader degree apprenticeship:")
    assert result.slot_events[-1] == ("last_topic", "retrieved")


def test_words_learners_frame_many_intents_with_are_not_taken_for_topics() -> None:
    from actions.intent_words import framing_stems
    from actions.open import FRAMING_EXAMPLES, FRAMING_INTENTS, NOT_ANSWERING
    from knowledge.words import stems

    framing = framing_stems(NOT_ANSWERING, FRAMING_INTENTS, FRAMING_EXAMPLES)
    assert stems("difference switch") <= framing
    assert not stems("home bonus") & framing


def test_words_of_one_meaning_share_a_stem_and_others_keep_theirs() -> None:
    from knowledge.words import stems

    assert stems("work from home") == stems("working remotely") == stems("hybrid")
    assert stems("homewares") != stems("home")


def test_a_sure_intent_asked_about_something_neither_sources_nor_learners_mention_is_not_covered(say) -> None:
    from actions.role import ActionTellImportance

    ranking = [{"name": "ask_importance", "confidence": 0.95}]
    result = say(ActionTellImportance, "is it a big deal in Aberystwyth?", "ask_importance",
                 career="retail-management", confidence=0.95, intent_ranking=ranking)
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_an_unsure_intent_asked_about_what_only_another_careers_sources_mention_is_not_covered(say, knowledge) -> None:
    from actions.role import ActionTellImportance
    from knowledge.retrieval import passage_index

    with knowledge() as session:  # the premise: only another career's passages name the city
        assert passage_index(session).stem_careers["brist"] == {"data-analysis"}
    ranking = [{"name": "ask_importance", "confidence": 0.5}, {"name": "ask_salary", "confidence": 0.2}]
    result = say(ActionTellImportance, "how many store jobs are there in Bristol right now?", "ask_importance",
                 career="retail-management", confidence=0.5, intent_ranking=ranking)
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_a_certification_named_whole_in_a_requirements_question_leads_with_its_own_passage(say) -> None:
    from actions.entry import ActionTellRequirements

    ranking = [{"name": "ask_requirements", "confidence": 0.99}]
    result = say(ActionTellRequirements, "What do you need to become a Chartered Marketer?", "ask_requirements",
                 career="marketing-management", confidence=0.99, intent_ranking=ranking)
    lines = result.text.splitlines()
    assert result.slot_events[-1] == ("last_topic", "retrieved")
    assert lines[1].startswith("- Chartered Marketer (CMktr):")


def test_a_reply_naming_the_thing_asked_about_keeps_its_answer(say) -> None:
    from actions.entry import ActionTellApprenticeships

    ranking = [{"name": "ask_apprenticeships", "confidence": 0.99}]
    result = say(ActionTellApprenticeships, "retail manager apprenticeship?", "ask_apprenticeships",
                 career="retail-management", confidence=0.99, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "apprenticeships")


def test_not_covered_names_a_nearest_passage_only_when_it_shares_a_word_of_the_question(say, knowledge) -> None:
    from actions.open import shares_a_word
    from knowledge.retrieval import retrieve

    text = "how many retail buying jobs are there in Aberystwyth right now?"
    result = say(ActionAnswerOpen, text, "ask_uncovered", career="retail-buying")
    assert "don't cover that" in result.text
    with knowledge() as session:
        hits = retrieve(session, text, {"retail-buying"})
        assert not shares_a_word(session, text, hits[0])  # only the career's own name is shared
    assert "The nearest thing they say" not in result.text
    with knowledge() as session:  # a passage on the question's own words does count
        asked = "what software do allocators use for split lists?"
        hits = retrieve(session, asked, {"merchandising"})
        assert any(shares_a_word(session, asked, h) and "split" in h.text for h in hits)


def test_a_passage_with_most_of_the_missed_words_answers_even_when_worded_unlike_the_question(say) -> None:
    from actions.role import ActionTellTeams

    ranking = [{"name": "ask_teams", "confidence": 0.8}, {"name": "ask_role", "confidence": 0.1}]
    result = say(ActionTellTeams, "whose job is it to do the split lists for the warehouse team?", "ask_teams",
                 career="merchandising", confidence=0.8, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "retrieved")
    assert "split lists" in result.text.splitlines()[1]


def test_a_sure_intent_missing_words_the_nlu_half_thinks_uncovered_is_not_covered(say) -> None:
    from actions.entry import ActionTellExperience

    ranking = [{"name": "ask_experience", "confidence": 0.8}, {"name": "ask_uncovered", "confidence": 0.18}]
    result = say(ActionTellExperience, "any tips on my cv for a buying placement?", "ask_experience",
                 career="retail-buying", confidence=0.8, intent_ranking=ranking)
    assert "don't cover that" in result.text
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_an_unsure_intent_gives_way_to_a_passage_of_its_own_topic_its_answer_leaves_out(say) -> None:
    from actions.role import ActionTellRole

    ranking = [{"name": "ask_role", "confidence": 0.46}, {"name": "ask_conditions", "confidence": 0.38}]
    result = say(ActionTellRole, "at a smaller firm, does one person end up doing the buying and merchandising?",
                 "ask_role", career="merchandising", confidence=0.46, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "retrieved")
    assert "smaller" in result.text.splitlines()[1]


def test_words_the_other_likely_intents_are_asked_with_do_not_send_an_unsure_intent_to_passages(say) -> None:
    from actions.progression import ActionTellPath

    ranking = [{"name": "ask_path", "confidence": 0.5}, {"name": "ask_next_step", "confidence": 0.3},
               {"name": "ask_progression", "confidence": 0.18}]
    result = say(ActionTellPath, "the ladder in digital marketing from assistant to director?", "ask_path",
                 {"level": "director"}, career="digital-marketing", confidence=0.5, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "path")


def test_a_qualification_named_in_words_one_of_the_careers_own_fits_keeps_the_career(say) -> None:
    from actions.entry import ActionTellApprenticeships

    text = "tell me about a marketing apprenticeship"
    start = text.index("marketing")
    entity = [{"entity": "qualification", "value": "marketing-degree-apprenticeship", "start": start,
               "end": len(text)}]
    ranking = [{"name": "ask_apprenticeships", "confidence": 0.97}]
    kept = say(ActionTellApprenticeships, text, "ask_apprenticeships", entity, career="digital-marketing",
               confidence=0.97, intent_ranking=ranking)
    assert "digital marketing" in kept.text.splitlines()[0].lower()
    moved = say(ActionTellApprenticeships, text, "ask_apprenticeships", entity, career="retail-buying",
                confidence=0.97, intent_ranking=ranking)
    assert "e-commerce" in moved.text.splitlines()[0].lower()


def test_every_passage_topic_intent_and_every_answers_own_intent_name_an_action(domain) -> None:
    import importlib
    import inspect
    import pkgutil

    import actions
    from actions.base import KnowledgeAction
    from actions.open import TOPIC_INTENTS

    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    assert sorted(i for i in set(TOPIC_INTENTS.values()) if KnowledgeAction.for_intent(i) is None) == []
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    pending, unnamed = list(KnowledgeAction.__subclasses__()), []
    while pending:
        action = pending.pop()
        pending += action.__subclasses__()
        if not inspect.isabstract(action) and action.topic != "out_of_scope" and f"ask_{action.topic}" not in intents:
            unnamed.append(action.__name__)
    assert unnamed == []


def test_a_long_story_the_nlu_falls_back_on_gets_the_answer_its_guess_and_the_passages_agree_on(say) -> None:
    text = ("so I've been on the shop floor for five years, did a bit of supervising over christmas and my "
            "boss keeps saying I should step up, but what do retail managers actually do all day?")
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "request_plan", "confidence": 0.34},
               {"name": "ask_role", "confidence": 0.23}]
    result = say(ActionAnswerOpen, text, "nlu_fallback", career="retail-management", confidence=0.45,
                 intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "role")
    assert "Day to day" in result.text


def test_an_unsure_intent_whose_reply_is_about_the_role_named_keeps_it(say) -> None:
    from actions.progression import ActionTellPath

    ranking = [{"name": "ask_path", "confidence": 0.6}, {"name": "request_plan", "confidence": 0.29},
               {"name": "ask_requirements", "confidence": 0.1}]
    result = say(ActionTellPath, "how would i end up as a senior e-commerce manager", "ask_path",
                 {"role": "senior-ecommerce-manager"}, confidence=0.6, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "path")
    assert "Plan my route" in result.titles


def test_a_name_in_a_clause_that_only_gives_context_does_not_make_a_question_uncovered(say) -> None:
    from actions.skills import ActionTellSkills

    ranking = [{"name": "ask_skills", "confidence": 0.94}]
    kept = say(ActionTellSkills, "i live in Aberystwyth, what skills do i need?", "ask_skills",
               career="digital-marketing", confidence=0.94, intent_ranking=ranking)
    assert kept.slot_events[-1] == ("last_topic", "skills")
    asked = say(ActionTellSkills, "what skills do i need in Aberystwyth?", "ask_skills",
                career="digital-marketing", confidence=0.94, intent_ranking=ranking)
    assert asked.slot_events[-1] == ("last_topic", "not_covered")


def test_typos_are_judged_on_whole_words_so_a_place_is_not_taken_for_one(say) -> None:
    from actions.salary import ActionTellSalary

    ranking = [{"name": "ask_salary", "confidence": 0.99}]
    abroad = say(ActionTellSalary, "how much do managers earn in america?", "ask_salary",
                 career="ecommerce-management", confidence=0.99, intent_ranking=ranking)
    assert abroad.slot_events[-1] == ("last_topic", "not_covered")
    typo = say(ActionTellSalary, "whats the salry for a managment role?", "ask_salary",
               career="ecommerce-management", confidence=0.99, intent_ranking=ranking)
    assert typo.slot_events[-1] == ("last_topic", "salary")


def test_an_unsure_intent_whose_answer_holds_the_best_passage_keeps_it(say) -> None:
    from actions.role import ActionTellConditions

    ranking = [{"name": "ask_conditions", "confidence": 0.7}, {"name": "ask_uncovered", "confidence": 0.26}]
    result = say(ActionTellConditions, "do marketing directors end up working crazy long weeks", "ask_conditions",
                 career="marketing-management", confidence=0.7, intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "conditions")


def test_a_long_message_asking_briefly_about_a_place_nothing_mentions_is_not_covered(say) -> None:
    from actions.salary import ActionTellSalary

    text = ("so I've done two years on the tills and a bit of visual merchandising over the summer, and "
            "my partner has a job lined up near Winnipeg, what would a buyer earn in Winnipeg?")
    ranking = [{"name": "ask_salary", "confidence": 0.95}]
    result = say(ActionTellSalary, text, "ask_salary", career="retail-buying", confidence=0.95,
                 intent_ranking=ranking)
    assert result.slot_events[-1] == ("last_topic", "not_covered")


def test_a_statistic_the_content_holds_answers_even_when_the_nlu_thinks_it_uncovered(say) -> None:
    result = say(ActionAnswerOpen, "in 2014, how many people did retail in the UK employ?", "ask_uncovered",
                 career="retail-management")
    assert result.slot_events[-1] == ("last_topic", "retrieved")
    assert "2014" in result.text.splitlines()[1]


def test_an_answer_that_stands_says_when_the_sources_say_nothing_of_a_name_asked_about(say) -> None:
    from actions.salary import ActionTellSalary

    ranking = [{"name": "ask_salary", "confidence": 0.99}]
    named = say(ActionTellSalary, "whats the pay like at Tesco for store managers", "ask_salary",
                career="retail-management", confidence=0.99, intent_ranking=ranking)
    assert named.text.splitlines()[0] == ("My sources say nothing about Tesco in particular; "
                                          "here is what they say in general.")
    assert named.slot_events[-1] == ("last_topic", "salary")
    context = say(ActionTellSalary, "i work at Tesco, how much do store managers earn", "ask_salary",
                  career="retail-management", confidence=0.99, intent_ranking=ranking)
    assert "say nothing about" not in context.text
