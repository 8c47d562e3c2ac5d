"""The scripted conversations the speed benchmarks send."""
from __future__ import annotations

# A learner's realistic ten turns: hello, pay and follow-ups, skills, progression, a route plan.
CAREER_CONVERSATION: tuple[str, ...] = (
    "hi there",
    "how much does an ecommerce manager earn?",
    "and what about a director?",
    "and what would a junior get?",
    "which skills will I need?",
    "how do I move up from associate to manager?",
    "can you make me a plan",
    "I work in retail as a sales assistant",
    "I want to become an ecommerce director",
    "thanks, that's really helpful",
)
CAREER_READINESS_QUESTION = "how much does an ecommerce manager earn?"

# Ten turns that fit the stock `rasa init` assistant's intents (greet, moods, affirm, bye...).
STOCK_CONVERSATION: tuple[str, ...] = (
    "hello",
    "I am sad",
    "yes",
    "great",
    "are you a bot?",
    "good morning",
    "I am feeling very good",
    "no",
    "am I talking to a human?",
    "bye",
)
STOCK_READINESS_QUESTION = "hello"

SINGLE_REPEATS = 5
CONCURRENT_CONVERSATIONS = 20
CONCURRENT_ROUNDS = 3
