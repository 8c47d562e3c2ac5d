"""Hand-written sentences with the (entity, canonical id) pairs a learner would mean by them.

Written for the benchmark, not taken from the NLU training data: varied phrasings, several entities per
sentence, overlapping spans (the longest should win) and sentences that should yield nothing.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntityCase:
    """A sentence and the set of (entity type, canonical id) pairs expected from it."""

    text: str
    expected: frozenset[tuple[str, str]]


def _case(text: str, *pairs: tuple[str, str]) -> EntityCase:
    return EntityCase(text, frozenset(pairs))


ENTITY_CASES: tuple[EntityCase, ...] = (
    # roles
    _case("How much would a senior e-commerce manager take home?",
          ("role", "senior-ecommerce-manager")),
    _case("What's the pay like for an omnichannel manager in London?",
          ("role", "multi-channel-ecommerce-manager")),
    _case("Could I go it alone as an ecom consultant later on?",
          ("role", "ecommerce-consultant")),
    _case("I'd love to build my own company selling candles on the web",
          ("role", "online-business-owner")),
    _case("Tell me what an international e-commerce manager gets up to",
          ("role", "global-ecommerce-manager")),
    _case("Is an SEO manager paid more than a social media manager?",
          ("role", "seo-ecommerce-manager"), ("role", "social-media-ecommerce-manager")),
    _case("How long until I could be an online retail director?",
          ("role", "director-of-ecommerce")),
    _case("What does a data-driven ecommerce manager spend the day on?",
          ("role", "data-driven-ecommerce-manager")),
    _case("After a couple of years as an e-commerce specialist, where next?",
          ("role", "ecommerce-specialist")),
    # levels
    _case("What does a junior earn in this field?", ("level", "entry")),
    _case("Give me the mid-career figure please", ("level", "mid")),
    _case("How much do seasoned pros in ecommerce make?", ("level", "experienced")),
    _case("What's the pay at director level?", ("level", "director")),
    _case("How much more do you get once you're qualified?", ("level", "entry-qualified")),
    _case("What do senior-level staff earn?", ("level", "senior")),
    # qualifications and certifications
    _case("Can I get in with a BTEC in business?", ("qualification", "btec")),
    _case("Are T Levels a sensible route into online retail?", ("qualification", "t-level")),
    _case("Tell me about the level 6 marketing apprenticeship",
          ("qualification", "marketing-degree-apprenticeship")),
    _case("Would an NVQ be enough to start?", ("qualification", "vocational-qualification")),
    _case("Is a digital marketer degree apprenticeship worth it compared with full-time study?",
          ("qualification", "digital-marketer-degree-apprenticeship")),
    _case("Should I get GAIQ certified before applying?",
          ("certification", "google-analytics-iq")),
    _case("Is the Google Analytics IQ exam worth the effort?",
          ("certification", "google-analytics-iq")),
    _case("Is a Facebook certification useful for this job?",
          ("certification", "facebook-blueprint")),
    # skills and kinds of skill
    _case("How good does my SEO need to be?", ("skill", "seo-sem")),
    _case("I'm weak at budgeting, does that matter?", ("skill", "budgeting")),
    _case("I'm a natural team player and good at presenting",
          ("skill", "teamwork"), ("skill", "communication")),
    _case("Do I need to know GA4 inside out?", ("skill", "google-analytics")),
    _case("Is leading a team part of the job?", ("skill", "leadership")),
    _case("How important is creative thinking for this?", ("skill", "creativity")),
    _case("Should I learn TikTok and Instagram ads?", ("skill", "social-media")),
    _case("Which is more useful, search engine optimisation or time management?",
          ("skill", "seo-sem"), ("skill", "organisation")),
    _case("Which soft skills matter most?", ("skill_kind", "soft")),
    _case("What technical skills should I brush up on?", ("skill_kind", "technical")),
    # where the learner stands
    _case("I'm in my final year studying business", ("stage", "university")),
    _case("I stack shelves at a supermarket", ("stage", "retail")),
    _case("I'm a customer service advisor at a call centre", ("stage", "customer-service")),
    _case("I've just finished my degree in history", ("stage", "graduate")),
    _case("I'm revising for my GCSEs right now", ("stage", "school")),
    _case("I'm a marketing coordinator at a charity", ("stage", "marketing")),
    # entry routes
    _case("Are internships a good way in?", ("entry_route", "work-experience")),
    _case("Could volunteering help my CV?", ("entry_route", "volunteering")),
    _case("Is a grad scheme the best way in?", ("entry_route", "graduate-scheme")),
    _case("Would free online courses be enough to learn the basics?",
          ("entry_route", "free-online-courses")),
    # several at once
    _case("What does a mid-level SEO manager earn?",
          ("level", "mid"), ("role", "seo-ecommerce-manager")),
    _case("I work in retail and want to become an ecommerce director",
          ("stage", "retail"), ("role", "director-of-ecommerce")),
    # nothing to find
    _case("What's the weather going to be like tomorrow?"),
    _case("Is it hard to change careers at forty?"),
    _case("Thanks, that was really helpful"),
)
