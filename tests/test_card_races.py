"""Card payments meeting each other, and the bank, at the same instant on PostgreSQL: one
payment, one receipt, money never applied twice nor kept; ``check_ledger`` clean after each."""

from datetime import date

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from debts.services import build_notice
from payments import card
from payments.models import CardAttempt, Channel, Payment, PaymentReturn
from payments.services import settle
from payments.tasks import sweep_card_attempts
from receipts.models import Receipt
from tests.card_gateway import SECRET_KEY, authenticate, card_id, signed_event
from tests.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


@pytest.fixture
def notice(make_debtor, make_debt):
    debtor = make_debtor()
    return build_notice(debtor, debts=[make_debt(debtor, "75.00", due_date=date(2024, 6, 30))])


def charged_after_3ds(notice, base) -> CardAttempt:
    """An attempt whose card passed 3-D Secure at the gateway, not yet known to the portal."""
    attempt = card.live_attempt(notice)
    submitted = card.submit_card(attempt, card_id(base, "3ds"))
    intent = submitted.intent
    authenticate(base, intent.id, intent.client_secret, success=True)
    attempt.refresh_from_db()
    assert attempt.status == "pending"
    return attempt


def test_the_webhook_and_the_return_page_at_once_record_one_payment(notice, stripe_gateway):
    attempt = charged_after_3ds(notice, stripe_gateway)
    body, header = signed_event(attempt.intent_id)

    def webhook():
        return (
            Client()
            .post(
                reverse("stripe_webhook"),
                body,
                content_type="application/json",
                headers={"Stripe-Signature": header},
            )
            .status_code
        )

    def return_page():
        return card.refresh_attempt(attempt, via="return page").status

    outcomes = run_together(webhook, return_page)

    assert outcomes == [200, "succeeded"]
    assert Payment.objects.filter(channel=Channel.CARD).count() == 1
    assert Receipt.objects.count() == 1
    call_command("check_ledger")


def test_two_tabs_at_once_get_one_live_attempt(notice, stripe_gateway):
    first, second = run_together(
        lambda: card.live_attempt(notice), lambda: card.live_attempt(notice)
    )
    assert first.pk == second.pk
    assert CardAttempt.objects.count() == 1


def test_a_double_click_at_once_charges_once(notice, stripe_gateway):
    attempt = card.live_attempt(notice)
    cards = [card_id(stripe_gateway), card_id(stripe_gateway)]
    outcomes = run_together(*(lambda c=c: card.submit_card(attempt, c) for c in cards))
    assert {o.attempt.intent_id for o in outcomes} == {outcomes[0].attempt.intent_id}
    assert Payment.objects.count() == 1
    call_command("check_ledger")


def test_a_bank_payment_and_a_card_payment_at_once_one_applied_the_other_held_or_refunded(
    notice, stripe_gateway
):
    attempt = charged_after_3ds(notice, stripe_gateway)

    def bank():
        return settle(
            channel=Channel.BANK,
            reference="DIAS-RACE",
            amount=notice.total,
            received_at=timezone.now(),
            rf=notice.rf_code,
        )

    run_together(bank, lambda: card.refresh_attempt(attempt, via="return page"))

    bank_payment = Payment.objects.get(channel=Channel.BANK)
    card_payment = Payment.objects.get(channel=Channel.CARD)
    applied = [p for p in (bank_payment, card_payment) if p.allocations.exists()]
    assert len(applied) == 1
    assert Receipt.objects.count() == 1
    if applied == [bank_payment]:
        refund = PaymentReturn.objects.get(payment=card_payment)
        sweep_card_attempts()
        refund.refresh_from_db()
        assert refund.status == PaymentReturn.Status.RETURNED
        assert refund.amount == notice.total
    call_command("check_ledger")


def test_the_refund_task_and_the_sweep_at_once_refund_once(notice, stripe_gateway):
    """Money for a notice paid meanwhile at the bank goes back once, not once per runner."""
    attempt = charged_after_3ds(notice, stripe_gateway)
    settle(
        channel=Channel.BANK,
        reference="DIAS-FIRST",
        amount=notice.total,
        received_at=timezone.now(),
        rf=notice.rf_code,
    )
    card.refresh_attempt(attempt, via="return page")
    refund = PaymentReturn.objects.get(payment__channel=Channel.CARD)

    outcomes = run_together(lambda: card.send_refund(refund), lambda: card.send_refund(refund))

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    refund.refresh_from_db()
    assert refund.status == PaymentReturn.Status.RETURNED
    at_gateway = requests.get(
        f"{stripe_gateway}/v1/refunds",
        params={"payment_intent": attempt.intent_id},
        auth=(SECRET_KEY, ""),
        timeout=10,
    ).json()["data"]
    assert len(at_gateway) == 1
    call_command("check_ledger")
