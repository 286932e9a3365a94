"""Installment settlements: the scheme's bounds, the schedule, and what settling does to debts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from debts.models import Debt, DebtChange, Installment, Settlement
from debts.services import build_notice, create_settlement

APPROVED = date(2025, 3, 10)


@pytest.fixture
def debtor(make_debtor):
    return make_debtor()


@pytest.fixture
def overdue(debtor, make_debt):
    return [
        make_debt(debtor, "1000.00", due_date=date(2024, 1, 31)),
        make_debt(debtor, "500.00", due_date=date(2024, 6, 30)),
    ]


def settle(debtor, debts, scheme, **overrides):
    terms = {
        "number": "Ρ-17/2025",
        "installments": 12,
        "approved_on": APPROVED,
        "first_due_date": date(2025, 3, 31),
    }
    return create_settlement(debtor, debts, scheme, **terms | overrides)


def test_settling_freezes_surcharges_and_builds_the_schedule(debtor, overdue, scheme, admin_user):
    accrued = sum(debt.surcharge(APPROVED) for debt in overdue)
    settlement = settle(debtor, overdue, scheme, actor=admin_user)

    assert settlement.principal == Decimal("1500.00")
    assert settlement.surcharge == accrued > 0
    installments = list(settlement.installments.order_by("number"))
    assert [i.number for i in installments] == list(range(1, 13))
    assert installments[0].due_date == date(2025, 3, 31)
    assert installments[1].due_date == date(2025, 4, 30)
    assert installments[11].due_date == date(2026, 2, 28)
    # The principals repay exactly what was settled; interest runs on the declining balance.
    assert sum(i.principal for i in installments) == settlement.principal + settlement.surcharge
    assert installments[0].interest > installments[-1].interest > 0
    amounts = {i.amount for i in installments[:-1]}
    assert len(amounts) == 1
    assert abs(installments[-1].amount - amounts.pop()) <= Decimal("0.05")

    for debt in overdue:
        debt.refresh_from_db()
        assert debt.status == Debt.Status.IN_SETTLEMENT
        assert debt.settlement == settlement
        # The settlement's interest replaces ΚΕΔΕ surcharges.
        assert debt.surcharge(date(2026, 1, 1)) == Decimal("0.00")
    change = DebtChange.objects.get(debt=overdue[0])
    assert (change.to_status, change.actor) == ("in_settlement", admin_user)


def test_write_off_of_surcharges(debtor, overdue, scheme):
    scheme.surcharge_writeoff = Decimal("0.8")
    scheme.save()
    accrued = sum(debt.surcharge(APPROVED) for debt in overdue)
    settlement = settle(debtor, overdue, scheme)
    assert settlement.surcharge == (accrued * Decimal("0.2")).quantize(Decimal("0.01"))


def test_interest_free_schedule_splits_evenly(debtor, make_debt, scheme):
    scheme.annual_interest_rate = Decimal("0")
    scheme.save()
    debt = make_debt(debtor, "100.00", due_date=date(2025, 3, 31))
    settlement = settle(debtor, [debt], scheme, installments=3)
    assert [i.amount for i in settlement.installments.order_by("number")] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]


def _refused(code, debtor, debts, scheme, **overrides):
    with pytest.raises(ValidationError) as error:
        settle(debtor, debts, scheme, **overrides)
    assert error.value.code == code
    assert not Settlement.objects.exists()
    assert not Installment.objects.exists()
    assert not Debt.objects.filter(status=Debt.Status.IN_SETTLEMENT).exists()


@pytest.mark.parametrize("count", [1, 25])
def test_installment_count_outside_the_scheme_is_refused(debtor, overdue, scheme, count):
    _refused("installment_count", debtor, overdue, scheme, installments=count)


def test_installments_below_the_minimum_are_refused(debtor, overdue, scheme):
    scheme.min_installment_amount = Decimal("200.00")
    scheme.save()
    _refused("installment_too_small", debtor, overdue, scheme, installments=12)


def test_uncertified_debts_cannot_be_settled(debtor, overdue, make_debt, scheme):
    _refused("not_settleable", debtor, [*overdue, make_debt(debtor, "80.00")], scheme)


def test_another_debtors_debt_cannot_be_settled(debtor, overdue, make_debtor, make_debt, scheme):
    other = make_debt(make_debtor(), "80.00", due_date=date(2024, 1, 31))
    _refused("unknown_debt", debtor, [*overdue, other], scheme)


def test_inactive_scheme_is_refused(debtor, overdue, scheme):
    scheme.active = False
    scheme.save()
    _refused("inactive_scheme", debtor, overdue, scheme)


def test_a_debt_on_an_open_notice_is_refused(debtor, overdue, scheme):
    build_notice(debtor, debts=overdue[:1])
    _refused("already_on_notice", debtor, overdue, scheme)


def test_late_installment_bears_the_schemes_monthly_charge(debtor, overdue, scheme):
    settlement = settle(debtor, overdue, scheme)
    first = settlement.installments.get(number=1)
    assert first.surcharge(date(2025, 3, 31)) == Decimal("0.00")
    assert first.surcharge(date(2025, 4, 1)) == (first.amount * Decimal("0.05")).quantize(
        Decimal("0.01")
    )


def test_a_settlement_number_is_used_once(debtor, overdue, scheme):
    settle(debtor, overdue[:1], scheme)
    before = Installment.objects.count()
    with pytest.raises(ValidationError) as error:
        settle(debtor, overdue[1:], scheme)
    assert error.value.code == "number_taken"
    assert Installment.objects.count() == before
    assert Debt.objects.get(pk=overdue[1].pk).status == Debt.Status.OPEN
