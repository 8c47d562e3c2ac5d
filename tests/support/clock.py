"""A clock that tests move by hand, for rate limits and expiry."""
from __future__ import annotations


class ManualClock:
    """A clock that stands still until a test moves it (`clock.value += seconds`)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value
