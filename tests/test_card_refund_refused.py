"""A card refund the gateway will not make (a disputed charge, a closed card) or makes and then
fails: the return is recorded refused, no longer sent, and waits in finance's queue for a person
to return the money otherwise and record it. localstripe refunds every charge it made, so the
gateway's refusal of such a refund is stood in for at ``gateway.refund``; what it refuses for
real, it is asked."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from debts.services import build_notice
from payments import card, gateway
from payments.models import GatewayEvent, PaymentReturn
from payments.reconciliation import reconcile_gateway
from payments.services import record_returned
from payments.tasks import refund_through_gateway, sweep_card_attempts
from tests.card_gateway import card_id, signed_event
from tests.test_card_admin import paid_attempt  # noqa: F401 (fixture)
from tests.test_card_payments import webhook
from tests.test_counter import FINANCE, staff_user  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

DISPUTED = "This charge is disputed and cannot be refunded."


def set_aside(attempt) -> PaymentReturn:
    """Finance refunds the attempt's payment in full; no worker sends it yet."""
    return card.refund_card_payment(
        attempt.payment,
        amount=attempt.payment.amount,
        expected_refundable=attempt.payment.amount,
        reverse=True,
        reason="Διπλή πληρωμή",
        actor=None,
    )


@pytest.fixture
def refusing_gateway(monkeypatch):
    asked = []

    def refuse(**request):
        asked.append(request)
        raise gateway.RefundRefused(DISPUTED)

    monkeypatch.setattr(gateway, "refund", refuse)
    return asked


@pytest.fixture
def no_worker(monkeypatch):
    monkeypatch.setattr(card, "refund_on_commit", lambda payment_return: None)


def test_the_gateway_refusing_a_refund_says_so(make_debtor, make_debt, stripe_gateway):
    debtor = make_debtor()
    notice = build_notice(debtor, debts=[make_debt(debtor, "20.00")])
    declined = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway, "declined"))

    with pytest.raises(gateway.RefundRefused, match="Cannot refund a failed payment"):
        gateway.refund(intent_id=declined.intent.id, amount=Decimal("20.00"), key="1")


def test_a_refused_refund_is_recorded_refused_and_never_sent_again(
    paid_attempt,  # noqa: F811
    no_worker,
    refusing_gateway,
):
    payment_return = set_aside(paid_attempt)

    refund_through_gateway(payment_return.pk)  # the task after the commit

    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.REFUSED
    change = payment_return.status_changes.get()
    assert change.cause == f"refund refused by the gateway: {DISPUTED}"
    assert len(refusing_gateway) == 1
    assert sweep_card_attempts()["refunds"] == 0
    assert len(refusing_gateway) == 1, "asking again would get the same answer"


def test_a_refund_the_gateway_makes_failed_is_recorded_refused(
    paid_attempt,  # noqa: F811
    no_worker,
    monkeypatch,
):
    payment_return = set_aside(paid_attempt)
    refund = gateway.refund

    def failed(**request):
        return replace(refund(**request), status="failed")

    monkeypatch.setattr(gateway, "refund", failed)

    sent = card.send_refund(payment_return)

    assert sent.status == PaymentReturn.Status.REFUSED
    assert sent.status_changes.get().cause.endswith(" failed")


def test_a_refused_card_return_is_recorded_returned_by_hand_and_only_then(
    paid_attempt,  # noqa: F811
    no_worker,
    refusing_gateway,
    staff_user,  # noqa: F811
):
    payment_return = set_aside(paid_attempt)
    with pytest.raises(ValidationError, match="μέσω της πύλης πληρωμών"):
        record_returned(payment_return, reference="SEPA-1", actor=None)
    card.send_refund(payment_return)
    person = staff_user(FINANCE)

    returned = record_returned(payment_return, reference=" SEPA-7 ", actor=person)

    assert returned.status == PaymentReturn.Status.RETURNED
    assert returned.return_reference == "SEPA-7"
    assert returned.status_changes.last().actor == person
    with pytest.raises(ValidationError):
        record_returned(payment_return, reference="SEPA-8", actor=person)
    assert card.send_refund(payment_return).return_reference == "SEPA-7"


def test_finance_finds_a_refused_card_return_in_its_queue_and_records_it(
    client,
    paid_attempt,  # noqa: F811
    no_worker,
    refusing_gateway,
    staff_user,  # noqa: F811
):
    client.force_login(staff_user(FINANCE))
    payment = paid_attempt.payment
    payment_return = set_aside(paid_attempt)
    queue = reverse("admin:payments_unappliedpayment_changelist")
    recording = reverse("admin:payments_payment_returned", args=[payment_return.pk])
    assert not client.get(queue).context["cl"].result_list, "the gateway's to refund"
    assert "μέσω της πύλης πληρωμών" in client.post(recording, {"reference": "X"}).content.decode()

    card.send_refund(payment_return)

    listed = client.get(queue)
    assert list(listed.context["cl"].result_list) == [payment]
    cell = f'<td class="field-to_return_amount">{payment.amount:.2f} €</td>'.replace(".", ",")
    assert cell in listed.content.decode()
    page = client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    assert recording in page.content.decode()
    assert DISPUTED in page.content.decode()  # the status history says why
    response = client.post(recording, {"reference": "SEPA-9"})
    assert response.status_code == 302
    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.RETURNED
    assert not client.get(queue).context["cl"].result_list


def test_the_reconciliation_refuses_a_failed_refund_and_lists_it_until_returned_by_hand(
    paid_attempt,  # noqa: F811
    no_worker,
    monkeypatch,
):
    sent = card.send_refund(set_aside(paid_attempt))
    assert sent.status == PaymentReturn.Status.RETURNED
    refunds = gateway.refunds_of

    def as_failed(day):
        return [
            replace(r, status="failed") if r.id == sent.return_reference else r
            for r in refunds(day)
        ]

    monkeypatch.setattr(gateway, "refunds_of", as_failed)
    today = timezone.localdate()

    first = reconcile_gateway(today)

    sent.refresh_from_db()
    assert sent.status == PaymentReturn.Status.REFUSED
    assert any(" failed at the gateway" in d for d in first.differences)
    assert any(
        d.startswith(f"return {sent.pk} ") and "the gateway refused it, return it by hand" in d
        for d in first.differences
    )
    again = reconcile_gateway(today)
    assert again.differences == first.differences
    assert sent.status_changes.count() == 2, "refused once"

    record_returned(sent, reference="SEPA-10", actor=None)

    assert not [d for d in reconcile_gateway(today).differences if paid_attempt.intent_id in d]


@pytest.mark.parametrize("kind", ["refund.failed", "charge.refund.updated"])
def test_the_gateways_word_that_a_refund_failed_refuses_its_return_at_once(
    client,
    paid_attempt,  # noqa: F811
    no_worker,
    monkeypatch,
    kind,
):
    sent = card.send_refund(set_aside(paid_attempt))
    body, header = signed_event(sent.return_reference, kind, object_type="refund")
    assert webhook(client, body, header).status_code == 200
    sent.refresh_from_db()
    assert sent.status == PaymentReturn.Status.RETURNED, "the refund has not failed"
    retrieve = gateway.retrieve_refund
    monkeypatch.setattr(gateway, "retrieve_refund", lambda i: replace(retrieve(i), status="failed"))
    body, header = signed_event(sent.return_reference, kind, object_type="refund", event_id="e2")

    assert webhook(client, body, header).status_code == 200

    sent.refresh_from_db()
    assert sent.status == PaymentReturn.Status.REFUSED
    assert GatewayEvent.objects.get(event_id="e2").result == f"return {sent.pk} refused"
    assert webhook(client, body, header).status_code == 200
    assert sent.status_changes.count() == 2, "refused once"


def test_a_refund_of_no_return_here_is_left_for_the_reconciliation(client, stripe_gateway):
    body, header = signed_event("re_elsewhere", "refund.updated", object_type="refund")
    refund = gateway.Refund("re_elsewhere", "pi_x", Decimal("1.00"), timezone.now())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gateway, "retrieve_refund", lambda i: refund)
        assert webhook(client, body, header).status_code == 200
    assert GatewayEvent.objects.get().result == "unknown refund re_elsewhere"
