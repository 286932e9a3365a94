"""The Redis cache keeps one client per connection pool, and still works as Django's does."""

import socket

import pytest

from thermi_portal.redis_cache import RedisCache


def redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_one_client_per_pool_and_the_cache_still_works():
    cache = RedisCache("redis://127.0.0.1:6379/12", {"KEY_PREFIX": "test-redis-cache"})
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is first
    cache.set("greeting", "Καλημέρα", 30)
    assert cache.get("greeting") == "Καλημέρα"
    assert cache.get_many(["greeting", "missing"]) == {"greeting": "Καλημέρα"}
    cache.delete("greeting")
    assert cache.get("greeting") is None
