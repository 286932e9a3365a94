"""A bank credit that was the municipality's own money (the card gateway's payout, the
counter's cash deposited) is taken off finance's queue as such: the whole of it, once, saying
what it was, and only for money that named no citizen's notice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from debts.services import build_notice
from payments import ledger
from payments.models import OwnTransfer, Payment, UnappliedEntry
from payments.services import mark_for_return, record_own_transfer, settle, unapplied_balance
from tests.bank_files import Entry, Tx, camt054
from tests.test_bank_statement_import import run
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    FINANCE,
    _ledger_stays_clean,
    messages_of,
    staff_user,
)
from tests.test_unapplied_queue import bank, finance, held, url  # noqa: F401 (fixtures)

PAYOUT = OwnTransfer.Kind.GATEWAY_PAYOUT


@pytest.fixture
def payout(db):
    """The card gateway's payout of a day's card payments: a credit naming no notice."""
    return bank("DIAS-PO-1", "1520.00", rf="STRIPE PAYOUT po_1Q2w3E", payer="STRIPE").payment


def test_a_payout_is_taken_off_the_queue_as_the_municipalitys_own_money(client, finance, payout):  # noqa: F811
    page = client.get(url("payment_change", payout.pk)).content.decode()
    assert url("payment_own_transfer", payout.pk) in page
    form = client.get(url("payment_own_transfer", payout.pk))
    assert form.status_code == 200
    posted = {"kind": PAYOUT, "note": "po_1Q2w3E της 07/12", "balance": "1520.00"}

    response = client.post(url("payment_own_transfer", payout.pk), posted)

    assert response["Location"] == url("payment_change", payout.pk)
    assert messages_of(response) == [
        "Το ποσό 1.520,00 € καταγράφηκε ως «Εκκαθάριση πληρωμών με κάρτα»."
    ]
    transfer = OwnTransfer.objects.get()
    assert (transfer.payment, transfer.amount, transfer.kind) == (payout, payout.amount, PAYOUT)
    assert (transfer.note, transfer.actor) == ("po_1Q2w3E της 07/12", finance)
    entry = payout.unapplied_entries.latest("pk")
    assert (entry.amount, entry.reason) == (-payout.amount, UnappliedEntry.Reason.OWN_TRANSFER)
    assert unapplied_balance(payout) == 0
    assert not client.get(url("unappliedpayment_changelist")).context["cl"].result_list
    page = client.get(url("payment_change", payout.pk)).content.decode()
    assert "po_1Q2w3E της 07/12" in page and "Εκκαθάριση πληρωμών με κάρτα" in page
    assert url("payment_own_transfer", payout.pk) not in page
    assert ledger.check().breaches == []


def test_the_form_sent_twice_records_one_transfer(client, finance, payout):  # noqa: F811
    posted = {"kind": PAYOUT, "note": "po_1", "balance": "1520.00"}
    client.post(url("payment_own_transfer", payout.pk), posted)

    again = client.post(url("payment_own_transfer", payout.pk), posted)

    assert again["Location"] == url("payment_change", payout.pk)
    assert messages_of(again)[-1] == "Η μεταφορά του Δήμου έχει ήδη καταγραφεί."
    assert OwnTransfer.objects.count() == 1
    assert payout.unapplied_entries.count() == 2


def test_a_balance_changed_since_the_page_was_shown_records_nothing(payout, staff_user):  # noqa: F811
    with pytest.raises(ValidationError, match="άλλαξε στο μεταξύ"):
        record_own_transfer(
            payout, kind=PAYOUT, note="po_1", expected_balance=payout.amount - 1, actor=None
        )
    assert not OwnTransfer.objects.exists()
    assert unapplied_balance(payout) == payout.amount


def test_money_that_named_a_citizens_notice_is_not_the_municipalitys(
    client,
    finance,  # noqa: F811
    debtor,
    debts,
):
    notice = build_notice(debtor, debts=debts[:1])
    over = bank("DIAS-OVER", str(notice.total + 10), notice=notice).payment
    assert unapplied_balance(over) == over.amount, "held as an overpayment"

    page = client.get(url("payment_change", over.pk)).content.decode()
    assert url("payment_own_transfer", over.pk) not in page
    posted = {"kind": PAYOUT, "note": "x", "balance": str(over.amount)}
    response = client.post(url("payment_own_transfer", over.pk), posted)

    assert response.status_code == 200
    assert "είναι πληρωμή, όχι μεταφορά του Δήμου" in response.content.decode()
    assert not OwnTransfer.objects.exists()
    assert unapplied_balance(over) == over.amount


def test_money_partly_set_aside_for_return_is_a_payers(client, finance, payout):  # noqa: F811
    mark_for_return(
        payout, payout.amount - 100, expected_balance=payout.amount, reason="Λάθος", actor=finance
    )
    page = client.get(url("payment_change", payout.pk)).content.decode()
    assert url("payment_own_transfer", payout.pk) not in page

    with pytest.raises(ValidationError, match="Μέρος του ποσού"):
        record_own_transfer(payout, kind=PAYOUT, note="x", expected_balance=100, actor=finance)
    assert not OwnTransfer.objects.exists()


def test_money_that_named_an_rf_is_a_payers(client, finance, held):  # noqa: F811
    """An RF of ours that matches no notice (mistyped, of a notice long gone) is a payer's."""
    page = client.get(url("payment_change", held.pk)).content.decode()
    assert url("payment_own_transfer", held.pk) not in page

    with pytest.raises(ValidationError, match="ανέφερε τον κωδικό RF RF18539007547034"):
        record_own_transfer(
            held, kind=PAYOUT, note="x", expected_balance=held.amount, actor=finance
        )
    assert not OwnTransfer.objects.exists()


@pytest.mark.parametrize("channel", [Payment.Channel.CARD, Payment.Channel.COUNTER])
def test_only_a_bank_credit_can_be_the_municipalitys_own_money(channel, staff_user):  # noqa: F811
    payment = settle(
        channel=channel, reference="X-1", amount=Decimal("10.00"), received_at=timezone.now()
    ).payment
    with pytest.raises(ValidationError, match="από την τράπεζα"):
        record_own_transfer(
            payment, kind=PAYOUT, note="x", expected_balance=payment.amount, actor=None
        )
    assert not OwnTransfer.objects.exists()


def test_a_transfer_needs_its_note_and_kind(payout, staff_user):  # noqa: F811
    user = staff_user(FINANCE)
    with pytest.raises(ValidationError, match="Γράψτε ποια μεταφορά"):
        record_own_transfer(
            payout, kind=PAYOUT, note="  ", expected_balance=payout.amount, actor=user
        )
    with pytest.raises(ValidationError, match="τι είδους"):
        record_own_transfer(
            payout, kind="gift", note="x", expected_balance=payout.amount, actor=user
        )
    assert not OwnTransfer.objects.exists()


def test_a_cashier_may_not_take_money_off_the_queue(client, staff_user, payout):  # noqa: F811
    client.force_login(staff_user(CASHIER))
    posted = {"kind": PAYOUT, "note": "x", "balance": "1520.00"}
    assert client.post(url("payment_own_transfer", payout.pk), posted).status_code == 403
    assert not OwnTransfer.objects.exists()


def test_the_ledger_names_a_transfer_without_its_entry(payout, staff_user):  # noqa: F811
    OwnTransfer.objects.create(
        payment=payout, amount=payout.amount, kind=PAYOUT, note="x", actor=staff_user(FINANCE)
    )
    (breach,) = ledger.check().breaches
    assert breach.startswith(f"payment {payout.pk} ") and "own transfer 1520.00" in breach
    # Its entry, and the ledger is whole again (the rows cannot be taken back).
    UnappliedEntry.objects.create(
        payment=payout, amount=-payout.amount, reason=UnappliedEntry.Reason.OWN_TRANSFER
    )
    assert ledger.check().breaches == []


def test_a_transfer_is_append_only_in_the_database(payout, staff_user):  # noqa: F811
    record_own_transfer(
        payout, kind=PAYOUT, note="po_1", expected_balance=payout.amount, actor=staff_user(FINANCE)
    )
    for statement in (
        "UPDATE payments_owntransfer SET note = 'x'",
        "DELETE FROM payments_owntransfer",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert OwnTransfer.objects.get().note == "po_1"


def test_finance_lists_the_own_transfers_to_match_the_payouts(client, finance, payout):  # noqa: F811
    record_own_transfer(
        payout, kind=PAYOUT, note="po_1Q2w3E", expected_balance=payout.amount, actor=finance
    )

    response = client.get(url("owntransfer_changelist"), {"kind__exact": PAYOUT})

    assert [transfer.payment for transfer in response.context["cl"].result_list] == [payout]
    page = response.content.decode()
    assert "po_1Q2w3E" in page and url("payment_change", payout.pk) in page
    found = client.get(url("owntransfer_changelist"), {"q": "po_1Q2w3E"})
    assert len(found.context["cl"].result_list) == 1
    assert client.get(url("owntransfer_add")).status_code == 403


def test_an_own_transfer_the_bank_took_back_is_named_in_the_summary(write, django_user_model):
    """The card gateway's payout, taken off the queue as the municipality's own transfer, holds
    nothing and has no receipt: when the bank took it back (a return debited under its
    transaction id), the summary of credits taken back left it out, and finance never learnt
    that the payout's money had left the account."""
    payout = Tx(
        Decimal("1520.00"), unstructured="STRIPE PAYOUT po_1", tx_id="T-PO-1", payer="STRIPE"
    )
    run(write(camt054([Entry("C-1", [payout])]), "monday.xml"))
    payment = Payment.objects.get()
    record_own_transfer(
        payment,
        kind=OwnTransfer.Kind.GATEWAY_PAYOUT,
        note="po_1 της 07/12",
        expected_balance=payment.amount,
        actor=django_user_model.objects.create(username="finance"),
    )
    taken_back = Entry("R-1", [Tx(Decimal("1520.00"), tx_id="T-PO-1")], debit=True, reversal=True)

    output = run(write(camt054([taken_back], message_id="NTF-2"), "tuesday.xml"))

    assert "R-1" in output and payment.reference in output
    told = output[output.index("R-1") :]
    assert "Εκκαθάριση πληρωμών με κάρτα" in told and "po_1 της 07/12" in told
    # Nothing to reverse nor to return: finance is not told to.
    assert "ακυρώστε την απόδειξη" not in output


def test_the_import_takes_the_card_gateways_payouts_off_the_queue(make_notice, write, settings):
    """A credit from the gateway's payout account that names no notice nor RF is the
    municipality's own money as it arrives; one that names an RF is a payer's, left held."""
    from tests.test_statement_summary_euros import amounts, net_of, signed_sum

    settings.CARD_PAYOUT_ACCOUNTS = ["GR96 0810 0010 0000 0123 4567 890"]
    paid = make_notice()
    entries = [
        Entry("E-PO", [Tx(Decimal("1520.00"), unstructured="STRIPE po_9", tx_id="PO", payer="S")]),
        Entry("E-OK", [Tx(paid.total, rf=paid.rf_code, tx_id="OK")]),
        Entry("E-RF", [Tx(Decimal("40.00"), rf="RF18539007547034", tx_id="RF")]),
    ]

    output = run(write(camt054(entries), "payouts.xml"))

    transfer = OwnTransfer.objects.get()
    assert (transfer.amount, transfer.kind, transfer.actor) == (Decimal("1520.00"), PAYOUT, None)
    assert transfer.note == "S STRIPE po_9"
    assert unapplied_balance(transfer.payment) == 0
    assert "Εκκαθαρίσεις πληρωμών με κάρτα, χρήματα του Δήμου: 1 (1.520,00 €)" in output
    assert "Δεν βρέθηκε ειδοποιητήριο: 1 (40,00 €)" in output
    assert signed_sum(amounts(output)) == net_of(output)
    assert ledger.check().breaches == []


def test_without_payout_accounts_a_payout_waits_for_finance(write, settings):
    settings.CARD_PAYOUT_ACCOUNTS = []
    entries = [Entry("E-PO", [Tx(Decimal("1520.00"), unstructured="STRIPE po_9", tx_id="PO")])]

    run(write(camt054(entries), "payouts.xml"))

    assert not OwnTransfer.objects.exists()
    assert unapplied_balance(Payment.objects.get()) == Decimal("1520.00")
