"""Progression: the ladder, the next rung, paths between rungs, specialisms, going independent."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names
from actions.plan import STAGE_LABELS
from actions.salary import describe_band
from knowledge import queries
from knowledge.matching import find_in_text
from knowledge.queries import RoleInfo


def pay_hint(session: Session, role: RoleInfo) -> str:
    """" (pay …)" for a role linked to a salary band, else nothing."""
    band = queries.salary_for_role(session, role.slug)
    return f" (pay: {describe_band(band)})" if band else ""


class ActionTellProgression(KnowledgeAction):
    """The vertical ladder and the other directions people take."""

    topic = "progression"
    action_name = "action_tell_progression"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Ladder in order, then a line on specialisms and independence."""
        rungs = queries.ladder(session)
        vertical = queries.moves(session, kind="vertical")
        lines = ["The usual ladder: " + " → ".join(r.title for r in rungs) + "."]
        specialisms = queries.list_roles(session, track="specialisation")
        independent = queries.list_roles(session, track="independent")
        if specialisms:
            lines.append("You can also specialise: " + join_names([r.title for r in specialisms]) + ".")
        if independent:
            lines.append("Or work for yourself: " + join_names([r.title.lower() for r in independent]) + ".")
        return Reply(lines, [m.citation for m in vertical] + [r.citation for r in specialisms + independent],
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
        role = ask.role
        stage = next((s for s in ask.entities.get("stage", []) if s in STAGE_LABELS), None)
        if stage is not None and not ask.role_from_message:
            return stage_next_step(session, stage)
        if role is None:
            return Reply(["Which role are you in now? Tell me and I'll show you the next step."],
                         [], [Button(r.title, "ask_next_step", {"role": r.slug})
                              for r in queries.ladder(session)[:4]])
        return next_step_reply(session, role)


def next_step_reply(session: Session, role: RoleInfo) -> Reply:
    """What comes after `role`: the next rung, or the branches when there is none."""
    up = queries.next_rung(session, role.slug)
    if up is not None:
        move = queries.moves_from(session, role.slug, kind="vertical")[0]
        lines = [f"After {role.title.lower()}, the next step up is {up.title.lower()}{pay_hint(session, up)}.",
                 move.description]
        after = queries.next_rung(session, up.slug)
        buttons = [Button("And after that?", "ask_next_step", {"role": up.slug})] if after else []
        buttons += [Button("Skills to build", "ask_skills"), Button("Whole ladder", "ask_progression")]
        return Reply(lines, [move.citation], buttons, slots={"role": up.slug})
    branches = queries.moves_from(session, role.slug)
    if role.track == "ladder" and role.rank and not branches:
        independent = queries.moves(session, kind="independent")
        lines = [f"{role.title} is the top of the ladder the guide describes."]
        if independent:
            lines.append("Beyond it, some people work for themselves: "
                         + join_names([m.name.lower() for m in independent]) + ".")
        return Reply(lines, [role.citation] + [m.citation for m in independent],
                     [Button("Going independent", "ask_self_employment"),
                      Button("Director pay", "ask_salary", {"role": role.slug})],
                     slots={"role": role.slug})
    if branches:
        lines = [f"From {role.title.lower()} you can:"] + [f"- {b.name.lower()}: {b.description}"
                                                           for b in branches[:6]]
        return Reply(lines, [b.citation for b in branches],
                     [Button("Specialisms", "ask_specialisations"),
                      Button("Going independent", "ask_self_employment")], slots={"role": role.slug})
    return Reply([f"{role.title}: {role.summary} The guide doesn't describe a further step from here."],
                 [role.citation], [Button("Whole ladder", "ask_progression")], slots={"role": role.slug})


def stage_next_step(session: Session, stage: str) -> Reply:
    """Next steps into e-commerce for someone not yet in it (a marketing assistant, a student)."""
    routes = queries.entry_routes(session, stage=stage)
    first = queries.ladder(session)[:1]
    lines = [f"As someone {STAGE_LABELS[stage]}, good next steps into e-commerce:"]
    lines += [f"- {r.name}: {r.description}" for r in routes[:4]]
    if first:
        lines.append(f"From there, the ladder starts at {first[0].title.lower()}{pay_hint(session, first[0])}.")
    return Reply(lines, [r.citation for r in routes],
                 [Button("Make me a full plan", "request_plan", {"stage": stage}),
                  Button("Skills to build", "ask_skills"), Button("Whole ladder", "ask_progression")])


def roles_in_order(session: Session, text: str, entities: list[str]) -> list[RoleInfo]:
    """Roles mentioned in a message, in the order they appear ("from X to Y")."""
    roles = []
    for value in entities:
        role = queries.get_role(session, value) or queries.find_role(session, value)
        if role and role not in roles:
            roles.append(role)
    if len(roles) < 2 and " to " in text.lower():
        before, _, after = text.lower().partition(" to ")
        first = queries.find_role_in_text(session, before)
        second = queries.find_role_in_text(session, after)
        if first and second:
            roles = [first, second]
    return roles


class ActionTellPath(KnowledgeAction):
    """The steps between two rungs."""

    topic = "path"
    action_name = "action_tell_path"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The chain of moves from one role to another, with pay along the way."""
        roles = roles_in_order(session, ask.text, ask.entities.get("role", []))
        start: Optional[RoleInfo] = roles[0] if len(roles) >= 2 else None
        goal: Optional[RoleInfo] = roles[1] if len(roles) >= 2 else (roles[0] if roles else None)
        if start is None:
            ladder = queries.ladder(session)
            start = ladder[0] if ladder else None
        if start is None or goal is None:
            return Reply(["Tell me where you are and where you want to get to, for example "
                          "'from associate to director'."], [],
                         [Button("Whole ladder", "ask_progression"), Button("Plan my route", "request_plan")])
        path = queries.path_between(session, start.slug, goal.slug)
        if path is None:
            back = queries.path_between(session, goal.slug, start.slug)
            note = " It's a step down the ladder, not up." if back else ""
            return Reply([f"The guide shows no route from {start.title.lower()} to {goal.title.lower()}.{note}"],
                         [], [Button("Whole ladder", "ask_progression")])
        if not path:
            return Reply([f"You're already there: {goal.title}."], [],
                         [Button("What comes next?", "ask_next_step", {"role": goal.slug})])
        lines = [f"From {start.title.lower()} to {goal.title.lower()}, {len(path)} step{'s' if len(path) > 1 else ''}:"]
        lines += [f"{i}. {m.to_role.title}{pay_hint(session, m.to_role)}" for i, m in enumerate(path, 1)]
        lines.append("The guide gives no fixed timings: each step comes with experience and results.")
        return Reply(lines, [m.citation for m in path],
                     [Button("Skills to build", "ask_skills"), Button("Plan my route", "request_plan"),
                      Button("Networking and mentoring", "ask_networking")], slots={"role": goal.slug})


def specialism_in_text(roles: list[RoleInfo], text: str) -> Optional[RoleInfo]:
    """The specialism a message names by its focus alone ("the global one", "seo")."""
    if text.startswith("/"):
        return None
    names: dict[str, str] = {}
    for role in roles:
        focus = role.title.lower().replace(" e-commerce manager", "")
        for name in {focus, focus.replace("-", " "), focus.replace("-", ""), focus.split()[0].split("-")[0]}:
            names.setdefault(name, role.slug)
    slug = find_in_text(text, names)
    return next((r for r in roles if r.slug == slug), None)


class ActionTellSpecialisations(KnowledgeAction):
    """The specialist roles of the career (its specialisms)."""

    topic = "specialisations"
    action_name = "action_tell_specialisations"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Each specialism with its focus, or just the one the learner named."""
        roles = queries.list_roles(session, track="specialisation")
        named = ask.role if ask.role_from_message and ask.role and ask.role.track == "specialisation" \
            else specialism_in_text(roles, ask.text)
        if named:
            role = named
            return Reply([f"{role.title}: {role.summary}",
                          f"It's one of {len(roles)} specialisms open to e-commerce managers."], [role.citation],
                         [Button("All specialisms", "ask_specialisations"),
                          Button("Career ladder", "ask_progression"),
                          Button("Skills needed", "ask_skills")], slots={"role": role.slug})
        lines = ["Instead of (or as well as) climbing the ladder, you can specialise:"]
        lines += [f"- {r.title}: {r.focus}" for r in roles]
        return Reply(lines, [r.citation for r in roles],
                     [Button("Own business or consulting", "ask_self_employment"),
                      Button("Technical skills", "ask_skills", {"skill_kind": "technical"}),
                      Button("Whole ladder", "ask_progression")])


class ActionTellSelfEmployment(KnowledgeAction):
    """Working for yourself: starting a business or consulting."""

    topic = "self_employment"
    action_name = "action_tell_self_employment"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The independent routes."""
        routes = queries.moves(session, kind="independent")
        lines = ["Beyond a corporate career, you can use your e-commerce expertise to work for yourself:"]
        lines += [f"- {m.name}: {m.description}" for m in routes]
        lines.append("The guide gives no pay figures for these routes.")
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
        items = queries.facts(session, "networking") + queries.facts(session, "mentoring")
        lines = [f"- {i.topic.capitalize()}: {i.text}" for i in items]
        return Reply(["Two things that help you progress:", *lines], [i.citation for i in items],
                     [Button("Career ladder", "ask_progression"), Button("Plan my route", "request_plan"),
                      Button("Talk to an adviser", "request_human")])
