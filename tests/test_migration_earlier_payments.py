"""Payments recorded before receipts existed get their allocations and receipts by migration, so
``check_ledger`` holds for the whole history."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from payments import ledger
from tests.migrations import migrate, migrate_to_latest, migrated_back_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("payments", "0007_counter_and_finance_grants"),
    ("debts", "0010_notice_debtor_never_changes"),
    ("receipts", "0002_staff_view_receipts"),
]
AFTER = [("payments", "0008_receipts_for_earlier_payments")]


@pytest.fixture
def before_receipts():
    with migrated_back_to(BEFORE) as apps:
        yield apps


def test_an_earlier_payment_gets_its_allocations_and_receipt(before_receipts):
    apps = before_receipts
    Debtor = apps.get_model("debts", "Debtor")
    RevenueType = apps.get_model("debts", "RevenueType")
    Debt = apps.get_model("debts", "Debt")
    PaymentNotice = apps.get_model("debts", "PaymentNotice")
    NoticeItem = apps.get_model("debts", "NoticeItem")
    Payment = apps.get_model("payments", "Payment")
    debtor = Debtor.objects.create(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")
    revenue = RevenueType.objects.create(code="0311", name="ΤΚΦ", name_en="Fees", kind="fee")
    debt = Debt.objects.create(
        debtor=debtor,
        revenue_type=revenue,
        description="ΤΚΦ 2025",
        principal=Decimal("80.00"),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        status="paid",
    )
    notice = PaymentNotice.objects.create(
        debtor=debtor,
        rf_code="RF18539007547034",
        origin="citizen",
        status="paid",
        valid_until=date(2026, 1, 31),
        total=Decimal("80.00"),
    )
    NoticeItem.objects.create(
        notice=notice, debt=debt, principal=Decimal("80.00"), surcharge=0, is_open=False
    )
    received = datetime(2026, 1, 20, 10, 0).astimezone()
    Payment.objects.create(
        notice=notice,
        channel="bank",
        amount=Decimal("80.00"),
        reference="DIAS-OLD",
        received_at=received,
        recorded_at=received,
    )

    migrate(AFTER)
    # The rest of the migrations too, so that today's models read what this one wrote.
    migrate_to_latest()

    from payments.models import Payment as Current

    payment = Current.objects.get(reference="DIAS-OLD")
    assert payment.debtor_id == debtor.pk
    allocation = payment.allocations.select_related("receipt").get()
    assert (allocation.debt_id, allocation.principal) == (debt.pk, Decimal("80.00"))
    receipt = allocation.receipt
    assert receipt.display_number == "ΤΡ-2026/000001"
    assert receipt.lines[0]["period"] == "01/01/2025–31/12/2025"
    assert receipt.payer_name == "ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ"
    assert ledger.check().breaches == []
