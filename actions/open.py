"""Questions no intent answers: the knowledge's best passages with their sources, or an honest "not covered"."""
from __future__ import annotations

import difflib
import re
from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, join_names, read_ask, send, session_factory
from actions.intent_words import common_question_stems, framing_stems, intent_stems
from actions.scope import INTENT_LABELS, ActionClarify, consecutive_fallbacks, unreadable_reason
from knowledge import queries
from knowledge.retrieval import Hit, passage_index, retrieve, tokens
from knowledge.words import asking_part, question_stems, says_in_order, stem_sequence, stems

RETRIEVED, NOT_COVERED = "retrieved", "not_covered"  # the `last_topic` of these answers
# The intent for questions the sources are known not to cover (the future of the market, pay
# negotiation, interviews, ...).
UNCOVERED_INTENT = "ask_uncovered"
# Combined retrieval scores (knowledge/retrieval.py), calibrated on bench/open_cases.py: from
# ANSWER a passage answers the question; from RELATED it is worth mentioning as the nearest thing.
ANSWER, RELATED = 0.5, 0.42
# An intent the NLU gives less than UNSURE confidence is checked: it gives way to "not covered" when
# the NLU's ranking gives that UNCOVERED_LEANING or more, and to passages of another topic scoring OVERRIDE.
UNSURE, UNCOVERED_LEANING, OVERRIDE = 0.75, 0.15, 0.6
# Intents the NLU gives LIKELY or more are the ones the question may be; a word ASKED_WITH of them
# are asked with frames the question rather than names its topic.
LIKELY, ASKED_WITH = 0.1, 2
MOST_PASSAGES = 2
# A passage answers what an intent's reply missed when it is among the first SPECIFIC_DEPTH, scores
# SPECIFIC or more, uses COVERED of the missed words' weight and one that at most RARE_SHARE of all
# passages use; or scores RELATED or more and uses MOSTLY of that weight in MOSTLY_WORDS words or more
# ("who makes the split lists": the one passage on split lists, worded unlike the question).
SPECIFIC, SPECIFIC_DEPTH, RARE_SHARE, COVERED, MOSTLY, MOSTLY_WORDS = 0.55, 3, 0.03, 0.3, 0.5, 2
# A short question (SHORT_QUESTION words or fewer) whose missed words include one that is not a word
# learners frame questions with (FRAMING_EXAMPLES examples each of FRAMING_INTENTS answering intents
# use it: "difference", "switch") and that other careers' passages use but this career's never do, or no passage uses at
# all (and is no typo of a word one does: TYPO_SIMILARITY), is not covered here.
# (Longer messages tell a story, and their stray words say little.)
SHORT_QUESTION = 16
NOT_ANSWERING = frozenset({UNCOVERED_INTENT, "nlu_fallback", "out_of_scope"})
FRAMING_INTENTS, FRAMING_EXAMPLES, COMMON_EXAMPLES = 3, 2, 3
# (Shorter words are seldom typos; a typo is within TYPO_LENGTH letters of the word's length.)
TYPO_SIMILARITY, TYPO_LETTERS, TYPO_LENGTH = 0.8, 5, 2
# Passages about one named thing (knowledge/passages.py: "Name: what it is"), named with at least
# NAME_WORDS distinctive words.
NAMED_KINDS, NAME_WORDS = frozenset({"qualification", "certification", "entry_route", "skill"}), 2
_ASIDE = re.compile(r"\s*\([^)]*\)")  # "(CMktr)", "(Level 3)": left out of a name
# A question the NLU takes for one the sources don't cover is answered from a passage only when it
# uses this much of the question's distinctive words' weight.
COVERED_AGAINST_NLU = 0.6
# ... or, scoring DECISIVE, COVERED of it.
DECISIVE = 0.75
# The intent whose answer covers a passage's topic, for the "nearest topics" buttons.
TOPIC_INTENTS: dict[str, str] = {
    "role": "ask_role", "responsibility": "ask_role", "works-with": "ask_teams",
    "importance": "ask_importance", "entry-requirement": "ask_requirements", "entry": "ask_requirements",
    "qualifications": "ask_apprenticeships", "certifications": "ask_certifications", "skills": "ask_skills",
    "pay-factor": "ask_pay_factors", "outlook": "ask_salary", "networking": "ask_networking",
    "mentoring": "ask_networking", "working-conditions": "ask_conditions", "progression": "ask_progression",
    "related": "ask_related",
}
_ADVISER = Button("Talk to an adviser", "request_human")


def topic_buttons(hits: list[Hit], ask: Ask, ranking: list[str], limit: int = 3) -> list[Button]:
    """Buttons for the topics the nearest passages belong to, then the NLU's next guesses."""
    intents = [TOPIC_INTENTS[h.topic] for h in hits if h.topic in TOPIC_INTENTS]
    chosen = list(dict.fromkeys(i for i in intents + ranking if i in INTENT_LABELS and i != "request_human"))
    career = {"career": ask.career.slug} if ask.career else {}
    return [Button(INTENT_LABELS[i], i, career) for i in chosen[:limit]]


def _career_note(session: Session, hit: Hit, ask: Ask) -> str:
    """" (for <career>)" when the passage is about another career than the conversation's."""
    if ask.career and ask.career.slug == hit.career:
        return ""
    career = queries.get_career(session, hit.career)
    return f" (for {career.name.lower()})" if career else ""


def retrieved_reply(session: Session, ask: Ask, hits: list[Hit], ranking: list[str],
                    lead: Optional[Hit] = None) -> Reply:
    """The best passages (`lead` first, whatever its score), each with its source, and the nearest topics."""
    best = (([lead] if lead else []) + [h for h in hits if h.score >= ANSWER and h != lead])[:MOST_PASSAGES]
    lines = ["Here is what my sources say about that:"]
    lines += [f"- {h.text}{_career_note(session, h, ask)}" for h in best]
    lines.append("If that's not what you meant, pick a topic or ask an adviser.")
    return Reply(lines, [h.citation for h in best], [*topic_buttons(best, ask, ranking), _ADVISER])


def not_covered_reply(session: Session, ask: Ask, hits: list[Hit], ranking: list[str]) -> Reply:
    """Say the sources don't cover it, the nearest thing they say (if close, on its words), and offer an adviser."""
    where = f" on {ask.career.name.lower()}" if ask.career else ""
    lines = [f"My sources{where} don't cover that, so I won't guess."]
    near = hits[0] if hits and hits[0].score >= RELATED and shares_a_word(session, ask.text, hits[0]) else None
    if near:
        lines.append(f"The nearest thing they say: {near.text}{_career_note(session, near, ask)}")
    lines.append("A careers adviser can help with questions like this. Would you like me to pass you to one?")
    return Reply(lines, [near.citation] if near else [], [_ADVISER, *topic_buttons(hits[:1], ask, ranking, 2)])


def shares_a_word(session: Session, text: str, hit: Hit) -> bool:
    """Whether a passage uses one of the question's distinctive words (not its career's name, nor a word of asking)."""
    return bool((question_stems(session, text) - asked_with()) & passage_index(session).stems_of(hit))


def second_opinion(session: Session, ask: Ask, tracker: Tracker, intent: str,
                   reply: Reply) -> Optional[tuple[Reply, str]]:
    """The not-covered or retrieved reply (and its topic) to give instead of an intent's `reply`, if any.

    Buttons and messages that are no question keep their answer. Otherwise the intent's answer
    gives way when it misses what the question asks about: the question's distinctive words are
    not in the reply, and a passage that uses the telling ones answers the question (retrieved),
    or one of them is something this career's knowledge never mentions (not covered). A short
    question naming something neither any passage nor any way learners ask mentions is not covered
    either. An intent the NLU is unsure of also gives way to "not covered" when a short question
    names something no passage mentions, or only other careers' do, or the NLU leans that way, and
    to a clearly better passage of another topic, unless its reply is about the role the question names.
    A sure intent's reply that stands may get a first line saying the sources say nothing of a
    name the question asks about (`add_general_only_line`).
    """
    parsed = tracker.latest_message.get("intent") or {}
    confidence = parsed.get("confidence")
    if (not isinstance(confidence, (int, float)) or ask.text.startswith("/")
            or not is_question(session, ask.text)):
        return None
    ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if isinstance(r, dict)]
    names = [str(r.get("name")) for r in ranking if r.get("name") != intent]
    # (With no career settled the reply asks which one: nothing to check it against.)
    missed = missed_words(session, ask.text, reply) if ask.career else set()
    unsure = confidence < UNSURE
    careers = {ask.career.slug} if ask.career else None
    naming = careers is not None and names_unsaid_item(session, ask.text, reply, careers)
    if not missed and not unsure and not naming:
        return None
    hits = retrieve(session, ask.text, careers)
    own_topic = bool(hits) and TOPIC_INTENTS.get(hits[0].topic) == intent
    if own_topic and hits[0].score >= OVERRIDE and in_reply(hits[0], reply):
        return None  # the passage that answers best is part of the answer: the NLU was right
    # The not-covered checks look at what the asking clauses name, not the context around them
    # ("I work at <shop>, what's the next step?"), and only in short messages.
    asking = asking_part(ask.text)
    stray, short = missed & stems(asking), is_short(ask)
    leaning = max((float(r.get("confidence") or 0) for r in ranking if r.get("name") == UNCOVERED_INTENT),
                  default=0.0)
    if (missed and not (unsure and only_asked_with(missed, ranking, intent))) or naming:
        answering = (passage_for(session, hits, missed) or named_in(hits, ask.text) if missed
                     else named_in(hits, ask.text, intent))
        if answering is not None:
            return retrieved_reply(session, ask, hits, names, answering), RETRIEVED
        if short and missing_here(session, stray, intent, asked_about(ask)):
            return not_covered_reply(session, ask, hits, names), NOT_COVERED
    unfamiliar = stray - (set() if unsure else asked_with())
    # (A long message whose asking clauses are short is checked for names nothing mentions there.)
    asks_briefly = is_short(ask, asking)
    if intent not in NOT_ANSWERING and ((short or asks_briefly) and unknown_word(session, unfamiliar, ask.text)
                                        or short and stray and leaning >= UNCOVERED_LEANING):
        return not_covered_reply(session, ask, hits, names), NOT_COVERED
    if not unsure:
        if short:
            add_general_only_line(session, ask.text, stray, reply)
        return None
    framing = framing_stems(NOT_ANSWERING, FRAMING_INTENTS, FRAMING_EXAMPLES)
    if short and outside_career(session, stray - framing, asked_about(ask)):
        return not_covered_reply(session, ask, hits, names), NOT_COVERED
    if leaning >= UNCOVERED_LEANING:
        return not_covered_reply(session, ask, hits, names), NOT_COVERED
    if hits and hits[0].score >= OVERRIDE and not only_asked_with(missed, ranking, intent) and (
            not in_reply(hits[0], reply) if own_topic else not names_role(ask, reply)):
        return retrieved_reply(session, ask, hits, names), RETRIEVED
    return None


def in_reply(hit: Hit, reply: Reply) -> bool:
    """Whether the reply says the passage (its words in order; a title before a colon may differ)."""
    _title, colon, body = hit.text.partition(": ")
    return says_in_order(reply.text(), body if colon else hit.text)


def names_role(ask: Ask, reply: Reply) -> bool:
    """Whether the question names a role and the reply is about it: the intent fits what was asked."""
    return ask.role_from_message and ask.role is not None and says_in_order(reply.text(), ask.role.title)


def only_asked_with(missed: set[str], ranking: list[dict], intent: str) -> bool:
    """Whether every word the reply missed is one ASKED_WITH of the NLU's other likely intents are asked with.

    "What's the ladder, from assistant up to director?" read as a path: "ladder" is how learners
    ask for the next step and the progression the NLU ranked next, not a topic some passage holds.
    """
    likely = [intent_stems(str(r.get("name"))) for r in ranking
              if float(r.get("confidence") or 0) >= LIKELY and r.get("name") != intent]
    return bool(missed) and all(sum(w in used for used in likely) >= ASKED_WITH for w in missed)


def missed_words(session: Session, text: str, reply: Reply) -> set[str]:
    """The question's distinctive words (stems, knowledge/words.py) that the reply does not use."""
    return question_stems(session, text) - stems(reply.text() + " " + " ".join(b.title for b in reply.buttons))


def passage_for(session: Session, hits: list[Hit], missed: set[str], covered: float = COVERED,
                mostly: Optional[float] = MOSTLY) -> Optional[Hit]:
    """The first passages' best scoring SPECIFIC that uses `covered` of the missed words' weight.

    Rare words weigh more, and the passage must use one that at most RARE_SHARE of passages use.
    A passage using `mostly` of that weight (if given), in MOSTLY_WORDS words or more, needs only to
    score RELATED.
    """
    index = passage_index(session)
    known = word_weights(session, missed)
    best, best_share = None, covered
    for hit in hits[:SPECIFIC_DEPTH]:
        used, share = weight_used(session, hit, known)
        enough = RELATED if mostly is not None and share >= mostly and len(used) >= MOSTLY_WORDS else SPECIFIC
        if hit.score >= enough and share >= best_share and any(index.rare(w, RARE_SHARE) for w in used):
            if best is None or share > best_share:
                best, best_share = hit, share
    return best


def item_name(kind: str, text: str) -> Optional[str]:
    """The name a passage about one named thing opens with ("Name (abbreviation): ..."), if it is one."""
    title, colon, _ = text.partition(":")
    return _ASIDE.sub("", title).strip() if colon and kind in NAMED_KINDS else None


def names_whole(named: frozenset[str], asked: set[str]) -> bool:
    """Whether a question's stems hold every stem of a name of NAME_WORDS or more distinctive words."""
    return len(named) >= NAME_WORDS and named <= asked


def names_unsaid_item(session: Session, text: str, reply: Reply, careers: set[str]) -> bool:
    """Whether the question names whole things of these careers' passages, none of which the reply names."""
    asked, said = stems(text), reply.text()
    named = [name for career, name, name_stems in named_items(session)
             if career in careers and names_whole(name_stems, asked)]
    return bool(named) and not any(says_in_order(said, name) for name in named)


@queries.memoized
def named_items(session: Session) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(career, name, the name's stems) of every passage about one named thing."""
    found = ((row[1], item_name(row[2], row[4])) for row in passage_index(session).rows)
    return tuple((career, name, frozenset(stems(name))) for career, name in found if name)


def named_in(hits: list[Hit], text: str, intent: Optional[str] = None) -> Optional[Hit]:
    """The first passages' best scoring SPECIFIC about a named thing the question names whole.

    "Who designed the <qualification>?": the block on qualifications names it but not who designed
    it, and the qualification's own passage says so, in other words. With `intent` (a reply that
    names none of the things the question names), only the best passage, and only when it is on a
    topic another intent answers ("what do I need to become a <certification>?" asked as entry
    requirements).
    """
    asked = stems(text)
    for hit in hits[:SPECIFIC_DEPTH if intent is None else 1]:
        name = item_name(hit.kind, hit.text)
        other_topic = intent is None or TOPIC_INTENTS.get(hit.topic) != intent
        if hit.score >= SPECIFIC and other_topic and names_whole(frozenset(stems(name or "")), asked):
            return hit
    return None


def is_short(ask: Ask, text: Optional[str] = None) -> bool:
    """Whether the question is about a settled career and short enough (or `text` of it) for a stray word to count."""
    return ask.career is not None and len((ask.text if text is None else text).split()) <= SHORT_QUESTION


def missing_here(session: Session, missed: set[str], intent: str, careers: set[str]) -> bool:
    """Whether a missed word names something these careers' knowledge lacks and others' has.

    For an intent answering passage topics, that is a word (not one learners frame questions
    with) used by other careers' passages on those topics and never by these careers' passages:
    "working from home" asked where only another career's working life mentions it. For other
    intents, a word used by other careers' passages only, and not one the intent is asked with.
    """
    topics = {topic for topic, answering in TOPIC_INTENTS.items() if answering == intent}
    index = passage_index(session)
    if not topics:
        return outside_career(session, missed - intent_stems(intent) - common_question_stems(
            NOT_ANSWERING, COMMON_EXAMPLES), careers)
    framing = framing_stems(NOT_ANSWERING, FRAMING_INTENTS, FRAMING_EXAMPLES)
    return any(not careers & index.stem_careers[w]
               and any(c not in careers and t in topics for c, t in index.stem_topics[w])
               for w in missed - framing if w in index.stem_careers)


def asked_about(ask: Ask) -> set[str]:
    """The careers a question is about: the conversation's and any it names ("switch to <career>")."""
    return {c.slug for c in (ask.career, *ask.careers_named) if c is not None}


def outside_career(session: Session, missed: set[str], careers: set[str]) -> bool:
    """Whether some missed word is one other careers' passages use and these careers' never do."""
    using = passage_index(session).stem_careers
    return any(w in using and not careers & using[w] for w in missed)


def unknown_word(session: Session, missed: set[str], text: str) -> bool:
    """Whether a missed word of the text is one no passage of any career uses ("Bristol"), nor a typo of one."""
    return bool(unknown_words(session, missed, text))


def unknown_words(session: Session, missed: set[str], text: str) -> list[str]:
    """The text's words (retrieval tokens) among `missed` that no passage uses and that are no typo of a word one does.

    Typos are judged on whole words ("reqirements" is close to "requirements"), since the five-letter
    stems of unrelated words are often close ("ameri" and "metri").
    """
    index, found = passage_index(session), []
    for word in tokens(text):
        unused = [w for w in stem_sequence(word) if w in missed and w not in index.stem_careers]
        if len(word) < TYPO_LETTERS or not unused:
            continue
        near = (w for w in long_words(session) if abs(len(w) - len(word)) <= TYPO_LENGTH)
        if not difflib.get_close_matches(word, list(near), n=1, cutoff=TYPO_SIMILARITY):
            found.append(word)
    return found


def add_general_only_line(session: Session, text: str, stray: set[str], reply: Reply) -> None:
    """Open a reply that stands with a line saying the sources say nothing of a name the question asks about.

    "What's the pay at <employer> for <role>s?" keeps the general figures (the words learners
    often ask with are let through), with this line first: the sources never mention that
    employer. A name is a stray word no passage uses, right after "at", "in", "for", "with",
    "from" or "near".
    """
    names = [w for w in (as_typed(text, w) for w in unknown_words(session, stray, text))
             if re.search(rf"\b(?:{_PLACING})\s+{re.escape(w)}", text, re.IGNORECASE)]
    if names:
        reply.lines.insert(0, f"My sources say nothing about {join_names(names)} in particular; "
                              "here is what they say in general.")


# A name asked about comes after one of these ("pay at <employer>", "jobs in <town>").
_PLACING = "at|in|for|with|from|near"


def as_typed(text: str, token: str) -> str:
    """The learner's own spelling of a word of the text ("Tesco" for "tesco", "Tesco's" kept whole)."""
    found = re.search(rf"\b{re.escape(token)}[\w']*", text, re.IGNORECASE)
    return found.group(0) if found else token


@queries.memoized
def long_words(session: Session) -> tuple[str, ...]:
    """The passages' words (retrieval tokens) of TYPO_LETTERS letters or more: what a typo may be of."""
    return tuple(w for w in passage_index(session).idf if len(w) >= TYPO_LETTERS)


def asked_with() -> frozenset[str]:
    """Stems COMMON_EXAMPLES of the answering intents' training examples use: how learners ask, not what about."""
    return common_question_stems(NOT_ANSWERING, COMMON_EXAMPLES)


def is_question(session: Session, text: str) -> bool:
    """Whether the message reads as a real question: two or more words, one the knowledge uses.

    Not "hmm", "asdf" or "blorp fizzle".
    """
    words = tokens(text)
    return len(words) >= 2 and any(w in passage_index(session).idf for w in words)


class ActionAnswerOpen(Action):
    """A question the intents don't answer: retrieved passages, or "not covered" with an adviser."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_open"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Answer from the knowledge's passages, or say honestly that it doesn't cover the question."""
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        fallback = intent != UNCOVERED_INTENT
        if text.startswith("/") or unreadable_reason(text) or (fallback and consecutive_fallbacks(tracker) >= 2):
            return await ActionClarify().run(dispatcher, tracker, domain)
        ranking = [str(r.get("name")) for r in tracker.latest_message.get("intent_ranking") or []
                   if isinstance(r, dict) and r.get("name") != intent]
        with session_factory()() as session:
            if fallback and not is_question(session, text):
                return await ActionClarify().run(dispatcher, tracker, domain)
            ask = read_ask(tracker, session)
            careers = {ask.career.slug} if ask.career else None
            hits = retrieve(session, text, careers)
            long_story = fallback and len(text.split()) > SHORT_QUESTION
            agreed = agreeing_action(hits, tracker.latest_message.get("intent_ranking") or []) if long_story else None
            if agreed is None:
                return send(dispatcher, *open_reply(session, ask, hits, ranking, fallback))
        return await agreed.run(dispatcher, tracker, domain)


def open_reply(session: Session, ask: Ask, hits: list[Hit], ranking: list[str], fallback: bool) -> tuple[Reply, str]:
    """The passages (and RETRIEVED) when they answer, else the not-covered reply (and NOT_COVERED).

    Against `nlu_fallback` the best passage answers from ANSWER; against `ask_uncovered` only a
    decisive one, or one carrying COVERED_AGAINST_NLU of the question's words' weight.
    """
    if fallback and hits and hits[0].score >= ANSWER:
        return retrieved_reply(session, ask, hits, ranking), RETRIEVED
    asked = question_stems(session, ask.text)
    answering = None if fallback else (decisive(session, hits, asked)
                                       or passage_for(session, hits, asked, COVERED_AGAINST_NLU, None))
    if answering is not None:
        return retrieved_reply(session, ask, hits, ranking, answering), RETRIEVED
    return not_covered_reply(session, ask, hits, ranking), NOT_COVERED


def decisive(session: Session, hits: list[Hit], asked: set[str]) -> Optional[Hit]:
    """The best passage when it scores DECISIVE and uses COVERED of the question's words' weight.

    Against the NLU's "not covered": a statistic the content holds, asked in its own words
    ("how many people did <sector> employ in <year>?"), scores far above anything else.
    """
    if not hits or hits[0].score < DECISIVE:
        return None
    return hits[0] if weight_used(session, hits[0], word_weights(session, asked))[1] >= COVERED else None


def word_weights(session: Session, words: set[str]) -> dict[str, float]:
    """The weight (rarer weighs more) of each of the words some passage uses."""
    index = passage_index(session)
    return {w: index.stem_weight(w) for w in words if index.stem_passages[w]}


def weight_used(session: Session, hit: Hit, weights: dict[str, float]) -> tuple[frozenset[str], float]:
    """The weighted words a passage uses, and their share of the whole weight (0 with no weight)."""
    used = passage_index(session).stems_of(hit) & weights.keys()
    total = sum(weights.values())
    return used, (sum(weights[w] for w in used) / total if total else 0.0)


def agreeing_action(hits: list[Hit], ranking: list[dict]) -> Optional[KnowledgeAction]:
    """The answer of a likely intent whose topic the best passage is on: the NLU and the passages agree.

    A long message telling a story before its question often leaves the NLU below its fallback
    threshold, with the question's intent among its guesses; when the best passage answers and is
    on that intent's topic, the intent's whole answer serves better than one passage. (For short
    messages, a passage on a likely intent's topic is the more specific answer.)
    """
    if not hits or hits[0].score < ANSWER:
        return None
    intent = TOPIC_INTENTS.get(hits[0].topic)
    likely = {r.get("name") for r in ranking if isinstance(r, dict) and float(r.get("confidence") or 0) >= LIKELY}
    return KnowledgeAction.for_intent(intent) if intent is not None and intent in likely else None
