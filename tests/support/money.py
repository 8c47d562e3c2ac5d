"""Money figures in English text: number words ("one hundred and forty-two thousand") and £ amounts."""
from __future__ import annotations

import re

_UNITS = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {word: 10 * value for value, word in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
NUMBER_WORDS = set(_UNITS) | set(_TENS) | {"hundred"} | set(_SCALES)
_TOKEN = re.compile(r"£\s?\d[\d,]*|[A-Za-z]+|\d+")


def words_to_number(phrase: str) -> int:
    """Value of an English number phrase: "one hundred and forty-two thousand" → 142000."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower().strip()) if w]
    if not words:
        raise ValueError("empty number phrase")
    total, current, previous = 0, 0, None
    for word in words:
        if word == "and":
            if previous != "hundred":
                raise ValueError(f"unexpected 'and' in {phrase!r}")
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        else:
            raise ValueError(f"not a number word: {word!r} in {phrase!r}")
        previous = word
    if previous == "and":
        raise ValueError(f"{phrase!r} ends with 'and'")
    return total + current


def number_phrases(text: str) -> list[tuple[str, int]]:
    """Every maximal run of number words (or £ figure) in `text`, with the word that follows it.

    "and" belongs to a number only straight after "hundred" ("one hundred and twenty"); otherwise
    it separates two numbers ("between twenty-nine and fifty-five thousand").
    Returns (phrase, token index after the phrase) pairs.
    """
    tokens = [t.lower() for t in _TOKEN.findall(text.replace("-", " "))]
    runs: list[tuple[str, int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("£"):
            runs.append((token, i + 1))
            i += 1
            continue
        if token not in NUMBER_WORDS:
            i += 1
            continue
        start = i
        while i < len(tokens) and (tokens[i] in NUMBER_WORDS or (
                tokens[i] == "and" and tokens[i - 1] == "hundred" and i + 1 < len(tokens)
                and tokens[i + 1] in NUMBER_WORDS)):
            i += 1
        runs.append((" ".join(tokens[start:i]), i))
    return runs


def amounts_in_text(text: str) -> list[int]:
    """Every money-sized figure (1,000 or more) the text states, in order of appearance.

    A bare number joined to the next one by "and" or "to" takes that number's scale:
    "between twenty-nine and fifty-five thousand" gives 29000 and 55000.
    """
    tokens = [t.lower() for t in _TOKEN.findall(text.replace("-", " "))]
    runs = number_phrases(text)
    values: list[int] = []
    for index, (phrase, end) in enumerate(runs):
        if phrase.startswith("£"):
            values.append(int(re.sub(r"[^\d]", "", phrase)))
            continue
        value = words_to_number(phrase)
        last = phrase.split()[-1]
        if last not in _SCALES and index + 1 < len(runs):
            next_phrase, next_end = runs[index + 1]
            joined_by = tokens[end] if end < len(tokens) else ""
            starts_next = next_end - len(next_phrase.split()) == end + 1
            next_last = next_phrase.split()[-1]
            if joined_by in ("and", "to") and starts_next and next_last in _SCALES:
                value *= _SCALES[next_last]
        if value >= 1000:
            values.append(value)
    return values


_POUNDS = re.compile(r"£\s?(\d[\d,]*(?:\.\d+)?)\s?(k|m|bn)?\b", re.IGNORECASE)


def pound_figures(text: str) -> list[int]:
    """Every £ amount written in figures, in pence ("£18k" → 1800000, "£13.50" → 1350).

    Business sizes ("£20bn", "£10m") are not pay and are left out.
    """
    figures = []
    for number, scale in _POUNDS.findall(text):
        if scale.lower() in ("m", "bn"):
            continue
        value = float(number.replace(",", "")) * (1000 if scale.lower() == "k" else 1)
        figures.append(round(value * 100))
    return figures
