"""A notice paid in parts: finance pools the held payments (``services.Pooled``) into one
receipt that names them all; each line is paid exactly once, each payment gives its share and
keeps what is left over, and a reversal gives each its share back."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from debts.models import PaymentNotice
from debts.services import build_notice
from payments.models import Allocation, Payment, UnappliedEntry
from payments.selectors import debtor_payments, paid_in_parts
from payments.services import (
    NoticeLines,
    Pooled,
    _allocated,
    apply_unapplied,
    reverse_receipt,
    settle,
    unapplied_balance,
)
from receipts.models import Receipt
from tests.bank_files import camt054
from tests.bank_files import credit as bank_credit
from tests.test_bank_statement_import import run
from tests.test_counter import FINANCE, _ledger_stays_clean, staff_user  # noqa: F401 (fixtures)
from tests.test_unapplied_queue import finance, url  # noqa: F401 (fixtures)

Reason = UnappliedEntry.Reason


def paid(reference: str, amount, *, days_ago: int = 0, channel=Payment.Channel.BANK, **fields):
    return settle(
        channel=channel,
        reference=reference,
        amount=Decimal(amount),
        received_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    ).payment


@pytest.fixture
def officer(staff_user):  # noqa: F811
    return staff_user(FINANCE)


@pytest.fixture
def notice(debtor, debts):
    """Both debts, the older one with its surcharge: a line with principal and surcharge."""
    notice = build_notice(debtor, debts=debts)
    assert notice.items.filter(surcharge__gt=0).exists()
    return notice


@pytest.fixture
def parts(notice):
    """The notice paid by two transfers naming its RF, each short of it, so each held."""
    first = paid("DIAS-PART-1", "100.00", days_ago=3, rf=notice.rf_code)
    second = paid(
        "DIAS-PART-2", notice.total - Decimal("100.00") + 5, days_ago=1, rf=notice.rf_code
    )
    for payment in (first, second):
        assert unapplied_balance(payment) == payment.amount
        assert payment.unapplied_entries.get().reason == Reason.AMOUNT_SHORT
    return first, second


def test_pooled_payments_pay_the_notice_with_one_receipt_naming_them_all(notice, parts, officer):
    first, second = parts

    receipt = apply_unapplied(second, notice, actor=officer, together=(first,))

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert receipt.total == notice.total and receipt.series == Receipt.Series.BANK
    assert receipt.channel_reference == "DIAS-PART-1, DIAS-PART-2", "oldest first"
    assert receipt.received_at == second.received_at, "dated when the last part arrived"
    assert unapplied_balance(first) == 0, "the oldest gives all it holds"
    assert unapplied_balance(second) == Decimal("5.00"), "the last keeps what is left over"
    shares = {
        payment.pk: sum(a.amount for a in Allocation.objects.filter(payment=payment))
        for payment in parts
    }
    assert shares == {first.pk: Decimal("100.00"), second.pk: notice.total - 100}
    for item in notice.items.all():  # each line paid exactly once, split or not
        rows = Allocation.objects.filter(debt=item.debt_id)
        assert sum(row.principal for row in rows) == item.principal
        assert sum(row.surcharge for row in rows) == item.surcharge
    split = Allocation.objects.filter(debt=notice.items.first().debt_id)
    assert {row.payment_id for row in split} == {first.pk, second.pk}, "the line they meet on"
    assert all(row.principal > 0 and row.surcharge >= 0 for row in split)


def test_a_reversal_gives_each_pooled_payment_its_share_back(notice, parts, officer):
    first, second = parts
    receipt = apply_unapplied(first, notice, actor=officer, together=(second,))

    reverse_receipt(receipt, reason="Λάθος διάθεση", actor=officer)

    assert unapplied_balance(first) == first.amount
    assert unapplied_balance(second) == second.amount
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.CANCELLED
    for item in notice.items.all():
        assert sum(a.amount for a in Allocation.objects.filter(debt=item.debt_id)) == 0


def test_pooled_money_that_falls_short_is_refused_and_nothing_changes(notice, officer):
    first = paid("DIAS-A", "50.00", rf=notice.rf_code)
    second = paid("DIAS-B", "20.00", rf=notice.rf_code)

    with pytest.raises(ValidationError, match="70,00 € μαζί") as refused:
        apply_unapplied(first, notice, actor=officer, together=(second,))

    assert refused.value.code == "balance_short"
    assert not Receipt.objects.exists() and not Allocation.objects.exists()
    assert (unapplied_balance(first), unapplied_balance(second)) == (50, 20)


@pytest.mark.parametrize(
    ("other", "code"),
    [
        ("covered", "not_needed"),  # the older payment already covers the notice
        ("card", "channels_differ"),
        ("applied", "not_held"),
    ],
)
def test_pooling_a_payment_it_cannot_take_is_refused(
    notice, make_notice, officer, debtor, other, code
):
    part = paid("DIAS-PART", "10.00", rf=notice.rf_code)
    if other == "covered":
        candidate = paid("DIAS-OLDER", notice.total, days_ago=2, rf="RF18539007547034")
    elif other == "card":
        candidate = paid("pi_card", "500.00", channel=Payment.Channel.CARD, rf="RF18539007547034")
    else:
        elsewhere = make_notice("30.00", debtor=debtor)
        candidate = paid("DIAS-DONE", elsewhere.total, notice=elsewhere)
        assert unapplied_balance(candidate) == 0
    before = (Receipt.objects.count(), UnappliedEntry.objects.count())

    with pytest.raises(ValidationError) as refused:
        apply_unapplied(part, notice, actor=officer, together=(candidate,))

    assert refused.value.code == code
    assert (Receipt.objects.count(), UnappliedEntry.objects.count()) == before
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


def test_at_most_five_payments_are_pooled(notice, officer):
    parts = [paid(f"DIAS-{n}", "40.00", rf=notice.rf_code) for n in range(6)]

    with pytest.raises(ValidationError) as refused:
        apply_unapplied(parts[0], notice, actor=officer, together=tuple(parts[1:]))

    assert refused.value.code == "too_many_pooled"
    assert not Receipt.objects.exists()


def test_the_debtor_sees_the_receipt_under_each_payment_with_its_own_part(notice, debtor, officer):
    """Money of another payer (no RF of ours) pooled to the debtor's notice: under each payment
    their history shows the receipt and only that payment's part of it."""
    first = paid("DIAS-X1", "100.00", days_ago=2, rf="RF18539007547034")
    second = paid("DIAS-X2", "200.00", rf="RF18539007547034")
    receipt = apply_unapplied(first, notice, actor=officer, together=(second,))

    lines = {line.payment.pk: line for line in debtor_payments(debtor)}

    assert lines[first.pk].receipts == [receipt] and lines[second.pk].receipts == [receipt]
    assert lines[first.pk].amount == Decimal("100.00")
    assert lines[second.pk].amount == notice.total - 100
    assert not lines[first.pk].own


# --- In the admin ------------------------------------------------------------------------------


def test_finance_is_offered_the_other_parts_and_pools_them(client, finance, notice, parts):  # noqa: F811
    first, second = parts
    stranger = paid("DIAS-STRANGER", "7.00", rf="RF18539007547034", payer="ΑΛΛΟΣ")

    review = client.get(url("payment_apply", second.pk), {"notice": notice.pk})

    offered = list(review.context["pool"].fields["together"].queryset)
    assert offered == [first], "the other part naming the notice, not a stranger's money"
    assert "DIAS-PART-1, της " in review.content.decode()
    assert "αδιάθετα 100,00 € από 100,00 €" in review.content.decode(), "what it holds, of what"
    response = client.post(
        url("payment_apply", second.pk), {"notice": notice.pk, "together": [first.pk]}
    )
    assert response["Location"] == url("payment_change", second.pk)
    receipt = Receipt.objects.get()
    assert receipt.channel_reference == "DIAS-PART-1, DIAS-PART-2"
    assert unapplied_balance(stranger) == Decimal("7.00")


def test_a_tampered_payment_id_is_refused_and_nothing_changes(client, finance, notice, parts):  # noqa: F811
    _first, second = parts
    stranger = paid("DIAS-STRANGER", "900.00", rf="RF18539007547034", payer="ΑΛΛΟΣ")

    for tampered in (stranger.pk, 999_999, "x"):
        response = client.post(
            url("payment_apply", second.pk), {"notice": notice.pk, "together": [tampered]}
        )
        assert response.status_code == 200
        told = " ".join(response.context["error"].messages)
        assert str(tampered) in told, "refused for the tampered id"
        if tampered != "x":
            # As a part applied or returned by someone else meanwhile is: named, and why.
            assert "δεν είναι πια από αυτές που διατίθενται μαζί" in told
        assert "δεν καλύπτ" not in told, "not for falling short, which it also does"
    assert not Receipt.objects.exists()
    assert unapplied_balance(stranger) == Decimal("900.00")
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


def test_picked_debts_are_paid_from_pooled_payments(client, finance, debtor, debts):  # noqa: F811
    """Two transfers of the debtor's (no RF, so each held for a person), short of the debts
    alone, together pay the debts picked for them."""
    first = paid("DIAS-T1", "100.00", days_ago=2, rf="RF18539007547034", payer="ΒΑΒΟΥΛΑ")
    second = paid("DIAS-T2", "100.00", rf="RF18539007547034", payer="ΒΑΒΟΥΛΑ")
    action = url("payment_apply_lines", second.pk) + f"?debtor={debtor.pk}"
    picked = {"debts": [debt.pk for debt in debts]}

    review = client.post(action, picked)

    draft = review.context["draft"]
    assert Decimal("100.00") < draft.total < Decimal("200.00")
    assert list(review.context["pool"].fields["together"].queryset) == [first]
    confirm = {**picked, "total": str(draft.total), "confirm": "1"}
    alone = client.post(action, confirm)
    assert "δεν καλύπτει" in " ".join(m.message for m in alone.context["messages"])
    assert not Receipt.objects.exists()

    client.post(action, {**confirm, "together": [first.pk]})

    receipt = Receipt.objects.get()
    assert receipt.total == draft.total
    assert receipt.channel_reference == "DIAS-T1, DIAS-T2"
    assert unapplied_balance(first) == 0
    assert unapplied_balance(second) == Decimal("200.00") - draft.total


# --- Finding the parts --------------------------------------------------------------------------


def test_the_parts_of_a_notice_are_found_once_they_cover_it(notice, make_notice, officer):
    first = paid("DIAS-P1", "100.00", days_ago=2, rf=notice.rf_code)
    assert not paid_in_parts().exists(), "one part alone pays nothing"
    by_card = paid("pi_part", notice.total - 100, channel=Payment.Channel.CARD, notice=notice)
    assert not paid_in_parts().exists(), "a bank part and a card part are no pool"
    other = make_notice("40.00")
    paid("DIAS-O1", "10.00", rf=other.rf_code)
    over = make_notice("20.00")
    paid("DIAS-OVER", "25.00", rf=over.rf_code)  # held as over it: one payment, no parts
    second = paid("DIAS-P2", notice.total - 100, rf=notice.rf_code)

    assert set(paid_in_parts()) == {first, second}

    apply_unapplied(first, notice, actor=officer, together=(second,))
    assert not paid_in_parts().exists(), "pooled, the notice is paid"
    assert unapplied_balance(by_card) == by_card.amount


def test_the_queue_filters_the_parts_and_an_import_tells_of_them(client, finance, notice, write):  # noqa: F811
    paid("DIAS-P1", "100.00", days_ago=2, rf=notice.rf_code)
    rest = notice.total - 100
    output = run(write(camt054([bank_credit("BR-REST", rest, notice.rf_code)])))

    assert "Στην ουρά: 2 αδιάθετες πληρωμές εξοφλούν μαζί" in output
    listed = client.get(url("unappliedpayment_changelist"), {"parts": "yes"})
    references = sorted(payment.reference for payment in listed.context["cl"].result_list)
    assert references[0] == "DIAS-P1" and references[1].endswith("/BR-REST/BR-REST-T")
    assert len(references) == 2


# --- A line that pooled payments meet -------------------------------------------------------


def test_a_line_is_split_to_the_cent_between_the_payments_that_meet_it():
    """Four parts of one line of 1.00 € principal and 0.50 € surcharge: the principal goes in
    proportion to each part (``apportion``), the rest of each part is surcharge; the parts add
    up to the line exactly."""
    line = SimpleNamespace(pk=7, frozen_principal=Decimal("1.00"), frozen_surcharge=Decimal("0.50"))
    payments = [SimpleNamespace(pk=n) for n in range(1, 5)]
    takes = [Decimal(t) for t in ("0.10", "0.10", "0.01", "1.29")]
    funds = Pooled(shares=tuple(zip(payments, takes, strict=True)))

    rows = _allocated(funds, NoticeLines(debts=[line]))

    assert [
        (payment_id, principal, surcharge) for payment_id, _d, _i, principal, surcharge in rows
    ] == [
        (1, Decimal("0.07"), Decimal("0.03")),
        (2, Decimal("0.07"), Decimal("0.03")),
        (3, Decimal("0.01"), Decimal("0.00")),
        (4, Decimal("0.85"), Decimal("0.44")),
    ]


@pytest.mark.parametrize(
    ("principal", "surcharge", "allowed"),
    [
        ("0.00", "0.01", True),
        ("0.00", "-0.01", True),
        ("0.00", "0.00", False),
        ("1.00", "-0.01", False),
    ],
)
def test_the_database_takes_a_part_of_surcharge_alone_but_no_empty_or_mixed_row(
    notice, parts, officer, principal, surcharge, allowed
):
    first, second = parts
    receipt = apply_unapplied(second, notice, actor=officer, together=(first,))
    row = Allocation(
        payment=first,
        receipt=receipt,
        notice=notice,
        debt_id=notice.items.first().debt_id,
        principal=Decimal(principal),
        surcharge=Decimal(surcharge),
    )

    with transaction.atomic():
        if allowed:
            row.save()
            transaction.set_rollback(True)  # the ledger stays whole for its check
        else:
            with pytest.raises(IntegrityError):
                row.save()
