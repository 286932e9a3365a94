"""A counter receipt says what was handed over (cash or a card at the POS), and the collections
report keeps the two apart: the accounts office reconciles the cash box and the card acquirer's
transfer separately. What a receipt says is in the portal's language, whoever issued it."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from debts.services import build_notice
from payments.services import apply_unapplied, reverse_receipt, settle
from receipts.models import Receipt, Tender
from receipts.pdf import receipt_html
from tests.migrations import migrated_back_to
from tests.test_counter import cashier, counter_url, shown_form, staff_user  # noqa: F401

COUNTER = "counter"


def pay(notice, tender: str, reference: str, amount=None, channel=COUNTER):
    return settle(
        channel=channel,
        tender=tender,
        reference=reference,
        amount=amount or notice.total,
        received_at=timezone.now(),
        rf=notice.rf_code,
    )


def by_bank(notice, reference: str) -> Receipt:
    return pay(notice, "", reference, channel="bank").receipt


def test_a_counter_receipt_says_cash_or_card(debtor, debts, admin_user):
    cash = pay(build_notice(debtor, debts=[debts[0]]), Tender.CASH, "C-1").receipt
    card = pay(build_notice(debtor, debts=[debts[1]]), Tender.POS, "123456").receipt

    assert (cash.tender, cash.channel_label) == (Tender.CASH, "Ταμείο του Δήμου — Μετρητά")
    assert (card.tender, card.channel_label) == (Tender.POS, "Ταμείο του Δήμου — Κάρτα (POS)")
    reversal = reverse_receipt(card, reason="λάθος ποσό", actor=admin_user)
    assert (reversal.tender, reversal.channel_label) == (Tender.POS, card.channel_label)


def test_a_receipt_of_another_channel_names_no_tender(debtor, debts):
    receipt = by_bank(build_notice(debtor, debts=debts), "DIAS-1")
    assert (receipt.tender, receipt.channel_label) == ("", "Τράπεζα (RF μέσω ΔΙΑΣ)")
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(tender=Tender.CASH)


def test_pooled_cash_and_card_name_neither(debtor, debts, admin_user):
    """Two short counter payments of one notice, one in cash and one by card, pooled by finance:
    the receipt cannot say one of them, so it says the counter alone."""
    notice = build_notice(debtor, debts=debts)
    cash = pay(notice, Tender.CASH, "C-2", amount=Decimal("100.00")).payment
    card = pay(notice, Tender.POS, "654321", amount=notice.total - 100).payment

    receipt = apply_unapplied(card, notice, actor=admin_user, together=(cash,))

    assert (receipt.tender, receipt.channel_label) == ("", "Ταμείο του Δήμου")


def report_rows() -> list[list[str]]:
    out = io.StringIO()
    today = timezone.localdate().isoformat()
    call_command("collections_report", "--from", today, "--to", today, stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    return rows[1 : rows.index([]) - 1]  # the collections, without their heading and total


def test_the_collections_report_keeps_cash_and_card_apart(debtor, make_debt):
    cash = build_notice(debtor, debts=[make_debt(debtor, "30.00")])
    card = build_notice(debtor, debts=[make_debt(debtor, "45.00")])
    pay(cash, Tender.CASH, "C-3")
    pay(card, Tender.POS, "111111")

    by_way = {row[1]: row[3] for row in report_rows()}

    assert by_way == {
        "Ταμείο του Δήμου — Μετρητά": "30,00",
        "Ταμείο του Δήμου — Κάρτα (POS)": "45,00",
    }


@pytest.mark.django_db(transaction=True)
def test_counter_receipts_issued_before_take_their_payments_tender(
    debtor, debts, make_debt, admin_user
):
    cash = pay(build_notice(debtor, debts=[debts[0]]), Tender.CASH, "C-4").receipt
    card = pay(build_notice(debtor, debts=[debts[1]]), Tender.POS, "222222").receipt
    reversal = reverse_receipt(card, reason="λάθος", actor=admin_user)
    bank = by_bank(build_notice(debtor, debts=[make_debt(debtor, "10.00")]), "DIAS-2")

    with migrated_back_to([("receipts", "0009_pooled_payments")]) as apps:
        before = apps.get_model("receipts", "Receipt").objects.values_list("pk", flat=True)
        assert set(before) == {cash.pk, card.pk, reversal.pk, bank.pk}

    tenders = dict(Receipt.objects.values_list("pk", "tender"))
    assert tenders == {cash.pk: "cash", card.pk: "pos", reversal.pk: "pos", bank.pk: ""}
    labels = dict(Receipt.objects.values_list("pk", "channel_label"))
    assert labels[card.pk] == "Ταμείο του Δήμου — Κάρτα (POS)", "the text issued stays"


def test_a_receipt_taken_in_the_english_admin_is_issued_in_greek(
    client,
    cashier,  # noqa: F811
    make_debtor,
    make_debt,
    make_settlement,
):
    """Its text is kept as issued, and its PDF once, in Greek: a cashier working in the English
    admin issued receipts saying «Municipal Cashier's office — Cash» and «Installment
    settlement» for good (found by a review)."""
    debtor = make_debtor()
    due = date(2024, 1, 31)
    debts = [
        make_debt(debtor, "100.00", due_date=due),
        make_debt(debtor, "50.00", kind="tap", due_date=due),
    ]
    settlement = make_settlement(debtor, debts, installments=2)
    notice = build_notice(debtor, installments=[settlement.installments.get(number=1)])
    url = counter_url("counter_notice", notice.pk)

    client.post("/en" + url, shown_form(client, url))

    receipt = Receipt.objects.get()
    assert receipt.channel_label == "Ταμείο του Δήμου — Μετρητά"
    with translation.override("el"):  # as the PDF is kept
        html = receipt_html(receipt)
    assert "Municipal Cashier" not in html and "Installment" not in html
    assert {line["revenue_name"] for line in receipt.lines} >= {"Ρύθμιση οφειλών"}
