"""A statement file is whole: every MT940 statement opens and closes on a balance, the pages of a
statement follow on from each other (MT940 :60M:/:62M:, camt.053 ITBD), and a day's statement
missing between two of the file is told; an MT940 returned item is a return, and an RF cut
across :86: subfields is read whole."""

from decimal import Decimal

import pytest
from django.core.management import CommandError

from debts.models import PaymentNotice
from debts.rf import make_rf
from payments import statement_import
from payments.models import Payment, StatementEntry
from tests.bank_files import ACCOUNT, camt053, credit
from tests.test_bank_file_quirks import mt940_file
from tests.test_bank_statement_import import _ledger_stays_clean, run  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


def mt940(*statements: str) -> str:
    return "\r\n".join(statements)


def nothing_recorded() -> bool:
    return not Payment.objects.exists() and not StatementEntry.objects.exists()


def statement(seq, opening, closing, lines, *, first="60F", last="62F", day="1204") -> str:
    """One MT940 statement (or page) of the municipality's account: ``lines`` of (amount, bank
    reference or none, :86: text), each a credit."""
    body = []
    for amount, reference, text in lines:
        bank = f"//{reference}" if reference else ""
        body += [f":61:26{day}{day}C{amount}NTRFNONREF{bank}", f":86:{text}"]
    return mt940_file(
        *body, opening=opening, closing=closing, on=f"26{day}", seq=seq, first=first, last=last
    )


def test_an_mt940_cut_before_its_closing_balance_is_refused(make_notice, write):
    first, second = make_notice("9.00"), make_notice("4.50")
    whole = statement(
        "1/1",
        "500,00",
        "513,50",
        [("9,00", "BK-1", first.rf_code), ("4,50", "BK-2", second.rf_code)],
    )
    cut = whole[: whole.index(":61:2612041204C4,50")]  # the download broke off here

    with pytest.raises(CommandError, match=r"δεν έχει υπόλοιπο :62F:.*κομμένο"):
        run(write(cut, "cut.sta"))
    assert nothing_recorded()
    assert "συμφωνεί" in run(write(whole, "whole.sta"))


def test_an_mt940_page_missing_between_two_is_refused(make_notice, write):
    one, three = make_notice("9.00"), make_notice("9.00")
    first = statement("1/1", "500,00", "509,00", [("9,00", "BK-1", one.rf_code)], last="62M")
    third = statement("1/3", "520,00", "529,00", [("9,00", "BK-3", three.rf_code)], first="60M")

    with pytest.raises(CommandError, match=r"ανοίγει με υπόλοιπο 520,00 €.*509,00 €.*λείπει"):
        run(write(mt940(first, third), "pages.sta"))
    assert nothing_recorded()

    between = [("11,00", "BK-2", "ΠΛΗΡΩΜΗ")]
    second = statement("1/2", "509,00", "520,00", between, first="60M", last="62M")
    output = run(write(mt940(first, second, third), "whole.sta"))
    assert output.count("συμφωνεί") == 3 and "δεν είναι στο αρχείο" not in output


def test_a_days_statement_missing_between_two_is_told_and_the_rest_imported(make_notice, write):
    """Two statements of the account a day apart, the day between not in the file: what the
    file holds is whole and is imported (the missing day may come in a file of its own); the
    summary names the gap."""
    one, three = make_notice("9.00"), make_notice("9.00")
    fifth = statement("5/1", "500,00", "509,00", [("9,00", "BK-1", one.rf_code)], day="1205")
    seventh = statement("7/1", "520,00", "529,00", [("9,00", "BK-3", three.rf_code)], day="1207")

    output = run(write(mt940(fifth, seventh), "days.sta"))

    assert "Εξοφλήθηκαν: 2 (18,00 €)" in output
    assert (
        f"Λογαριασμός {ACCOUNT}: αυτή η κατάσταση ανοίγει με 520,00 €, ενώ η προηγούμενη του "
        "αρχείου έκλεισε με 509,00 €: κινήσεις 11,00 € ανάμεσά τους δεν είναι στο αρχείο."
    ) in output


INTERIM = "<Cd>ITBD</Cd></CdOrPrtry><SubTp><Prtry>CIBD</Prtry></SubTp></Tp>"


def test_a_camt053_page_is_reconciled_with_its_interim_balances(make_notice, write):
    notice = make_notice()
    entries = [credit("P-1", notice.total, notice.rf_code)]
    closing = "<Cd>CLBD</Cd></CdOrPrtry></Tp>"
    page = camt053(entries, closing=Decimal("1500.00"))  # 1000 + 120 ≠ 1500
    assert closing in page

    with pytest.raises(CommandError, match="δεν συμφωνούν"):
        run(write(page.replace(closing, INTERIM)))
    assert nothing_recorded()

    output = run(write(camt053(entries).replace(closing, INTERIM), "page.xml"))
    assert "1.000,00 € + κινήσεις 120,00 € = τελικό υπόλοιπο 1.120,00 €: συμφωνεί" in output


def test_a_camt053_page_that_does_not_go_on_from_the_one_before_is_refused(make_notice, write):
    first, second = make_notice("9.00"), make_notice("9.00")
    opening, closing = "<Cd>OPBD</Cd></CdOrPrtry></Tp>", "<Cd>CLBD</Cd></CdOrPrtry></Tp>"
    one = camt053([credit("P-1", "9.00", first.rf_code)]).replace(closing, INTERIM)
    two = camt053([credit("P-3", "9.00", second.rf_code)], opening=Decimal("1020.00"))
    two = two.replace(opening, INTERIM)
    # The second page's statement, after the first's in the same message.
    page = two[two.index("<Stmt>") : two.index("</BkToCstmrStmt>")]
    both = one.replace("</BkToCstmrStmt>", page + "</BkToCstmrStmt>")

    with pytest.raises(CommandError, match=r"ανοίγει με υπόλοιπο 1\.020,00 €.*1\.009,00 €"):
        run(write(both))
    assert nothing_recorded()


def test_an_mt940_returned_item_is_a_return_not_a_payment(make_notice, write):
    """A refund of the municipality's sent back (SWIFT's type RTI, «returned item»), its text
    naming the notice it refunded: recorded apart, as camt's returns are, never a payment."""
    notice = make_notice("9.00")
    text = mt940_file(
        ":61:2612061206C9,00NRTINONREF//RT-1",
        f":86:RETURN AC04 CLOSED ACCOUNT REFUND {notice.rf_code}",
    )

    output = run(write(text, "rti.sta"))

    assert "Εξοφλήθηκαν: 0 (0,00 €)" in output
    assert StatementEntry.objects.get().kind == "return"
    assert not Payment.objects.exists()


def test_an_rf_cut_across_subfields_is_read_whole_though_its_first_part_is_valid(
    make_notice, write
):
    """Cut at ?21, this RF's first 20 characters pass the check digits on their own (one RF in
    97 does so): the whole RF is the one read."""
    notice = make_notice("9.00")
    rf = make_rf(21, creditor_code="0460", amount=Decimal("9.00"))
    assert rf == "RF18904603000000000000021"
    PaymentNotice.objects.filter(pk=notice.pk).update(rf_code=rf)
    text = statement(
        "8/1", "500,00", "509,00", [("9,00", "BK-S", f"166?00SEPA?20{rf[:20]}?21{rf[20:]}")]
    )

    output = run(write(text, "sub.sta"))

    assert StatementEntry.objects.get().named_reference == rf
    assert "Εξοφλήθηκαν: 1 (9,00 €)" in output


def test_an_mt940_line_without_a_bank_reference_reads_no_earlier_line(
    make_notice, write, monkeypatch
):
    """An MT940 line keeps no contents to look up (they are its key): looked up by an empty
    one, every MT940 line of the account ever imported was read, twice a batch."""
    fees = [f":61:2612011201D1,00NCHGNONREF//OLD-{n}" for n in range(40)]
    run(write(mt940_file(*fees, opening="540,00", closing="500,00", on="261201"), "old.sta"))
    notice = make_notice("9.00")
    read = []
    per_account = statement_import._per_account

    def counted(pairs, column):
        wanted = per_account(pairs, column)
        read.append((column, StatementEntry.objects.filter(wanted).count()))
        return wanted

    monkeypatch.setattr(statement_import, "_per_account", counted)
    # No reference of the bank's.
    new = statement("1/1", "500,00", "509,00", [("9,00", "", f"PLIROMI {notice.rf_code}")])

    run(write(new, "new.sta"))

    assert all(count == 0 for column, count in read if column == "content_key")
    assert Payment.objects.get().allocations.exists()
