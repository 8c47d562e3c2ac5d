"""Distinctive words: coarse stems without filler, contractions, career names or role titles."""
from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from knowledge.words import asking_part, question_stems, stems


def test_stems_meet_across_endings_and_leave_out_filler_and_contractions() -> None:
    assert stems("Charities and a charity") == {"chari"}
    assert stems("What's the funding? I don't know, it's basically whatever") == {"fund", "whate"}
    assert stems("Aldi\u2019s programmes") == stems("aldi programme")
    assert stems("how many people would I need") == set()


def test_question_stems_leave_out_career_names_and_role_titles(loaded_factory: sessionmaker) -> None:
    with loaded_factory() as session:
        from knowledge import queries

        career = queries.list_careers(session)[0]
        role = queries.list_roles(session, career.slug)[0]
        found = question_stems(session, f"does a {role.title} at a {career.name} firm need a forklift licence?")
    assert found == stems("forklift licence firm")


def test_a_phrase_is_said_only_with_its_words_next_to_each_other_in_order() -> None:
    from knowledge.words import says_in_order

    assert says_in_order("Take the Retailer apprenticeship (Level 2).", "retail apprenticeship")
    assert not says_in_order("Chartered Institute of Marketing", "Chartered Marketer")
    assert not says_in_order("apprenticeship in retail", "retail apprenticeship")
    assert not says_in_order("anything at all", "")


def test_hyphenated_and_joined_spellings_share_their_stems() -> None:
    from knowledge.words import stems

    assert stems("reorders of stock") <= stems("re-ordering stock")
    assert stems("an ecommerce site") <= stems("an e-commerce site")
    assert stems("entry pay") <= stems("entry-level pay")


def test_the_asking_part_of_a_message_leaves_out_the_clauses_that_only_tell() -> None:
    assert asking_part("I live in Leeds, what skills do I need?") == "what skills do I need?"
    assert asking_part("ok so im a supervisor at a bakery chain. hows the pay?") == "hows the pay?"
    assert asking_part("tell me the pay in Bristol") == "tell me the pay in Bristol"
    assert asking_part("skills for buying") == "skills for buying"  # nothing visibly asks: all of it
