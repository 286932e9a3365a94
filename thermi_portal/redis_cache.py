"""Django's Redis cache, keeping one client per connection pool instead of one per call.

Django builds a new ``redis.Redis`` on every cache operation; each build costs more than the
round trip it makes to a local Redis, and every page makes at least one. A client is thread-safe
and only borrows connections from its pool, so one per pool serves every thread.

Keys are not checked for memcached (at most 250 characters, no spaces or control characters),
which Django does for every key of every call: Redis takes any key.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        pass
