"""A card payment is received when the gateway charged the card, not when the portal learnt of it:
a webhook just after midnight, the return page, the sweep or ``reconcile_gateway`` the next
morning date the payment and its receipt on the day of the charge, and the gateway's days agree
with the portal's.

localstripe keeps its own clock (the real one); the portal's is moved past midnight here."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from debts.services import build_notice
from payments import card, gateway
from payments.models import CardAttempt, Channel, Payment
from payments.reconciliation import reconcile_gateway
from payments.tasks import sweep_card_attempts
from receipts.models import Receipt
from tests.card_gateway import SECRET_KEY, authenticate, card_id, signed_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(citizen_client, make_debt):
    debt = make_debt(citizen_client.debtor, "45.00", due_date=date(2024, 6, 30))
    return build_notice(citizen_client.debtor, debts=[debt])


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)``: from then on the portal's ``timezone.now()`` (and so its today) is
    ``moment``; the gateway's clock goes on."""

    def set_now(moment: datetime) -> datetime:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return set_now


def charged_unseen(notice, base: str) -> tuple[CardAttempt, date]:
    """A card charged after 3-D Secure that the portal has not heard of (no webhook, no return
    page yet), and the day of its charge."""
    attempt = card.live_attempt(notice)
    intent = card.submit_card(attempt, card_id(base, "3ds")).intent
    authenticate(base, intent.id, intent.client_secret, success=True)
    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.PENDING
    answer = requests.get(
        f"{base}/v1/payment_intents/{intent.id}", auth=(SECRET_KEY, ""), timeout=10
    ).json()
    assert answer["status"] == "succeeded"
    charged = datetime.fromtimestamp(answer["latest_charge"]["created"], tz=UTC)
    return attempt, timezone.localtime(charged).date()


def next_day(day: date, *, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), at))


def assert_received_on(attempt: CardAttempt, day: date) -> Payment:
    attempt.refresh_from_db()
    assert attempt.status == CardAttempt.Status.SUCCEEDED
    payment = attempt.payment
    assert timezone.localtime(payment.received_at).date() == day
    receipt = Receipt.objects.get(channel_reference=attempt.intent_id)
    assert timezone.localtime(receipt.received_at).date() == day
    return payment


def test_reconciling_a_day_the_next_morning_dates_the_charge_on_its_day(
    notice, stripe_gateway, clock
):
    attempt, day = charged_unseen(notice, stripe_gateway)
    clock(next_day(day, at=time(8, 30)))  # the finance officer, the next morning

    result = reconcile_gateway(day)

    assert attempt.intent_id in result.settled_now
    assert not [d for d in result.differences if attempt.intent_id in d]
    # the next day's run finds the portal and the gateway agree (the command exits 0)
    assert reconcile_gateway(day + timedelta(days=1)).differences == []
    call_command("reconcile_gateway", "--date", (day + timedelta(days=1)).isoformat())
    assert_received_on(attempt, day)
    call_command("check_ledger")


@pytest.mark.parametrize("via", ["webhook", "return page", "sweep"])
def test_a_charge_learnt_of_after_midnight_is_received_on_its_day(
    citizen_client, notice, stripe_gateway, clock, via
):
    attempt, day = charged_unseen(notice, stripe_gateway)
    if via == "webhook":
        clock(next_day(day, at=time(0, 0, 5)))
        body, header = signed_event(attempt.intent_id)
        answer = citizen_client.post(
            reverse("stripe_webhook"),
            body,
            content_type="application/json",
            headers={"Stripe-Signature": header},
        )
        assert answer.status_code == 200
    elif via == "return page":
        clock(next_day(day, at=time(0, 0, 5)))
        citizen_client.get(reverse("payments:card_return", args=[attempt.public_id]))
    else:
        clock(next_day(day, at=time(3, 0)))  # past the sweep's wait, whenever the card was charged
        assert sweep_card_attempts()["asked"] == 1

    payment = assert_received_on(attempt, day)
    assert payment.channel == Channel.CARD
    assert payment.received_at <= timezone.now()
    # neither day reports the charge as a difference
    assert not [d for d in reconcile_gateway(day).differences if attempt.intent_id in d]
    assert reconcile_gateway(day + timedelta(days=1)).differences == []


def intent(**fields) -> gateway.Intent:
    created = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    return gateway.Intent(
        **{
            "id": "pi_x",
            "status": "succeeded",
            "amount": Decimal("1.00"),
            "client_secret": "",
            "created": created,
            **fields,
        }
    )


def test_received_is_the_charges_time_else_the_intents_and_never_later_than_now(clock):
    created = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    charged = created + timedelta(minutes=3)
    clock(datetime(2026, 12, 6, 7, 0, tzinfo=UTC))
    assert card.charged_at(intent(charged_at=charged)) == charged
    assert card.charged_at(intent()) == created  # no charge object in the answer
    clock(charged - timedelta(seconds=2))  # the portal's clock behind the gateway's
    assert card.charged_at(intent(charged_at=charged)) == timezone.now()


class FakeObject(dict):
    def to_dict(self):
        return dict(self)


def test_the_intents_charge_time_is_its_latest_charges():
    body = {"id": "pi_x", "status": "succeeded", "amount": 100, "created": 1_765_000_000}
    expanded = gateway._intent(FakeObject(body, latest_charge={"created": 1_765_000_200}))
    assert expanded.charged_at == datetime.fromtimestamp(1_765_000_200, tz=UTC)
    by_id = gateway._intent(FakeObject(body, latest_charge="ch_x"))
    assert by_id.charged_at == by_id.created
