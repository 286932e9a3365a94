"""The overview page kept whole in the cache (``thermi_portal.ledger_cache``): each response carries a
CSRF token of its own that works, a message shows once and is never kept, and a URL with a query
string is rendered afresh without keeping anything.

These tests commit (a transactional database), as a real request does: inside a transaction
nothing is kept.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import CITIZEN_PASSWORD
from thermi_portal.ledger_cache import CSRF_HOLE

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MESSAGE = "govgr-notification-banner"


@pytest.fixture
def citizen(make_citizen, make_debtor, make_debt):
    debtor = make_debtor()
    make_debt(debtor, "42.00", description="Οφειλή της σελίδας")
    return make_citizen(debtor)


def browser_of(user) -> Client:
    """A browser whose forms are checked for their CSRF token, as a real one's are."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def test_each_response_of_the_kept_page_carries_its_own_working_token(
    citizen, django_assert_num_queries
):
    browser = browser_of(citizen)
    first = browser.get(reverse("citizen:overview")).content.decode()
    with django_assert_num_queries(2):  # the session, the account with its card; the kept page
        kept = browser.get(reverse("citizen:overview")).content.decode()

    assert CSRF_HOLE not in first and CSRF_HOLE not in kept
    assert "Οφειλή της σελίδας" in kept
    tokens = TOKEN.findall(kept)
    assert len(tokens) == 2  # the language switch and the logout
    assert tokens[0] == tokens[1]
    assert tokens[0] not in first  # masked afresh for every response

    refused = browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert refused.status_code == 403
    switched = browser.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[0]},
    )
    assert switched.status_code == 302
    assert switched.cookies["django_language"].value == "en"


def test_logging_out_with_the_token_of_a_kept_page(citizen):
    browser = browser_of(citizen)
    browser.get(reverse("citizen:overview"))
    kept = browser.get(reverse("citizen:overview")).content.decode()

    browser.post(reverse("account_logout"), {"csrfmiddlewaretoken": TOKEN.search(kept).group(1)})

    assert browser.get(reverse("citizen:overview")).status_code == 302


def test_the_message_after_logging_in_shows_once_and_is_never_kept(client, citizen):
    other_device = browser_of(citizen)
    other_device.get(reverse("citizen:overview"))  # the page is now kept

    landed = client.post(
        reverse("account_login"),
        {"login": citizen.email, "password": CITIZEN_PASSWORD},
        follow=True,
    )
    assert landed.redirect_chain[-1][0] == reverse("citizen:overview")
    assert MESSAGE in landed.content.decode()

    assert MESSAGE not in client.get(reverse("citizen:overview")).content.decode()
    assert MESSAGE not in other_device.get(reverse("citizen:overview")).content.decode()


def test_a_query_string_gets_a_fresh_page_and_keeps_nothing(
    citizen, django_assert_num_queries, django_assert_max_num_queries
):
    browser = browser_of(citizen)
    for _ in range(2):
        with django_assert_max_num_queries(10) as context:
            page = browser.get(reverse("citizen:overview") + "?from=newsletter")
        assert len(context.captured_queries) > 0  # rendered, not kept
        assert "Οφειλή της σελίδας" in page.content.decode()

    with django_assert_max_num_queries(10) as context:
        browser.get(reverse("citizen:overview"))
    assert len(context.captured_queries) > 2  # nothing was kept for the bare URL
    with django_assert_num_queries(2):  # the session, the account with its card; the kept page
        browser.get(reverse("citizen:overview"))


def test_under_debug_every_page_is_rendered_afresh(
    citizen, settings, django_assert_max_num_queries
):
    settings.DEBUG = True  # templates change under a running development server
    browser = browser_of(citizen)
    for _ in range(2):
        with django_assert_max_num_queries(10) as context:
            browser.get(reverse("citizen:overview"))
        assert len(context.captured_queries) > 0
