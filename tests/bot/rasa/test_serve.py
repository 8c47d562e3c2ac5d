"""The Rasa server's start-up checks (bot/rasa/serve.py)."""
from __future__ import annotations

import pytest

from bot.rasa.serve import unsafe_workers


@pytest.mark.parametrize("env, redis_url", [({}, ""), ({"SANIC_WORKERS": "1"}, ""),
                                            ({"SANIC_WORKERS": "4"}, "redis://127.0.0.1:6379/1")])
def test_one_worker_or_a_shared_lock_store_is_accepted(env: dict[str, str], redis_url: str) -> None:
    assert unsafe_workers(env, redis_url) is None


def test_several_workers_without_redis_are_refused_with_the_reason() -> None:
    assert "needs REDIS_URL" in (unsafe_workers({"SANIC_WORKERS": "3"}, "") or "")
    assert "whole number" in (unsafe_workers({"SANIC_WORKERS": "many"}, "") or "")
