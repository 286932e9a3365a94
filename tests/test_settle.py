"""Money in through ``settle``: recorded always, applied when it pays a notice exactly, held
with its reason otherwise; the ledger's invariants hold after each case."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from debts.models import Debt, Installment, NoticeChange, PaymentNotice, Settlement
from debts.services import build_notice, cancel_notice, expire_notices
from payments import ledger
from payments.models import Allocation, Payment, PaymentReturn, UnappliedEntry
from payments.services import (
    apply_unapplied,
    apply_unapplied_to_debts,
    mark_for_return,
    record_returned,
    reverse_receipt,
    settle,
    unapplied_balance,
)
from receipts.models import Receipt

BANK = Payment.Channel.BANK
COUNTER = Payment.Channel.COUNTER
Reason = UnappliedEntry.Reason


@pytest.fixture
def notice(make_debtor, make_debt):
    debtor = make_debtor()
    debts = [make_debt(debtor, "120.00", due_date=date(2024, 6, 30)), make_debt(debtor, "35.50")]
    return build_notice(debtor, debts=debts)


def pay(notice, reference="DIAS-0001", amount=None, channel=BANK, **fields):
    return settle(
        channel=channel,
        reference=reference,
        amount=notice.total if amount is None else Decimal(amount),
        received_at=timezone.now(),
        notice=notice,
        **fields,
    )


@pytest.fixture(autouse=True)
def _ledger_stays_clean(db):
    """Whatever a test did, no cent went missing."""
    yield
    report = ledger.check()
    assert report.breaches == []


def test_a_payment_pays_the_notice_and_every_debt_on_it(notice):
    settled = pay(notice)

    notice.refresh_from_db()
    assert settled.applied and settled.reason is None
    assert settled.payment.amount == notice.total
    assert notice.status == PaymentNotice.Status.PAID
    assert not notice.items.filter(is_open=True).exists()
    for item in notice.items.select_related("debt"):
        assert item.debt.status == Debt.Status.PAID
        assert item.debt.status_changes.get().cause == "bank payment DIAS-0001"
    assert notice.status_changes.get().to_status == PaymentNotice.Status.PAID


def test_the_allocations_and_the_receipt_are_the_notices_frozen_lines(notice):
    receipt = pay(notice).receipt

    items = {item.debt_id: item for item in notice.items.all()}
    allocations = list(Allocation.objects.all())
    assert len(allocations) == 2
    for allocation in allocations:
        item = items[allocation.debt_id]
        assert (allocation.principal, allocation.surcharge) == (item.principal, item.surcharge)
        assert allocation.receipt == receipt
    surcharged = next(a for a in allocations if a.surcharge)
    assert surcharged.principal == Decimal("120.00")
    assert receipt.display_number == f"ΤΡ-{timezone.localdate().year}/000001"
    assert receipt.total == notice.total
    assert receipt.payer_afm == notice.debtor.afm
    assert receipt.channel_reference == "DIAS-0001"
    assert receipt.notice_rf == notice.rf_code
    assert [line["revenue_code"] for line in receipt.lines] == ["0311", "0311"]
    assert sum(line["amount"] for line in receipt.line_amounts) == notice.total


def test_the_same_payment_seen_twice_is_recorded_once(notice):
    first = pay(notice)
    again = pay(notice)

    assert again.repeated
    assert again.payment.pk == first.payment.pk
    assert again.receipt == first.receipt
    assert Payment.objects.count() == 1
    assert Receipt.objects.count() == 1
    assert notice.status_changes.count() == 1


def test_the_same_reference_for_another_amount_is_refused(notice, make_debtor, make_debt):
    pay(notice, reference="DIAS-7")
    debtor = make_debtor()
    other = build_notice(debtor, debts=[make_debt(debtor, "10.00")])

    with pytest.raises(ValidationError, match="DIAS-7") as refusal:
        pay(other, reference="DIAS-7")
    assert refusal.value.code == "reference_taken"
    other.refresh_from_db()
    assert other.status == PaymentNotice.Status.OPEN
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("delta", "reason"), [("-0.01", Reason.AMOUNT_SHORT), ("0.01", Reason.AMOUNT_OVER)]
)
def test_an_amount_other_than_the_total_is_held_with_its_reason(notice, delta, reason):
    settled = pay(notice, amount=notice.total + Decimal(delta))

    assert not settled.applied
    assert settled.reason == reason
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN
    assert not Debt.objects.filter(status=Debt.Status.PAID).exists()
    assert unapplied_balance(settled.payment) == notice.total + Decimal(delta)
    assert settled.payment.notice == notice
    assert settled.payment.debtor == notice.debtor
    assert not Receipt.objects.exists()


def test_a_repeat_of_held_money_returns_the_same_reason(notice):
    first = pay(notice, amount="1.00")
    again = pay(notice, amount="1.00")

    assert again.repeated and again.reason == first.reason == Reason.AMOUNT_SHORT
    assert UnappliedEntry.objects.count() == 1


def test_a_cancelled_notices_money_is_held(notice):
    cancel_notice(notice, cause="test")
    settled = pay(notice)
    assert settled.reason == Reason.NOTICE_CANCELLED
    assert Payment.objects.count() == 1


def test_money_for_a_notice_already_paid_is_held_as_an_overpayment(notice):
    pay(notice, reference="FIRST")
    second = pay(notice, reference="SECOND", channel=COUNTER, tender="cash")

    assert second.reason == Reason.NOTICE_PAID
    assert Receipt.objects.count() == 1


@pytest.mark.parametrize(
    ("rf", "reason"),
    [
        ("RF00 1234", Reason.MALFORMED_REFERENCE),
        ("not an rf at all", Reason.MALFORMED_REFERENCE),
        ("RF18539007547034", Reason.NO_NOTICE),
        ("", Reason.NO_NOTICE),
    ],
)
def test_money_naming_no_known_notice_is_held(db, rf, reason):
    settled = settle(
        channel=BANK,
        reference="DIAS-9",
        amount=Decimal("10.00"),
        received_at=timezone.now(),
        rf=rf,
        payer="ΠΑΠΑΔΟΠΟΥΛΟΣ",
    )
    assert settled.reason == reason
    assert settled.payment.notice is None and settled.payment.debtor is None
    assert settled.payment.named_reference == rf
    assert unapplied_balance(settled.payment) == Decimal("10.00")


def test_an_rf_typed_in_groups_and_lower_case_finds_its_notice(notice):
    settled = settle(
        channel=BANK,
        reference="DIAS-10",
        amount=notice.total,
        received_at=timezone.now(),
        rf=notice.formatted_rf.lower(),
    )
    assert settled.applied
    assert settled.payment.notice == notice


def test_money_received_after_expiry_still_pays(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED

    assert pay(notice).applied
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.005"])
def test_a_nonsense_amount_is_refused_before_anything_is_written(notice, amount):
    with pytest.raises(ValidationError) as refusal:
        pay(notice, amount=amount)
    assert refusal.value.code == "bad_amount"
    assert not Payment.objects.exists()


def test_a_blank_reference_is_refused(notice):
    with pytest.raises(ValidationError, match="αναφορά"):
        pay(notice, reference="  ")


def test_paying_the_last_installment_completes_the_settlement(
    make_debtor, make_debt, make_settlement
):
    debtor = make_debtor()
    debts = [make_debt(debtor, "300.00", due_date=date(2024, 1, 31))]
    settlement = make_settlement(debtor, debts, installments=2)
    first, second = settlement.installments.order_by("number")

    assert pay(build_notice(debtor, installments=[first]), reference="A").applied
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.ACTIVE
    assert Debt.objects.get().status == Debt.Status.IN_SETTLEMENT

    receipt = pay(build_notice(debtor, installments=[second]), reference="B").receipt
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.COMPLETED
    assert Debt.objects.get().status == Debt.Status.PAID
    assert set(Installment.objects.values_list("status", flat=True)) == {Installment.Status.PAID}
    assert Allocation.objects.filter(installment=second).get().receipt == receipt
    assert receipt.lines[0]["revenue_code"] == "0311"


def test_a_notice_of_debts_and_installments_is_paid_whole(make_debtor, make_debt, make_settlement):
    debtor = make_debtor()
    settlement = make_settlement(debtor, [make_debt(debtor, "300.00", due_date=date(2024, 1, 31))])
    first = settlement.installments.order_by("number").first()
    water = make_debt(debtor, "45.00")
    notice = build_notice(debtor, debts=[water], installments=[first])

    receipt = pay(notice).receipt

    assert {(a.debt_id, a.installment_id) for a in Allocation.objects.all()} == {
        (water.pk, None),
        (None, first.pk),
    }
    assert receipt.total == notice.total


def test_a_payment_is_never_changed_nor_deleted(notice):
    payment = pay(notice).payment
    payment.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        payment.save()
    with pytest.raises(ValidationError):
        payment.delete()
    assert Payment.objects.get().amount == notice.total


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigger")
def test_the_database_refuses_to_change_or_delete_a_payment_whatever_the_path(notice):
    """QuerySet.update(), .delete() and raw SQL skip the model's guards; the triggers do not."""
    pay(notice, amount="1.00")  # held: no allocation protects it from a delete
    attempts = [
        lambda: Payment.objects.update(amount=Decimal("1.00")),
        lambda: connection.cursor().execute("DELETE FROM payments_payment"),
        lambda: UnappliedEntry.objects.update(amount=Decimal("2.00")),
        lambda: connection.cursor().execute("DELETE FROM payments_unappliedentry"),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()
    assert Payment.objects.get().amount == Decimal("1.00")


def test_the_database_refuses_an_unknown_channel(notice):
    """«Bank» beside «bank» would let the same reference be recorded twice."""
    pay(notice, reference="DIAS-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            notice=notice,
            channel="Bank",
            amount=notice.total,
            reference="DIAS-1",
            received_at=timezone.now(),
        )


def test_the_database_refuses_a_reference_twice_in_one_channel(notice):
    pay(notice, reference="X")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            notice=notice,
            channel=BANK,
            amount=notice.total,
            reference="X",
            received_at=timezone.now(),
        )


def test_history_lists_only_the_citizens_own_payments(citizen_client, make_debt, make_debtor):
    own = build_notice(citizen_client.debtor, debts=[make_debt(citizen_client.debtor, "42.00")])
    pay(own, reference="MINE")
    stranger = make_debtor()
    pay(build_notice(stranger, debts=[make_debt(stranger, "99.00")]), reference="THEIRS")

    page = citizen_client.get(reverse("payments:history"))

    assert page.status_code == 200
    html = page.content.decode()
    assert own.formatted_rf in strip_tags(html)  # shown in groups of four
    assert "42,00" in html
    assert "99,00" not in html
    english = citizen_client.get("/en" + reverse("payments:history"))
    assert "Payment history" in english.content.decode()


def test_another_payers_money_applied_to_the_citizen_shows_only_their_part(
    citizen_client, make_debt, make_debtor, admin_user
):
    """A payer's money that staff applied to the citizen's notice: the citizen sees their
    receipt and its amount, not the payer's notice, total or what is held or returned."""
    mine = build_notice(citizen_client.debtor, debts=[make_debt(citizen_client.debtor, "10.00")])
    payer = make_debtor()
    theirs = build_notice(payer, debts=[make_debt(payer, "30.00")])
    held = settle(
        channel=BANK,
        reference="THEIRS-40",
        amount=Decimal("40.00"),
        received_at=timezone.now(),
        notice=theirs,
    ).payment  # over their notice: held
    receipt = apply_unapplied(held, mine, actor=admin_user)

    html = citizen_client.get(reverse("payments:history")).content.decode()

    assert receipt.display_number in html
    assert "10,00" in html
    assert "40,00" not in html and "30,00" not in html
    assert theirs.formatted_rf not in strip_tags(html)
    assert reverse("citizen:notice", args=[theirs.pk]) not in html
    assert "Σε εξέταση" not in html


def test_history_needs_a_login(client):
    page = client.get(reverse("payments:history"))
    assert page.status_code == 302
    assert reverse("account_login") in page["Location"]


def test_history_of_a_citizen_who_never_paid(citizen_client):
    page = citizen_client.get(reverse("payments:history"))
    assert "Δεν έχει καταχωριστεί καμία πληρωμή" in page.content.decode()


def test_paying_an_expired_notice_cancels_the_newer_one_of_the_same_debts(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))
    debts = list(Debt.objects.filter(notice_items__notice=notice))
    newer = build_notice(notice.debtor, debts=debts)

    pay(notice, reference="DIAS-LATE")

    newer.refresh_from_db()
    assert newer.status == PaymentNotice.Status.CANCELLED
    assert "DIAS" not in newer.status_changes.get().cause
    # The records tell the payment first, then the notice it cancelled (with the payment's
    # writes sent last as one statement, the cancellation had come first; found by a review).
    recorded = NoticeChange.objects.filter(notice__in=[notice, newer]).exclude(
        to_status=PaymentNotice.Status.EXPIRED
    )
    assert list(recorded.order_by("pk").values_list("notice_id", "to_status")) == [
        (notice.pk, PaymentNotice.Status.PAID),
        (newer.pk, PaymentNotice.Status.CANCELLED),
    ]
    assert {debt.status for debt in Debt.objects.filter(pk__in=[d.pk for d in debts])} == {
        Debt.Status.PAID
    }
    assert pay(newer, reference="DIAS-NEWER").reason == Reason.NOTICE_CANCELLED


def test_late_money_for_debts_paid_meanwhile_is_held_and_changes_nothing_else(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))
    newer = build_notice(
        notice.debtor, debts=list(Debt.objects.filter(notice_items__notice=notice))
    )
    pay(newer, reference="DIAS-NEWER")

    late = pay(notice, reference="DIAS-LATE")

    assert late.reason == Reason.LINE_CLOSED
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED
    assert Receipt.objects.count() == 1
    assert unapplied_balance(late.payment) == notice.total


@pytest.mark.parametrize("correction", ["principal", "due_date", "debtor"])
def test_late_money_for_a_debt_corrected_since_is_held_and_changes_nothing_else(
    notice, make_debtor, correction
):
    """Staff may correct a debt once its notice expired; the old notice's money then no longer
    pays it exactly (marking it paid would write off the difference), or pays another's debt."""
    expire_notices(today=notice.valid_until + timedelta(days=1))
    debt = Debt.objects.get(notice_items__notice=notice, certified_on__isnull=False)
    if correction == "principal":
        debt.principal += Decimal("100.00")
    elif correction == "due_date":
        debt.due_date -= timedelta(days=90)  # more months of surcharge than the notice froze
    else:
        debt.debtor = make_debtor()
    debt.full_clean()
    debt.save()

    late = pay(notice, reference="DIAS-LATE")

    assert late.reason == Reason.LINE_CORRECTED
    notice.refresh_from_db()
    debt.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED
    assert debt.status == Debt.Status.OPEN
    assert not Receipt.objects.exists()


def test_an_open_notice_is_paid_whatever_staff_changed_around_its_debts(notice, settings):
    """An open notice holds what it froze: a revenue made unsurcharged, or another month rule,
    changes nothing of the money it asks for."""
    revenue = Debt.objects.get(notice_items__notice=notice, certified_on__isnull=False).revenue_type
    revenue.surchargeable = False
    revenue.save()
    settings.SURCHARGE_MONTH_RULE = "completed"

    pay(notice)

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID


def test_the_cashier_finds_a_payment_by_its_notices_rf_however_typed(notice, admin_client):
    payment = pay(notice).payment
    changelist = reverse("admin:payments_payment_changelist")
    for typed in (notice.formatted_rf.lower(), notice.rf_code[:12]):
        response = admin_client.get(changelist, {"q": typed})
        assert list(response.context["cl"].result_list) == [payment]


# --- The queue of held money, worked by finance staff ---------------------------------------


def test_held_money_applied_later_gets_its_receipt(notice, admin_user):
    held = pay(notice, amount=notice.total + Decimal("5.00")).payment

    receipt = apply_unapplied(held, notice, actor=admin_user)

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert receipt.total == notice.total
    assert unapplied_balance(held) == Decimal("5.00")
    applied = held.unapplied_entries.get(reason=Reason.APPLIED)
    assert (applied.amount, applied.actor, applied.notice) == (-notice.total, admin_user, notice)


def test_held_money_that_does_not_cover_a_notice_is_not_applied(notice, admin_user):
    held = pay(notice, amount="10.00").payment
    with pytest.raises(ValidationError) as refusal:
        apply_unapplied(held, notice, actor=admin_user)
    assert refusal.value.code == "balance_short"
    assert not Receipt.objects.exists()


def test_held_money_is_never_applied_to_a_paid_notice(notice, admin_user):
    pay(notice, reference="PAID")
    held = pay(notice, reference="AGAIN").payment
    with pytest.raises(ValidationError) as refusal:
        apply_unapplied(held, notice, actor=admin_user)
    assert refusal.value.code == "notice_not_payable"


def test_held_money_applied_to_debts_a_person_picked(make_debtor, make_debt, admin_user):
    debtor = make_debtor()
    fee = make_debt(debtor, "30.00")
    held = settle(
        channel=BANK, reference="T-1", amount=Decimal("30.00"), received_at=timezone.now()
    ).payment

    receipt = apply_unapplied_to_debts(held, debtor, debts=[fee], actor=admin_user)

    fee.refresh_from_db()
    assert fee.status == Debt.Status.PAID
    assert receipt.debtor == debtor
    assert unapplied_balance(held) == 0


def test_held_money_marked_for_return_then_returned(notice, admin_user):
    held = pay(notice, amount="1.00").payment
    with pytest.raises(ValidationError):
        mark_for_return(
            held,
            Decimal("1.01"),
            expected_balance=Decimal("1.00"),
            reason="λάθος ποσό",
            actor=admin_user,
        )

    def mark(amount):
        return mark_for_return(
            held, amount, expected_balance=Decimal("1.00"), reason="λάθος ποσό", actor=admin_user
        )

    marked = mark(Decimal("0.60"))
    # The same request again: the balance shown is no longer the balance, so nothing more.
    with pytest.raises(ValidationError) as again:
        mark(Decimal("0.60"))
    assert again.value.code == "balance_changed"
    assert unapplied_balance(held) == Decimal("0.40")
    marked = mark_for_return(
        held, Decimal("0.40"), expected_balance=Decimal("0.40"), reason="λάθος", actor=admin_user
    )
    assert unapplied_balance(held) == 0
    assert marked.status == PaymentReturn.Status.REQUESTED

    returned = record_returned(marked, reference="SEPA-RET-1", actor=admin_user)
    assert returned.status == PaymentReturn.Status.RETURNED
    assert returned.status_changes.get().actor == admin_user
    assert PaymentReturn.objects.get(pk=marked.pk).return_reference == "SEPA-RET-1"
    assert PaymentReturn.objects.count() == 2


def test_a_reversed_receipt_reopens_the_debts_and_holds_the_money(notice, admin_user):
    receipt = pay(notice).receipt

    reversal = reverse_receipt(receipt, reason="διπλή είσπραξη", actor=admin_user)

    assert reversal.reverses == receipt
    assert reversal.total == -receipt.total
    assert reversal.display_number == f"ΑΚ-{timezone.localdate().year}/000001"
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.CANCELLED
    assert set(Debt.objects.values_list("status", flat=True)) == {Debt.Status.OPEN}
    payment = Payment.objects.get()
    assert unapplied_balance(payment) == receipt.total
    receipt.refresh_from_db()
    assert receipt.total == notice.total  # the original is never edited
    with pytest.raises(ValidationError):
        reverse_receipt(receipt, reason="again", actor=admin_user)


def test_reversing_the_last_installment_puts_the_settlement_back(
    make_debtor, make_debt, make_settlement, admin_user
):
    debtor = make_debtor()
    settlement = make_settlement(debtor, [make_debt(debtor, "300.00", due_date=date(2024, 1, 31))])
    first, second = settlement.installments.order_by("number")
    pay(build_notice(debtor, installments=[first]), reference="A")
    receipt = pay(build_notice(debtor, installments=[second]), reference="B").receipt

    reverse_receipt(receipt, reason="επιστροφή τράπεζας", actor=admin_user)

    settlement.refresh_from_db()
    second.refresh_from_db()
    assert settlement.status == Settlement.Status.ACTIVE
    assert second.status == Installment.Status.OPEN
    assert Debt.objects.get().status == Debt.Status.IN_SETTLEMENT


def test_check_ledger_names_a_breach_and_fails(notice, capsys):
    pay(notice)
    call_command("check_ledger")
    assert "ledger clean" in capsys.readouterr().out

    with pytest.raises(CommandError, match="1 breach"), transaction.atomic():
        UnappliedEntry.objects.create(
            payment=Payment.objects.get(), amount=Decimal("1.00"), reason=Reason.NO_NOTICE
        )
        call_command("check_ledger")  # the breach is rolled back with the error
    assert "DIAS-0001" in capsys.readouterr().err


def test_check_ledger_names_money_taken_from_a_hold_beyond_what_it_held(db):
    held = settle(
        channel=BANK,
        reference="HELD-1",
        amount=Decimal("10.00"),
        received_at=timezone.now(),
        rf="RF18539007547034",
    ).payment
    with transaction.atomic():  # the breach is rolled back, for the ledger check after the test
        # Balanced (10 = 10 − 11 held + 11 returned), yet 11 € left a hold of 10.
        UnappliedEntry.objects.create(
            payment=held, amount=Decimal("-11.00"), reason=Reason.FOR_RETURN
        )
        PaymentReturn.objects.create(payment=held, amount=Decimal("11.00"), reason="test")

        assert ledger.check().breaches == [
            f"payment {held.pk} (bank HELD-1): holds -1.00, below zero"
        ]
        transaction.set_rollback(True)


def test_settle_counts_its_queries_whatever_the_number_of_lines(make_debtor, make_debt, revenue):
    """At most 12 statements (docs/PERFORMANCE.md), for one line as for 25, by RF as by notice;
    the test's own transaction adds a savepoint around them, not counted."""
    for count, by_rf in ((1, False), (25, False), (25, True)):
        debtor = make_debtor()
        debts = [make_debt(debtor, "10.00", due_date=date(2024, 6, 30)) for _ in range(count)]
        notice = build_notice(debtor, debts=debts)
        with CaptureQueriesContext(connection) as captured:
            settled = settle(
                channel=BANK,
                reference=f"Q-{count}-{by_rf}",
                amount=notice.total,
                received_at=timezone.now(),
                **({"rf": notice.formatted_rf} if by_rf else {"notice": notice}),
            )
        assert settled.applied
        statements = [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]
        assert len(statements) <= 12, "\n".join(statements)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="elsewhere writes go one by one")
@pytest.mark.parametrize("by_rf", [False, True], ids=["by notice", "by RF"])
@pytest.mark.parametrize(
    ("picked", "debts"),
    [("one", 0), ("several", 0), ("several", 5), ("all", 0), ("last", 0), ("last", 5)],
    ids=[
        "one installment",
        "several installments",
        "debts and installments",
        "whole settlements",
        "last installments",
        "debts and last installments",
    ],
)
def test_settle_counts_its_queries_whatever_the_installments(
    picked, debts, by_rf, make_debtor, make_debt, make_settlement
):
    """As many statements for a notice of installments: of one settlement, or of three over two
    revenue codes each (one receipt line a code), with debts beside them or not, and paying the
    settlements off (each completed, its history and its debts written), with all their
    installments or with the last."""
    debtor = make_debtor()
    kinds = ("cleaning",) if picked == "one" else ("cleaning", "tap")
    schedules = []
    for _ in range(1 if picked == "one" else 3):
        settled = [make_debt(debtor, "300.00", kind=k, due_date=date(2024, 1, 31)) for k in kinds]
        settlement = make_settlement(debtor, settled, installments=3 if picked == "several" else 2)
        schedules.append(list(settlement.installments.order_by("number")))
    if picked == "last":
        pay(build_notice(debtor, installments=[s[0] for s in schedules]), reference="FIRST")
    taken = {"one": slice(1), "several": slice(2), "all": slice(None), "last": slice(1, None)}
    notice = build_notice(
        debtor,
        debts=[make_debt(debtor, "10.00", due_date=date(2024, 6, 30)) for _ in range(debts)],
        installments=[i for schedule in schedules for i in schedule[taken[picked]]],
    )
    with CaptureQueriesContext(connection) as captured:
        settled = settle(
            channel=BANK,
            reference="Q",
            amount=notice.total,
            received_at=timezone.now(),
            **({"rf": notice.formatted_rf} if by_rf else {"notice": notice}),
        )

    assert settled.applied
    paid_off = picked in ("all", "last")
    assert Settlement.objects.filter(status=Settlement.Status.COMPLETED).count() == (
        len(schedules) if paid_off else 0
    )
    statements = [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 12, "\n".join(statements)


def test_a_paravolo_is_not_reopened_beside_another_unpaid_one_of_its_type(
    make_debtor, revenue, admin_user
):
    from debts.models import ParavoloType
    from debts.services import issue_paravolo

    debtor = make_debtor()
    objection = ParavoloType.objects.create(
        name="Ένσταση", name_en="Objection", revenue_type=revenue["paravolo"], amount="4.50"
    )
    receipt = pay(issue_paravolo(debtor, objection).notice, reference="P-1").receipt
    issue_paravolo(debtor, objection)  # a second one, asked for after the first was paid

    with pytest.raises(ValidationError) as refusal:
        reverse_receipt(receipt, reason="λάθος", actor=admin_user)

    assert refusal.value.code == "second_unpaid_paravolo"
    assert not Receipt.objects.filter(series=Receipt.Series.REVERSAL).exists()
