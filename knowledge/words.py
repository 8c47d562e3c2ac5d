"""Distinctive words of a question: coarse stems without filler, career names or role titles."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from knowledge import queries

VOCABULARY = Path(__file__).parent / "content" / "vocabulary.yml"

# Words of a question that say nothing about which fact is meant: pay words (every figure is
# pay), the words questions are asked with, and chat filler.
_NOT_DISTINCTIVE = frozenset("""pay pays paid salary salaries earn earns earning earnings wage wages
income money much more less than what does they their them there this that with from into about
give gives make makes take year years annual annually average typical typically really
would could should will your mine have work working jobs role roles people person
what's whats which when where who's whom whose many need needs needed needing want wants wanting
like just other others really actually basically usually been being doing done thing things
still some kind kinds type types sort sorts later once within along alongside also ever every day days
only long think thinking know tell explain wonder wondering sure stuff come comes coming
getting gets going goes instead anyone someone something able okay hello hiya thanks please
become becomes becoming having worth best good better useful helpful possible
real actual true honest honestly exactly main loves love loving lot lots similar else
even look looking after cant dont wont isnt doesnt didnt arent upwards onwards until since before while
though although unless whether maybe perhaps probably already soon never always often sometimes quite
pretty enough anyway anyways without across around among against each either neither whole mostly
almost nearly well ones theyve youve weve ive youre theyre thats looked looks wat myself yourself
ourselves themselves himself herself
""".split())
_WORD = re.compile(r"[a-z][a-z']{3,}")
_CONTRACTION = re.compile(r"'(?:s|re|ve|ll|d|m|t)\b|n't\b")
# A hyphenated word counts as its parts and as one word: "re-order" meets "reorder", and
# "entry-level" still meets "entry".
_HYPHENATED = re.compile(r"[a-z]+(?:-[a-z]+)+")
_ENDING = re.compile(r"(?:ies|ing|ers|er|es|s|y)$")


def _stem(word: str) -> str:
    return _ENDING.sub("", word)[:5]


# Filler counts by its stems: "paying" is as much filler as "pay".
_FILLER_STEMS = frozenset(_stem(w) for w in _NOT_DISTINCTIVE)


@functools.lru_cache(maxsize=1)
def _same_meaning(path: Path = VOCABULARY) -> dict[str, str]:
    """Each stem of a `same_meaning` group of the vocabulary, mapped to the group's first."""
    groups = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("same_meaning") or []
    return {_stem(w.lower()): _stem(group[0].lower()) for group in groups for w in group}


def _and_joined(match: re.Match[str]) -> str:
    return f"{match.group(0)} {match.group(0).replace('-', '')}"


def stem_sequence(text: str) -> list[str]:
    """Stems of a text's distinctive words in order: hyphens and endings off, five letters at most, one per meaning."""
    text = _HYPHENATED.sub(_and_joined, _CONTRACTION.sub("", text.lower().replace("\u2019", "'")))
    words = _WORD.findall(text)
    same = _same_meaning()
    return [same.get(stem, stem) for stem in map(_stem, words) if stem not in _FILLER_STEMS]


def stems(text: str) -> set[str]:
    """The set of a text's stems (`stem_sequence`).

    "charities" and "charity" meet, and so do "banks" and "banking", and "home" and "remotely".
    """
    return set(stem_sequence(text))


# A clause asks when it ends with "?" or opens (after greetings and "so", "ok") with one of these.
_ASKING = frozenset("""what whats what's how why when where who which whose can could do does did is are
will would should shall any anything tell""".split())
_OPENERS = frozenset("so ok okay right hi hiya hey hello well and but also then um erm".split())
_CLAUSE = re.compile(r"[^,;.!?\n]+[,;.!?\n]*")


def asking_part(text: str) -> str:
    """The clauses of a message that ask something, or the whole message when none visibly does.

    "I live in Leeds, what skills do I need?" asks about skills; Leeds is where the learner is.
    """
    asking = []
    for clause in _CLAUSE.findall(text):
        words = [w for w in re.findall(r"[a-z']+", clause.lower()) if w not in _OPENERS]
        if clause.rstrip().endswith("?") or (words and words[0] in _ASKING):
            asking.append(clause.strip())
    return " ".join(asking) or text


def says_in_order(text: str, phrase: str) -> bool:
    """Whether the text has the phrase's distinctive words next to each other, in order."""
    said, wanted = stem_sequence(text), stem_sequence(phrase)
    return bool(wanted) and any(said[i:i + len(wanted)] == wanted for i in range(len(said) - len(wanted) + 1))


@queries.memoized
def name_stems(session: Session) -> frozenset[str]:
    """Stems of every word of a career's name or synonym and of a role's title."""
    names = {w for c in queries.list_careers(session) for n in (c.name, *c.synonyms) for w in n.lower().split()}
    names |= {w for c in queries.list_careers(session) for r in queries.list_roles(session, c.slug)
              for w in r.title.lower().split()}
    return frozenset(stems(" ".join(names)))


def question_stems(session: Session, text: str) -> set[str]:
    """The question's distinctive stems, leaving out words of career names and role titles."""
    return stems(text) - name_stems(session)
