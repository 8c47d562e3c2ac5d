"""Across careers: the careers covered, related careers people move into, and side-by-side comparisons."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, lower_first
from actions.progression import related_lines
from knowledge import queries
from knowledge.matching import normalise
from knowledge.pay import pounds
from knowledge.queries import CareerInfo, Citation


class ActionListCareers(KnowledgeAction):
    """The careers the knowledge base covers, each a button."""

    topic = "careers"
    action_name = "action_list_careers"
    needs_career = False

    def build(self, session: Session, ask: Ask) -> Reply:
        """One line per career with its summary's first sentence."""
        careers = queries.list_careers(session)
        lines = [f"I cover {len(careers)} careers. Pick one, or ask me to compare two:"]
        lines += [f"- {c.name}" for c in careers]
        return Reply(lines, [], [Button(c.name, "ask_role", {"career": c.slug}) for c in careers],
                     max_buttons=len(careers))


class ActionTellRelated(KnowledgeAction):
    """Careers people move into from this one, or work beside."""

    topic = "related"
    action_name = "action_tell_related"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Each related career with what links them and, where the base has it, its pay."""
        assert ask.career is not None
        lines, cites = related_lines(session, ask.career, limit=6)
        if not lines:
            return Reply([f"My sources don't link {ask.career.name.lower()} to other careers."], [],
                         [Button("Career ladder", "ask_progression"), Button("All careers", "ask_careers")])
        links = [r.slug for r in queries.related_careers(session, ask.career.slug) if r.slug][:3]
        return Reply([f"Careers linked to {ask.career.name.lower()}:", *lines], cites,
                     [Button(f"Compare with {queries.get_career(session, slug).name.lower()}", "ask_compare",
                             {"career": slug}) for slug in links]
                     + [Button("Career ladder", "ask_progression")])


def _pay_line(session: Session, career: CareerInfo) -> tuple[str, list[Citation]]:
    """"£16,000 at the start to £142,000 or more at the top (source)"."""
    bands = queries.salary_bands(session, career.slug)
    if not bands:
        return "my sources give no pay figures", []
    low, high, open_top = queries.overall_pay_range(session, career.slug)
    return (f"about {pounds(low)} to {pounds(high)}{' or more' if open_top else ''} a year across "
            f"{len(bands)} figure{'s' if len(bands) > 1 else ''}"), [bands[0].citation]


def _skill_keys(session: Session, career: str) -> dict[str, str]:
    return {normalise(s.name): s.name for s in queries.skills(session, career)}


def compare_careers(session: Session, first: CareerInfo, second: CareerInfo, text: str) -> Reply:
    """What each does, pay, ways in and the skills they share, side by side."""
    lines: list[str] = [f"{first.name} or {second.name.lower()}, side by side:"]
    cites: list[Citation] = []
    tops: list[tuple[int, str]] = []
    for career in (first, second):
        tasks = queries.responsibilities(session, career.slug)[:1]
        pay, pay_cites = _pay_line(session, career)
        routes = queries.entry_routes(session, career.slug)[:2]
        lines.append(f"{career.name}: {career.summary}")
        if tasks:
            lines.append("- Day to day: " + "; ".join(t.text.rstrip(".").lower() for t in tasks) + ".")
        lines.append(f"- Pay: {pay}.")
        if routes:
            lines.append("- Ways in: " + join_names([r.name.lower() for r in routes]) + ".")
        cites += [career.citation, *(t.citation for t in tasks), *pay_cites, *(r.citation for r in routes)]
        if queries.salary_bands(session, career.slug):
            tops.append((queries.overall_pay_range(session, career.slug)[1], career.name))
    shared = sorted(set(_skill_keys(session, first.slug)) & set(_skill_keys(session, second.slug)))
    if shared:
        names = [_skill_keys(session, first.slug)[k] for k in shared][:4]
        lines.append("Both ask for " + join_names([lower_first(n) for n in names]) + ".")
    liked = _liked_skill(session, (first, second), text)
    if liked:
        lines.append(liked)
    if len(tops) == 2 and tops[0][0] != tops[1][0]:
        best = max(tops)
        lines.append(f"The highest figure my sources give is in {best[1].lower()} ({pounds(best[0])}); "
                     "pay depends on the level and the employer.")
    return Reply(lines, cites,
                 [Button(f"{first.name} pay", "ask_salary", {"career": first.slug}),
                  Button(f"{second.name} pay", "ask_salary", {"career": second.slug}),
                  Button("Plan my route", "request_plan")], slots={"career": first.slug})


def _liked_skill(session: Session, careers: tuple[CareerInfo, CareerInfo], text: str) -> Optional[str]:
    """Which of the careers lists the skill the learner says they like, and why it matters there."""
    if text.startswith("/"):
        return None
    holders = []
    for career in careers:
        skill = queries.find_skill(session, text, career.slug)
        if skill:
            holders.append((career, skill))
    if not holders:
        return None
    return " ".join(f"{skill.name} is one of the skills {career.name.lower()} asks for: "
                    f"{lower_first(skill.why)}" for career, skill in holders)


class ActionCompareCareers(KnowledgeAction):
    """Two careers side by side, from the data."""

    topic = "compare"
    action_name = "action_compare_careers"
    needs_career = False

    def build(self, session: Session, ask: Ask) -> Reply:
        """The two careers the message (or the message and the conversation) names."""
        named = list(queries.careers_in_text(session, ask.text)) if not ask.text.startswith("/") else []
        for career in ask.careers_named:
            if career not in named:
                named.append(career)
        for known in (ask.career, ask.previous_career):
            if known and known not in named and len(named) < 2:
                named.insert(0, known)
        if len(named) < 2:
            others = [c for c in queries.list_careers(session) if c not in named]
            first = named[0] if named else None
            example = " and ".join(c.name.lower() for c in others[:2])
            question = (f"Which career would you like to compare {first.name.lower()} with?" if first
                        else f"Which two careers would you like to compare? Name them, for example "
                             f"\"compare {example}\".")
            return Reply([question], [], [Button(c.name, "ask_compare", {"career": c.slug}) for c in others],
                         slots={"career": first.slug if first else None}, max_buttons=len(others))
        return compare_careers(session, named[0], named[1], ask.text)
