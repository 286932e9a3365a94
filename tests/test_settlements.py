"""Installment settlements: the scheme's bounds, the schedule, and what settling does to debts."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from debts.models import Debt, DebtChange, Installment, Settlement
from debts.services import build_notice, create_settlement

APPROVED = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def approved_today(today_is):
    """The settlements here are approved on the day they are entered."""
    return today_is(APPROVED)


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


def test_a_later_edit_of_the_scheme_changes_no_settlement(debtor, overdue, scheme):
    settlement = settle(debtor, overdue, scheme)
    first = settlement.installments.get(number=1)
    late_charge = first.surcharge(date(2025, 5, 1))

    scheme.late_installment_monthly_rate = Decimal("0.10")
    scheme.misses_before_loss = 2
    scheme.annual_interest_rate = Decimal("0.2000")
    scheme.save()

    first = Installment.objects.get(pk=first.pk)
    assert first.surcharge(date(2025, 5, 1)) == late_charge
    assert late_charge == (first.amount * Decimal("0.05") * 2).quantize(Decimal("0.01"))
    settlement.refresh_from_db()
    assert settlement.late_installment_monthly_rate == Decimal("0.05")
    assert settlement.misses_before_loss == 3
    assert settlement.annual_interest_rate == Decimal("0.1015")


@pytest.mark.parametrize("settlement_history", [True, False])
def test_the_migration_gives_existing_settlements_their_schemes_terms_of_the_time(
    debtor, overdue, scheme, settlement_history
):
    """The scheme as it stood when the settlement was made, not as edited since; a settlement
    without history (loaded, bulk-created) is dated by its debts' move into it."""
    migration = importlib.import_module("debts.migrations.0006_settlement_frozen_terms")
    settlement = settle(debtor, overdue, scheme)
    if not settlement_history:
        settlement.history.all().delete()
    scheme.late_installment_monthly_rate = Decimal("0.10")
    scheme.misses_before_loss = 2
    scheme.save()
    Settlement.objects.update(late_installment_monthly_rate=0, misses_before_loss=1)

    migration.copy_terms_from_schemes(django_apps, None)

    settlement.refresh_from_db()
    assert settlement.late_installment_monthly_rate == Decimal("0.05")
    assert settlement.misses_before_loss == 3
    if settlement_history:
        assert settlement.history.first().misses_before_loss == 3


@pytest.mark.parametrize(
    ("approved_on", "first_due_date", "code"),
    [
        (APPROVED + timedelta(days=1), APPROVED + timedelta(days=20), "approved_on"),
        (APPROVED - timedelta(days=31), APPROVED + timedelta(days=20), "approved_on"),
        (APPROVED, APPROVED - timedelta(days=1), "first_due_date"),
    ],
)
def test_approval_is_today_or_recent_and_precedes_the_first_installment(
    debtor, overdue, scheme, approved_on, first_due_date, code
):
    """An approval date far back would erase the surcharges accrued since; an installment due
    before approval would put the settlement in arrears at birth."""
    _refused(code, debtor, overdue, scheme, approved_on=approved_on, first_due_date=first_due_date)


def test_a_settlement_approved_on_paper_last_month_is_entered(debtor, overdue, scheme):
    approved_on = APPROVED - timedelta(days=30)
    settlement = settle(
        debtor, overdue, scheme, approved_on=approved_on, first_due_date=approved_on
    )
    assert settlement.approved_on == approved_on
    assert settlement.surcharge == sum(debt.surcharge(approved_on) for debt in overdue)


def test_a_settlement_number_is_used_once(debtor, overdue, scheme):
    settle(debtor, overdue[:1], scheme)
    before = Installment.objects.count()
    with pytest.raises(ValidationError) as error:
        settle(debtor, overdue[1:], scheme)
    assert error.value.code == "number_taken"
    assert Installment.objects.count() == before
    assert Debt.objects.get(pk=overdue[1].pk).status == Debt.Status.OPEN
