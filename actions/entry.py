"""Getting in: requirements, degrees, apprenticeships, A-level alternatives, certifications, experience."""
from __future__ import annotations

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, lower_first
from knowledge import queries
from knowledge.pay import pounds
from knowledge.queries import QualificationInfo

APPRENTICESHIP_KINDS = ("apprenticeship", "degree-apprenticeship")
COURSE_KINDS = ("alternative-to-a-levels", "college-course", "vocational", "short-course")


def apprenticeships_of(session: Session, career: str) -> list[QualificationInfo]:
    """A career's apprenticeships, lowest level first (content order within a level)."""
    items = [q for kind in APPRENTICESHIP_KINDS for q in queries.qualifications(session, career, kind)]
    return sorted(items, key=lambda q: q.framework_level or 99)


def describe_apprenticeship(item: QualificationInfo) -> str:
    """"Name (Level 4, standard ST0683, 18 months)"."""
    level = f"Level {item.framework_level}" if item.framework_level else ""
    details = [level if level and level not in item.name else "",
               f"standard {item.standard_code}" if item.standard_code else "", item.duration or ""]
    shown = ", ".join(d for d in details if d)
    return f"{item.name}" + (f" ({shown})" if shown else "")


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
        """Entry requirements plus the main qualification routes; for a rung higher up, the climb to it."""
        assert ask.career is not None
        if ask.role_from_message and ask.role is not None and ask.role.slug != ask.career.main_role:
            rungs = queries.ladder(session, ask.role.career)
            climb = queries.path_between(session, rungs[0].slug, ask.role.slug) if rungs else None
            if climb and len(climb) >= 2:
                from actions.progression import ActionTellPath  # it builds on the plan, which builds on this

                return ActionTellPath().build(session, ask)
        career = ask.career.slug
        notes = queries.facts(session, "entry-requirement", career)
        degree = queries.qualifications(session, career, kind="degree")
        apprenticeships = apprenticeships_of(session, career)
        lines = [notes[0].text if notes else "There is more than one way in."]
        subjects = [s.lower() for d in degree for s in d.subjects][:5]
        if subjects:
            lines.append(f"- A degree in a subject such as {', '.join(subjects)}.")
        elif degree:
            lines.append(f"- {degree[0].name}.")
        if apprenticeships:
            names = join_names([describe_apprenticeship(a) for a in apprenticeships[:3]])
            lines.append(f"- Or an apprenticeship, paid while you learn: {names}.")
        starting = [r for r in queries.entry_routes(session, career) if r.kind == "starting-role"]
        if starting:
            names = join_names([r.name.lower() for r in starting[:3]])
            lines.append(f"- Hands-on experience, for example as {names}.")
        certs = queries.certifications(session, career)[:3]
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
        assert ask.career is not None
        career = ask.career.slug
        notes = queries.facts(session, "entry-requirement", career)
        degrees = queries.qualifications(session, career, kind="degree")
        subjects = [s for q in degrees for s in q.subjects]
        lines = [n.text for n in notes[:2]] or ["My sources don't say whether a degree is required."]
        if subjects:
            lines.append("Useful subjects: " + ", ".join(subjects) + ".")
        if degrees and degrees[0].note:
            lines.append(degrees[0].note)
        lines += [n.text for n in notes[2:4]]
        lines += [g.text for g in queries.gaps(session, career, "qualifications")]
        return Reply(lines, [n.citation for n in notes] + [d.citation for d in degrees],
                     [Button("Apprenticeships", "ask_apprenticeships"),
                      Button("Alternatives to A-levels", "ask_alternatives"),
                      Button("Getting experience", "ask_experience")])


class ActionTellApprenticeships(KnowledgeAction):
    """Apprenticeships: each standard with its level, length and pay where the sources give them."""

    topic = "apprenticeships"
    action_name = "action_tell_apprenticeships"

    def build(self, session: Session, ask: Ask) -> Reply:
        """Each apprenticeship with its level, length and starting pay."""
        assert ask.career is not None
        career = ask.career
        items = apprenticeships_of(session, career.slug)
        wanted = set(ask.entities.get("qualification", []))
        chosen = [i for i in items if i.slug in wanted] or items
        gaps = [g.text for g in queries.gaps(session, career.slug, "apprenticeships")]
        if not items:
            return Reply([f"My sources name no apprenticeship for {career.name.lower()}.", *gaps], [],
                         [Button("Other routes in", "ask_requirements"), Button("Talk to an adviser", "request_human")])
        lines = [f"Apprenticeships into {career.name.lower()} let you earn while you learn:"]
        for item in chosen[:6]:
            pay = apprentice_pay(item)
            lines.append(f"- {describe_apprenticeship(item)}"
                         + (f": {pay}." if item.apprentice_pay_min_gbp or item.apprentice_pay_note else "."))
        lines += gaps[:2]
        main = queries.get_role(session, career.main_role) if career.main_role else None
        buttons = [Button("Other routes in", "ask_requirements"),
                   Button("Alternatives to A-levels", "ask_alternatives")]
        if main:
            buttons.append(Button(f"{main.title} pay", "ask_salary", {"role": main.slug}))
        return Reply(lines, [i.citation for i in chosen[:6]], buttons)


class ActionTellAlternatives(KnowledgeAction):
    """T-Levels, BTECs and vocational routes as alternatives to A-levels."""

    topic = "alternatives"
    action_name = "action_tell_alternatives"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The A-level alternatives and vocational qualifications."""
        assert ask.career is not None
        career = ask.career.slug
        alternatives = queries.qualifications(session, career, kind="alternative-to-a-levels")
        courses = [q for kind in COURSE_KINDS[1:] for q in queries.qualifications(session, career, kind)]
        lines = []
        if alternatives:
            names = " and ".join(a.name.split(" in ")[0] + "s" for a in alternatives)
            lines.append(f"You don't need A-levels: {names} in relevant subjects are viable alternatives.")
        lines += [f"{v.name}: {v.note}" if v.note else v.name for v in courses[:4]]
        lines += [g.text for g in queries.gaps(session, career, "qualifications")][:1]
        if not lines:
            lines = [f"My sources don't name college courses or A-level alternatives for "
                     f"{ask.career.name.lower()}."]
        return Reply(lines, [q.citation for q in alternatives + courses[:4]],
                     [Button("Apprenticeships", "ask_apprenticeships"),
                      Button("Do I need a degree?", "ask_degree"),
                      Button("Plan my route", "request_plan")])


class ActionTellCertifications(KnowledgeAction):
    """Professional certifications and whether they are worth it."""

    topic = "certifications"
    action_name = "action_tell_certifications"

    def build(self, session: Session, ask: Ask) -> Reply:
        """The certifications the source recommends and why."""
        assert ask.career is not None
        certs = queries.certifications(session, ask.career.slug)
        wanted = set(ask.entities.get("certification", []))
        if wanted:
            certs = [c for c in certs if c.slug in wanted] or certs
        if not certs:
            gaps = [g.text for g in queries.gaps(session, ask.career.slug, "certifications")]
            return Reply([f"My sources name no certification for {ask.career.name.lower()}.", *gaps], [],
                         [Button("Qualifications", "ask_requirements"), Button("Skills", "ask_skills")])
        lines = ["Certifications worth considering:"]
        lines += [f"- {c.name}" + (f" ({c.provider})" if c.provider and c.provider not in c.name else "")
                  for c in certs]
        if certs and certs[0].note:
            lines.append(f"Worth it? Yes: {lower_first(certs[0].note)}")
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
        assert ask.career is not None
        routes = queries.entry_routes(session, ask.career.slug)
        wanted = set(ask.entities.get("entry_route", []))
        chosen = [r for r in routes if r.slug in wanted]
        if chosen:
            lines = [f"{r.name}: {r.description}" for r in chosen]
            return Reply(lines, [r.citation for r in chosen],
                         [Button("Other ways in", "ask_experience"),
                          Button("Plan my route", "request_plan")])
        starting = [r.name for r in routes if r.kind == "starting-role"]
        lines = [f"Ways to get experience for {ask.career.name.lower()}:"]
        if starting:
            lines.append("- Starting roles: " + "; ".join(starting[:5]) + ".")
        lines += [f"- {r.name}: {r.description}" for r in routes if r.kind != "starting-role"][:5]
        return Reply(lines, [r.citation for r in routes],
                     [Button("Plan my route", "request_plan"), Button("Skills to build", "ask_skills"),
                      Button("Entry-level pay", "ask_salary", {"level": "entry"})])
