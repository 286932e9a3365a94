"""The summary of ``import_bank_statement`` as a finance officer closing a day reads it: every
euro of the file is on one of its lines (settled, held, debits, returns each way, skipped as
imported before), so the lines add up to the net of the file's movements, whichever file of
the day comes first."""

import re
from decimal import Decimal

from payments.models import Payment
from payments.services import mark_for_return, reverse_receipt
from receipts.models import Receipt
from tests.bank_files import Entry, Tx, camt053, camt054, credit
from tests.test_bank_statement_import import run


def amounts(output: str) -> dict[str, Decimal]:
    """Each line's euros, by the line's words before its count."""
    found = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(.+?): \d+ \((?:καθαρό )?(-?[\d.]+,\d\d) €\)", line)
        if match:
            found[match.group(1)] = Decimal(match.group(2).replace(".", "").replace(",", "."))
    return found


def net_of(output: str) -> Decimal:
    match = re.search(r"(?:κινήσεις|καθαρό σύνολο) (-?[\d.]+,\d\d) €", output)
    return Decimal(match.group(1).replace(".", "").replace(",", "."))


def signed_sum(lines: dict[str, Decimal]) -> Decimal:
    """The lines as the account moved: money out (debits, returns debited) negative."""
    total = Decimal(0)
    for label, amount in lines.items():
        out = label.startswith("Χρέωση") or "χρέωση του λογαριασμού" in label
        total += -amount if out else amount
    return total


def test_returns_each_way_and_entries_skipped_are_told_in_euros_that_add_up_to_the_file(
    make_notice, write
):
    paid, short = make_notice(), make_notice()
    entries = [
        credit("E-1", paid.total, paid.rf_code),
        credit("E-2", short.total - 1, short.rf_code),
        Entry("E-D", [Tx(Decimal("30.00"), tx_id="D1")], debit=True),
        # A credit the bank took back, and a transfer of the municipality's that came back.
        Entry("E-RD", [Tx(Decimal("12.00"), tx_id="R1")], debit=True, reversal=True),
        Entry("E-RC", [Tx(Decimal("5.00"), tx_id="R2")], reversal=True),
    ]

    notified = run(write(camt054(entries), "camt054.xml"))

    assert "Αντιλογισμός ή επιστροφή, χρέωση του λογαριασμού, χωριστά: 1 (12,00 €)" in notified
    assert "Αντιλογισμός ή επιστροφή, πίστωση του λογαριασμού, χωριστά: 1 (5,00 €)" in notified
    assert net_of(notified) == Decimal("202.00")
    assert signed_sum(amounts(notified)) == net_of(notified)

    # The day's statement after it: what the notification carried is skipped, in euros too.
    stated = run(write(camt053([*entries, credit("E-3", "7.00")]), "camt053.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 5 (καθαρό 202,00 €)" in stated
    assert net_of(stated) == Decimal("209.00")
    assert signed_sum(amounts(stated)) == net_of(stated)


def test_a_file_imported_again_says_the_net_it_skipped(make_notice, write):
    notice = make_notice()
    path = write(
        camt054(
            [
                credit("A-1", notice.total, notice.rf_code),
                Entry("A-D", [Tx(Decimal("200.00"), tx_id="D1")], debit=True),
            ]
        )
    )
    run(path)

    again = run(path)

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2 (καθαρό -80,00 €)" in again
    assert signed_sum(amounts(again)) == net_of(again) == Decimal("-80.00")


def test_a_credit_the_bank_takes_back_is_traced_to_its_payment_and_receipt(make_notice, write):
    """The bank reverses a credit it had booked (a recall, an error): the money has left the
    account, but the receipt it paid stands and the collections report counts it. The summary
    names the payment and its receipt, for the officer to reverse it and record the return."""
    paid, short = make_notice(), make_notice()
    run(
        write(
            camt054(
                [
                    Entry("C-1", [Tx(paid.total, rf=paid.rf_code, tx_id="T-1")]),
                    Entry("C-2", [Tx(short.total - 1, rf=short.rf_code, tx_id="T-2")]),
                ]
            ),
            "monday.xml",
        )
    )
    receipt = Receipt.objects.get()
    taken_back = [
        Entry("R-1", [Tx(paid.total, tx_id="T-1")], debit=True, reversal=True),
        Entry("R-2", [Tx(short.total - 1, tx_id="T-2")], debit=True, reversal=True),
        Entry("R-3", [Tx(Decimal("3.00"), tx_id="T-9")], debit=True, reversal=True),
    ]

    output = run(write(camt054(taken_back, message_id="NTF-2"), "tuesday.xml"))

    assert "Αντιλογισμοί πιστώσεων που είχαν εισαχθεί: 2" in output
    first = Payment.objects.get(statement_entry__transaction_id="T-1")
    second = Payment.objects.get(statement_entry__transaction_id="T-2")
    assert (
        f"αντιλογισμός R-1 (120,00 €): πληρωμή {first.reference}, "
        f"απόδειξη σε ισχύ {receipt.display_number}, αδιάθετα 0,00 €"
    ) in output
    assert (
        f"αντιλογισμός R-2 (119,00 €): πληρωμή {second.reference}, "
        "απόδειξη σε ισχύ —, αδιάθετα 119,00 €"
    ) in output
    assert "R-3" not in output.split("Αντιλογισμοί πιστώσεων")[1], "no credit of its id"


def test_a_credit_already_reversed_and_returned_is_not_pointed_out_again(
    make_notice, write, admin_user
):
    notice = make_notice()
    run(write(camt054([Entry("C-1", [Tx(notice.total, rf=notice.rf_code, tx_id="T-1")])])))
    payment = Payment.objects.get()
    reverse_receipt(Receipt.objects.get(), reason="ανάκληση από την τράπεζα", actor=admin_user)
    mark_for_return(
        payment, notice.total, expected_balance=notice.total, reason="ανάκληση", actor=admin_user
    )
    taken_back = Entry("R-1", [Tx(notice.total, tx_id="T-1")], debit=True, reversal=True)

    output = run(write(camt054([taken_back], message_id="NTF-2"), "tuesday.xml"))

    assert "χρέωση του λογαριασμού, χωριστά: 1 (120,00 €)" in output
    assert "Αντιλογισμοί πιστώσεων" not in output
