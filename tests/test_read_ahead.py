"""The cache keys a session read on its last request of a URL come with the session
(``thermi_portal.read_ahead``): one round trip for a repeat overview, values served once and
only to the keys asked for, and a session ended elsewhere ends at once.

These tests commit (a transactional database), as a real request does: inside a transaction the
cache is not used.
"""

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from thermi_portal import read_ahead, versioned_cache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cache_calls(monkeypatch):
    """The names of the calls made to the default cache, in order."""
    calls = []
    backend = caches["default"]
    for name in ("get", "get_many", "set", "add"):
        method = getattr(backend, name)
        monkeypatch.setattr(
            backend,
            name,
            lambda *args, _name=name, _method=method, **kwargs: (
                calls.append(_name) or _method(*args, **kwargs)
            ),
        )
    return calls


def test_a_repeat_overview_makes_one_round_trip_to_the_cache(
    citizen_client, cache_calls, django_assert_num_queries
):
    citizen_client.get(reverse("citizen:overview"))  # builds, and learns the keys it read
    cache_calls.clear()
    # One query, outside the cache: the debtor's ledger version, part of the page's key, which
    # the services raise as they lock the debtor (thermi_portal.ledger_cache).
    with django_assert_num_queries(1):
        page = citizen_client.get(reverse("citizen:overview"))

    assert page.status_code == 200
    assert cache_calls == ["get_many"]  # the session, the account and the page together


def test_a_session_ended_elsewhere_ends_at_once(citizen_client):
    for _ in range(2):
        assert citizen_client.get(reverse("citizen:overview")).status_code == 200

    citizen_client.session.delete()  # as when staff end it, or it expires

    ended = citizen_client.get(reverse("citizen:overview"))
    assert ended.status_code == 302
    assert ended.url.startswith(reverse("account_login"))


class Session(SessionBase):
    """Stands for the session store: what ``get_session`` finds is the test's to say."""


def run_request(session_key: str, path: str, view):
    """``view()`` inside ``ReadAheadMiddleware`` for a request of ``path`` by ``session_key``."""
    request = RequestFactory().get(path)
    request.session = Session(session_key)

    def get_response(request):
        view()
        return HttpResponse()

    read_ahead.ReadAheadMiddleware(get_response)(request)


def test_values_read_ahead_are_served_once_and_only_for_the_keys_asked():
    cache = caches["default"]
    cache.set_many({"read-ahead:a": 1, "read-ahead:b": 2, "read-ahead:session": {"x": 1}})
    run_request(
        "session-one", "/page/", lambda: read_ahead.get_many(["read-ahead:a", "read-ahead:b"])
    )
    seen = {}

    def view():
        cache.set_many({"read-ahead:a": 10, "read-ahead:b": 20, "read-ahead:c": 30})
        seen["session"] = read_ahead.get_session("session-one", "read-ahead:session")
        cache.set("read-ahead:a", 11)  # after the read ahead: not seen until asked again
        seen["ahead"] = read_ahead.get_many(["read-ahead:a"])
        seen["again"] = read_ahead.get_many(["read-ahead:a"])
        seen["other"] = read_ahead.get_many(["read-ahead:b", "read-ahead:c"])

    run_request("session-one", "/page/", view)

    assert seen["session"] == {"x": 1}
    assert seen["ahead"] == {"read-ahead:a": 10}
    assert seen["again"] == {"read-ahead:a": 11}
    assert seen["other"] == {"read-ahead:b": 20, "read-ahead:c": 30}


def test_nothing_is_read_ahead_for_another_session_or_another_url(cache_calls):
    cache = caches["default"]
    cache.set_many({"read-ahead:d": 4, "read-ahead:session": {}})
    run_request("session-two", "/page/", lambda: read_ahead.get_many(["read-ahead:d"]))

    for session_key, path, round_trips in (
        ("session-three", "/page/", 2),
        ("session-two", "/other/", 2),
        ("session-two", "/page/", 1),
    ):
        cache_calls.clear()
        run_request(
            session_key,
            path,
            lambda session_key=session_key: (
                read_ahead.get_session(session_key, "read-ahead:session"),
                read_ahead.get_many(["read-ahead:d"]),
            ),
        )
        assert cache_calls == ["get_many"] * round_trips, (session_key, path)


def test_a_bump_in_the_request_drops_what_was_read_ahead(cache_calls):
    cache = caches["default"]
    cache.set_many({"read-ahead:f": 6, "read-ahead:session": {}})
    read = lambda: read_ahead.get_many(["read-ahead:f"])  # noqa: E731
    run_request("session-four", "/page/", read)
    seen = {}

    def view():
        read_ahead.get_session("session-four", "read-ahead:session")
        cache.set("read-ahead:f", 7)
        versioned_cache.bump("read-ahead:version")  # outside a transaction: at once
        seen["after the bump"] = read()

    run_request("session-four", "/page/", view)

    assert seen["after the bump"] == {"read-ahead:f": 7}


def test_outside_a_request_it_is_the_cache_itself(cache_calls):
    caches["default"].set("read-ahead:e", 5)
    cache_calls.clear()
    assert read_ahead.get_many(["read-ahead:e", "read-ahead:missing"]) == {"read-ahead:e": 5}
    assert cache_calls == ["get_many"]
