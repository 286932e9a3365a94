"""Issuing receipts: numbers that never gap nor repeat, a snapshot that is never changed, and a
cancellation that is a new reversing receipt."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from receipts.models import Receipt
from receipts.services import ReceiptLine, _issued_in, issue_receipt, issue_reversal

ATHENS = ZoneInfo("Europe/Athens")
LINE = ReceiptLine(
    revenue_code="0311",
    revenue_name="Τέλη καθαριότητας και φωτισμού",
    description="ΤΚΦ 2024",
    period="2024",
    principal=Decimal("100.00"),
    surcharge=Decimal("3.50"),
)


def issue(debtor, series="card") -> Receipt:
    return issue_receipt(
        series=series,
        debtor=debtor,
        lines=[LINE],
        channel=series,
        channel_label="Κάρτα",
        channel_reference="pi_1",
        received_at=datetime(2026, 3, 9, 17, 45, tzinfo=ATHENS),
    )


@pytest.fixture
def debtor(make_debtor):
    return make_debtor()


def test_numbers_follow_each_other_per_series_and_a_rollback_gives_its_number_back(debtor):
    year = timezone.localdate().year
    with transaction.atomic():
        first = issue(debtor)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(debtor)
        raise RuntimeError("the payment fails after the receipt")
    with transaction.atomic():
        second = issue(debtor)
        counter = issue(debtor, series="counter")

    assert (first.year, first.number) == (year, 1)
    assert second.number == 2
    assert counter.number == 1
    assert second.display_number == f"ΚΡ-{year}/000002"
    assert counter.display_number == f"ΤΜ-{year}/000001"
    assert first.total == Decimal("103.50")
    assert first.verification_code != second.verification_code


def test_a_receipt_numbered_in_a_year_gone_by_is_dated_its_last_instant():
    """The counter's lock waited for across New Year's midnight: the receipt is numbered in the
    year it started in, and dated within it."""
    year = timezone.localdate().year

    assert _issued_in(year - 1) == datetime(year - 1, 12, 31, 23, 59, 59, 999999, tzinfo=ATHENS)
    assert abs(_issued_in(year) - timezone.now()).total_seconds() < 5


@pytest.mark.django_db(transaction=True)
def test_a_receipt_is_numbered_only_inside_the_payment_s_transaction(debtor):
    with pytest.raises(RuntimeError):
        issue(debtor)
    assert not Receipt.objects.exists()


def test_a_receipt_is_never_changed_nor_deleted_only_delivered(debtor):
    with transaction.atomic():
        receipt = issue(debtor)

    receipt.payer_name = "ΑΛΛΟΣ"
    with pytest.raises(ValidationError):
        receipt.save()
    with pytest.raises(ValidationError):
        receipt.save(update_fields=["payer_name", "emailed_at"])
    with pytest.raises(ValidationError):
        receipt.delete()
    receipt.emailed_at = timezone.now()
    receipt.save(update_fields=["emailed_at"])

    receipt.refresh_from_db()
    assert receipt.payer_name == debtor.full_name
    assert receipt.emailed_at is not None


def test_a_reversal_gives_back_exactly_the_receipt_once(debtor, admin_user):
    with transaction.atomic():
        receipt = issue(debtor)
        reversal = issue_reversal(receipt, reason="Διπλή χρέωση", actor=admin_user)

    assert reversal.is_reversal
    assert reversal.number == 1
    assert reversal.reverses == receipt
    assert reversal.total == -receipt.total
    assert [line["amount"] for line in reversal.line_amounts] == [Decimal("-103.50")]
    assert (reversal.payer_afm, reversal.channel_reference) == (
        receipt.payer_afm,
        receipt.channel_reference,
    )
    assert reversal.cashier == admin_user
    with pytest.raises(IntegrityError), transaction.atomic():
        issue_reversal(receipt, reason="Ξανά")
    with pytest.raises(IntegrityError), transaction.atomic():
        issue_reversal(reversal, reason="Ακύρωση της ακύρωσης")
