"""Distinctive words: coarse stems without filler, contractions, career names or role titles."""
from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from knowledge.words import question_stems, stems


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
