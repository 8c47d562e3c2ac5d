"""The throw-away servers tests start: a Redis restart keeps its keys when asked to."""
from __future__ import annotations

import redis

from tests.support.redis_server import temporary_redis


def test_an_append_only_redis_keeps_its_keys_across_a_restart() -> None:
    with temporary_redis(appendonly=True) as server:
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        server.stop()
        server.start()
        assert client.get("k") == b"v"
