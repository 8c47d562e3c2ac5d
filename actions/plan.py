"""Personal route plan: a short form (where you are, where you want to go) and the plan itself."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import Button, Reply, join_names, message_entities, pounds, send, session_factory, slot_text
from actions.salary import describe_band
from knowledge import queries
from knowledge.matching import find_in_text
from knowledge.queries import Citation, RoleInfo

STAGE_LABELS: dict[str, str] = {
    "school": "at school or college", "university": "at university", "graduate": "a graduate",
    "retail": "working in retail", "marketing": "working in marketing",
    "customer-service": "working in customer service", "in-ecommerce": "already in e-commerce",
}
# How each stage reads after "from" in a plan's heading.
STAGE_ORIGINS: dict[str, str] = {
    "school": "school or college", "university": "university", "graduate": "graduation",
    "retail": "retail", "marketing": "marketing", "customer-service": "customer service",
    "in-ecommerce": "your current role",
}
STUDY_STAGES = ("university", "graduate")
# Words that introduce the learner's goal; roles named after them are goals, before them current.
_GOAL_MARKER = re.compile(r"\b(want(?:s|ed)? to|wanna|become|becoming|be an?|get to|get into|"
                          r"goal|aim|aiming|hope to|like to|dream|end up|work towards|move into)\b")
_STUDY_WORDS = re.compile(r"\b(study|studying|studied|degree|uni|university|course|major|"
                          r"graduated|graduate|grad)\b")
_GRADUATED = re.compile(r"\b(graduated|finished (?:my|a) degree|have a degree|graduate)\b")
_PLAN_INTENTS = {"request_plan", "inform_stage"}
# Qualifications taken at school or college (alternatives to A-levels) imply the school stage.
_SCHOOL_QUALIFICATIONS = {"t-level", "btec"}


def _split_goal(text: str) -> tuple[str, str]:
    """Split a message into the part about now and the part about the goal."""
    match = _GOAL_MARKER.search(text.lower())
    if not match:
        return text, ""
    return text[:match.start()], text[match.start():]


def _subject_in(session: Session, text: str) -> Optional[str]:
    subjects = {s: s for q in queries.qualifications(session, kind="degree") for s in q.subjects}
    return find_in_text(text, subjects)


# "a degree in history", "graduated in law", "studying physics", "a chemistry degree": the
# subject a learner names, whether or not the guide lists it.
_NAMED_SUBJECT = re.compile(
    r"\b(?:degree in|graduated in|graduate in|studying|studied|study|majored in|major in|"
    r"majoring in|reading)\s+([a-z][a-z&' ]{1,40}?)(?=\s+(?:at|last|this|and|but|from|in|"
    r"with|so|then|because|now|which|i|for)\b|[,.;!?]|$)"
    r"|\b(?:an?|my)\s+([a-z][a-z&' ]{1,30}?)\s+(?:degree|graduate|grad|student|course)\b")
# Phrases that sit where a subject would but name none ("studying at uni", "idk").
_NOT_A_SUBJECT = {"a", "an", "the", "it", "there", "here", "my", "uni", "university", "college",
                  "degree", "university degree", "online", "abroad", "first", "final", "second",
                  "third", "year", "level", "undergraduate", "masters", "master's", "good",
                  "relevant", "currently", "still", "idk", "dunno", "not sure", "something else",
                  "other", "none", "nothing", "no", "n/a", "na", "undecided", "not decided",
                  "haven't decided", "havent decided", "skip", "no degree", "i don't know",
                  "i dont know", "dont know", "don't know"}
_NOT_A_SUBJECT_START = {"at", "in", "for", "to", "with", "on", "from", "hard", "part", "full"}
# A bare answer to "what subject?" ("astrophysics", "english literature").
_BARE_SUBJECT = re.compile(r"[a-z][a-z&' ]{2,40}")


def _as_subject(phrase: str) -> Optional[str]:
    """A phrase as a subject name ("english literature" -> "English literature"), or None."""
    subject = re.sub(r"^(?:a|an|the|my)\s+", "", phrase.strip().lower().rstrip(".!"))
    words = subject.split()
    if not words or subject in _NOT_A_SUBJECT or len(words) > 4 or words[0] in _NOT_A_SUBJECT_START:
        return None
    return subject[0].upper() + subject[1:]


def _answered_subject(session: Session, answer: str) -> str:
    """A subject given as the whole answer (typed or a button's): listed, a plausible name, or "other"."""
    listed = _subject_in(session, answer)
    if listed:
        return listed
    answer = answer.strip().lower().rstrip(".!")
    bare = _as_subject(answer) if _BARE_SUBJECT.fullmatch(answer) else None
    return bare or "other"


def named_subject(text: str) -> Optional[str]:
    """The degree subject a learner names in free text ("graduated in history" -> "History")."""
    match = _NAMED_SUBJECT.search(text.lower())
    return _as_subject(match.group(1) or match.group(2) or "") if match else None


_QUESTION = re.compile(r"\?|\b(how|what|which|why|when|where|who|pay|paid|salary|earn|earns|"
                       r"skills?|need|tell|explain)\b")


def _plan_message(tracker: Tracker) -> bool:
    """Whether the latest message answers the plan, rather than asking something mid-form.

    Plan intents always count; so does a short answer that is not a question ("director",
    "retail"), whatever intent the classifier guessed for it.
    """
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in _PLAN_INTENTS:
        return True
    text = (tracker.latest_message.get("text") or "").lower()
    if text.startswith("/"):
        return False
    return len(text.split()) <= 5 and not _QUESTION.search(text)


class ValidateCareerPlanForm(FormValidationAction):
    """Extracts and checks the route-plan details, asking only what is still missing."""

    def name(self) -> str:
        """Action name."""
        return "validate_career_plan_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        """Stage, then subject (students) or current role (in e-commerce), then goal."""
        stage = tracker.get_slot("plan_stage")
        extra = []
        if stage in STUDY_STAGES:
            extra.append("plan_subject")
        if stage == "in-ecommerce":
            extra.append("plan_current_role")
        return ["plan_stage", *extra, "plan_goal"]

    def _roles(self, tracker: Tracker, session: Session) -> tuple[Optional[RoleInfo], Optional[RoleInfo]]:
        """(current role, goal role) named in the latest message."""
        text = tracker.latest_message.get("text") or ""
        entity_roles = [r for r in (queries.get_role(session, v) for v in
                                    message_entities(tracker).get("role", [])) if r]
        if text.startswith("/"):
            only = entity_roles[0] if entity_roles else None
            if tracker.get_slot("requested_slot") == "plan_current_role":
                return only, None
            return None, only
        now, goal = _split_goal(text)
        current = queries.find_role_in_text(session, now) if now.strip() else None
        wanted = queries.find_role_in_text(session, goal) if goal.strip() else None
        if not goal and current and tracker.get_slot("requested_slot") == "plan_goal":
            current, wanted = None, current
        return current, wanted

    async def extract_plan_stage(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        """Stage from a button, a stage word, study words, or a current e-commerce role."""
        if not _plan_message(tracker):
            return {}
        if tracker.get_slot("plan_stage") and tracker.get_slot("requested_slot") != "plan_stage":
            return {}  # "marketing" now answers the subject question, not the stage one
        entities = message_entities(tracker)
        text = tracker.latest_message.get("text") or ""
        now, _goal = _split_goal(text)
        stages = [s for s in entities.get("stage", []) if s in STAGE_LABELS]
        lowered = text.lower()
        if "retail" in stages and lowered.count("retail") == lowered.count("online retail"):
            stages.remove("retail")  # "online retail" names the career, not the learner's job
        if any(q in _SCHOOL_QUALIFICATIONS for q in entities.get("qualification", [])):
            stages.append("school")
        with session_factory()() as session:
            current, _ = self._roles(tracker, session)
            subject = _subject_in(session, now) or named_subject(now)
            if not text.startswith("/") and _STUDY_WORDS.search(now.lower()) and (
                    subject or not stages or stages[0] in STUDY_STAGES):
                stage = "graduate" if _GRADUATED.search(now.lower()) else "university"
                return {"plan_stage": stage, **({"plan_subject": subject} if subject else {})}
        if current is not None and current.track == "ladder":
            return {"plan_stage": "in-ecommerce", "plan_current_role": current.slug}
        if stages:
            return {"plan_stage": stages[0]}
        return {}

    async def extract_plan_subject(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        """Degree subject from a button or the text ("studying marketing")."""
        if not _plan_message(tracker):
            return {}
        chosen = message_entities(tracker).get("subject", [])
        text = tracker.latest_message.get("text") or ""
        if not chosen and text.startswith("/"):
            return {}
        with session_factory()() as session:
            if chosen:  # a button's value is checked like a typed answer before the plan echoes it
                return {"plan_subject": _answered_subject(session, chosen[0])}
            subject = _subject_in(session, text) or named_subject(text)
            if subject:
                return {"plan_subject": subject}
            if tracker.get_slot("requested_slot") == "plan_subject" and text.strip():
                return {"plan_subject": _answered_subject(session, text)}
        return {}

    async def extract_plan_current_role(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        """The learner's current rung, when they are already in e-commerce."""
        if not _plan_message(tracker):
            return {}
        with session_factory()() as session:
            current, _ = self._roles(tracker, session)
        return {"plan_current_role": current.slug} if current else {}

    async def extract_plan_goal(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        """The role the learner wants to reach."""
        if not _plan_message(tracker):
            return {}
        with session_factory()() as session:
            _, goal = self._roles(tracker, session)
        return {"plan_goal": goal.slug} if goal else {}

    def validate_plan_stage(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        """Accept only known stages."""
        return {"plan_stage": value if value in STAGE_LABELS else None}

    def validate_plan_goal(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        """Accept only roles in the knowledge base."""
        with session_factory()() as session:
            role = queries.get_role(session, str(value)) if value else None
        return {"plan_goal": role.slug if role else None}

    def validate_plan_current_role(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Accept only roles on the ladder."""
        with session_factory()() as session:
            role = queries.get_role(session, str(value)) if value else None
        return {"plan_current_role": role.slug if role and role.track == "ladder" else None}


def _first_rung(session: Session) -> Optional[RoleInfo]:
    ladder = queries.ladder(session)
    return ladder[0] if ladder else None


def build_plan(session: Session, stage: str, subject: Optional[str], current: Optional[str],
               goal_slug: str) -> Reply:
    """Step-by-step plan from `stage` to the goal role, with pay at each step."""
    goal = queries.get_role(session, goal_slug) or queries.get_role(
        session, queries.get_career(session).main_role or "")
    assert goal is not None
    cites: list[Citation] = []
    steps: list[str] = []
    if stage == "school":
        alts = queries.qualifications(session, kind="alternative-to-a-levels")
        apprenticeships = queries.qualifications(session, kind="degree-apprenticeship")
        degree = queries.qualifications(session, kind="degree")
        cites += [q.citation for q in alts + apprenticeships + degree]
        steps.append("Finish A-levels, or a " + " or ".join(a.name.split(" in ")[0] for a in alts)
                     + " in a relevant subject.")
        pay = next((a.apprentice_pay_min_gbp for a in apprenticeships if a.apprentice_pay_min_gbp), None)
        steps.append("Then a degree (" + ", ".join(s.lower() for d in degree for s in d.subjects)
                     + ") or a Level 6 degree apprenticeship in marketing or digital marketing"
                     + (f" (around {pounds(pay)} a year while you learn)." if pay else "."))
        extras = [r for r in queries.entry_routes(session, stage="school") if r.kind in ("experience", "learning")]
        cites += [r.citation for r in extras]
        if extras:
            steps.append("Meanwhile: " + join_names([r.name.lower() for r in extras]) + ".")
    elif stage in STUDY_STAGES:
        degree = queries.qualifications(session, kind="degree")
        subjects = [s for d in degree for s in d.subjects]
        cites += [d.citation for d in degree]
        named = join_names([s.lower() for s in subjects])
        if subject and subject in subjects:
            steps.append(f"Your {subject.lower()} degree is one employers look for.")
        elif subject and subject != "other":
            steps.append(f"Most employers want a solid educational foundation. The guide doesn't name "
                         f"{subject.lower()}; the degree subjects it names are {named}, so build the "
                         "experience and certifications below.")
        else:
            steps.append("Most employers want a solid educational foundation; the degree subjects "
                         f"the guide names are {named}.")
        routes = queries.entry_routes(session, stage=stage)
        cites += [r.citation for r in routes]
        steps.append("Get in through " + "; ".join(r.name.lower() for r in routes
                                                     if r.kind in ("scheme", "starting-role", "experience")) + ".")
    elif stage in ("retail", "marketing", "customer-service"):
        routes = queries.entry_routes(session, stage=stage)
        cites += [r.citation for r in routes]
        starts = [r.name.lower() for r in routes if r.kind == "starting-role"]
        steps.append(f"Use your {STAGE_LABELS[stage].removeprefix('working in ')} experience to move into "
                     + " or ".join(starts) + ".")
        learning = [r.name.lower() for r in routes if r.kind in ("experience", "learning")]
        if learning:
            steps.append("Build online know-how with " + " and ".join(learning) + ".")
    start = queries.get_role(session, current) if current else _first_rung(session)
    if start is not None:
        path = queries.path_between(session, start.slug, goal.slug)
        if current and path == []:
            article = "an" if goal.title[:1].lower() in "aeiou" else "a"
            steps.append(f"You're already {article} {goal.title.lower()}: "
                         "look at specialisms or the next rung.")
        elif path is None and current:
            steps.append(f"The guide shows no route from {start.title.lower()} to {goal.title.lower()}.")
        else:
            chain = ([] if current else [start]) + [m.to_role for m in (path or [])]
            cites += [m.citation for m in (path or [])]
            for role in chain:
                band = queries.salary_for_role(session, role.slug)
                if band:
                    cites.append(band.citation)
                steps.append(f"{role.title}" + (f": {describe_band(band)}." if band else "."))
    certs = queries.certifications(session)
    cites += [c.citation for c in certs]
    steps.append("Along the way: get " + " and ".join(c.name for c in certs) + "; build "
                 + _skills_to_build(session, stage) + "; find a mentor and network.")
    origin = start.title.lower() if current and start else STAGE_ORIGINS.get(stage, "where you are")
    lines = [f"Your route from {origin} to {goal.title.lower()}:"]
    lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)]
    return Reply(lines, cites, [Button("Skills in detail", "ask_skills"),
                                Button("Pay at each level", "ask_salary"),
                                Button("Talk to an adviser", "request_human")],
                 slots={"role": goal.slug})


def _skills_to_build(session: Session, stage: str) -> str:
    technical = queries.skills(session, kind="technical")
    names = [s.name for s in technical[:3]]
    if stage in ("school", "university", "graduate"):
        names.append("leadership")
    return ", ".join(n if n.isupper() or n.startswith(("SEO", "Google")) else n.lower() for n in names)


class ActionMakePlan(Action):
    """Present the route plan once the form has what it needs."""

    def name(self) -> str:
        """Action name."""
        return "action_make_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Build the plan from the plan slots."""
        stage = slot_text(tracker, "plan_stage")
        stage = stage if stage in STAGE_LABELS else "retail"
        with session_factory()() as session:
            goal = slot_text(tracker, "plan_goal") or queries.get_career(session).main_role or ""
            reply = build_plan(session, stage, slot_text(tracker, "plan_subject"),
                               slot_text(tracker, "plan_current_role"), goal)
        # Forget the details so the next "plan my route" starts afresh.
        resets = [SlotSet(name, None) for name in
                  ("plan_stage", "plan_subject", "plan_current_role", "plan_goal")]
        return send(dispatcher, reply, "plan") + resets
