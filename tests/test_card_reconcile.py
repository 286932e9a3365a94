"""``reconcile_gateway`` against localstripe: a charge whose webhook and sweep were both lost is
settled, refunds are matched to returns, and what the portal cannot explain is listed."""

import io
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from debts.money import euros
from debts.services import build_notice
from payments import card, gateway
from payments.models import CardAttempt, PaymentReturn
from payments.reconciliation import REFUND_FAILURES_LOOKED_BACK, reconcile_gateway
from payments.services import record_returned
from receipts.models import Receipt
from tests.card_gateway import authenticate, card_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(make_debtor, make_debt):
    debtor = make_debtor()
    return build_notice(debtor, debts=[make_debt(debtor, "33.00", due_date=date(2024, 6, 30))])


def refunded_in_full(attempt) -> PaymentReturn:
    """Finance refunds the attempt's payment in full, reversing its receipt."""
    return card.refund_card_payment(
        attempt.payment,
        amount=attempt.payment.amount,
        expected_refundable=attempt.payment.amount,
        reverse=True,
        reason="Δοκιμή",
        actor=None,
    )


def failing(monkeypatch, refund_id: str) -> None:
    """The gateway answers that refund ``refund_id`` failed: localstripe's refunds always
    succeed, so its answer is read as Stripe gives it for a refund the card's bank turned down."""
    refunds = gateway.refunds_of

    def failed(day, **kwargs):
        return [
            replace(r, status="failed") if r.id == refund_id else r for r in refunds(day, **kwargs)
        ]

    monkeypatch.setattr(gateway, "refunds_of", failed)


def test_a_lost_webhook_is_recovered_and_the_day_matches(notice, stripe_gateway):
    attempt = card.live_attempt(notice)
    intent = card.submit_card(attempt, card_id(stripe_gateway, "3ds")).intent
    authenticate(stripe_gateway, intent.id, intent.client_secret, success=True)
    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.PENDING  # no webhook, no return page

    result = reconcile_gateway(timezone.localdate())

    assert intent.id in result.settled_now
    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.SUCCEEDED
    assert attempt.fee is not None
    assert Receipt.objects.filter(channel_reference=intent.id).exists()
    # a second run finds nothing more to do for it
    again = reconcile_gateway(timezone.localdate())
    assert intent.id not in again.settled_now
    assert not [d for d in again.differences if intent.id in d]
    call_command("check_ledger")


def test_refunds_are_matched_and_a_charge_of_no_attempt_is_a_difference(notice, stripe_gateway):
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    payment_return = refunded_in_full(attempt)
    # the refund reached the gateway, but the portal's record of it was lost
    refund = gateway.refund(
        intent_id=attempt.intent_id, amount=payment_return.amount, key=str(payment_return.pk)
    )
    stranger = gateway.create_intent(
        amount=attempt.amount, payment_method=card_id(stripe_gateway), key="other", metadata={}
    )

    result = reconcile_gateway(timezone.localdate())

    assert refund.id in result.returned_now
    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.RETURNED
    assert payment_return.return_reference == refund.id
    assert any(
        stranger.id in d and "δεν ανήκει σε καμία προσπάθεια πληρωμής" in d
        for d in result.differences
    )
    with pytest.raises(CommandError):
        call_command("reconcile_gateway", "--date", timezone.localdate().isoformat())


def test_a_second_gateway_refund_of_a_recorded_return_is_a_difference(notice, stripe_gateway):
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    payment_return = refunded_in_full(attempt)
    card.send_refund(payment_return)
    # made at the gateway by hand, naming the same return
    twice = gateway._client().v1.refunds.create(
        {
            "payment_intent": attempt.intent_id,
            "amount": 100,
            "metadata": {"return": str(payment_return.pk)},
        }
    )

    result = reconcile_gateway(timezone.localdate())

    assert any(twice.id in d and "είχε ήδη γίνει ως" in d for d in result.differences)


def test_a_refund_that_failed_at_the_gateway_is_refused_and_listed_until_returned_by_hand(
    notice, stripe_gateway, monkeypatch
):
    """localstripe's refunds always succeed: the gateway's answer is read as Stripe gives it
    for a refund the card's bank turned down."""
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    sent = card.send_refund(refunded_in_full(attempt))
    assert sent.status == PaymentReturn.Status.RETURNED
    failing(monkeypatch, sent.return_reference)
    today = timezone.localdate()

    first = reconcile_gateway(today)

    sent.refresh_from_db()
    assert sent.status == PaymentReturn.Status.REFUSED
    amount = euros(attempt.payment.amount)
    failed = (
        f"επιστροφή χρημάτων {sent.return_reference} της {attempt.intent_id} ({amount}): απέτυχε"
    )
    assert any(d.startswith(failed) and "η κάρτα δεν πιστώθηκε" in d for d in first.differences)
    assert any(
        d.startswith(f"επιστροφή {sent.pk} ") and "επιστρέψτε τα χρήματα με άλλο τρόπο" in d
        for d in first.differences
    )
    again = reconcile_gateway(today)
    assert again.differences == first.differences
    assert sent.status_changes.count() == 2, "refused once"

    record_returned(sent, reference="SEPA-10", actor=None)

    assert not [d for d in reconcile_gateway(today).differences if attempt.intent_id in d]


@pytest.mark.parametrize(
    "days_later, refused",
    [(3, True), (REFUND_FAILURES_LOOKED_BACK, True), (REFUND_FAILURES_LOOKED_BACK + 1, False)],
)
def test_a_refund_that_failed_days_after_it_was_made_is_refused_and_listed(
    notice, stripe_gateway, monkeypatch, days_later, refused
):
    """Its webhook lost, a refund the card's bank turned down after the day it was made is found
    by the reconciliation of a later day, within the days it looks back."""
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    sent = card.send_refund(refunded_in_full(attempt))
    failing(monkeypatch, sent.return_reference)

    result = reconcile_gateway(timezone.localdate() + timedelta(days=days_later))

    sent.refresh_from_db()
    assert (sent.status == PaymentReturn.Status.REFUSED) is refused
    listed = [d for d in result.differences if d.startswith(f"επιστροφή {sent.pk} ")]
    assert bool(listed) is refused
    assert all("επιστρέψτε τα χρήματα με άλλο τρόπο" in d for d in listed)


def test_a_card_return_the_gateway_has_not_refunded_by_the_days_end_is_a_difference(
    notice, stripe_gateway, monkeypatch
):
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    monkeypatch.setattr(card, "refund_on_commit", lambda payment_return: None)  # no worker
    payment_return = refunded_in_full(attempt)

    result = reconcile_gateway(timezone.localdate())

    stuck = (
        f"επιστροφή {payment_return.pk} της {attempt.intent_id} ({euros(payment_return.amount)})"
    )
    assert any(
        d.startswith(stuck) and "δεν επιστράφηκε στην κάρτα" in d for d in result.differences
    )


def test_the_officer_reads_the_reconciliation_in_the_portals_language(notice, stripe_gateway):
    """What the finance officer reads each morning is in the portal's language, amounts as
    people write them, like every other finance command's output (it was English only)."""
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    stranger = gateway.create_intent(
        amount=attempt.amount, payment_method=card_id(stripe_gateway), key="other", metadata={}
    )
    today = timezone.localdate()
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"^\d+ διαφορ(ά|ές) στις \d\d/\d\d/\d{4}$"):
        call_command("reconcile_gateway", "--date", today.isoformat(), stdout=out)

    output = out.getvalue()
    assert re.search(
        r"\d+ χρεώσεις, \d+ επιστροφές χρημάτων στην πύλη πληρωμών· προμήθειες", output
    )
    amount = f"{attempt.amount:.2f}".replace(".", ",")
    assert (
        f"ΔΙΑΦΟΡΑ: χρέωση {stranger.id} ({amount} €) που δεν ανήκει σε καμία προσπάθεια πληρωμής"
    ) in output
