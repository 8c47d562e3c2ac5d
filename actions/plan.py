"""Personal route plan: a short form (where you are, where you want to go) and the plan itself."""
from __future__ import annotations

import abc
import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import (
    Button,
    Reply,
    context_career,
    entity_spans,
    join_names,
    lower_first,
    message_entities,
    send,
    session_factory,
    slot_text,
)
from actions.entry import COURSE_KINDS, apprenticeships_of, describe_apprenticeship
from actions.salary import describe_band
from knowledge import queries
from knowledge.matching import find_in_text
from knowledge.pay import pounds
from knowledge.queries import CareerInfo, Citation, RoleInfo, StageInfo

# The stage of a learner already on the career's ladder; the other stages are the content's
# (vocabulary.yml), and each career offers those its entry routes suit.
IN_CAREER = "in-career"
SCHOOL = "school"
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


def stage_info(session: Session, key: Optional[str], career: Optional[CareerInfo] = None) -> Optional[StageInfo]:
    """The stage with this key (the in-career stage worded for `career`), or None."""
    if key == IN_CAREER:
        name = career.name.lower() if career else "the career"
        return StageInfo(IN_CAREER, f"Already in {name}", f"already in {name}", "your current role")
    return next((s for s in queries.stages(session) if s.key == key), None)


def known_stage(session: Session, key: Any) -> bool:
    """Whether `key` is a stage the plan understands."""
    return isinstance(key, str) and stage_info(session, key) is not None


def plan_career(session: Session, tracker: Tracker) -> Optional[CareerInfo]:
    """The career the plan is about: the goal's, else the conversation's (or page's)."""
    goal = queries.get_role(session, slot_text(tracker, "plan_goal") or "")
    if goal:
        return queries.get_career(session, goal.career)
    return context_career(tracker, session)[0]


def _subjects(session: Session, career: Optional[str]) -> list[str]:
    careers = [career] if career else [c.slug for c in queries.list_careers(session)]
    return [s for c in careers for q in queries.qualifications(session, c, kind="degree") for s in q.subjects]


def _subject_in(session: Session, text: str, career: Optional[str] = None) -> Optional[str]:
    return find_in_text(text, {s: s for s in _subjects(session, career)})


def _inside_career_name(session: Session, stage: StageInfo, text: str) -> bool:
    """Whether every mention of the stage's word is part of a longer career name."""
    word = stage.key.replace("-", " ")
    lowered = text.lower()
    if word not in lowered:
        return False
    names = {n for c in queries.list_careers(session) for n in (c.name.lower(), *c.synonyms)
             if word in n and n != word and n in lowered}
    return lowered.count(word) == sum(lowered.count(n) for n in names)


def _stages_in_career_words(tracker: Tracker, session: Session) -> list[str]:
    """Stages named by the words the NLU read as a career (a field's name answering "where are you now?")."""
    found = [stage.key for _value, words in entity_spans(tracker, "career")
             if (stage := queries.stage_named_by(session, words)) is not None]
    return list(dict.fromkeys(found))


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
    "university"), whatever intent the classifier guessed for it.
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
        """Stage, then subject (students) or current role (already in the career), then goal."""
        stage = tracker.get_slot("plan_stage")
        extra = []
        if stage in STUDY_STAGES:
            extra.append("plan_subject")
        if stage == IN_CAREER:
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
        career = context_career(tracker, session)[0]
        slug = career.slug if career else None
        current = queries.find_role_in_text(session, now, slug) if now.strip() else None
        named = queries.find_career_in_text(session, goal) if goal.strip() else None
        wanted = queries.find_role_in_text(session, goal, named.slug if named else slug) if goal.strip() else None
        if wanted is None and named and named.main_role:
            wanted = queries.get_role(session, named.main_role)
        if not goal and current and tracker.get_slot("requested_slot") == "plan_goal":
            current, wanted = None, current
        return current, wanted

    async def extract_plan_stage(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        """Stage from a button, a stage word, study words, or a current rung of a career."""
        if not _plan_message(tracker):
            return {}
        if tracker.get_slot("plan_stage") and tracker.get_slot("requested_slot") != "plan_stage":
            return {}  # a subject word now answers the subject question, not the stage one
        entities = message_entities(tracker)
        text = tracker.latest_message.get("text") or ""
        now, _goal = _split_goal(text)
        with session_factory()() as session:
            stages = [s for s in entities.get("stage", []) if known_stage(session, s)]
            # A stage word inside a career's name names the career, not the learner's job.
            stages = [s for s in stages if s == IN_CAREER or text.startswith("/")
                      or not _inside_career_name(session, stage_info(session, s), text)]  # type: ignore[arg-type]
            if not stages and tracker.get_slot("requested_slot") == "plan_stage":
                stages = _stages_in_career_words(tracker, session)
            if any(q in _SCHOOL_QUALIFICATIONS for q in entities.get("qualification", [])):
                stages.append(SCHOOL)
            current, _ = self._roles(tracker, session)
            subject = _subject_in(session, now) or named_subject(now)
            if not text.startswith("/") and _STUDY_WORDS.search(now.lower()) and (
                    subject or not stages or stages[0] in STUDY_STAGES):
                stage = "graduate" if _GRADUATED.search(now.lower()) else "university"
                return {"plan_stage": stage, **({"plan_subject": subject} if subject else {})}
        if current is not None and current.track == "ladder":
            return {"plan_stage": IN_CAREER, "plan_current_role": current.slug}
        if stages:
            return {"plan_stage": stages[0]}
        return {}

    async def extract_plan_subject(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        """Degree subject from a button or the text ("studying history")."""
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
        """The learner's current rung, when they are already in the career."""
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
        with session_factory()() as session:
            return {"plan_stage": value if known_stage(session, value) else None}

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


def _first_rung(session: Session, career: str) -> Optional[RoleInfo]:
    ladder = queries.ladder(session, career)
    return ladder[0] if ladder else None


def _school_steps(session: Session, career: str, cites: list[Citation]) -> list[str]:
    """Qualifications to take at school or college, then a degree or an apprenticeship."""
    steps = []
    courses = [q for kind in COURSE_KINDS[:2] for q in queries.qualifications(session, career, kind)]
    apprenticeships = apprenticeships_of(session, career)
    degree = queries.qualifications(session, career, kind="degree")
    cites += [q.citation for q in courses[:2] + apprenticeships[:2] + degree[:1]]
    if courses:
        steps.append("Finish A-levels, or " + " or ".join(c.name for c in courses[:2]) + ".")
    after = []
    subjects = [s.lower() for d in degree for s in d.subjects][:4]
    if degree:
        after.append("a degree" + (f" ({', '.join(subjects)})" if subjects else ""))
    if apprenticeships:
        first = apprenticeships[0]
        pay = (f", around {pounds(first.apprentice_pay_min_gbp)} a year while you learn"
               if first.apprentice_pay_min_gbp else "")
        after.append(f"an apprenticeship such as {describe_apprenticeship(first)}{pay}")
    if after:
        steps.append("Then " + " or ".join(after) + ".")
    extras = [r for r in queries.entry_routes(session, career, stage=SCHOOL)
              if r.kind in ("experience", "learning")]
    cites += [r.citation for r in extras]
    if extras:
        steps.append("Meanwhile: " + join_names([r.name.lower() for r in extras]) + ".")
    return steps


def _study_steps(session: Session, career: str, stage: str, subject: Optional[str],
                 cites: list[Citation]) -> list[str]:
    """Whether the learner's subject is one employers name, then the ways in for graduates."""
    steps = []
    degree = queries.qualifications(session, career, kind="degree")
    subjects = [s for d in degree for s in d.subjects]
    cites += [d.citation for d in degree]
    named = join_names([s.lower() for s in subjects])
    if subject and subject in subjects:
        steps.append(f"Your {subject.lower()} degree is one employers look for.")
    elif subject and subject != "other" and named:
        steps.append(f"My sources don't name {subject.lower()}; the degree subjects they name are "
                     f"{named}, so build the experience below.")
    elif named:
        steps.append(f"The degree subjects my sources name are {named}.")
    routes = [r for r in queries.entry_routes(session, career, stage=stage)
              if r.kind in ("scheme", "starting-role", "experience")]
    cites += [r.citation for r in routes]
    if routes:
        steps.append("Get in through " + "; ".join(r.name.lower() for r in routes[:4]) + ".")
    return steps


def _work_steps(session: Session, career: str, stage: StageInfo, cites: list[Citation]) -> list[str]:
    """From a job elsewhere: the starting roles and learning the career's routes suit it to."""
    routes = queries.entry_routes(session, career, stage=stage.key)
    cites += [r.citation for r in routes]
    steps = []
    starts = [r.name.lower() for r in routes if r.kind in ("starting-role", "scheme")]
    if starts:
        steps.append(f"Use your {stage.origin} experience to move into " + " or ".join(starts[:3]) + ".")
    learning = [r.name.lower() for r in routes if r.kind in ("experience", "learning")]
    if learning:
        steps.append("Build know-how with " + " and ".join(learning[:3]) + ".")
    return steps


def build_plan(session: Session, stage: str, subject: Optional[str], current: Optional[str],
               goal_slug: str) -> Reply:
    """Step-by-step plan from `stage` to the goal role, with pay at each step."""
    goal = queries.get_role(session, goal_slug)
    assert goal is not None
    career = queries.get_career(session, goal.career)
    cites: list[Citation] = []
    steps: list[str] = []
    start = queries.get_role(session, current) if current else None
    if start is not None and start.career != goal.career:
        link = next((r for r in queries.related_careers(session, start.career)
                     if r.slug == goal.career), None)
        if link:
            steps.append(link.text)
            cites.append(link.citation)
        start = None
        current = None
    info = stage_info(session, stage, career)
    if stage == SCHOOL:
        steps += _school_steps(session, career.slug, cites)
    elif stage in STUDY_STAGES:
        steps += _study_steps(session, career.slug, stage, subject, cites)
    elif info is not None and stage != IN_CAREER:
        steps += _work_steps(session, career.slug, info, cites)
    start = start or _first_rung(session, career.slug)
    if start is not None:
        path = queries.path_between(session, start.slug, goal.slug)
        if current and path == []:
            article = "an" if goal.title[:1].lower() in "aeiou" else "a"
            steps.append(f"You're already {article} {goal.title.lower()}: "
                         "look at specialisms or the next rung.")
        elif path is None and current:
            steps.append(f"My sources show no route from {start.title.lower()} to {goal.title.lower()}.")
        else:
            chain = ([] if current else [start]) + [m.to_role for m in (path or [])]
            cites += [m.citation for m in (path or [])]
            for role in chain:
                band = queries.salary_for_role(session, role.slug)
                if band:
                    cites.append(band.citation)
                steps.append(f"{role.title}" + (f": {describe_band(band)}." if band else "."))
    certs = queries.certifications(session, career.slug)[:2]
    cites += [c.citation for c in certs]
    along = ([f"get {' and '.join(c.name for c in certs)}"] if certs else []) + [
        f"build {_skills_to_build(session, career.slug)}", "find a mentor and network"]
    steps.append("Along the way: " + "; ".join(along) + ".")
    origin = start.title.lower() if current and start else (info.origin if info else "where you are")
    lines = [f"Your route from {origin} to {goal.title.lower()}:"]
    lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)]
    return Reply(lines, cites, [Button("Skills in detail", "ask_skills"),
                                Button("Pay at each level", "ask_salary"),
                                Button("Talk to an adviser", "request_human")],
                 slots={"role": goal.slug, "career": career.slug})


def _skills_to_build(session: Session, career: str) -> str:
    technical = queries.skills(session, career, kind="technical")
    return ", ".join(lower_first(n) for n in (s.name for s in technical[:3]))


class ActionMakePlan(Action):
    """Present the route plan once the form has what it needs."""

    def name(self) -> str:
        """Action name."""
        return "action_make_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Build the plan from the plan slots."""
        with session_factory()() as session:
            stage = slot_text(tracker, "plan_stage")
            stage = stage if known_stage(session, stage) else None
            career = plan_career(session, tracker)
            goal = slot_text(tracker, "plan_goal") or (career.main_role if career else None)
            if goal is None or queries.get_role(session, goal) is None:
                reply = Reply(["Which career would you like a route plan for?"], [],
                              [Button(c.name, "request_plan", {"career": c.slug})
                               for c in queries.list_careers(session)], max_buttons=8)
            else:
                reply = build_plan(session, stage or "", slot_text(tracker, "plan_subject"),
                                   slot_text(tracker, "plan_current_role"), goal)
                if reply.slots.get("career") == slot_text(tracker, "career"):
                    del reply.slots["career"]  # set only when the plan moves to another career
        # Forget the details so the next "plan my route" starts afresh.
        resets = [SlotSet(name, None) for name in
                  ("plan_stage", "plan_subject", "plan_current_role", "plan_goal")]
        return send(dispatcher, reply, "plan") + resets


class _AskPlanSlot(Action, abc.ABC):
    """Asks one of the plan form's questions, with buttons from the content for the plan's career."""

    slot: str

    def name(self) -> str:
        """`action_ask_<slot>`, which Rasa runs to ask for the slot."""
        return f"action_ask_{self.slot}"

    @abc.abstractmethod
    def question(self, session: Session, tracker: Tracker, career: Optional[CareerInfo]) -> Reply:
        """The question and its buttons."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Send the question; after an answer to something else, a short reminder once, then nothing.

        The question sets no slot: the form does.
        """
        interrupted = not _plan_message(tracker)
        if interrupted and _reminded_since_plan_message(tracker):
            return []  # the learner has moved on: don't repeat the plan's question after every answer
        with session_factory()() as session:
            reply = self.question(session, tracker, plan_career(session, tracker))
        if interrupted:
            reply.lines = [PLAN_REMINDER]
        dispatcher.utter_message(text=reply.text(), buttons=[b.as_dict() for b in reply.buttons[:reply.max_buttons]])
        return []


PLAN_REMINDER = ("Your route plan is still open: pick an answer below when you're ready, "
                 "or just keep asking.")


def _reminded_since_plan_message(tracker: Tracker) -> bool:
    """Whether the plan's reminder was sent since the learner last answered the plan."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and str(event.get("text") or "").startswith(PLAN_REMINDER):
            return True
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in _PLAN_INTENTS:
                return False
    return False


class ActionAskPlanStage(_AskPlanSlot):
    """Where are you now? The stages the career's entry routes suit, and already in it."""

    slot = "plan_stage"

    def question(self, session: Session, tracker: Tracker, career: Optional[CareerInfo]) -> Reply:
        """The stages as buttons."""
        stages = queries.stages_for(session, career.slug) if career else queries.stages(session)
        buttons = [Button(s.label, "inform_stage", {"stage": s.key}) for s in stages]
        if career:
            in_career = stage_info(session, IN_CAREER, career)
            assert in_career is not None
            buttons.append(Button(in_career.label, "inform_stage", {"stage": IN_CAREER}))
        return Reply(["Let's build your route plan. Where are you now?"], [], buttons, max_buttons=len(buttons))


class ActionAskPlanSubject(_AskPlanSlot):
    """What do you study? The degree subjects the career's sources name."""

    slot = "plan_subject"

    def question(self, session: Session, tracker: Tracker, career: Optional[CareerInfo]) -> Reply:
        """Up to four subjects and "Something else"."""
        subjects = list(dict.fromkeys(_subjects(session, career.slug if career else None)))[:4]
        buttons = [Button(s, "inform_stage", {"subject": s}) for s in subjects]
        buttons.append(Button("Something else", "inform_stage", {"subject": "other"}))
        return Reply(["What subject are you studying, or did you study?"], [], buttons, max_buttons=5)


class ActionAskPlanCurrentRole(_AskPlanSlot):
    """Which rung are you on now?"""

    slot = "plan_current_role"

    def question(self, session: Session, tracker: Tracker, career: Optional[CareerInfo]) -> Reply:
        """The career's lower rungs as buttons."""
        rungs = queries.ladder(session, career.slug)[:-1] if career else []
        return Reply(["Which role are you in now?"], [],
                     [Button(r.title, "inform_stage", {"role": r.slug}) for r in rungs[:5]], max_buttons=5)


class ActionAskPlanGoal(_AskPlanSlot):
    """Where would you like to get to? Rungs above the learner, or each career's main role."""

    slot = "plan_goal"

    def question(self, session: Session, tracker: Tracker, career: Optional[CareerInfo]) -> Reply:
        """Up to four goals in the career, or one per career when none is known yet."""
        if career is None:
            goals = [queries.get_role(session, c.main_role) for c in queries.list_careers(session) if c.main_role]
            roles = [g for g in goals if g]
        else:
            current = queries.get_role(session, slot_text(tracker, "plan_current_role") or "")
            rungs = queries.ladder(session, career.slug)
            above = [r for r in rungs if current is None or (r.rank or 0) > (current.rank or 0)]
            main = queries.get_role(session, career.main_role) if career.main_role else None
            roles = ([main] if main and main in above else []) + [r for r in above if r != main][::-1]
            roles = roles[:3] + [r for r in queries.list_roles(session, career.slug, "independent")][:1]
        return Reply(["And where would you like to get to?"], [],
                     [Button(r.title, "inform_stage", {"role": r.slug}) for r in roles], max_buttons=8)
