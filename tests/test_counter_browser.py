"""The counter end to end in a real headless Chromium: a cashier logs into the admin with a
password and the authenticator's code, takes a cash payment of a debtor's notice and opens the
receipt's PDF; then the debtor, logged in, finds it in their payment history and downloads it,
and its verification page confirms it, on pages axe-core finds nothing serious in."""

from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from debts.services import build_notice
from payments import ledger
from payments.models import Payment
from payments.services import settle
from receipts.models import Receipt
from tests.browser import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

STAFF_EMAIL = "tameio@example.org"
STAFF_PASSWORD = "Ταμείο-Θέρμης-2026"
TOTP_NOW = 1_790_000_010  # allauth's TOTP clock, stopped: a code is checked in its own period
PHONE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, settings, tmp_path):
    """The live server's threads close their connections (the test database must be dropped at
    the end); receipts are kept in a folder of the test's own; no cent goes missing."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: TOTP_NOW))
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()
    assert ledger.check().breaches == []


@pytest.fixture
def cashier(django_user_model):
    """A cashier of the Ταμείο group, with a verified email and an authenticator. The group is
    given its permissions here too: a transactional test empties the tables the migrations
    filled."""
    user = django_user_model.objects.create_user(
        "tameio", STAFF_EMAIL, STAFF_PASSWORD, is_staff=True
    )
    group, _ = Group.objects.get_or_create(name="Ταμείο")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "take_counter_payment",
                "view_payment",
                "view_receipt",
                "view_debtor",
                "view_paymentnotice",
            ]
        )
    )
    user.groups.add(group)
    EmailAddress.objects.create(user=user, email=STAFF_EMAIL, verified=True, primary=True)
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


@pytest.fixture
def citizen(make_citizen, make_debt):
    user = make_citizen()
    debtor = user.debtor
    user.notice = build_notice(debtor, debts=[make_debt(debtor, "45.00")])
    return user


def citizen_page(chromium, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(base_url=live_server.url, accept_downloads=True, **options)
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


def test_a_cashier_takes_a_payment_and_the_citizen_downloads_the_receipt(
    chromium, live_server, cashier, citizen
):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()

    # The admin's login is allauth's: password, then the authenticator's code.
    page.goto("/admin/")
    page.locator("input[name=login]").fill(STAFF_EMAIL)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    code = format_hotp_value(hotp_value(cashier.totp_secret, TOTP_NOW // 30))
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.locator("input[name=code]").press("Enter")
    assert page.url.endswith("/admin/"), page.url

    # The counter: the debtor by ΑΦΜ, their notice, cash, confirmed.
    page.locator("tr.model-payment th a").first.click()
    page.get_by_role("link", name="Είσπραξη στο ταμείο").click()
    page.get_by_label("Οφειλέτης").fill(citizen.debtor.afm)
    page.get_by_role("button", name="Αναζήτηση").click()
    page.get_by_role("link", name="Είσπραξη ειδοποιητηρίου").click()
    assert citizen.notice.formatted_rf in page.locator("#content").inner_text()
    page.get_by_label("Μετρητά").check()
    page.get_by_role("button", name="Καταχώριση είσπραξης").click()

    receipt = Receipt.objects.get()
    payment = Payment.objects.get()
    assert (payment.recorded_by, receipt.cashier) == (cashier, cashier)
    assert receipt.display_number in page.locator("#content").inner_text()

    # The receipt's PDF opens at once, from the confirmation.
    with context.expect_event("response", lambda r: "/pdf/" in r.url) as opened:
        page.get_by_role("link", name="Άνοιγμα και εκτύπωση της απόδειξης (PDF)").click()
    assert opened.value.status == 200
    assert opened.value.headers["content-type"] == "application/pdf"
    context.close()

    # The citizen's history shows the payment with its receipt, to download.
    page = citizen_page(chromium, live_server, citizen)
    page.goto("/payments/")
    history = page.locator("main").inner_text()
    assert receipt.display_number in history
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Λήψη PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    for path in ("/card/", "/en/payments/"):
        page.goto(path)
        assert receipt.display_number in page.locator("main").inner_text(), path
        assert_accessible(page)
    page.context.close()

    # Anyone holding the paper opens its verification page, as its QR code does, without a login.
    page = chromium.new_context(base_url=live_server.url).new_page()
    page.goto(reverse("receipts:verify", args=[receipt.verification_code]))
    verified = page.locator("main").inner_text()
    assert "Η απόδειξη είναι γνήσια" in verified and receipt.display_number in verified
    assert citizen.debtor.afm not in verified
    assert_accessible(page)
    page.context.close()


def test_the_history_reads_on_a_phone(chromium, live_server, citizen):
    settle(
        channel=Payment.Channel.BANK,
        reference="DIAS-1",
        amount=citizen.notice.total,
        received_at=timezone.now(),
        notice=citizen.notice,
    )
    page = citizen_page(chromium, live_server, citizen, viewport=PHONE)
    page.goto("/payments/")
    assert citizen.notice.formatted_rf in page.locator("main").inner_text()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"/payments/ is {overflow}px wider than a phone"
    assert_accessible(page)
    page.context.close()
