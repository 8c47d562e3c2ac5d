"""Progression: the ladder, the next rung, paths between rungs, specialisms, going independent."""
from __future__ import annotations

import re
from typing import Optional

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, lower_first
from actions.plan import stage_info
from actions.salary import describe_band
from knowledge import queries
from knowledge.matching import find_in_text
from knowledge.queries import CareerInfo, Citation, MoveInfo, RoleInfo


def pay_hint(session: Session, role: RoleInfo) -> str:
    """" (pay …, source)" for a role the content gives a figure for, else nothing."""
    band = queries.salary_for_role(session, role.slug)
    return f" (pay: {describe_band(band)}, {band.citation.source})" if band else ""


def related_lines(session: Session, career: CareerInfo, limit: int = 3) -> tuple[list[str], list]:
    """Careers people move into from `career`, with the first rung's pay where the base has it."""
    lines, cites = [], []
    for link in queries.related_careers(session, career.slug)[:limit]:
        pay = ""
        if link.slug:
            other = queries.get_career(session, link.slug)
            main = queries.get_role(session, other.main_role) if other.main_role else None
            pay = pay_hint(session, main) if main else ""
        lines.append(f"- {link.name}{pay}: {link.text}")
        cites.append(link.citation)
    return lines, cites


# A question about how long the climb takes, and a source's sentence that says how long.
_TIME_QUESTION = re.compile(r"\bhow (long|many years|quickly|fast|soon)\b|\bhow much time\b|\byears?\b")
_DURATION = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b[^.]{0,20}\b(years?|months?)\b")


def timing_lines(session: Session, career: str, moves: list[MoveInfo]) -> tuple[list[str], list[Citation]]:
    """What the sources say about how long the moves take, or the sources' gap on timings."""
    timed = [m for m in moves if _DURATION.search(m.description.lower())]
    if timed:
        return (["How long it takes, where the sources say:"]
                + [f"- {m.to_role.title}: {m.description}" for m in timed],
                [m.citation for m in timed])
    gaps = [g.text for g in queries.gaps(session, career, "progression")]
    return [gaps[0] if gaps else "My sources give no fixed timings: each step comes with experience and results."], []


class ActionTellProgression(KnowledgeAction):
    """The vertical ladder and the other directions people take."""

    topic = "progression"
    action_name = "action_tell_progression"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Ladder in order, then a line on specialisms and independence."""
        assert ask.career is not None
        career = ask.career.slug
        rungs = queries.ladder(session, career)
        vertical = queries.moves(session, kind="vertical", career=career)
        lines = [f"The usual {ask.career.name.lower()} ladder: " + " → ".join(r.title for r in rungs) + "."]
        specialisms = queries.list_roles(session, career, track="specialisation")
        independent = queries.list_roles(session, career, track="independent")
        if specialisms:
            lines.append("You can also specialise: " + join_names([r.title for r in specialisms]) + ".")
        if independent:
            lines.append("Or work for yourself: " + join_names([lower_first(r.title) for r in independent]) + ".")
        cited = [m.citation for m in vertical] + [r.citation for r in specialisms + independent]
        if _TIME_QUESTION.search(ask.text.lower()):
            timing, _ = timing_lines(session, career, vertical)
            lines.insert(1, " ".join(timing) if len(timing) == 1 else "\n".join(timing))
        return Reply(lines, cited,
                     [Button("Specialisms", "ask_specialisations"),
                      Button("Pay at each level", "ask_salary"),
                      Button("Networking and mentoring", "ask_networking"),
                      Button("Plan my route", "request_plan")])


class ActionTellNextStep(KnowledgeAction):
    """The next step up from a role (the learner's, or the one last talked about)."""

    topic = "next_step"
    action_name = "action_tell_next_step"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Next rung with pay, or the options at the top of the ladder."""
        assert ask.career is not None
        role = ask.role
        stage = next((s for s in ask.entities.get("stage", []) if stage_info(session, s)), None)
        if stage is not None and not ask.role_from_message:
            return stage_next_step(session, ask.career, stage)
        target = next((c for c in ask.careers_named if role is None or c.slug != role.career), None)
        if role is not None and ask.role_from_message and target is not None:
            return move_across(session, role, target)
        if role is None:
            return Reply(["Which role are you in now? Tell me and I'll show you the next step."],
                         [], [Button(r.title, "ask_next_step", {"role": r.slug})
                              for r in queries.ladder(session, ask.career.slug)[:4]])
        return next_step_reply(session, role)


def next_step_reply(session: Session, role: RoleInfo) -> Reply:
    """What comes after `role`: the next rung, or the branches when there is none."""
    up = queries.next_rung(session, role.slug)
    if up is not None:
        move = queries.moves_from(session, role.slug, kind="vertical")[0]
        here, above = lower_first(role.title), lower_first(up.title)
        lines = [f"After {here}, the next step up is {above}{pay_hint(session, up)}.", move.description]
        cites = [move.citation]
        if role.rank == 1:
            career = queries.get_career(session, role.career)
            moves, more = related_lines(session, career, 2)
            if moves:
                lines += ["People also move across into:", *moves]
                cites += more
        after = queries.next_rung(session, up.slug)
        buttons = [Button("And after that?", "ask_next_step", {"role": up.slug})] if after else []
        buttons += [Button("Skills to build", "ask_skills"), Button("Whole ladder", "ask_progression")]
        return Reply(lines, cites, buttons, slots={"role": up.slug})
    branches = queries.moves_from(session, role.slug)
    if role.track == "ladder" and role.rank and not branches:
        independent = queries.moves(session, kind="independent", career=role.career)
        lines = [f"{role.title} is the top of the ladder my sources describe."]
        if independent:
            lines.append("Beyond it, some people work for themselves: "
                         + join_names([m.name.lower() for m in independent]) + ".")
        career = queries.get_career(session, role.career)
        moves, cites = related_lines(session, career, 2)
        if moves:
            lines += ["Some move across into a related career:", *moves]
        return Reply(lines, [role.citation] + [m.citation for m in independent] + cites,
                     [Button("Going independent", "ask_self_employment"),
                      Button(f"{role.title} pay", "ask_salary", {"role": role.slug})],
                     slots={"role": role.slug})
    if branches:
        lines = [f"From {lower_first(role.title)} you can:"] + [f"- {b.name.lower()}: {b.description}"
                                                           for b in branches[:6]]
        return Reply(lines, [b.citation for b in branches],
                     [Button("Specialisms", "ask_specialisations"),
                      Button("Going independent", "ask_self_employment")], slots={"role": role.slug})
    return Reply([f"{role.title}: {role.summary} My sources don't describe a further step from here."],
                 [role.citation], [Button("Whole ladder", "ask_progression")], slots={"role": role.slug})


def stage_of(session: Session, career: CareerInfo) -> Optional[str]:
    """The learner stage that working in `career` amounts to, when the career is named like one."""
    names = {career.name.lower(), *career.synonyms}
    return next((s.key for s in queries.stages(session) if s.key.replace("-", " ") in names), None)


def move_across(session: Session, role: RoleInfo, target: CareerInfo) -> Reply:
    """From a job in one career into another: the link, the ways in, the first rung's pay, skills."""
    here = queries.get_career(session, role.career)
    lines = [f"From {lower_first(role.title)} into {target.name.lower()}:"]
    cites = []
    links = [r for r in queries.related_careers(session, here.slug) if r.slug == target.slug]
    links += [r for r in queries.related_careers(session, target.slug) if r.slug == here.slug]
    for link in links[:1]:
        lines.append(link.text)
        cites.append(link.citation)
    stage = stage_of(session, here)
    routes = queries.entry_routes(session, target.slug, stage=stage) if stage else []
    routes = routes or queries.entry_routes(session, target.slug)
    lines += [f"- {r.name}: {r.description}" for r in routes[:3]]
    cites += [r.citation for r in routes[:3]]
    for item in queries.qualifications(session, target.slug, "apprenticeship")[:1]:
        length = f" ({item.duration})" if item.duration else ""
        lines.append(f"- Or an apprenticeship such as {item.name}{length}.")
        cites.append(item.citation)
    first = queries.ladder(session, target.slug)[:1]
    if first:
        lines.append(f"The ladder starts at {lower_first(first[0].title)}{pay_hint(session, first[0])}.")
    skills = queries.skills(session, target.slug, kind="technical")[:3]
    if skills:
        lines.append("Skills to build: " + join_names([s.name for s in skills]) + ".")
        cites += [s.citation for s in skills]
    return Reply(lines, cites, [Button("Make me a full plan", "request_plan", {"career": target.slug}),
                                Button(f"Compare with {here.name.lower()}", "ask_compare", {"career": here.slug}),
                                Button("Skills in detail", "ask_skills", {"career": target.slug})],
                 slots={"career": target.slug, "role": first[0].slug if first else None})


def stage_next_step(session: Session, career: CareerInfo, stage: str) -> Reply:
    """Next steps into a career for someone not yet in it (from another job, or studying)."""
    info = stage_info(session, stage, career)
    assert info is not None
    routes = queries.entry_routes(session, career.slug, stage=stage)
    first = queries.ladder(session, career.slug)[:1]
    lines = [f"As someone {info.as_someone}, good next steps into {career.name.lower()}:"]
    lines += [f"- {r.name}: {r.description}" for r in routes[:4]]
    if not routes:
        lines.append("My sources name no route meant for your stage; these are the usual ways in:")
        lines += [f"- {r.name}: {r.description}" for r in queries.entry_routes(session, career.slug)[:3]]
    if first:
        lines.append(f"From there, the ladder starts at {lower_first(first[0].title)}{pay_hint(session, first[0])}.")
    return Reply(lines, [r.citation for r in routes],
                 [Button("Make me a full plan", "request_plan", {"stage": stage}),
                  Button("Skills to build", "ask_skills"), Button("Whole ladder", "ask_progression")])


def roles_in_order(session: Session, text: str, entities: list[str],
                   career: Optional[str] = None) -> list[RoleInfo]:
    """Roles mentioned in a message, in the order they appear ("from X to Y")."""
    roles = []
    for value in entities:
        role = queries.get_role(session, value) or queries.find_role(session, value, career)
        if role and role not in roles:
            roles.append(role)
    if len(roles) < 2 and " to " in text.lower():
        before, _, after = text.lower().partition(" to ")
        first = queries.find_role_in_text(session, before, career)
        second = queries.find_role_in_text(session, after, career)
        if first and second:
            roles = [first, second]
    return roles


class ActionTellPath(KnowledgeAction):
    """The steps between two rungs."""

    topic = "path"
    action_name = "action_tell_path"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The chain of moves from one role to another, with pay along the way."""
        assert ask.career is not None
        roles = roles_in_order(session, ask.text, ask.entities.get("role", []), ask.career.slug)
        start: Optional[RoleInfo] = roles[0] if len(roles) >= 2 else None
        goal: Optional[RoleInfo] = roles[1] if len(roles) >= 2 else (roles[0] if roles else ask.role)
        if start is None:
            ladder = queries.ladder(session, goal.career if goal else ask.career.slug)
            start = ladder[0] if ladder else None
        if start is None or goal is None:
            return Reply(["Tell me where you are and where you want to get to, for example "
                          "'from associate to director'."], [],
                         [Button("Whole ladder", "ask_progression"), Button("Plan my route", "request_plan")])
        path = queries.path_between(session, start.slug, goal.slug)
        if path is None:
            back = queries.path_between(session, goal.slug, start.slug)
            note = " It's a step down the ladder, not up." if back else ""
            route = f"from {lower_first(start.title)} to {lower_first(goal.title)}"
            return Reply([f"My sources show no route {route}.{note}"], [], [Button("Whole ladder", "ask_progression")])
        if not path:
            return Reply([f"You're already there: {goal.title}."], [],
                         [Button("What comes next?", "ask_next_step", {"role": goal.slug})])
        steps = f"{len(path)} step{'s' if len(path) > 1 else ''}"
        lines = [f"From {lower_first(start.title)} to {lower_first(goal.title)}, {steps}:"]
        lines += [f"{i}. {m.to_role.title}{pay_hint(session, m.to_role)}" for i, m in enumerate(path, 1)]
        timing, timed = timing_lines(session, goal.career, path)
        lines += timing
        return Reply(lines, [m.citation for m in path] + timed,
                     [Button("Skills to build", "ask_skills"), Button("Plan my route", "request_plan"),
                      Button("Networking and mentoring", "ask_networking")], slots={"role": goal.slug})


def specialism_in_text(roles: list[RoleInfo], text: str, main_title: str = "") -> Optional[RoleInfo]:
    """The specialism a message names by its focus alone ("the global one", "the data one")."""
    if text.startswith("/"):
        return None
    names: dict[str, str] = {}
    for role in roles:
        for phrase in filter(None, (role.focus, role.title, queries.own_words(role.title, main_title))):
            focus = phrase.lower()
            for name in {focus, focus.replace("-", " "), focus.replace("-", ""),
                         focus.split()[0].split("-")[0]}:
                names.setdefault(name, role.slug)
    slug = find_in_text(text, names)
    return next((r for r in roles if r.slug == slug), None)


class ActionTellSpecialisations(KnowledgeAction):
    """The specialist roles of the career (its specialisms)."""

    topic = "specialisations"
    action_name = "action_tell_specialisations"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Each specialism with its focus, or just the one the learner named."""
        assert ask.career is not None
        roles = queries.list_roles(session, ask.career.slug, track="specialisation")
        if not roles:
            return Reply([f"My sources name no specialisms in {ask.career.name.lower()}."], [],
                         [Button("Career ladder", "ask_progression"), Button("Related careers", "ask_related")])
        main = queries.get_role(session, ask.career.main_role) if ask.career.main_role else None
        title = main.title if main else ""
        named = ask.role if ask.role_from_message and ask.role and ask.role.track == "specialisation" \
            and ask.role.career == ask.career.slug else specialism_in_text(roles, ask.text, title)
        if named:
            role = named
            return Reply([f"{role.title}: {role.summary}",
                          f"It's one of {len(roles)} specialisms in {ask.career.name.lower()}."], [role.citation],
                         [Button("All specialisms", "ask_specialisations"),
                          Button("Career ladder", "ask_progression"),
                          Button("Skills needed", "ask_skills")], slots={"role": role.slug})
        lines = ["Instead of (or as well as) climbing the ladder, you can specialise:"]
        lines += [f"- {r.title}: {r.focus or r.summary}" for r in roles[:8]]
        return Reply(lines, [r.citation for r in roles],
                     [Button("Working for yourself", "ask_self_employment"),
                      Button("Technical skills", "ask_skills", {"skill_kind": "technical"}),
                      Button("Whole ladder", "ask_progression")])


class ActionTellSelfEmployment(KnowledgeAction):
    """Working for yourself: starting a business or consulting."""

    topic = "self_employment"
    action_name = "action_tell_self_employment"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The independent routes."""
        assert ask.career is not None
        routes = queries.moves(session, kind="independent", career=ask.career.slug)
        if not routes:
            return Reply([f"My sources don't describe working for yourself in {ask.career.name.lower()}."],
                         [], [Button("Career ladder", "ask_progression"),
                              Button("Talk to an adviser", "request_human")])
        lines = [f"Beyond employment, you can use your {ask.career.name.lower()} expertise to work for yourself:"]
        lines += [f"- {m.name}: {m.description}" for m in routes]
        lines.append("My sources give no pay figures for these routes.")
        return Reply(lines, [m.citation for m in routes],
                     [Button("Networking and mentoring", "ask_networking"),
                      Button("Specialisms", "ask_specialisations"),
                      Button("Skills needed", "ask_skills")])


class ActionTellNetworking(KnowledgeAction):
    """Networking and mentoring."""

    topic = "networking"
    action_name = "action_tell_networking"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Networking and mentoring advice."""
        assert ask.career is not None
        items = (queries.facts(session, "networking", ask.career.slug)
                 + queries.facts(session, "mentoring", ask.career.slug))
        if not items:
            return Reply([f"My sources say nothing specific about networking or mentoring in "
                          f"{ask.career.name.lower()}."], [],
                         [Button("Career ladder", "ask_progression"), Button("Talk to an adviser", "request_human")])
        lines = [f"- {i.topic.capitalize()}: {i.text}" for i in items]
        return Reply(["Two things that help you progress:", *lines], [i.citation for i in items],
                     [Button("Career ladder", "ask_progression"), Button("Plan my route", "request_plan"),
                      Button("Talk to an adviser", "request_human")])
