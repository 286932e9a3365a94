"""Defects a citizen met, found by a review of their journey: each test says what they saw."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from debts.models import Property
from debts.services import build_notice
from payments.models import CardAttempt, Channel
from payments.services import reverse_receipt, settle
from receipts.models import Certificate
from tests.test_tap_certificate_pages import ask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def notice(citizen_client, make_debt):
    debt = make_debt(citizen_client.debtor, "120.00", due_date=date(2024, 6, 30))
    return build_notice(citizen_client.debtor, debts=[debt])


def start_card(client, notice) -> CardAttempt:
    response = client.post(reverse("payments:card_start", args=[notice.pk]))
    assert response.status_code == 302
    return CardAttempt.objects.get(notice=notice, status__in=CardAttempt.LIVE)


# --- The card gateway down, on an English page ------------------------------------------------


def test_the_gateway_down_is_said_in_english_on_english_pages(citizen_client, notice, settings):
    attempt = start_card(citizen_client, notice)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing answers there

    response = citizen_client.post(
        "/en" + reverse("payments:card_submit", args=[attempt.public_id]),
        {"payment_method": "card_123"},
    )

    assert response.status_code == 502
    assert response.json()["error"] == (
        "The card payment service is not answering. Please try again shortly."
    )


# --- A card given for a notice paid meanwhile at a bank ---------------------------------------


def paid_at_a_bank(notice, reference: str) -> None:
    """The notice paid at a bank while the citizen's card page is open."""
    settle(
        channel=Channel.BANK,
        reference=reference,
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    )


def test_a_card_submitted_for_a_notice_paid_meanwhile_cancels_the_attempt(citizen_client, notice):
    attempt = start_card(citizen_client, notice)
    paid_at_a_bank(notice, "DIAS-77")

    response = citizen_client.post(
        reverse("payments:card_submit", args=[attempt.public_id]), {"payment_method": "card_123"}
    )

    assert response.status_code == 409
    assert "δεν πληρώνεται πια" in response.json()["error"]
    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.CANCELLED  # not left live, the form shown again
    after = citizen_client.get(response.json()["next"]).content.decode()
    assert 'id="card-form"' not in after
    assert "δεν πληρώνεται πια (Εξοφλήθηκε)" in after, "the page says why, not only «cancelled»"
    assert "Δεν χρεωθήκατε." in after


def test_the_card_page_of_a_notice_paid_meanwhile_offers_no_card_form(citizen_client, notice):
    attempt = start_card(citizen_client, notice)
    paid_at_a_bank(notice, "DIAS-78")

    html = citizen_client.get(reverse("payments:card", args=[attempt.public_id])).content.decode()

    assert 'id="card-form"' not in html
    assert "δεν πληρώνεται πια (Εξοφλήθηκε)" in html
    assert "Δεν χρεωθήκατε." in html
    assert reverse("citizen:notice", args=[notice.pk]) in html
    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.CREATED  # a page read changes nothing


# --- A certificate revoked, on the page of its request ----------------------------------------


def ask_for_a_certificate(citizen_client, make_debt):
    """The citizen asks for the certificate of a home that owes ΤΑΠ: the request's page, and the
    notice it waits on."""
    debtor = citizen_client.debtor
    home = Property.objects.create(
        debtor=debtor, address="Ολυμπιάδος 7, Θέρμη", supply_number="112233445", area=Decimal(90)
    )
    make_debt(debtor, "30.00", kind="tap", tap_property=home)
    asked = ask(citizen_client, home)
    return asked, debtor.notices.get()


def test_the_request_page_says_its_certificate_was_revoked(citizen_client, make_debt, admin_user):
    asked, notice = ask_for_a_certificate(citizen_client, make_debt)
    receipt = settle(
        channel=Channel.BANK,
        reference="DIAS-9",
        amount=notice.total,
        received_at=timezone.now(),
        rf=notice.rf_code,
    ).receipt
    certificate = Certificate.objects.get()
    reverse_receipt(receipt, reason="Η μεταφορά επιστράφηκε", actor=admin_user)

    html = citizen_client.get(asked.url).content.decode()

    assert "η βεβαίωση εκδόθηκε" not in html
    assert f"Η βεβαίωση {certificate.display_number} ανακλήθηκε από τον Δήμο" in html
    assert "δεν ισχύει" in html
    assert f"/certificates/{certificate.pk}/pdf/" not in html
    assert reverse("receipts:certificates") in html


# --- A request for a certificate whose notice expired -----------------------------------------


def test_a_request_whose_notice_expired_is_no_longer_shown_as_awaiting_payment(
    citizen_client, make_debt, today_is
):
    asked, notice = ask_for_a_certificate(citizen_client, make_debt)
    assert asked.url in citizen_client.get("/certificates/").content.decode()

    today_is(notice.valid_until + timedelta(days=1))
    html = citizen_client.get("/certificates/").content.decode()

    # Its notice can no longer be paid: the page does not send the citizen to pay it.
    assert asked.url not in html
    assert "αναμένει την πληρωμή" not in html
    assert "Οφείλεται" in html


# --- A password set on the way to a page ------------------------------------------------------


def test_after_setting_the_password_asked_for_the_citizen_goes_on_to_the_page_they_opened(
    citizen_client, django_user_model
):
    user = django_user_model.objects.get(debtor=citizen_client.debtor)
    user.set_unusable_password()
    user.save()
    citizen_client.force_login(user)

    asked = citizen_client.get("/en/notices/?page=1")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/en/accounts/password/set/")
    done = citizen_client.post(
        asked["Location"], {"password1": "Καλή-μέρα-2026", "password2": "Καλή-μέρα-2026"}
    )

    assert done.status_code == 302
    assert done["Location"] == "/en/notices/?page=1"  # not the page to change it again


# --- The debt's history on the card, in the reader's language ---------------------------------


@pytest.mark.parametrize(
    ("prefix", "paid", "settled", "reversed_"),
    [
        ("", "(πληρωμή: Τράπεζα (RF μέσω ΔΙΑΣ))", "(Ρύθμιση Ρ-", "(ακύρωση της απόδειξης ΤΡ-"),
        ("/en", "(payment: Bank (RF via DIAS))", "(Settlement Ρ-", "(reversal of receipt ΤΡ-"),
    ],
)
def test_the_history_of_a_debt_says_why_it_changed_in_the_page_language(
    citizen_client, make_debt, make_settlement, admin_user, prefix, paid, settled, reversed_
):
    debtor = citizen_client.debtor
    debt = make_debt(debtor, "50.00", due_date=date(2024, 6, 30), description="ΤΚΦ 2024")
    notice = build_notice(debtor, debts=[debt])
    receipt = settle(
        channel=Channel.BANK,
        reference="DIAS-5",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    ).receipt
    reverse_receipt(receipt, reason="Η μεταφορά επιστράφηκε", actor=admin_user)
    other = make_debt(debtor, "900.00", due_date=date(2024, 6, 30), description="ΤΑΠ 2024")
    make_settlement(debtor, [other], installments=3)

    html = citizen_client.get(prefix + reverse("citizen:card")).content.decode()

    # Not the ledger's own notes, in English whatever the page («bank payment DIAS-5»).
    for recorded in ("(bank payment", "(settlement Ρ-", " reversed)"):
        assert recorded not in html
    for said in (paid, settled, reversed_):
        assert said in html
