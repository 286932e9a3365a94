"""Two people acting at once: the row locks and constraints behind the services hold."""

import contextlib
import io
import re
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from debts.models import Debt, Debtor, NoticeItem, PaymentNotice
from debts.rolls import BadRoll, RollSummary, import_roll, read_roll
from debts.services import build_notice, expire_notices
from payments import card, ledger, services, statement_import
from payments.import_lock import one_import_at_a_time
from payments.models import Payment, PaymentReturn, StatementEntry
from payments.services import Settled, settle
from payments.statement_import import ImportSummary, import_bank_statement
from receipts import services as receipt_services
from receipts.models import Receipt
from tests.bank_files import Entry, Tx, camt053, camt054, credit
from tests.conftest import valid_afm
from tests.test_bank_statement_import import run
from tests.test_import_debts import HEADER

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def run_together(*works):
    """Run each of ``works`` in a thread, all released at the same instant; their outcomes."""
    barrier = threading.Barrier(len(works))
    outcomes = [None] * len(works)

    def worker(index, work):
        try:
            barrier.wait()
            outcomes[index] = work()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return outcomes


def paying(notice, reference, channel=Payment.Channel.BANK, after: threading.Event | None = None):
    """The money for ``notice`` arriving, once ``after`` is set if given."""

    def pay():
        if after is not None:
            after.wait(timeout=10)
        return settle(
            channel=channel,
            reference=reference,
            amount=notice.total,
            received_at=timezone.now(),
            notice=notice,
        )

    return pay


def editing_in_the_admin(debt, checked: threading.Event, **changes):
    """A member of staff saving ``changes`` to ``debt`` as the admin's change form does: one
    transaction, the checks, then (after a pause that lets another transaction in, were the row
    not locked) the save. ``checked`` is set between the two."""

    def edit():
        with transaction.atomic():
            edited = Debt.objects.get(pk=debt.pk)
            for name, value in changes.items():
                setattr(edited, name, value)
            edited.full_clean()
            checked.set()
            time.sleep(0.5)
            edited.save()
        return edited

    return edit


def test_two_notices_for_the_same_debts_at_once_give_one(make_debtor, make_debt):
    debtor = make_debtor()
    debts = [make_debt(debtor, "50.00", due_date=date(2024, 1, 31)), make_debt(debtor, "20.00")]

    outcomes = run_together(*[lambda: build_notice(debtor, debts=debts)] * 4)

    notices = [o for o in outcomes if isinstance(o, PaymentNotice)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(notices) == 1, outcomes
    assert [r.code for r in refusals] == ["already_on_notice"] * 3
    assert PaymentNotice.objects.count() == 1
    assert NoticeItem.objects.filter(is_open=True).count() == 2


def test_the_same_payment_reported_four_times_at_once_is_recorded_once(make_debtor, make_debt):
    debtor = make_debtor()
    notice = build_notice(debtor, debts=[make_debt(debtor, "50.00", due_date=date(2024, 1, 31))])
    pay = paying(notice, "DIAS-42")

    outcomes = run_together(pay, pay, pay, pay)

    assert all(isinstance(o, Settled) for o in outcomes), outcomes
    assert len({o.payment.pk for o in outcomes}) == 1
    assert [o.repeated for o in outcomes].count(False) == 1
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert notice.status_changes.count() == 1


def test_a_receipt_numbered_after_another_is_issued_after_it(make_notice, monkeypatch):
    """The second payment reaches the series' counter, then the first takes the counter, is
    numbered and commits: the second's receipt comes next, in number and in time of issue."""
    first, second = make_notice(), make_notice()
    at_counter, first_committed = threading.Event(), threading.Event()
    reserve = receipt_services.reserve_numbers

    def waiting_for_the_first(*args):
        if threading.current_thread().name == "second":
            at_counter.set()
            first_committed.wait(timeout=10)
        return reserve(*args)

    monkeypatch.setattr(receipt_services, "reserve_numbers", waiting_for_the_first)
    outcomes = {}

    def pay_second():
        try:
            outcomes["second"] = paying(second, "DIAS-2")()
        finally:
            connections.close_all()

    thread = threading.Thread(target=pay_second, name="second")
    thread.start()
    assert at_counter.wait(timeout=10)
    one = paying(first, "DIAS-1")().receipt
    first_committed.set()
    thread.join(timeout=30)

    two = outcomes["second"].receipt
    assert two.number == one.number + 1
    assert two.issued_at >= one.issued_at


def roll_file(write, number: str, afms: list[str]) -> str:
    rows = [f"{afm};ΝΕΟΣ {afm};0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;{number}" for afm in afms]
    return write("\n".join([HEADER, *rows]) + "\n", f"{number.replace('/', '-')}.csv")


def importing_roll(path):
    return lambda: import_roll(read_roll(path))


@pytest.mark.parametrize("attempt", range(3))
def test_two_rolls_with_the_same_new_debtors_imported_at_once(revenue, write, attempt):
    afms = [valid_afm() for _ in range(5)]
    first, second = roll_file(write, "ΒΚ-1/2026", afms), roll_file(write, "ΒΚ-2/2026", afms)

    outcomes = run_together(importing_roll(first), importing_roll(second))

    assert all(isinstance(o, RollSummary) for o in outcomes), outcomes
    assert sorted(o.debtors_created for o in outcomes) == [0, 5]
    assert Debtor.objects.count() == 5
    assert Debt.objects.count() == 10


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_roll_imported_twice_at_once_is_certified_once(revenue, write, attempt):
    path = roll_file(write, "ΒΚ-3/2026", [valid_afm() for _ in range(5)])

    outcomes = run_together(importing_roll(path), importing_roll(path))

    assert sorted(type(o).__name__ for o in outcomes) == ["BadRoll", "RollSummary"], outcomes
    (refusal,) = [o for o in outcomes if isinstance(o, BadRoll)]
    assert refusal.errors == [(2, "ο κατάλογος ΒΚ-3/2026 έχει ήδη εισαχθεί")]
    assert Debt.objects.count() == 5


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_bank_file_imported_twice_at_once_counts_each_credit_once(
    make_notice, write, attempt
):
    notices = [make_notice() for _ in range(6)]
    path = write(camt054([credit(f"TWICE-{n.pk}", n.total, n.rf_code) for n in notices]))

    def importing():
        return import_bank_statement(path, batch_size=1)

    outcomes = run_together(importing, importing)

    assert all(isinstance(o, ImportSummary) for o in outcomes), outcomes
    assert sum(o.settled for o in outcomes) == 6
    assert sum(o.skipped for o in outcomes) == 6
    assert (Payment.objects.count(), StatementEntry.objects.count()) == (6, 6)
    assert PaymentNotice.objects.filter(status=PaymentNotice.Status.PAID).count() == 6


def test_two_files_telling_the_same_credits_otherwise_imported_at_once_record_them_once(
    make_notice, write, monkeypatch
):
    """A camt.054 that itemises an entry and the camt.053 that books it as one sum: each import
    knows the other's credits only once they are committed, so the second waits for the first."""
    one, two = make_notice("120.00"), make_notice("66.95")
    itemised = Entry(
        "BATCH-3",
        [Tx(one.total, rf=one.rf_code, tx_id="B1"), Tx(two.total, rf=two.rf_code, tx_id="B2")],
    )
    one_sum = re.sub(r"<NtryDtls>.*</NtryDtls>", "", camt053([itemised]))
    paths = write(camt054([itemised]), "camt054.xml"), write(one_sum, "camt053.xml")
    # Each import, its entries looked up, waits for the other to have looked up its own too:
    # at once, neither would find the other's. Taking turns, the first waits in vain.
    both_looked_up = threading.Barrier(2, timeout=2)
    settle_many = statement_import.settle_many

    def after_the_other_looked_up(arrivals, **options):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked_up.wait()
        return settle_many(arrivals, **options)

    monkeypatch.setattr(statement_import, "settle_many", after_the_other_looked_up)

    outcomes = run_together(*(partial(import_bank_statement, path) for path in paths))

    assert all(isinstance(o, ImportSummary) for o in outcomes), outcomes
    # Which goes first decides how: itemised, the two notices are paid; as one sum, which names
    # no RF, the money is held for a person. Either way it is recorded once.
    assert sum(p.amount for p in Payment.objects.all()) == Decimal("186.95")


def test_an_import_waits_for_the_one_running_and_says_so(make_notice, write):
    notice = make_notice()
    path = write(camt054([credit("WAIT-1", notice.total, notice.rf_code)]))
    told, output = io.StringIO(), []

    def importing():
        try:
            output.append(run(path, stderr=told))
        finally:
            connections.close_all()

    with one_import_at_a_time():  # another import, running
        thread = threading.Thread(target=importing)
        thread.start()
        waiting = _eventually(lambda: _waiting_for_a_lock() and "αναμονή" in told.getvalue())
        assert Payment.objects.count() == 0
    thread.join(timeout=30)

    assert waiting, "the import did not wait for the one running"
    assert "εκτελείται άλλη εισαγωγή αρχείων τράπεζας" in told.getvalue()
    assert "Εξοφλήθηκαν: 1" in output[0]
    assert Payment.objects.count() == 1


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = database"
            " WHERE locktype = 'advisory' AND NOT granted AND datname = current_database()"
        )
        return cursor.fetchone()[0] == 1


def _eventually(condition, seconds=10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("attempt", range(3))
def test_late_money_for_an_expired_notice_and_for_its_replacement_at_once(
    make_debtor, make_debt, attempt
):
    """Each payment takes the debtor's lock first: one is applied, the other held with its reason,
    never a deadlock between the two notices and their debts."""
    debtor = make_debtor()
    debts = [make_debt(debtor, "120.00", due_date=date(2024, 6, 30)), make_debt(debtor, "35.50")]
    expired = build_notice(debtor, debts=debts)
    expire_notices(expired.valid_until + timedelta(days=1))
    newer = build_notice(debtor, debts=debts)

    outcomes = run_together(
        paying(expired, "DIAS-LATE"), paying(newer, "pi_1", channel=Payment.Channel.CARD)
    )

    assert all(isinstance(o, Settled) for o in outcomes), outcomes
    assert sorted(o.applied for o in outcomes) == [False, True]
    held = next(o for o in outcomes if not o.applied)
    assert held.reason in {"line_closed", "notice_cancelled"}
    assert Payment.objects.count() == 2


def test_a_notice_built_while_staff_correct_the_debt_counts_the_corrected_amount(
    make_debtor, make_debt
):
    """The admin's check that no open notice holds the debt locks its row until the save, so a
    notice built meanwhile waits and freezes the corrected principal, never the old one."""
    debtor = make_debtor()
    debt = make_debt(debtor, "100.00", due_date=date(2024, 6, 30))
    checked = threading.Event()

    def build():
        checked.wait(timeout=10)
        return build_notice(debtor, debts=[debt])

    edited, notice = run_together(
        editing_in_the_admin(debt, checked, principal=Decimal("250.00")), build
    )

    assert isinstance(edited, Debt), edited
    assert isinstance(notice, PaymentNotice), notice
    assert notice.items.get().principal == Decimal("250.00")


def test_a_debt_moved_back_to_a_debtor_while_their_late_money_arrives(make_debtor, make_debt):
    """The admin's save points the debt at the debtor, whose row the payment has locked: the
    foreign-key check must not wait on that lock while the payment waits on the debt's."""
    debtor, other = make_debtor(), make_debtor()
    debt = make_debt(debtor, "100.00", due_date=date(2024, 6, 30))
    notice = build_notice(debtor, debts=[debt])
    expire_notices(notice.valid_until + timedelta(days=1))
    Debt.objects.filter(pk=debt.pk).update(debtor=other)
    checked = threading.Event()

    moved, paid = run_together(
        editing_in_the_admin(debt, checked, debtor=debtor),
        paying(notice, "DIAS-LATE", after=checked),
    )

    assert isinstance(moved, Debt), moved
    assert isinstance(paid, Settled), paid


def test_two_people_pooling_the_same_payment_at_once_apply_it_once(
    make_debtor, make_debt, monkeypatch
):
    """Two officers each pool the same held payment (B) for a notice of a different debtor (so
    no debtor's lock puts them in turn). Each reads the balances after its locks, and a reading
    waits a moment for the other's: were the payments not locked, both would read B full and
    both apply it, leaving it below zero."""
    one, other = make_debtor(), make_debtor()
    first = build_notice(one, debts=[make_debt(one, "130.00")])
    second = build_notice(other, debts=[make_debt(other, "80.00")])
    now = timezone.now()

    def held(reference, amount, days_ago):
        return settle(
            channel=Payment.Channel.BANK,
            reference=reference,
            amount=Decimal(amount),
            received_at=now - timedelta(days=days_ago),
            rf="RF18539007547034",
        ).payment

    c, b, a = held("DIAS-C", "30.00", 3), held("DIAS-B", "60.00", 2), held("DIAS-A", "100.00", 1)
    both_read = threading.Barrier(2)
    balance = services.unapplied_balance

    def read_then_wait(payment):
        amount = balance(payment)
        if payment.pk == b.pk:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=1)
        return amount

    monkeypatch.setattr(services, "unapplied_balance", read_then_wait)

    outcomes = run_together(
        lambda: services.apply_unapplied(a, first, actor=None, together=(b,)),
        lambda: services.apply_unapplied(c, second, actor=None, together=(b,)),
    )

    assert sum(isinstance(o, Receipt) for o in outcomes) == 1, outcomes
    assert {o.code for o in outcomes if isinstance(o, ValidationError)} <= {
        "not_held",
        "balance_short",
    }, outcomes
    assert balance(b) >= 0
    assert ledger.check().breaches == []


def paid_for_a_relative(make_debtor, make_debt, monkeypatch):
    """A card payment of 150 € for the payer's notice of 100 € (held, over it), 100 € of it
    applied by finance to a relative's notice, 50 € held; the relative's other notice of 50 €.
    The gateway is not called."""
    payer, relative = make_debtor(), make_debtor()
    own = build_notice(payer, debts=[make_debt(payer, "100.00")])
    first = build_notice(relative, debts=[make_debt(relative, "100.00")])
    second = build_notice(relative, debts=[make_debt(relative, "50.00")])
    payment = settle(
        channel=Payment.Channel.CARD,
        reference="pi_relative",
        amount=own.total + second.total,
        received_at=timezone.now(),
        notice=own,
    ).payment
    assert payment.debtor_id == payer.pk
    services.apply_unapplied(payment, first, actor=None)
    monkeypatch.setattr(card, "refund_on_commit", lambda payment_return: None)
    return payment, second


def refund_the_relatives_part(payment):
    """Finance refunds to the card the 100 € the relative's receipt took, reversing it."""
    return card.refund_card_payment(
        payment,
        amount=Decimal("100.00"),
        expected_refundable=Decimal("150.00"),
        reverse=True,
        reason="Λάθος οφειλέτης",
        actor=None,
    )


def test_a_card_refund_and_applying_the_rest_of_its_money_at_once_do_not_deadlock(
    make_debtor, make_debt, monkeypatch
):
    """A card payment for one debtor's notice, held (over the notice), applied by finance to a
    relative's notice, the rest held. One officer refunds part of it to the card, reversing the
    relative's receipt; another applies the rest to the relative's other notice. The refund
    reads the payment once it holds it and waits a moment for the other to hold the relative:
    were the relative locked after the payment, the two would wait for each other until
    PostgreSQL broke the deadlock by failing one of them."""
    payment, second = paid_for_a_relative(make_debtor, make_debt, monkeypatch)
    refund_holds_payment, relative_held = threading.Event(), threading.Event()
    refundable, lock_payments = card.refundable, services._lock_payments

    def read_then_wait(locked):
        refund_holds_payment.set()
        relative_held.wait(timeout=2)
        return refundable(locked)

    def lock_after_the_relative(ids):
        if threading.current_thread().name == "apply":
            relative_held.set()
        return lock_payments(ids)

    monkeypatch.setattr(card, "refundable", read_then_wait)
    monkeypatch.setattr(services, "_lock_payments", lock_after_the_relative)

    def apply_the_rest():
        threading.current_thread().name = "apply"
        refund_holds_payment.wait(timeout=5)
        return services.apply_unapplied(payment, second, actor=None)

    refunded, applied = run_together(
        partial(refund_the_relatives_part, payment),
        apply_the_rest,
    )

    assert isinstance(refunded, PaymentReturn), refunded
    assert isinstance(applied, Receipt), applied
    assert ledger.check().breaches == []


def test_a_refund_refused_when_the_payment_paid_another_debtor_before_it_held_it(
    make_debtor, make_debt, monkeypatch
):
    """The debtors to lock are read before the payment is held: if its money paid another
    debtor's notice in between, that debtor was not locked first, and the refund is refused
    for the officer to look again, changing nothing."""
    payment, second = paid_for_a_relative(make_debtor, make_debt, monkeypatch)
    debtors_of = card._debtors_of
    read = []

    def paid_in_between(locked):
        found = debtors_of(locked)
        if not read:
            read.append(found)
            run_together(lambda: services.apply_unapplied(payment, second, actor=None))
            return {payment.debtor_id}
        return found

    monkeypatch.setattr(card, "_debtors_of", paid_in_between)
    receipts = Receipt.objects.count()

    with pytest.raises(ValidationError) as refused:
        refund_the_relatives_part(payment)

    assert refused.value.code == "payment_changed"
    assert not PaymentReturn.objects.exists()
    assert Receipt.objects.count() == receipts + 1  # the relative's second notice, nothing else
    assert ledger.check().breaches == []
