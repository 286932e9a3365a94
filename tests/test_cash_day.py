"""«Το ταμείο μου σήμερα»: a cashier's own receipts of a day, with what the till should hold in
cash, what went through the POS, and the reversals of their receipts; finance picks any cashier."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from debts.services import build_notice
from payments.models import Payment, Tender
from payments.services import reverse_receipt, settle
from receipts.models import Receipt
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    FINANCE,
    REVENUE,
    _ledger_stays_clean,
    staff_user,
)

CASH_DAY = reverse("admin:payments_payment_cash_day")


@pytest.fixture
def cashiers(staff_user):  # noqa: F811
    return staff_user(CASHIER, "tameio-1"), staff_user(CASHIER, "tameio-2")


@pytest.fixture
def take(make_debtor, make_debt):
    """``take(cashier, amount, tender)``: a counter payment of a fresh notice; ``at`` when."""
    serial = iter(range(1, 1000))

    def pay(cashier, amount: str, tender: str, *, at=None, notice=None):
        if notice is None:
            debtor = make_debtor()
            notice = build_notice(debtor, debts=[make_debt(debtor, amount)])
        return settle(
            channel=Payment.Channel.COUNTER,
            reference=f"ΤΑΜ-{next(serial)}",
            amount=Decimal(amount),
            received_at=at or timezone.now(),
            notice=notice,
            tender=tender,
            recorded_by=cashier,
        )

    return pay


@pytest.fixture
def day(cashiers, take, staff_user):  # noqa: F811
    """Today the first cashier takes 30 + 20 in cash and 45.50 by card, and 12 in cash for a
    notice paid meanwhile (held, no receipt); one cash receipt is reversed by finance. Yesterday
    they took 99; the second cashier took 70 today."""
    mine, other = cashiers
    first = take(mine, "30.00", Tender.CASH)
    take(mine, "20.00", Tender.CASH)
    take(mine, "45.50", Tender.POS)
    paid = take(mine, "12.00", Tender.CASH)
    held = take(mine, "12.00", Tender.CASH, notice=paid.payment.notice)
    take(mine, "99.00", Tender.CASH, at=timezone.now() - timedelta(days=1))
    take(other, "70.00", Tender.CASH)
    reverse_receipt(first.receipt, reason="Λάθος οφειλέτης", actor=staff_user(FINANCE))
    return {"first": first, "held": held}


def test_a_cashier_sees_their_own_day_and_the_tills_totals(client, cashiers, day):
    client.force_login(cashiers[0])
    response = client.get(CASH_DAY)

    cash_day = response.context["cash_day"]
    assert [p.amount for p in cash_day.payments] == [
        Decimal(a) for a in ("30.00", "20.00", "45.50", "12.00", "12.00")
    ]
    assert cash_day.cash_total == Decimal("74.00"), "held cash is in the till all the same"
    assert cash_day.pos_total == Decimal("45.50")
    [reversal] = cash_day.reversals
    assert reversal.reverses == day["first"].receipt
    assert cash_day.reversals_total == Decimal("-30.00")
    page = response.content.decode()
    assert "74,00 €" in page and "45,50 €" in page and "-30,00 €" in page
    assert "Το ταμείο μου σήμερα" in page
    receipts = Receipt.objects.filter(allocations__payment__in=cash_day.payments, reverses=None)
    assert receipts.distinct().count() == 4
    for receipt in receipts.distinct():
        assert receipt.display_number in page
        assert reverse("admin:receipts_receipt_pdf", args=[receipt.pk]) in page
    assert reversal.display_number in page


def test_another_day_is_picked_by_date(client, cashiers, day):
    client.force_login(cashiers[0])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.get(CASH_DAY, {"day": yesterday.isoformat()})
    cash_day = response.context["cash_day"]
    assert cash_day.day == yesterday
    assert [p.amount for p in cash_day.payments] == [Decimal("99.00")]
    assert not cash_day.reversals
    empty = client.get(CASH_DAY, {"day": date(2020, 1, 1).isoformat()}).context["cash_day"]
    assert not empty.payments and empty.cash_total == 0


def test_a_cashier_sees_only_their_own_day(client, cashiers, day):
    mine, other = cashiers
    client.force_login(other)
    response = client.get(CASH_DAY, {"cashier": mine.pk})
    assert "cashier" not in response.context["form"].fields
    cash_day = response.context["cash_day"]
    assert cash_day.cashier == other
    assert [p.amount for p in cash_day.payments] == [Decimal("70.00")]


def test_finance_picks_a_cashier(client, cashiers, day, staff_user):  # noqa: F811
    client.force_login(staff_user(FINANCE, "finance"))
    response = client.get(CASH_DAY, {"cashier": cashiers[0].pk})
    assert set(response.context["form"].fields["cashier"].queryset) == set(cashiers)
    assert response.context["cash_day"].cash_total == Decimal("74.00")


def test_revenue_staff_have_no_till(client, staff_user):  # noqa: F811
    client.force_login(staff_user(REVENUE))
    assert client.get(CASH_DAY).status_code == 403
