"""No citizen reaches another citizen's objects, whatever the URL: walked over every pattern.

Every pattern of the ``citizen`` and ``payments`` namespaces is found through the URL resolver,
so a page added later is tested without anyone remembering to. A pattern taking an argument this
test does not know how to fill fails the test: whoever adds it says here whose object it shows.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from debts.models import ParavoloType
from debts.services import build_notice
from payments.models import CardAttempt

NAMESPACES = ("citizen", "payments")


def walk(patterns, namespace=None):
    """(namespaced name, pattern) of every named pattern under ``patterns``."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace:
            yield f"{namespace}:{entry.name}", entry


def citizen_patterns() -> list[tuple[str, URLPattern]]:
    found = [(n, p) for n, p in walk(get_resolver().url_patterns) if n.split(":")[0] in NAMESPACES]
    assert found, "no pattern found in the citizen and payments namespaces"
    return found


@pytest.fixture
def owner(citizen_client, make_debt):
    """The owner's client and one object of each kind an id in a URL can name."""
    debtor = citizen_client.debtor
    notice = build_notice(debtor, debts=[make_debt(debtor, "20.00", due_date=date(2024, 1, 31))])
    other = build_notice(debtor, debts=[make_debt(debtor, "30.00", due_date=date(2024, 1, 31))])
    attempt = CardAttempt.objects.create(notice=other, debtor=debtor, amount=other.total)
    citizen_client.objects = {"notice": notice, "attempt": attempt}
    return citizen_client


@pytest.fixture
def stranger(make_citizen):
    """Another citizen, logged in on a client of their own."""
    client = Client()
    client.force_login(make_citizen())
    return client


@pytest.fixture
def paravolo_type(revenue):
    return ParavoloType.objects.create(
        name="Παράβολο", name_en="Fee", revenue_type=revenue["paravolo"], amount=Decimal("4.50")
    )


# An id names either an object of one citizen (the other must get 404) or an entry of a catalogue
# every citizen may use (then both get it). Each URL taking an id must be listed in one of them.
OWNED = {
    "citizen:notice": "notice",
    "citizen:notice_pdf": "notice",
    "payments:card_start": "notice",
    "payments:card": "attempt",
    "payments:card_submit": "attempt",
    "payments:card_return": "attempt",
    "payments:card_status": "attempt",
    "payments:card_cancel": "attempt",
}
SHARED = {"citizen:paravolo_issue"}
# What the owner's GET answers where it is not the page itself: a form's target takes only a
# POST (405), the return page redirects.
OWNER_GET = {
    "payments:card_start": 405,
    "payments:card_submit": 405,
    "payments:card_cancel": 405,
    "payments:card_return": 302,
}


def url_id(obj):
    """What a URL names the object by: a card attempt by its public id, the rest by pk."""
    return getattr(obj, "public_id", obj.pk)


def test_every_id_in_a_url_is_looked_up_among_the_citizens_own(owner, stranger, paravolo_type):
    checked = []
    for name, pattern in citizen_patterns():
        converters = pattern.pattern.converters
        if not converters:
            continue
        assert set(converters) == {"pk"}, f"{name}: this test cannot fill {set(converters)}"
        if name in SHARED:
            url = reverse(name, kwargs={"pk": paravolo_type.pk})
            assert owner.get(url).status_code == 200, name
            assert stranger.get(url).status_code == 200, name
        else:
            assert name in OWNED, f"{name}: say in OWNED or SHARED whose object its id names"
            url = reverse(name, kwargs={"pk": url_id(owner.objects[OWNED[name]])})
            expected = OWNER_GET.get(name, 200)
            assert owner.get(url).status_code == expected, name
            assert "no-store" in owner.get(url)["Cache-Control"], f"{name}: kept by the browser"
            assert stranger.get(url).status_code == 404, name
            assert stranger.post(url).status_code == 404, name
        assert Client().get(url).status_code == 302, f"{name}: open without a login"
        checked.append(name)
    assert set(checked) == set(OWNED) | SHARED


def test_every_page_without_an_id_needs_a_login_and_opens_for_a_citizen(owner):
    for name, pattern in citizen_patterns():
        if pattern.pattern.converters:
            continue
        url = reverse(name)
        anonymous = Client().get(url)
        assert anonymous.status_code == 302, name
        assert anonymous["Location"].startswith(reverse("account_login")), name
        # A page that only takes a POST answers a GET with 405, and that is all it does.
        page = owner.get(url)
        assert page.status_code in (200, 405), name
        # Back, after logging out on a shared computer, must not show the citizen's page.
        assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"], name
