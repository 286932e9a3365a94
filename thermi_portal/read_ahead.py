"""One round trip to the cache for a request: the keys a session read last time come with it.

A citizen's page reads the session, then the account (``thermi_portal.auth_backends``), then the
page kept for their debtor (``thermi_portal.ledger_cache``): three round trips, each waiting on the
one before for the key it needs, and each costing more than the page's own work once it is kept.
So each process remembers, per session and URL, the keys that session's last request of that URL
read through ``get_many``; the next such request fetches them in the same ``MGET`` as the session
itself, and ``get_many`` serves them from there.

Values read ahead are those of the moment the session is read, earlier in the same request: a
reader that takes versions before it builds (``thermi_portal.versioned_cache``) stays right, and
each is served once, so a key read again in the request goes to the cache. A change the request
itself makes (a version bumped, ``forget``) drops what is left, so it never reads its own writes
from before them. They are kept only for
the request (``ReadAheadMiddleware``), and only a request that asks for the same key gets its
value, so a session key does not reach another session's values. Outside a request, or for keys
not read ahead, ``get_many`` is the cache's own.
"""

from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS, cache

# Sessions and URLs whose keys each process remembers: the most recently seen.
REMEMBERED = 10_000


@dataclass
class _Request:
    path: str
    ahead: dict[str, Any] = field(default_factory=dict)  # read ahead, not yet served
    missing: set[str] = field(default_factory=set)  # read ahead and not in the cache
    read: dict[str, None] = field(default_factory=dict)  # through get_many, in order


_request: ContextVar[_Request | None] = ContextVar("read_ahead", default=None)
_keys_read: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()


def get_session(session_key: str, cache_key: str) -> Any:
    """The session kept under ``cache_key``, read with the keys its last request of this URL read."""
    current = _request.get()
    ahead = _keys_read.get((session_key, current.path), ()) if current is not None else ()
    found = cache.get_many([cache_key, *ahead])
    if ahead:
        current.ahead = {key: found[key] for key in ahead if key in found}
        current.missing = set(ahead) - found.keys()
    return found.get(cache_key)


def get_many(keys: list[str]) -> dict[str, Any]:
    """``cache.get_many(keys)``, from what was read ahead when it holds every one of them."""
    current = _request.get()
    if current is None:
        return cache.get_many(keys)
    current.read.update(dict.fromkeys(keys))
    if not all(key in current.ahead or key in current.missing for key in keys):
        return cache.get_many(keys)
    found = {}
    for key in keys:
        if key in current.ahead:
            found[key] = current.ahead.pop(key)
        current.missing.discard(key)
    return found


def forget() -> None:
    """Nothing read ahead for this request is served any more: the cache went on without it."""
    current = _request.get()
    if current is not None:
        current.ahead.clear()
        current.missing.clear()


class SessionStore(cached_db.SessionStore):
    """Django's cached-database session, read with the keys its last request read."""

    def load(self):
        if settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
            return super().load()
        try:
            data = get_session(self.session_key, self.cache_key)
        except Exception:  # as Django's: a cache that fails falls back to the database
            data = None
        if data is None:
            return super().load()
        return data


class ReadAheadMiddleware:
    """Keeps what is read ahead for one request, and remembers the keys the session read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = _Request(path=request.path)
        token = _request.set(current)
        try:
            response = self.get_response(request)
            session = getattr(request, "session", None)
            if session is not None and session.session_key and current.read:
                _remember((session.session_key, current.path), tuple(current.read))
            return response
        finally:
            _request.reset(token)


def _remember(session_and_path: tuple[str, str], keys: tuple[str, ...]) -> None:
    # Threads of one process share the keys: each step stands alone, none may raise.
    _keys_read.pop(session_and_path, None)
    _keys_read[session_and_path] = keys
    while len(_keys_read) > REMEMBERED:
        try:
            _keys_read.popitem(last=False)
        except KeyError:
            break
