"""Card payments against localstripe over HTTP: the attempt's life from the citizen's click to
the receipt, the webhook, the sweep, automatic and staff refunds."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
import stripe
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from debts.models import PaymentNotice
from debts.services import build_notice
from payments import card, gateway
from payments.models import CardAttempt, Channel, GatewayEvent, Payment, PaymentReturn
from payments.reconciliation import reconcile_gateway
from payments.services import apply_unapplied, pay_notice_at_counter, reverse_receipt
from payments.tasks import refund_through_gateway, sweep_card_attempts
from receipts.models import Receipt
from tests.card_gateway import SECRET_KEY, authenticate, card_id, signed_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(citizen_client, make_debt):
    debt = make_debt(citizen_client.debtor, "120.00", due_date=date(2024, 6, 30))
    return build_notice(citizen_client.debtor, debts=[debt])


def ledger_clean():
    call_command("check_ledger")


def start(client, notice) -> CardAttempt:
    response = client.post(reverse("payments:card_start", args=[notice.pk]))
    assert response.status_code == 302
    return CardAttempt.objects.get(notice=notice, status__in=CardAttempt.LIVE)


def submit(client, attempt, payment_method):
    return client.post(
        reverse("payments:card_submit", args=[attempt.public_id]),
        {"payment_method": payment_method},
    )


def webhook(client, body, header):
    return client.post(
        reverse("stripe_webhook"),
        body,
        content_type="application/json",
        headers={"Stripe-Signature": header} if header else {},
    )


def intent_of(answer: dict) -> str:
    return answer["client_secret"].split("_secret_")[0]


def pass_3ds(base: str, answer: dict) -> None:
    authenticate(base, intent_of(answer), answer["client_secret"], success=True)


def test_a_card_payment_settles_the_notice_once(citizen_client, notice, stripe_gateway):
    attempt = start(citizen_client, notice)
    answer = submit(citizen_client, attempt, card_id(stripe_gateway)).json()
    attempt.refresh_from_db()
    assert answer["status"] == attempt.status == "succeeded"
    payment = attempt.payment
    assert (payment.channel, payment.reference, payment.amount) == (
        Channel.CARD,
        attempt.intent_id,
        notice.total,
    )
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    # the webhook comes after, twice: harmless
    body, header = signed_event(attempt.intent_id)
    assert webhook(citizen_client, body, header).status_code == 200
    assert webhook(citizen_client, body, header).status_code == 200
    assert Payment.objects.filter(channel=Channel.CARD).count() == 1
    assert Receipt.objects.filter(channel_reference=attempt.intent_id).count() == 1
    assert GatewayEvent.objects.get().processed_at is not None
    changes = list(attempt.status_changes.values_list("from_status", "to_status"))
    assert changes == [("created", "pending"), ("pending", "succeeded")]
    page = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
    receipt = Receipt.objects.get(channel_reference=attempt.intent_id)
    assert str(receipt) in page.text
    assert reverse("receipts:pdf", args=[receipt.pk]) in page.text
    assert "θα σας σταλεί με email" in page.text
    ledger_clean()


def test_money_staff_moved_to_another_debtors_notice_shows_no_receipt_of_theirs(
    citizen_client, notice, stripe_gateway, make_debtor, make_debt, admin_user
):
    attempt = start(citizen_client, notice)
    submit(citizen_client, attempt, card_id(stripe_gateway))
    attempt.refresh_from_db()
    mine = Receipt.objects.get(channel_reference=attempt.intent_id)
    reverse_receipt(mine, reason="λάθος οφειλέτης", actor=admin_user)
    other = make_debtor()
    theirs = build_notice(other, debts=[make_debt(other, "120.00")])
    their_receipt = apply_unapplied(attempt.payment, theirs, actor=admin_user)

    page = citizen_client.get(reverse("payments:card", args=[attempt.public_id])).text

    assert str(their_receipt) not in page
    assert reverse("receipts:pdf", args=[their_receipt.pk]) not in page
    assert "Η κάρτα χρεώθηκε και η πληρωμή καταχωρίστηκε" in page
    ledger_clean()


def test_a_declined_card_says_why_and_another_try_is_possible(
    citizen_client, notice, stripe_gateway
):
    attempt = start(citizen_client, notice)
    submit(citizen_client, attempt, card_id(stripe_gateway, "declined"))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.failure_code) == ("failed", "card_declined")
    assert not Payment.objects.exists()
    page = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
    assert "Η τράπεζά σας απέρριψε την κάρτα." in page.text
    assert "Δεν χρεωθήκατε." in page.text
    again = start(citizen_client, notice)
    assert again.pk != attempt.pk
    submit(citizen_client, again, card_id(stripe_gateway))
    again.refresh_from_db()
    assert again.status == "succeeded"
    ledger_clean()


@pytest.mark.parametrize("passed", [True, False])
def test_three_d_secure_decides_on_the_return_page(citizen_client, notice, stripe_gateway, passed):
    attempt = start(citizen_client, notice)
    answer = submit(citizen_client, attempt, card_id(stripe_gateway, "3ds")).json()
    attempt.refresh_from_db()
    assert attempt.status == "pending"
    assert answer["client_secret"].startswith(attempt.intent_id)
    assert answer["next"] == reverse("payments:card_return", args=[attempt.public_id])
    waiting = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
    assert "σε επεξεργασία" in waiting.text
    authenticate(stripe_gateway, attempt.intent_id, answer["client_secret"], success=passed)
    citizen_client.get(answer["next"])
    attempt.refresh_from_db()
    if passed:
        assert attempt.status == "succeeded"
        assert Receipt.objects.filter(channel_reference=attempt.intent_id).exists()
    else:
        assert attempt.status == "failed"
        assert attempt.failure_code == "payment_intent_authentication_failure"
        page = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
        assert "3-D Secure" in page.text
        assert not Payment.objects.exists()
    ledger_clean()


def test_the_webhook_settles_a_payment_the_citizen_never_came_back_from(
    citizen_client, notice, stripe_gateway
):
    attempt = start(citizen_client, notice)
    answer = submit(citizen_client, attempt, card_id(stripe_gateway, "3ds")).json()
    pass_3ds(stripe_gateway, answer)
    status = citizen_client.get(reverse("payments:card_status", args=[attempt.public_id]))
    # the status page asks the gateway too; here the webhook comes first
    assert status.json()["done"] is True
    body, header = signed_event(intent_of(answer))
    assert webhook(citizen_client, body, header).status_code == 200
    assert Payment.objects.count() == 1
    ledger_clean()


@pytest.mark.parametrize(
    ("header", "age"),
    [(None, 0), ("t=1,v1=forged", 0), ("sign", 400)],
    ids=["unsigned", "forged", "stale"],
)
def test_an_unsigned_forged_or_stale_webhook_is_refused_and_not_processed(
    client, citizen_client, notice, stripe_gateway, header, age
):
    attempt = start(citizen_client, notice)
    answer = submit(citizen_client, attempt, card_id(stripe_gateway, "3ds")).json()
    pass_3ds(stripe_gateway, answer)
    body, good = signed_event(intent_of(answer), age=age)
    response = webhook(client, body, good if header == "sign" else header)
    assert response.status_code == 400
    event = GatewayEvent.objects.get()
    assert (event.signature_valid, event.event_id, event.processed_at) == (False, None, None)
    assert event.body == body
    attempt.refresh_from_db()
    assert attempt.status == "pending"
    assert not Payment.objects.exists()


def test_a_webhook_for_an_unknown_intent_is_stored_and_answered(client, stripe_gateway):
    intent = gateway.create_intent(
        amount=Decimal("5.00"), payment_method=card_id(stripe_gateway), key="x", metadata={}
    )
    body, header = signed_event(intent.id)
    assert webhook(client, body, header).status_code == 200
    assert GatewayEvent.objects.get().result == f"unknown intent {intent.id}"


def test_a_notice_below_the_smallest_card_charge_is_sent_to_the_rf(
    citizen_client, make_debt, stripe_gateway
):
    """Stripe takes no charge under 0,50 €: the citizen is told to pay by RF, not that the card
    service is not answering, and no attempt is made."""
    debtor = citizen_client.debtor
    small = build_notice(debtor, debts=[make_debt(debtor, "0.40", due_date=date(2026, 12, 31))])

    response = citizen_client.post(reverse("payments:card_start", args=[small.pk]), follow=True)

    assert "Με κάρτα πληρώνονται ποσά από 0,50 € και πάνω" in response.text
    assert not CardAttempt.objects.exists()


def test_a_second_tab_gets_the_same_live_attempt(citizen_client, notice, stripe_gateway):
    first = start(citizen_client, notice)
    second = start(citizen_client, notice)
    assert first.pk == second.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        CardAttempt.objects.create(notice=notice, debtor=notice.debtor, amount=notice.total)


def test_a_second_submission_charges_nothing_twice(citizen_client, notice, stripe_gateway):
    attempt = start(citizen_client, notice)
    submit(citizen_client, attempt, card_id(stripe_gateway))
    answer = submit(citizen_client, attempt, card_id(stripe_gateway)).json()
    assert answer["status"] == "succeeded"
    assert CardAttempt.objects.filter(intent_id__isnull=False).count() == 1
    assert Payment.objects.count() == 1


def test_a_cancelled_attempt_cancels_its_intent(citizen_client, notice, stripe_gateway):
    attempt = start(citizen_client, notice)
    submit(citizen_client, attempt, card_id(stripe_gateway, "3ds"))
    attempt.refresh_from_db()
    response = citizen_client.post(reverse("payments:card_cancel", args=[attempt.public_id]))
    assert response.url == reverse("citizen:notice", args=[notice.pk])
    attempt.refresh_from_db()
    assert attempt.status == "cancelled"
    assert gateway.retrieve_intent(attempt.intent_id).cancelled
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


def test_the_sweep_expires_unfinished_attempts_and_recovers_a_lost_webhook(
    citizen_client, notice, make_debt, stripe_gateway, settings
):
    lost = start(citizen_client, notice)
    answer = submit(citizen_client, lost, card_id(stripe_gateway, "3ds")).json()
    pass_3ds(stripe_gateway, answer)
    other = build_notice(citizen_client.debtor, debts=[make_debt(citizen_client.debtor, "9.00")])
    abandoned = start(citizen_client, other)
    CardAttempt.objects.filter(pk=lost.pk).update(
        submitted_at=timezone.now() - settings.CARD_SWEEP_AFTER - timedelta(seconds=1)
    )
    CardAttempt.objects.filter(pk=abandoned.pk).update(
        created_at=timezone.now() - settings.CARD_ATTEMPT_EXPIRY - timedelta(seconds=1)
    )
    counts = sweep_card_attempts()
    assert counts["asked"] == 1 and counts["expired"] == 1
    lost.refresh_from_db()
    abandoned.refresh_from_db()
    assert lost.status == "succeeded" and lost.payment.allocations.exists()
    assert abandoned.status == "expired"
    assert sweep_card_attempts() == {"asked": 0, "expired": 0, "refunds": 0}
    ledger_clean()


def charged_with_the_answer_lost(monkeypatch, notice, stripe_gateway, settings) -> tuple:
    """The gateway charges the card, and its answer never reaches the portal (a timeout): the
    attempt stays as it was, knowing no intent, until past its expiry. (attempt, intent)."""
    attempt = card.live_attempt(notice)
    real, made = gateway.create_intent, []

    def lost(**kwargs):
        made.append(real(**kwargs))
        raise stripe.APIConnectionError("timed out reading the answer")

    monkeypatch.setattr(gateway, "create_intent", lost)
    with pytest.raises(gateway.GatewayError):
        card.submit_card(attempt, card_id(stripe_gateway))
    monkeypatch.setattr(gateway, "create_intent", real)
    attempt.refresh_from_db()
    assert made[0].succeeded and attempt.intent_id is None
    CardAttempt.objects.filter(pk=attempt.pk).update(
        created_at=timezone.now() - settings.CARD_ATTEMPT_EXPIRY - timedelta(seconds=1)
    )
    return attempt, made[0]


def test_an_attempt_whose_intent_the_gateway_does_not_know_expires_all_the_same(
    citizen_client, notice, stripe_gateway, settings
):
    attempt = start(citizen_client, notice)
    submit(citizen_client, attempt, card_id(stripe_gateway, "3ds"))  # pending, its 3-D Secure
    CardAttempt.objects.filter(pk=attempt.pk).update(
        intent_id="pi_unknown_here",  # as after the gateway's test data was deleted
        created_at=timezone.now() - settings.CARD_ATTEMPT_EXPIRY - timedelta(seconds=1),
    )

    assert sweep_card_attempts()["expired"] == 1

    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.EXPIRED
    change = attempt.status_changes.last()
    assert change.cause == "expired, intent pi_unknown_here unknown at the gateway"
    assert sweep_card_attempts() == {"asked": 0, "expired": 0, "refunds": 0}
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


def test_a_charge_whose_answer_was_lost_is_recorded_after_its_attempt_expired(
    citizen_client, notice, stripe_gateway, monkeypatch, settings
):
    attempt, intent = charged_with_the_answer_lost(monkeypatch, notice, stripe_gateway, settings)
    assert sweep_card_attempts()["expired"] == 1

    result = reconcile_gateway(timezone.localdate())

    # (localstripe keeps the other tests' charges of the day: only this one is looked at)
    assert intent.id in result.settled_now
    assert not [difference for difference in result.differences if intent.id in difference]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.payment.reference) == ("succeeded", intent.id)
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    ledger_clean()


def test_a_lost_charge_is_recorded_and_refunded_when_the_citizen_paid_again(
    citizen_client, notice, stripe_gateway, monkeypatch, settings
):
    _first, intent = charged_with_the_answer_lost(monkeypatch, notice, stripe_gateway, settings)
    again = start(citizen_client, notice)  # the first is expired unused, as far as it knows
    submit(citizen_client, again, card_id(stripe_gateway))

    body, header = signed_event(intent.id)
    assert webhook(citizen_client, body, header).status_code == 200

    lost = Payment.objects.get(reference=intent.id)
    assert lost.returns.get().amount == notice.total  # held, and refunded to the card
    assert Payment.objects.filter(channel=Channel.CARD).count() == 2
    ledger_clean()


def test_one_attempt_the_sweep_fails_on_does_not_keep_the_others_from_it(
    citizen_client, notice, make_debt, stripe_gateway, settings, monkeypatch
):
    other = build_notice(citizen_client.debtor, debts=[make_debt(citizen_client.debtor, "9.00")])
    stuck, lost = (start(citizen_client, n) for n in (notice, other))
    for attempt in (stuck, lost):
        answer = submit(citizen_client, attempt, card_id(stripe_gateway, "3ds")).json()
        pass_3ds(stripe_gateway, answer)
    CardAttempt.objects.filter(pk__in=[stuck.pk, lost.pk]).update(
        submitted_at=timezone.now() - settings.CARD_SWEEP_AFTER - timedelta(seconds=1)
    )
    refresh = card.refresh_attempt

    def failing_on_the_first(attempt, **kwargs):
        if attempt.pk == stuck.pk:
            raise RuntimeError("deadlock detected")
        return refresh(attempt, **kwargs)

    monkeypatch.setattr(card, "refresh_attempt", failing_on_the_first)

    assert sweep_card_attempts()["asked"] == 1
    lost.refresh_from_db()
    assert lost.status == "succeeded"
    monkeypatch.setattr(card, "refresh_attempt", refresh)
    assert sweep_card_attempts()["asked"] == 1  # the next sweep settles it
    ledger_clean()


def test_money_for_a_notice_paid_meanwhile_is_refunded_automatically(
    citizen_client, notice, stripe_gateway, admin_user
):
    attempt = start(citizen_client, notice)
    answer = submit(citizen_client, attempt, card_id(stripe_gateway, "3ds")).json()
    pay_notice_at_counter(notice, tender="cash", reference="Τ-1", cashier=admin_user)
    pass_3ds(stripe_gateway, answer)
    citizen_client.get(answer["next"])
    attempt.refresh_from_db()
    assert attempt.status == "succeeded"
    assert not attempt.payment.allocations.exists()
    refund = PaymentReturn.objects.get(payment=attempt.payment)
    assert refund.status == PaymentReturn.Status.REQUESTED  # sent after the commit, or by the sweep
    assert sweep_card_attempts()["refunds"] == 1
    refund.refresh_from_db()
    assert refund.status == PaymentReturn.Status.RETURNED
    assert refund.amount == notice.total
    assert refund.return_reference.startswith("re_")
    page = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
    assert "επιστρέφονται αυτόματα" in page.text
    ledger_clean()


def paid(citizen_client, notice, stripe_gateway) -> Payment:
    attempt = start(citizen_client, notice)
    submit(citizen_client, attempt, card_id(stripe_gateway))
    attempt.refresh_from_db()
    return attempt.payment


def test_staff_refund_in_full_reverses_the_receipt(
    citizen_client, notice, stripe_gateway, admin_user
):
    payment = paid(citizen_client, notice, stripe_gateway)
    returned = card.refund_card_payment(
        payment,
        amount=notice.total,
        expected_refundable=notice.total,
        reverse=True,
        reason="Διπλή πληρωμή",
        actor=admin_user,
    )
    refund_through_gateway(returned.pk)
    refund_through_gateway(returned.pk)
    returned.refresh_from_db()
    assert returned.status == PaymentReturn.Status.RETURNED
    assert [
        r.amount
        for r in gateway.refunds_of(timezone.localdate())
        if r.intent_id == payment.reference
    ] == [notice.total]
    assert Receipt.objects.filter(reverses__isnull=False).count() == 1
    assert card.refundable(payment) == Decimal("0.00")
    ledger_clean()


def test_staff_refund_in_part_and_a_stale_amount_refused(
    citizen_client, notice, stripe_gateway, admin_user
):
    payment = paid(citizen_client, notice, stripe_gateway)
    with pytest.raises(ValidationError) as refused:
        card.refund_card_payment(
            payment,
            amount=Decimal("20.00"),
            expected_refundable=notice.total,
            reverse=False,
            reason="Μερική",
            actor=admin_user,
        )
    assert refused.value.code == "applied"
    card.refund_card_payment(
        payment,
        amount=Decimal("20.00"),
        expected_refundable=notice.total,
        reverse=True,
        reason="Μερική",
        actor=admin_user,
    )
    assert card.refundable(payment) == notice.total - Decimal("20.00")
    with pytest.raises(ValidationError) as stale:
        card.refund_card_payment(
            payment,
            amount=Decimal("20.00"),
            expected_refundable=notice.total,
            reverse=True,
            reason="Δεύτερη φορά",
            actor=admin_user,
        )
    assert stale.value.code == "refundable_changed"
    assert PaymentReturn.objects.filter(payment=payment).count() == 1
    ledger_clean()


def test_another_citizens_attempt_is_not_found(
    client, make_citizen, citizen_client, notice, stripe_gateway
):
    attempt = start(citizen_client, notice)
    client.force_login(make_citizen())
    for name in ("payments:card", "payments:card_status", "payments:card_return"):
        assert client.get(reverse(name, args=[attempt.public_id])).status_code == 404
    assert client.post(reverse("payments:card_start", args=[notice.pk])).status_code == 404


def test_the_payment_page_loads_the_gateways_script_only_there(
    citizen_client, notice, stripe_gateway
):
    detail = citizen_client.get(reverse("citizen:notice", args=[notice.pk]))
    assert "Πληρωμή με κάρτα" in detail.text
    assert stripe_gateway not in detail.headers["Content-Security-Policy"]
    attempt = start(citizen_client, notice)
    page = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
    assert f'src="{stripe_gateway}/js.stripe.com/v3/"' in page.text
    assert 'data-flow="token"' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert f"script-src 'self' {stripe_gateway}" in policy
    # the page posts the card's id to the portal itself
    assert f"connect-src 'self' {stripe_gateway}" in policy
    assert notice.rf_code[:4] in page.text


def test_the_payment_pages_in_english(citizen_client, notice, stripe_gateway):
    attempt = start(citizen_client, notice)
    page = citizen_client.get("/en" + reverse("payments:card", args=[attempt.public_id]))
    assert "Pay by card" in page.text


def test_a_payment_from_the_english_pages_is_recorded_in_greek(
    citizen_client, notice, stripe_gateway, admin_user
):
    """The records staff read (the payer, an automatic refund's reason) are kept in the
    portal's language, as the receipts are, whatever page the citizen paid from."""
    attempt = start(citizen_client, notice)
    answer = citizen_client.post(
        "/en" + reverse("payments:card_submit", args=[attempt.public_id]),
        {"payment_method": card_id(stripe_gateway, "3ds")},
    ).json()
    pay_notice_at_counter(notice, tender="cash", reference="Τ-2", cashier=admin_user)
    pass_3ds(stripe_gateway, answer)
    citizen_client.get(answer["next"])
    attempt.refresh_from_db()
    assert attempt.payment.payer == f"Κάρτα, πληρωμή {attempt.public_id}"
    refund = PaymentReturn.objects.get(payment=attempt.payment)
    assert refund.reason == "Αυτόματη επιστροφή στην κάρτα: Το ειδοποιητήριο έχει ήδη εξοφληθεί"


def test_an_old_unsubmitted_attempt_is_replaced_but_a_submitted_one_is_kept(
    citizen_client, notice, stripe_gateway, settings
):
    old = start(citizen_client, notice)
    long_ago = timezone.now() - settings.CARD_ATTEMPT_EXPIRY - timedelta(seconds=1)
    CardAttempt.objects.filter(pk=old.pk).update(created_at=long_ago)
    fresh = start(citizen_client, notice)
    old.refresh_from_db()
    assert (old.status, fresh.status) == ("expired", "created")
    submit(citizen_client, fresh, card_id(stripe_gateway, "3ds"))
    CardAttempt.objects.filter(pk=fresh.pk).update(created_at=long_ago)
    assert start(citizen_client, notice).pk == fresh.pk
    page = citizen_client.get(reverse("payments:card", args=[fresh.public_id]))
    assert reverse("payments:card_cancel", args=[fresh.public_id]) in page.text


def test_stripes_own_flow_a_payment_method_charged_by_the_server(
    citizen_client, notice, stripe_gateway
):
    """Real Stripe.js gives a PaymentMethod (``pm_…``), not a token's card: the server's side
    of that flow, against localstripe's PaymentMethods."""
    response = requests.post(
        f"{stripe_gateway}/v1/payment_methods",
        data={
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
        auth=(SECRET_KEY, ""),
        timeout=10,
    )
    payment_method = response.json()["id"]
    assert payment_method.startswith("pm_")
    attempt = start(citizen_client, notice)
    assert submit(citizen_client, attempt, payment_method).json()["status"] == "succeeded"
    ledger_clean()


def test_against_stripe_the_page_loads_stripe_js_and_makes_a_payment_method(
    citizen_client, notice, settings
):
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    attempt = start(citizen_client, notice)  # no call to the gateway before the card is sent
    page = citizen_client.get(reverse("payments:card", args=[attempt.public_id]))
    assert 'src="https://js.stripe.com/v3/"' in page.text
    assert 'data-flow="payment_method"' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "connect-src 'self' https://api.stripe.com" in policy
    assert "frame-src 'self' https://js.stripe.com https://hooks.stripe.com" in policy
