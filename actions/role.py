"""What the job is: day-to-day tasks, the teams it works with, and why companies need it."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, lower_first
from actions.salary import band_lines
from knowledge import queries
from knowledge.queries import RoleInfo

# A question about the job that also asks what it pays.
_ASKS_PAY = re.compile(r"\b(earn|earns|earning|paid|pay|pays|salary|salaries|wage)\b")


def rung_reply(session: Session, role: RoleInfo, career_name: str) -> Reply:
    """What a role is, where it sits on its ladder, its pay (with sources) and how people reach it."""
    lines = [f"{role.title}: {role.summary}"]
    cites = [role.citation]
    rungs = queries.ladder(session, role.career)
    slugs = [r.slug for r in rungs]
    if role.slug in slugs:
        at = slugs.index(role.slug)
        around = [r.title for r in rungs[max(0, at - 1):at + 2]]
        lines.append(f"It is step {at + 1} of {len(rungs)} on the {career_name.lower()} ladder ("
                     + " → ".join(around) + ").")
    bands = queries.salaries_for_role(session, role.slug)
    if bands:
        lines += band_lines("Pay", bands[:4])
        cites += [b.citation for b in bands[:4]]
    else:
        lines.append(f"My sources give no pay figure for {lower_first(role.title)} roles specifically.")
    into = [m for m in queries.moves(session, career=role.career) if m.to_role.slug == role.slug]
    if into:
        lines.append(f"How people get there: {lower_first(into[0].description)}")
        cites.append(into[0].citation)
    return Reply(lines, cites,
                 [Button("How do I get there?", "ask_path", {"role": role.slug}),
                  Button("What comes next?", "ask_next_step", {"role": role.slug}),
                  Button("Career ladder", "ask_progression")],
                 slots={"role": role.slug})


class ActionTellRole(KnowledgeAction):
    """Describe the role and its day-to-day tasks (or a specific role's summary)."""

    topic = "role"
    action_name = "action_tell_role"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Summary plus the main day-to-day tasks."""
        assert ask.career is not None
        career = ask.career
        if ask.role_from_message and ask.role and ask.role.slug != career.main_role:
            return rung_reply(session, ask.role, career.name)
        tasks = queries.responsibilities(session, career.slug)
        lines = [career.summary, "Day to day that means:"]
        lines += [f"- {t.text}" for t in tasks[:6]]
        cites = [career.citation, *(t.citation for t in tasks)]
        main = queries.get_role(session, career.main_role) if career.main_role else None
        if main and _ASKS_PAY.search(ask.text.lower()):  # "what do they do and what do they earn?"
            bands = queries.salaries_for_role(session, main.slug)[:4]
            lines += band_lines(f"{main.title} pay", bands) if bands else [
                f"My sources give no pay figure for {lower_first(main.title)} roles specifically."]
            cites += [b.citation for b in bands]
        return Reply(lines, cites,
                     [Button("Which teams?", "ask_teams"),
                      Button("Why it matters", "ask_importance"),
                      Button("Skills needed", "ask_skills"),
                      Button("How to get in", "ask_requirements")],
                     slots={"role": career.main_role})


class ActionTellTeams(KnowledgeAction):
    """Which teams the career's main role works with."""

    topic = "teams"
    action_name = "action_tell_teams"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The teams, from the career's works-with facts."""
        assert ask.career is not None
        teams = queries.facts(session, "works-with", ask.career.slug)
        if not teams:
            return Reply([f"My sources don't say which teams people in {ask.career.name.lower()} work with."],
                         [], [Button("Day-to-day tasks", "ask_role")])
        joined = join_names([t.text for t in teams])
        return Reply([f"In {ask.career.name.lower()} you work closely with {joined}."],
                     [t.citation for t in teams],
                     [Button("Day-to-day tasks", "ask_role"), Button("Soft skills", "ask_skills",
                                                                     {"skill_kind": "soft"}),
                      Button("Why it matters", "ask_importance")])


class ActionTellImportance(KnowledgeAction):
    """Why employers need the career's main role."""

    topic = "importance"
    action_name = "action_tell_importance"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The importance points, plus the outlook."""
        assert ask.career is not None
        points = (queries.facts(session, "importance", ask.career.slug)
                  + queries.facts(session, "outlook", ask.career.slug))
        if not points:
            return Reply([f"My sources don't say much about why {ask.career.name.lower()} matters to employers."],
                         [], [Button("Day-to-day tasks", "ask_role"), Button("Pay", "ask_salary")])
        return Reply([f"Why {ask.career.name.lower()} matters:", *(f"- {p.text}" for p in points[:6])],
                     [p.citation for p in points],
                     [Button("Pay", "ask_salary"), Button("How to get in", "ask_requirements"),
                      Button("Plan my route", "request_plan")])


class ActionTellConditions(KnowledgeAction):
    """Working life: hours, places, travel and competition for jobs."""

    topic = "conditions"
    action_name = "action_tell_conditions"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The working-conditions facts, or what the sources leave out."""
        assert ask.career is not None
        points = queries.facts(session, "working-conditions", ask.career.slug)
        gaps = [g.text for g in queries.gaps(session, ask.career.slug, "working-conditions")]
        if not points:
            return Reply([f"My sources don't describe hours or working conditions in "
                          f"{ask.career.name.lower()}.", *gaps], [],
                         [Button("Day-to-day tasks", "ask_role"), Button("Talk to an adviser", "request_human")])
        lines = [f"Working life in {ask.career.name.lower()}:", *(f"- {p.text}" for p in points[:6]), *gaps[:1]]
        return Reply(lines, [p.citation for p in points[:6]],
                     [Button("Day-to-day tasks", "ask_role"), Button("Pay", "ask_salary"),
                      Button("How to get in", "ask_requirements")])
