"""A card payment end to end in headless Chromium with localstripe's Stripe.js: build a notice,
pay it by card through 3-D Secure, see the confirmation, download the receipt's PDF and open its
verification page; axe-core on every page, and the payment page on a phone."""

import io
import time
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from pypdf import PdfReader

from payments.models import CardAttempt, GatewayEvent
from receipts.models import Receipt
from tests.browser import assert_accessible
from tests.test_citizen_browser import PHONE, logged_in_page

pytestmark = pytest.mark.django_db(transaction=True)

# localstripe's card element: plain inputs, not Stripe's iframe (which labels its own fields).
GATEWAY_WIDGET = ("#card-element",)


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture(autouse=True)
def _webhooks_answered_before_the_flush(transactional_db):
    """localstripe sends its webhooks in its own time: one the live portal is still answering
    when the test's tables are flushed deadlocks the flush (seen on a loaded machine). A test
    ends once no event has come for a second and every one that came is processed."""
    yield
    deadline, seen, quiet = time.monotonic() + 15, None, 0
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(0.35)
        now = (
            GatewayEvent.objects.count(),
            GatewayEvent.objects.filter(signature_valid=True, processed_at=None).count(),
        )
        quiet = quiet + 1 if now == seen and not now[1] else 0
        seen = now


@pytest.fixture
def webhook_to_live_server(stripe_gateway, live_server):
    """localstripe's webhooks sent to the live portal, as ``make run`` registers them."""
    call_command("localstripe_webhook", "--url", f"{live_server.url}/payments/stripe/webhook/")
    return live_server


def fill_card(page, number: str) -> None:
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("57001")


def test_build_a_notice_pay_it_with_3ds_and_verify_the_receipt(
    chromium, webhook_to_live_server, make_citizen, make_debt
):
    live_server = webhook_to_live_server
    user = make_citizen()
    make_debt(user.debtor, "45.00", description="Λογαριασμός νερού")
    make_debt(user.debtor, "120.00", due_date=date(2024, 6, 30), description="ΤΚΦ 2024")
    page = logged_in_page(chromium, live_server, user, accept_downloads=True)
    page.set_default_timeout(15_000)

    page.goto(live_server.url + "/notices/new/")
    page.get_by_label("Λογαριασμός νερού").check()
    page.get_by_role("button", name="Συνέχεια").click()
    page.get_by_role("button", name="Δημιουργία ειδοποιητηρίου").click()
    page.get_by_role("button", name="Πληρωμή με κάρτα").click()
    page.wait_for_url("**/payments/card/*/")
    assert page.locator("h1").inner_text() == "Πληρωμή με κάρτα"
    page.locator("#card-element input").first.wait_for()
    assert_accessible(page, GATEWAY_WIDGET)

    fill_card(page, "4000002500003155")
    page.locator("#card-pay").click()
    page.get_by_role("button", name="Complete authentication").click()  # localstripe's dialog
    page.wait_for_selector(".govgr-panel--confirmation", timeout=30_000)
    assert_accessible(page)
    attempt = CardAttempt.objects.get()
    assert attempt.status == CardAttempt.Status.SUCCEEDED
    receipt = Receipt.objects.get(channel_reference=attempt.intent_id)
    panel = page.locator(".govgr-panel--confirmation").inner_text()
    assert str(receipt) in panel

    with page.expect_download() as download:
        page.get_by_role("link", name="Αποθήκευση της απόδειξης").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert receipt.verification_code[:4] in text.replace(" ", "").replace("-", "")

    page.goto(f"{live_server.url}/verify/{receipt.verification_code}/")
    assert str(receipt) in page.locator("main").inner_text()
    assert_accessible(page)


def test_a_declined_card_in_english_on_a_phone(
    chromium, stripe_gateway, live_server, make_citizen, make_debt
):
    from debts.services import build_notice

    user = make_citizen()
    notice = build_notice(user.debtor, debts=[make_debt(user.debtor, "12.00")])
    page = logged_in_page(chromium, live_server, user, viewport=PHONE)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/notices/{notice.pk}/")
    page.get_by_role("button", name="Pay by card").click()
    page.wait_for_url("**/payments/card/*/")
    page.locator("#card-element input").first.wait_for()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the payment page is {overflow}px wider than a phone"
    assert_accessible(page, GATEWAY_WIDGET)
    fill_card(page, "4000000000000341")
    page.locator("#card-pay").click()
    page.wait_for_selector(".govgr-error-summary")
    assert "Your bank declined the card." in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Try again").click()
    page.wait_for_url("**/payments/card/*/")
    assert CardAttempt.objects.filter(status=CardAttempt.Status.CREATED).count() == 1


def test_a_session_ended_before_the_card_is_sent_leads_to_the_login_not_a_script_error(
    chromium, stripe_gateway, live_server, make_citizen, make_debt
):
    from django.contrib.sessions.models import Session

    from debts.services import build_notice

    user = make_citizen()
    notice = build_notice(user.debtor, debts=[make_debt(user.debtor, "12.00")])
    page = logged_in_page(chromium, live_server, user)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    page.get_by_role("button", name="Πληρωμή με κάρτα").click()
    page.wait_for_url("**/payments/card/*/")
    page.locator("#card-element input").first.wait_for()
    attempt_path = page.url.removeprefix(live_server.url)
    Session.objects.all().delete()  # the session ends while the form is open

    fill_card(page, "4242424242424242")
    page.locator("#card-pay").click()

    # Not the browser's «Unexpected token '<' … is not valid JSON» on the page: the page again,
    # which sends to the login and back.
    page.wait_for_url("**/accounts/login/**")
    assert "next=" in page.url and "/payments/card/" in page.url
    assert attempt_path.split("/")[3] in page.url
    assert CardAttempt.objects.get().status == CardAttempt.Status.CREATED  # nothing charged
