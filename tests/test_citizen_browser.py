"""The citizen's pages in a real browser: axe-core finds nothing serious, a phone needs no
sideways scrolling, and a notice is built by ticking boxes and pressing buttons."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from debts.models import ParavoloType, PaymentNotice
from tests.browser import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(monkeypatch):
    """The live server's request threads close their connections, or the test database could
    not be dropped at the end (the settings keep connections open for a minute)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def citizen(make_citizen, make_everything, revenue):
    """A citizen with a debt in every group, a settlement and an open notice."""
    user = make_citizen()
    user.notice = make_everything(user.debtor)["notice"]
    user.paravolo_type = ParavoloType.objects.create(
        name="Παράβολο ένστασης κατά προστίμου",
        name_en="Fee for an objection to a fine",
        revenue_type=revenue["paravolo"],
        amount=Decimal("4.50"),
        legal_basis="Απόφαση Δημοτικού Συμβουλίου",
        description="Κατατίθεται με την ένσταση.",
    )
    return user


def logged_in_page(chromium, live_server, user, **context_options):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(**context_options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_every_citizen_page_passes_axe(chromium, live_server, citizen):
    page = logged_in_page(chromium, live_server, citizen)
    paths = [
        "/debts/",
        "/card/",
        "/notices/",
        f"/notices/{citizen.notice.pk}/",
        "/notices/new/",
        "/paravola/",
        f"/paravola/{citizen.paravolo_type.pk}/",
        "/payments/",
        "/en/debts/",
        f"/en/notices/{citizen.notice.pk}/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)

    # The review, and the notice with its success message, reached as a citizen reaches them.
    page.goto(live_server.url + "/notices/new/")
    page.get_by_label("Λογαριασμός νερού").check()
    page.get_by_role("button", name="Συνέχεια").click()
    assert page.locator("h1").inner_text().startswith("Ελέγξτε")
    assert_accessible(page)
    page.get_by_role("button", name="Δημιουργία ειδοποιητηρίου").click()
    notice = PaymentNotice.objects.get(items__debt__description__startswith="Λογαριασμός")
    assert page.url.endswith(f"/notices/{notice.pk}/")
    assert notice.formatted_rf in page.locator(".govgr-notification-banner").inner_text()
    assert_accessible(page)


def test_the_public_pages_and_an_empty_overview_pass_axe(chromium, live_server, make_citizen):
    page = chromium.new_page()
    for path in ("/", "/surcharges/", "/en/surcharges/"):
        page.goto(live_server.url + path)
        assert_accessible(page)
    page.close()
    page = logged_in_page(chromium, live_server, make_citizen())
    page.goto(live_server.url + "/debts/")
    assert "Δεν έχετε ανεξόφλητες οφειλές" in page.content()
    assert_accessible(page)


def test_a_phone_never_scrolls_sideways(chromium, live_server, citizen):
    page = logged_in_page(chromium, live_server, citizen, viewport=PHONE)
    for path in (
        "/debts/",
        "/surcharges/",
        "/card/",
        "/notices/",
        "/notices/new/",
        f"/notices/{citizen.notice.pk}/",
    ):
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
