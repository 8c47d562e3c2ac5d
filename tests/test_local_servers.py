"""The throw-away servers tests start: a Redis restart keeps its keys when asked to."""
from tests.support.redis_server import temporary_redis
import redis
def test_restart_keeps_keys_with_appendonly():
    with temporary_redis(appendonly=True) as server:
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        server.stop(); server.start()
        assert client.get("k") == b"v"
