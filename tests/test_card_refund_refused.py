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

from debts.services import build_notice
from payments import card, gateway
from payments.models import GatewayEvent, PaymentReturn
from payments.services import record_returned
from payments.tasks import refund_through_gateway, sweep_card_attempts
from tests.card_gateway import card_id, signed_event
from tests.test_card_admin import paid_attempt  # noqa: F401 (fixture)
from tests.test_card_payments import webhook
from tests.test_card_reconcile import refunded_in_full
from tests.test_counter import FINANCE, staff_user  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

DISPUTED = "This charge is disputed and cannot be refunded."


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
    payment_return = refunded_in_full(paid_attempt)

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
    payment_return = refunded_in_full(paid_attempt)
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
    payment_return = refunded_in_full(paid_attempt)
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
    payment_return = refunded_in_full(paid_attempt)
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


@pytest.mark.parametrize("kind", ["refund.failed", "charge.refund.updated"])
def test_the_gateways_word_that_a_refund_failed_refuses_its_return_at_once(
    client,
    paid_attempt,  # noqa: F811
    no_worker,
    monkeypatch,
    kind,
):
    sent = card.send_refund(refunded_in_full(paid_attempt))
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


def test_a_refund_of_no_return_here_is_left_for_the_reconciliation(client, paid_attempt):  # noqa: F811
    made_elsewhere = gateway._client().v1.refunds.create(  # as from the gateway's dashboard
        {"payment_intent": paid_attempt.intent_id, "amount": 100}
    )
    body, header = signed_event(made_elsewhere.id, "refund.updated", object_type="refund")

    assert webhook(client, body, header).status_code == 200

    assert GatewayEvent.objects.get().result == f"unknown refund {made_elsewhere.id}"
    assert not PaymentReturn.objects.exists()
