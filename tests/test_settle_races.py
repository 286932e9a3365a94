"""Money arriving at the same instant on PostgreSQL: row locks and constraints keep every cent
recorded once, and receipt numbers contiguous. Each case ends with ``check_ledger``."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from debts.models import Debt, PaymentNotice, Settlement
from debts.services import build_notice
from payments.models import Payment, UnappliedEntry
from payments.services import settle, settle_at_counter
from receipts.models import Receipt
from tests.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def paying(notice, reference, channel=Payment.Channel.BANK, **fields):
    def pay():
        return settle(
            channel=channel,
            reference=reference,
            amount=notice.total,
            received_at=timezone.now(),
            notice=notice,
            **fields,
        )

    return pay


def test_fifty_notices_paid_at_once_get_fifty_contiguous_receipts(make_debtor, make_debt):
    notices = []
    for _ in range(50):
        debtor = make_debtor()
        notices.append(build_notice(debtor, debts=[make_debt(debtor, "12.00")]))

    outcomes = run_together(*(paying(n, f"DIAS-{n.pk}") for n in notices))

    assert all(outcome.applied for outcome in outcomes), outcomes
    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 51))
    assert len({outcome.receipt.pk for outcome in outcomes}) == 50
    call_command("check_ledger")


def test_the_same_bank_reference_twice_at_once_is_one_payment(make_debtor, make_debt):
    debtor = make_debtor()
    notice = build_notice(debtor, debts=[make_debt(debtor, "40.00")])

    first, second = run_together(paying(notice, "DIAS-SAME"), paying(notice, "DIAS-SAME"))

    assert first.payment.pk == second.payment.pk
    assert {first.repeated, second.repeated} == {False, True}
    assert Payment.objects.count() == 1
    assert Receipt.objects.count() == 1
    call_command("check_ledger")


def test_the_same_unmatched_reference_twice_at_once_is_one_payment(db):
    """No notice, so no debtor lock to queue them: the unique constraint alone decides."""

    def unmatched():
        return settle(
            channel=Payment.Channel.BANK,
            reference="DIAS-LOST",
            amount=Decimal("9.99"),
            received_at=timezone.now(),
            rf="RF18539007547034",
        )

    first, second = run_together(unmatched, unmatched)

    assert first.payment.pk == second.payment.pk
    assert Payment.objects.count() == 1
    assert UnappliedEntry.objects.count() == 1
    call_command("check_ledger")


def test_a_counter_and_a_bank_payment_of_one_notice_at_once(make_debtor, make_debt):
    debtor = make_debtor()
    notice = build_notice(debtor, debts=[make_debt(debtor, "75.00")])

    outcomes = run_together(
        paying(notice, "DIAS-1"),
        paying(notice, "ΤΑΜ-1", channel=Payment.Channel.COUNTER, tender="cash"),
    )

    assert sorted(outcome.applied for outcome in outcomes) == [False, True]
    held = next(outcome for outcome in outcomes if not outcome.applied)
    assert held.reason == UnappliedEntry.Reason.NOTICE_PAID
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert Receipt.objects.count() == 1
    call_command("check_ledger")


def test_the_two_last_installments_paid_at_once_complete_their_settlement(
    make_debtor, make_debt, make_settlement
):
    """Whichever goes second sees the first's installment paid, and completes the settlement
    and pays its debts."""
    debtor = make_debtor()
    settled = [
        make_debt(debtor, "300.00", kind=k, due_date=date(2024, 1, 31)) for k in ("cleaning", "tap")
    ]
    settlement = make_settlement(debtor, settled, installments=2)
    first, second = (
        build_notice(debtor, installments=[installment])
        for installment in settlement.installments.order_by("number")
    )

    outcomes = run_together(paying(first, "DIAS-1"), paying(second, "DIAS-2"))

    assert all(outcome.applied for outcome in outcomes), outcomes
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.COMPLETED
    assert set(Debt.objects.values_list("status", flat=True)) == {Debt.Status.PAID}
    assert settlement.status_changes.get().cause in {"bank payment DIAS-1", "bank payment DIAS-2"}
    call_command("check_ledger")


def test_a_counter_form_for_picked_debts_sent_twice_at_once(make_debtor, make_debt, admin_user):
    """The debtor is locked before the reference is looked up: the second waits, then gets the
    payment the first recorded, not a refusal for the lines the first one paid."""
    debtor = make_debtor()
    debts = [make_debt(debtor, "30.00"), make_debt(debtor, "12.50")]

    def submit():
        return settle_at_counter(
            debtor,
            debts=debts,
            expected_total=Decimal("42.50"),
            tender="cash",
            reference="ΤΑΜ-FORM-1",
            cashier=admin_user,
        )

    first, second = run_together(submit, submit)

    assert first.payment.pk == second.payment.pk, (first, second)
    assert {first.repeated, second.repeated} == {False, True}
    assert PaymentNotice.objects.count() == 1
    assert Receipt.objects.count() == 1
    call_command("check_ledger")
