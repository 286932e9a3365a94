"""Shapes of bank files the other tests do not write: an entry with no reference of its own, an
entry without transaction details, MT940 lines without :86: or with their booking date, an MT940
in the Greek code page; and each malformed field refused with its reason, changing nothing."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError

from debts.models import PaymentNotice
from payments.models import Payment, StatementEntry
from tests.bank_files import ACCOUNT, Entry, Tx, camt053, camt054, credit
from tests.test_bank_statement_import import _ledger_stays_clean, run  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


def without_reference(xml: str) -> str:
    return re.sub(r"<AcctSvcrRef>[^<]*</AcctSvcrRef>", "", xml)


def test_an_entry_without_a_reference_is_keyed_by_what_it_holds_and_imported_once(
    make_notice, write
):
    first, second = make_notice(), make_notice("45.00")
    entries = [credit("R1", first.total, first.rf_code), credit("R2", second.total, second.rf_code)]
    path = write(without_reference(camt053(entries)))

    output = run(path)

    assert "Εξοφλήθηκαν: 2 (165,00 €)" in output
    references = set(StatementEntry.objects.values_list("bank_reference", flat=True))
    assert len(references) == 2 and all(ref.startswith("SHA-") for ref in references)
    output = run(path)
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2" in output
    assert Payment.objects.count() == 2


def test_an_entry_without_details_is_read_from_its_additional_information(make_notice, write):
    notice = make_notice()
    xml = camt053([credit("NO-DETAILS", notice.total, notice.rf_code)])
    xml = re.sub(
        r"<NtryDtls>.*</NtryDtls>",
        f"<AddtlNtryInf>ΠΛΗΡΩΜΗ ΔΙΑΣ {notice.rf_code}</AddtlNtryInf>",
        xml,
    )

    output = run(write(xml))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    entry = StatementEntry.objects.get()
    assert entry.named_reference == notice.rf_code
    assert entry.remittance == f"ΠΛΗΡΩΜΗ ΔΙΑΣ {notice.rf_code}"


@pytest.mark.parametrize("written", ["120.000", "+120.00", "120.", "120"])
def test_an_amount_written_as_iso_20022_allows_it(make_notice, write, written):
    notice = make_notice()
    xml = camt054([credit("DEC-1", notice.total, notice.rf_code)])

    output = run(write(xml.replace('Ccy="EUR">120.00<', f'Ccy="EUR">{written}<')))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output


def test_an_entry_not_booked_is_counted_not_read(make_notice, write):
    notice = make_notice()
    entries = [credit("B-1", notice.total, notice.rf_code), credit("P-1", "7.00", "")]
    entries[1].status = "PDNG"
    xml = camt054(entries).replace('Ccy="EUR">7.00<', 'Ccy="EUR">επτά<')

    output = run(write(xml))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert "Μη λογιστικοποιημένες, αγνοήθηκαν: 1" in output


def test_entries_of_no_money_are_counted_not_recorded_and_the_file_imported(make_notice, write):
    """Month-end statements carry interest of nothing and fees waived: no payment, no balance
    moved, and no reason to refuse the day's file."""
    one, two = make_notice(), make_notice("45.00")
    batch = Entry(
        "BATCH-0", [Tx(two.total, rf=two.rf_code, tx_id="B1"), Tx(Decimal(0), tx_id="B2")]
    )
    entries = [credit("PAY-1", one.total, one.rf_code), credit("INT-0", "0.00"), batch]
    fee = Entry("FEE-0", [Tx(Decimal(0))], debit=True)
    path = write(camt053([*entries, fee]))

    output = run(path)

    assert "Κινήσεις που διαβάστηκαν: 5" in output  # the lines below add up to it
    assert "Εξοφλήθηκαν: 2 (165,00 €)" in output
    assert "Μηδενικού ποσού, αγνοήθηκαν: 3" in output
    assert "συμφωνεί" in output
    assert StatementEntry.objects.count() == 2
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2" in run(path)
    assert Payment.objects.count() == 2


def test_an_mt940_line_of_no_money_is_counted_not_recorded(make_notice, write):
    notice = make_notice()
    paid = (":61:2612041204C120,00NTRFNONREF//BK-1", f":86:ΠΛΗΡΩΜΗ {notice.rf_code}")
    text = mt940_file(*paid, A_LINE.replace("C120,00", "C0,00"))

    output = run(write(text, "statement.sta"))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert "Μηδενικού ποσού, αγνοήθηκαν: 1" in output
    assert StatementEntry.objects.count() == 1


def mt940_file(*body: str, closing: str = "C261204EUR620,00") -> str:
    return "\r\n".join(
        [
            ":20:ST-7",
            f":25:{ACCOUNT}",
            ":28C:7/1",
            ":60F:C261203EUR500,00",
            *body,
            f":62F:{closing}",
            "-",
        ]
    )


def test_mt940_lines_without_86_or_with_their_booking_date(make_notice, write):
    notice = make_notice()
    text = mt940_file(
        # Valued on the 3rd, booked on the 4th; the RF in the bank's reference line.
        ":61:2612031204C120,00NTRFNONREF//BK-1",
        f":86:ΠΛΗΡΩΜΗ {notice.rf_code}",
        # A fee with no :86: at all, then the file's end.
        ":61:261204D0,50NCHGNONREF//BK-2",
        ":61:261204C0,50NTRFNONREF//BK-3",
        closing="C261204EUR620,00",
    )

    output = run(write(text, "day.sta"))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    entries = {e.bank_reference: e for e in StatementEntry.objects.all()}
    assert set(entries) == {"BK-1", "BK-2", "BK-3"}
    assert (str(entries["BK-1"].value_on), str(entries["BK-1"].booked_on)) == (
        "2026-12-03",
        "2026-12-04",
    )
    assert entries["BK-2"].kind == "debit" and entries["BK-2"].remittance == ""


def test_mt940_in_the_greek_code_page(make_notice, write):
    notice = make_notice()
    text = mt940_file(
        ":61:261204C120,00NTRFNONREF//BK-9",
        f":86:ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ {notice.rf_code}",
        closing="C261204EUR620,00",
    )

    output = run(write(text.encode("cp1253"), "day.sta"))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    entry = StatementEntry.objects.get()
    assert entry.remittance.startswith("ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ")


def camt_with(old: str, new: str) -> str:
    xml = camt054([credit("BAD-1", "120.00", "RF18539007547034")])
    assert old in xml
    return xml.replace(old, new, 1)


AMOUNT = 'Ccy="EUR">120.00<'
BOOKED = "<BookgDt><Dt>2026-12-04</Dt></BookgDt>"
VALUED = "<ValDt><Dt>2026-12-04</Dt></ValDt>"
A_LINE = ":61:261204C120,00NTRFNONREF//X"
MALFORMED_CAMT = {
    "amount": (camt_with(AMOUNT, 'Ccy="EUR">12,0.0<'), "Μη έγκυρο ποσό «12,0.0»"),
    "fraction of a cent": (camt_with(AMOUNT, 'Ccy="EUR">120.005<'), "Μη έγκυρο ποσό «120.005»"),
    "exponent": (camt_with(AMOUNT, 'Ccy="EUR">1.2E+2<'), "Μη έγκυρο ποσό «1.2E+2»"),
    "sign": (camt_with(AMOUNT, 'Ccy="EUR">-120.00<'), "Μη έγκυρο ποσό «-120.00»"),
    "more than the ledger holds": (
        camt_with(AMOUNT, 'Ccy="EUR">10000000000.00<'),
        "Μη έγκυρο ποσό «10000000000.00»",
    ),
    "digits not ASCII": (camt_with(AMOUNT, 'Ccy="EUR">١٢٠.00<'), "Μη έγκυρο ποσό"),
    "balance outside a report": (
        camt_with("<Ntfctn>", '<Bal><Amt Ccy="EUR">1.00</Amt></Bal><Ntfctn>'),
        "δεν είναι camt.053 ή camt.054",
    ),
    "date": (camt_with(BOOKED, BOOKED.replace("12-04", "02-30")), "Μη έγκυρη ημερομηνία"),
    "no booking or value date": (
        camt_with(BOOKED + VALUED, ""),
        "χωρίς ημερομηνία λογιστικοποίησης",
    ),
    "currency": (
        camt_with('<Amt Ccy="EUR">120.00</Amt><Cdt', '<Amt Ccy="USD">120.00</Amt><Cdt'),
        "«USD»",
    ),
}
MALFORMED_MT940 = {
    "no account": (":20:ST-7\r\n-", "δεν έχει πεδίο :25:"),
    "balance": (mt940_file().replace("EUR500,00", "EUR5OO,00"), "Μη έγκυρο υπόλοιπο MT940"),
    "line": (mt940_file(A_LINE.replace("C120", "X120")), "Μη έγκυρη κίνηση MT940"),
    "line's date": (mt940_file(A_LINE.replace("261204", "261304")), "Μη έγκυρη ημερομηνία"),
    "encoding": (mt940_file(A_LINE).encode() + b"\x81", "δεν είναι κείμενο UTF-8 ή Windows-1253"),
}


@pytest.mark.parametrize(
    "name, content, message",
    [("statement.xml", *case) for case in MALFORMED_CAMT.values()]
    + [("statement.sta", *case) for case in MALFORMED_MT940.values()],
    ids=[*MALFORMED_CAMT, *MALFORMED_MT940],
)
def test_a_malformed_field_refuses_the_file(make_notice, write, name, content, message):
    notice = make_notice()

    with pytest.raises(CommandError, match=re.escape(message)):
        run(write(content, name))

    assert not Payment.objects.exists()
    assert not StatementEntry.objects.exists()
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


def test_a_missing_file_or_a_folder_among_several_stops_the_command_before_any_is_read(
    make_notice, write, tmp_path
):
    notice = make_notice()
    good = write(camt054([credit("FIRST", notice.total, notice.rf_code)]))

    missing, folder = str(tmp_path / "missing.xml"), str(tmp_path)
    for other, message in ((missing, "Δεν βρέθηκε το αρχείο"), (folder, "δεν είναι αρχείο")):
        with pytest.raises(CommandError, match=re.escape(message)):
            run(good, other)

    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "old, new",
    [
        (BOOKED, ""),  # booked on its value day
        ("<Sts><Cd>BOOK</Cd></Sts>", "<Sts><Prtry>BOOK</Prtry></Sts>"),  # a proprietary status
    ],
    ids=["value date only", "proprietary status"],
)
def test_a_booked_entry_as_some_banks_write_it(make_notice, write, old, new):
    notice = make_notice()
    xml = camt054([credit("B-1", notice.total, notice.rf_code)])
    assert old in xml

    output = run(write(xml.replace(old, new, 1)))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert StatementEntry.objects.get().booked_on == date(2026, 12, 4)
