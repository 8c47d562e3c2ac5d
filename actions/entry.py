"""Getting in: requirements, degrees, apprenticeships, A-level alternatives, certifications, experience."""
from __future__ import annotations

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, pounds
from knowledge import queries
from knowledge.queries import QualificationInfo


def apprentice_pay(qualification: QualificationInfo) -> str:
    """How the source describes an apprenticeship's starting pay."""
    if qualification.apprentice_pay_min_gbp is not None:
        about = "around " if qualification.apprentice_pay_approximate else ""
        return f"{about}{pounds(qualification.apprentice_pay_min_gbp)} a year to start"
    # Notes are whole sentences; drop the full stop so callers can punctuate the line.
    return (qualification.apprentice_pay_note or "pay not stated in the source").rstrip(".")


class ActionTellRequirements(KnowledgeAction):
    """What you need to get in, in brief."""

    topic = "requirements"
    action_name = "action_tell_requirements"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Entry requirements plus the main qualification routes."""
        notes = queries.facts(session, "entry-requirement")
        degree = queries.qualifications(session, kind="degree")
        apprenticeships = queries.qualifications(session, kind="degree-apprenticeship")
        lines = [notes[0].text if notes else "There is more than one way in."]
        if degree:
            lines.append(f"- A degree in a subject such as {', '.join(s.lower() for s in degree[0].subjects)}.")
        if apprenticeships:
            level = apprenticeships[0].framework_level
            lines.append(f"- Or a Level {level} degree apprenticeship in marketing or digital marketing, "
                         f"paid while you learn." if level else "- Or a degree apprenticeship.")
        starting = [r for r in queries.entry_routes(session) if r.kind == "starting-role"]
        if starting:
            names = join_names([r.name.lower() for r in starting])
            lines.append(f"- Hands-on experience, for example as {names}.")
        certs = queries.certifications(session)
        if certs:
            lines.append(f"- Certifications such as {join_names([c.name for c in certs])} strengthen your CV.")
        return Reply(lines, [n.citation for n in notes] + [q.citation for q in degree + apprenticeships]
                     + [r.citation for r in starting] + [c.citation for c in certs],
                     [Button("Do I need a degree?", "ask_degree"),
                      Button("Apprenticeships", "ask_apprenticeships"),
                      Button("Getting experience", "ask_experience"),
                      Button("Plan my route", "request_plan")])


class ActionTellDegree(KnowledgeAction):
    """Whether a degree is needed and which subjects help."""

    topic = "degree"
    action_name = "action_tell_degree"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Degree expectations, useful subjects and the non-degree routes."""
        notes = queries.facts(session, "entry-requirement")
        degrees = queries.qualifications(session, kind="degree")
        subjects = [s for q in degrees for s in q.subjects]
        lines = [n.text for n in notes[:2]] or ["The guide does not say whether a degree is required."]
        if subjects:
            lines.append("Useful subjects: " + ", ".join(subjects) + ".")
        if degrees and degrees[0].note:
            lines.append(degrees[0].note)
        lines += [n.text for n in notes[2:]]
        return Reply(lines, [n.citation for n in notes] + [d.citation for d in degrees],
                     [Button("Apprenticeships", "ask_apprenticeships"),
                      Button("Alternatives to A-levels", "ask_alternatives"),
                      Button("Getting experience", "ask_experience")])


class ActionTellApprenticeships(KnowledgeAction):
    """Level 6 degree apprenticeships and what apprentices earn."""

    topic = "apprenticeships"
    action_name = "action_tell_apprenticeships"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Each degree apprenticeship with its level and starting pay."""
        items = queries.qualifications(session, kind="degree-apprenticeship")
        lines = ["Degree apprenticeships let you earn while studying for a degree:"]
        for item in items:
            level = f" (Level {item.framework_level})" if item.framework_level else ""
            lines.append(f"- {item.name}{level}: {apprentice_pay(item)}.")
        return Reply(lines, [i.citation for i in items],
                     [Button("Other routes in", "ask_requirements"),
                      Button("Alternatives to A-levels", "ask_alternatives"),
                      Button("Manager pay", "ask_salary", {"role": "ecommerce-manager"})])


class ActionTellAlternatives(KnowledgeAction):
    """T-Levels, BTECs and vocational routes as alternatives to A-levels."""

    topic = "alternatives"
    action_name = "action_tell_alternatives"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The A-level alternatives and vocational qualifications."""
        alternatives = queries.qualifications(session, kind="alternative-to-a-levels")
        vocational = queries.qualifications(session, kind="vocational")
        names = " and ".join(a.name.split(" in ")[0] + "s" for a in alternatives)
        lines = [f"You don't need A-levels: {names} in relevant subjects are viable alternatives."]
        lines += [f"{v.name}s: {v.note}" for v in vocational if v.note]
        return Reply(lines, [q.citation for q in alternatives + vocational],
                     [Button("Apprenticeships", "ask_apprenticeships"),
                      Button("Do I need a degree?", "ask_degree"),
                      Button("Plan my route", "request_plan")])


class ActionTellCertifications(KnowledgeAction):
    """Professional certifications and whether they are worth it."""

    topic = "certifications"
    action_name = "action_tell_certifications"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The certifications the source recommends and why."""
        certs = queries.certifications(session)
        wanted = set(ask.entities.get("certification", []))
        if wanted:
            certs = [c for c in certs if c.slug in wanted] or certs
        lines = ["Certifications worth considering:"]
        lines += [f"- {c.name}" + (f" ({c.provider})" if c.provider and c.provider not in c.name else "")
                  for c in certs]
        if certs and certs[0].note:
            lines.append(f"Worth it? Yes: {certs[0].note[0].lower()}{certs[0].note[1:]}")
        return Reply(lines, [c.citation for c in certs],
                     [Button("Technical skills", "ask_skills", {"skill_kind": "technical"}),
                      Button("Free online courses", "ask_experience"),
                      Button("Qualifications", "ask_requirements")])


class ActionTellExperience(KnowledgeAction):
    """How to gain experience: starting roles, schemes, placements, volunteering, courses."""

    topic = "experience"
    action_name = "action_tell_experience"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Entry routes, grouped as the source gives them."""
        routes = queries.entry_routes(session)
        wanted = set(ask.entities.get("entry_route", []))
        chosen = [r for r in routes if r.slug in wanted]
        if chosen:
            lines = [f"{r.name}: {r.description}" for r in chosen]
            return Reply(lines, [r.citation for r in chosen],
                         [Button("Other ways in", "ask_experience"),
                          Button("Plan my route", "request_plan")])
        starting = [r.name for r in routes if r.kind == "starting-role"]
        lines = ["Experience matters as much as qualifications. Ways to get it:",
                 "- Starting roles: " + "; ".join(starting) + "."]
        lines += [f"- {r.name}: {r.description}" for r in routes if r.kind != "starting-role"]
        return Reply(lines, [r.citation for r in routes],
                     [Button("Plan my route", "request_plan"), Button("Skills to build", "ask_skills"),
                      Button("Entry-level pay", "ask_salary", {"level": "entry"})])
