"""Bank files as banks really write them, beyond the layouts of ``tests.bank_files``: entries
with no reference of their own, files that overlap or split one entry otherwise, namespaces
declared every way XML allows, MT940 subfields and dates across New Year; and what must still
be refused (another currency, a key too long) or kept going (the other files of a run)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError

from debts.models import PaymentNotice
from payments.models import Payment, StatementEntry, UnappliedReason
from tests.bank_files import ACCOUNT, Entry, Tx, camt053, camt054, credit, summary_of
from tests.test_bank_statement_import import _ledger_stays_clean, run  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


def without_references(xml: str) -> str:
    """The file as a bank that gives no reference of its own writes it."""
    xml = re.sub(r"<AcctSvcrRef>[^<]*</AcctSvcrRef>", "", xml)
    return re.sub(r"<TxId>[^<]*</TxId>", "", xml)


def paid(*notices) -> set[str]:
    return {PaymentNotice.objects.get(pk=n.pk).status for n in notices}


def test_alike_credits_with_no_reference_are_each_recorded_and_imported_once(make_notice, write):
    first, second = make_notice("4.50"), make_notice("4.50")
    entries = [
        credit("X", "4.50", first.rf_code),
        credit("Y", "4.50", second.rf_code),
        credit("Z", "4.50", second.rf_code),  # the same payment twice: an overpayment
    ]
    path = write(without_references(camt054(entries)))

    output = run(path)

    assert "Εξοφλήθηκαν: 2 (9,00 €)" in output
    assert paid(first, second) == {PaymentNotice.Status.PAID}
    held = Payment.objects.get(unapplied_entries__isnull=False)
    assert held.unapplied_entries.get().reason == UnappliedReason.NOTICE_PAID
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2" in run(
        write(without_references(camt054(entries[1:])), "again.xml")
    )
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 3" in run(path)
    assert Payment.objects.count() == 3


def test_an_entry_skipped_by_what_it_holds_is_pointed_out(make_notice, write):
    """Without the bank's reference, an alike payment in a later file that does not overlap the
    first (another of the day's notifications) is taken for the one imported: it cannot be
    told apart, so the summary says so for a person to check with the bank."""
    notice = make_notice("4.50")
    entry = credit("X", "4.50", notice.rf_code)
    run(write(without_references(camt054([entry], message_id="NTF-MORNING")), "morning.xml"))

    output = run(
        write(without_references(camt054([entry], message_id="NTF-EVENING")), "evening.xml")
    )

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert "Από αυτές, 1 χωρίς αναφορά της τράπεζας αναγνωρίστηκαν από το περιεχόμενό" in output
    with_reference = write(camt054([credit("R-1", "4.50", notice.rf_code)]), "referenced.xml")
    run(with_reference)
    assert "χωρίς αναφορά της τράπεζας" not in run(with_reference), "its own reference: certain"


def mt940_file(
    *body: str,
    opening="500,00",
    closing="509,00",
    on="261206",
    seq="8/1",
    first="60F",
    last="62F",
) -> str:
    """One MT940 statement (or, opening on :60M: or closing on :62M:, a page of one)."""
    return "\r\n".join(
        [
            ":20:ST-8",
            f":25:{ACCOUNT}",
            f":28C:{seq}",
            f":{first}:C{on}EUR{opening}",
            *body,
            f":{last}:C{on}EUR{closing}",
            "-",
        ]
    )


def test_mt940_lines_without_a_bank_reference_are_told_apart_by_what_they_hold(make_notice, write):
    first, second = make_notice("4.50"), make_notice("4.50")
    text = mt940_file(
        ":61:2612061206C4,50NTRFDIAS",
        f":86:ΠΛΗΡΩΜΗ {first.rf_code}",
        ":61:2612061206C4,50NTRFDIAS",
        f":86:ΠΛΗΡΩΜΗ {second.rf_code}",
    )

    output = run(write(text, "day.sta"))

    assert "Εξοφλήθηκαν: 2 (9,00 €)" in output
    assert paid(first, second) == {PaymentNotice.Status.PAID}


def test_overlapping_mt940_exports_record_each_credit_once(make_notice, write):
    early, late = make_notice("4.50"), make_notice("3.00")
    late_line = [":61:2612061206C4,50NTRFNONREF", f":86:ΠΛΗΡΩΜΗ {early.rf_code}"]
    sixth = mt940_file(*late_line, opening="500,00", closing="504,50")
    fifth_and_sixth = mt940_file(
        ":61:2612051205C3,00NTRFNONREF",
        f":86:ΠΛΗΡΩΜΗ {late.rf_code}",
        *late_line,
        opening="500,00",
        closing="507,50",
    )

    run(write(sixth, "6.sta"))
    output = run(write(fifth_and_sixth, "5-6.sta"))

    assert "Εξοφλήθηκαν: 1 (3,00 €)" in output
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert Payment.objects.count() == 2
    assert not Payment.objects.filter(unapplied_entries__isnull=False).exists()


@pytest.mark.parametrize("first", ["itemised", "one sum"])
def test_an_entry_told_as_one_sum_in_one_file_and_itemised_in_the_other_is_imported_once(
    make_notice, write, first, monkeypatch
):
    monkeypatch.setattr("payments.statement_import.BATCH_SIZE", 1)  # an entry is never split
    one, two = make_notice("120.00"), make_notice("66.95")
    itemised = Entry(
        "BATCH-9",
        [Tx(one.total, rf=one.rf_code, tx_id="B1"), Tx(two.total, rf=two.rf_code, tx_id="B2")],
    )
    xml = camt053([itemised])
    one_sum = re.sub(r"<NtryDtls>.*</NtryDtls>", "", xml)
    files = [camt054([itemised]), one_sum] if first == "itemised" else [one_sum, xml]

    run(write(files[0], "first.xml"))
    output = run(write(files[1], "second.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν:" in output
    assert "Εξοφλήθηκαν: 0" in output and "Αδιάθετα" not in output
    assert sum(p.amount for p in Payment.objects.all()) == Decimal("186.95")


def test_an_entry_told_again_as_another_sum_refuses_the_file(make_notice, write):
    notice = make_notice()
    itemised = Entry("BATCH-7", [Tx(notice.total, rf=notice.rf_code, tx_id="B1")])
    run(write(camt054([itemised]), "first.xml"))
    other = Entry("BATCH-7", [Tx(Decimal("121.00"), rf=notice.rf_code)])
    one_sum = re.sub(r"<NtryDtls>.*</NtryDtls>", "", camt053([other]))

    with pytest.raises(
        CommandError, match=re.escape("έχει ήδη εισαχθεί με ποσό 120,00 €, όχι 121,00 €")
    ):
        run(write(one_sum, "second.xml"))
    assert Payment.objects.count() == 1


def test_an_entry_booked_on_new_years_eve_for_a_value_in_january_keeps_its_year(make_notice, write):
    notice = make_notice("9.00")
    text = mt940_file(
        ":61:2601021231C9,00NTRFNONREF//BK-NY",
        f":86:{notice.rf_code}",
        closing="509,00",
        on="260102",
    )

    run(write(text, "ny.sta"))

    entry = StatementEntry.objects.get()
    assert (entry.booked_on, entry.value_on) == (date(2025, 12, 31), date(2026, 1, 2))


NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


@pytest.mark.parametrize(
    "root",
    [
        f'<Document xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{NAMESPACE}">',
        f"<Document xmlns='{NAMESPACE}'>",
        f'<c:Document xmlns:c="{NAMESPACE}">',
    ],
    ids=["after xsi", "single quotes", "prefixed"],
)
def test_the_namespace_is_read_however_the_file_declares_it(make_notice, write, root):
    notice = make_notice()
    xml = camt054([credit("NS-1", notice.total, notice.rf_code)])
    xml = xml.replace(f'<Document xmlns="{NAMESPACE}">', root)
    if root.startswith("<c:"):
        xml = re.sub(r"<(/?)(?!\?)", r"<\1c:", xml).replace("<c:?xml", "<?xml")
        xml = xml.replace("<c:c:Document", "<c:Document")

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in run(write(xml))


def test_a_v02_batched_entry_is_split_by_its_amount_details(make_notice, write):
    one, two = make_notice("120.00"), make_notice("45.00")
    batched = Entry(
        "V02-B",
        [Tx(one.total, rf=one.rf_code, tx_id="B1"), Tx(two.total, rf=two.rf_code, tx_id="B2")],
    )
    xml = camt054([batched], version=2)
    assert "<TxAmt>" in xml

    assert "Εξοφλήθηκαν: 2 (165,00 €)" in run(write(xml))


def test_a_v02_summary_whose_net_disagrees_is_refused(make_notice, write):
    notice = make_notice()
    entries = [credit("V02-S", notice.total, notice.rf_code)]
    count, _net = summary_of(entries)

    with pytest.raises(CommandError, match=re.escape("δηλώνει καθαρό σύνολο -999,00 €")):
        run(write(camt054(entries, version=2, summary=(count, Decimal("-999.00")))))
    assert not Payment.objects.exists()


def test_an_rf_cut_across_mt940_subfields_is_read_whole(make_notice, write):
    notice = make_notice("9.00")
    rf = notice.rf_code
    text = mt940_file(
        ":61:2612061206C9,00NTRFNONREF//BK-S", f":86:166?00SEPA?20{rf[:20]}?21{rf[20:]}"
    )

    assert "Εξοφλήθηκαν: 1 (9,00 €)" in run(write(text, "sub.sta"))


def test_a_customer_reference_with_a_slash_is_read(make_notice, write):
    notice = make_notice("9.00")
    text = mt940_file(":61:2612061206C9,00NTRFINV/2026//BK-1", f":86:{notice.rf_code}")

    assert "Εξοφλήθηκαν: 1 (9,00 €)" in run(write(text, "slash.sta"))
    entry = StatementEntry.objects.get()
    assert (entry.bank_reference, entry.transaction_id) == ("BK-1", "INV/2026")


def test_an_mt940_in_another_currency_is_refused(make_notice, write):
    notice = make_notice("9.00")
    text = mt940_file(":61:2612061206C9,00NTRFNONREF//BK-1", f":86:{notice.rf_code}")

    with pytest.raises(CommandError, match="νόμισμα «USD»"):
        run(write(text.replace("EUR", "USD"), "usd.sta"))
    assert not Payment.objects.exists()


def test_a_reference_longer_than_the_ledger_keeps_refuses_the_file_before_any_batch(
    make_notice, write, monkeypatch
):
    monkeypatch.setattr("payments.statement_import.BATCH_SIZE", 1)
    notice = make_notice()
    entries = [credit("SHORT-1", notice.total, notice.rf_code), credit("L" * 120, "5.00")]

    with pytest.raises(CommandError, match="πάνω από 100 χαρακτήρες"):
        run(write(camt054(entries)))
    assert not Payment.objects.exists()


def test_a_refused_file_does_not_keep_the_others_of_the_run_out(make_notice, write):
    notice = make_notice()
    broken = write("not a bank file", "broken.xml")
    good = write(camt054([credit("GOOD-1", notice.total, notice.rf_code)]), "good.xml")

    with pytest.raises(CommandError, match=re.escape("broken.xml απορρίφθηκε")) as refused:
        run(broken, good)

    assert "good.xml" not in str(refused.value)
    assert paid(notice) == {PaymentNotice.Status.PAID}


def test_a_reference_seen_on_another_day_is_another_entry_however_it_is_itemised(
    make_notice, write
):
    one, two = make_notice("120.00"), make_notice("120.00")
    run(write(camt054([Entry("SEQ-1", [Tx(one.total, rf=one.rf_code, tx_id="B1")])]), "4.xml"))
    next_day = Entry("SEQ-1", [Tx(two.total, rf=two.rf_code)], booked=date(2026, 12, 5))
    one_sum = re.sub(
        r"<NtryDtls>.*</NtryDtls>",
        f"<AddtlNtryInf>{two.rf_code}</AddtlNtryInf>",
        camt053([next_day]),
    )

    output = run(write(one_sum, "5.xml"))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert paid(one, two) == {PaymentNotice.Status.PAID}


def test_an_entry_numbered_only_within_its_report_is_not_taken_for_another_days(make_notice, write):
    first, second = make_notice("9.00"), make_notice("9.00")

    def numbered(notice, day):
        xml = camt054([Entry("R", [Tx(notice.total, rf=notice.rf_code)], booked=day)])
        return xml.replace("<AcctSvcrRef>R</AcctSvcrRef>", "<NtryRef>1</NtryRef>")

    run(write(numbered(first, date(2026, 12, 4)), "4.xml"))
    output = run(write(numbered(second, date(2026, 12, 5)), "5.xml"))

    assert "Εξοφλήθηκαν: 1 (9,00 €)" in output
    assert paid(first, second) == {PaymentNotice.Status.PAID}


def test_a_credit_the_camt053_books_under_another_reference_is_known_by_the_banks_id(
    make_notice, write
):
    one, two = make_notice("120.00"), make_notice("45.00")
    told = [
        Entry("N-1", [Tx(one.total, rf=one.rf_code, tx_id="T-1")]),
        Entry("N-2", [Tx(two.total, rf=two.rf_code, tx_id="T-2")]),
    ]
    notification = camt054(told).replace("<AcctSvcrRef>N-1</AcctSvcrRef>", "")
    booked = Entry("DAY-BATCH", [tx for entry in told for tx in entry.txs])

    run(write(notification, "054.xml"))
    output = run(write(camt053([booked]), "053.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2" in output
    assert Payment.objects.count() == 2
    assert not Payment.objects.filter(unapplied_entries__isnull=False).exists()


def test_a_payers_end_to_end_id_used_twice_is_no_bank_id(make_notice, write, monkeypatch):
    monkeypatch.setattr("payments.statement_import.BATCH_SIZE", 1)
    one, two = make_notice("9.00"), make_notice("9.00")
    same = {"end_to_end": "INVOICE-PAYMENT", "tx_id": ""}
    entries = [
        Entry("A-1", [Tx(one.total, rf=one.rf_code, **same)]),
        Entry("A-2", [Tx(two.total, rf=two.rf_code, **same)]),
    ]

    assert "Εξοφλήθηκαν: 2 (18,00 €)" in run(write(camt054(entries)))


def test_alike_credits_with_no_reference_in_two_reports_of_one_file_are_both_recorded(
    make_notice, write
):
    notice = make_notice("4.50")
    xml = without_references(camt054([credit("X", "4.50", notice.rf_code)]))
    report = re.search(r"<Ntfctn>.*</Ntfctn>", xml).group(0)
    xml = xml.replace(report, report + report)

    output = run(write(xml))

    assert "Εξοφλήθηκαν: 1 (4,50 €)" in output
    assert Payment.objects.count() == 2  # the second held as an overpayment, for a person


def test_a_return_with_the_bank_id_of_an_imported_credit_is_recorded_not_skipped(
    make_notice, write
):
    notice = make_notice()
    run(write(camt054([Entry("C-1", [Tx(notice.total, rf=notice.rf_code, tx_id="T-1")])])))
    returned = Entry("R-1", [Tx(notice.total, tx_id="T-1")], debit=True, reversal=True)

    output = run(write(camt054([returned], message_id="NTF-2"), "return.xml"))

    assert "Αντιλογισμός ή επιστροφή, χρέωση του λογαριασμού, χωριστά: 1 (120,00 €)" in output
    assert StatementEntry.objects.filter(kind="return").count() == 1


def test_an_entry_without_a_bank_reference_is_known_again_in_the_camt053(make_notice, write):
    notice = make_notice()
    entry = Entry("R", [Tx(notice.total, rf=notice.rf_code, tx_id="")])
    notified = camt054([entry]).replace("<AcctSvcrRef>R</AcctSvcrRef>", "<NtryRef>1</NtryRef>")
    notified = re.sub(r"<ValDt>.*?</ValDt>", "", notified)
    stated = camt053([entry]).replace("<AcctSvcrRef>R</AcctSvcrRef>", "<NtryRef>17</NtryRef>")

    run(write(notified, "054.xml"))
    output = run(write(stated, "053.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert Payment.objects.count() == 1


def test_an_entry_skipped_under_a_key_imported_another_day_is_pointed_out(make_notice, write):
    """A bank books an entry once: an entry of another day under the key of one imported (its
    account, reference and transaction) may be another payment under a reference the bank gave
    again. It cannot be recorded under that key, so the summary names it for a person to check
    with the bank; the same file imported again names nothing."""
    notice = make_notice("4.50")
    first = credit("BR-7", "4.50", notice.rf_code)
    path = write(camt054([first]), "monday.xml")
    run(path)
    again = credit("BR-7", "4.50", notice.rf_code)
    again.booked = date(2026, 12, 7)

    output = run(write(camt054([again], message_id="NTF-THURSDAY"), "thursday.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert "Από αυτές, 1 είχαν εισαχθεί με την ίδια αναφορά αλλά άλλη ημέρα" in output
    assert (
        "αναφορά BR-7 / BR-7-T: 4,50 €, λογιστικοποίηση 07/12/2026, της εισηγμένης 04/12/2026"
        in (output)
    )
    assert "άλλη ημέρα" not in run(path)


def test_an_entry_under_a_key_imported_another_day_with_another_amount_says_both_days(
    make_notice, write
):
    notice = make_notice("4.50")
    run(write(camt054([credit("BR-8", "4.50", notice.rf_code)]), "monday.xml"))
    again = credit("BR-8", "9.00", notice.rf_code)
    again.booked = date(2026, 12, 7)

    with pytest.raises(CommandError) as refused:
        run(write(camt054([again], message_id="NTF-THURSDAY"), "thursday.xml"))

    assert "λογιστικοποίηση 04/12/2026· εδώ είναι 9,00 € στις 07/12/2026" in str(refused.value)
    assert Payment.objects.count() == 1


def test_two_transactions_under_one_key_refuse_the_file_rather_than_lose_one(make_notice, write):
    """Kept once, as a file that repeats an entry is read, the second payment was left out
    without a word, the balances agreeing all the same."""
    first, second = make_notice("9.00"), make_notice("4.50")
    text = mt940_file(
        ":61:2612061206C9,00NTRFNONREF//DIAS",
        f":86:ΠΛΗΡΩΜΗ {first.rf_code}",
        ":61:2612061206C4,50NTRFNONREF//DIAS",
        f":86:ΠΛΗΡΩΜΗ {second.rf_code}",
        closing="513,50",
    )

    with pytest.raises(
        CommandError, match=r"ίδια αναφορά DIAS .*\(9,00 € στις 06/12/2026, 4,50 € στις"
    ):
        run(write(text, "one-key.sta"))
    assert not Payment.objects.exists() and not StatementEntry.objects.exists()
    # The same entry twice in a file (overlapping reports) is still one payment.
    again = mt940_file(
        ":61:2612061206C9,00NTRFNONREF//DIAS",
        f":86:ΠΛΗΡΩΜΗ {first.rf_code}",
        ":61:2612061206C9,00NTRFNONREF//DIAS",
        f":86:ΠΛΗΡΩΜΗ {first.rf_code}",
        closing="518,00",
    )
    assert "Εξοφλήθηκαν: 1 (9,00 €)" in run(write(again, "twice.sta"))


@pytest.mark.parametrize("one_sum_first", [False, True])
def test_an_entry_as_one_sum_and_itemised_without_ids_is_the_same_money(
    make_notice, write, one_sum_first
):
    """Itemised without ids of their own (as most SEPA payers send), the transactions are «#1»,
    «#2»; the sum is «#1» too, which took it for the first transaction with another amount."""
    one, two = make_notice("120.00"), make_notice("66.95")
    entry = Entry("BATCH-1", [Tx(one.total, rf=one.rf_code), Tx(two.total, rf=two.rf_code)])
    itemised = camt054([entry])
    one_sum = re.sub(r"<NtryDtls>.*</NtryDtls>", "", camt053([entry]))
    files = [one_sum, itemised] if one_sum_first else [itemised, one_sum]

    run(write(files[0], "first.xml"))
    output = run(write(files[1], "second.xml"))

    skipped = 2 if one_sum_first else 1  # the second file's transactions, skipped whole
    assert f"Ήδη εισηγμένες, παραλείφθηκαν: {skipped}" in output
    assert Payment.objects.count() == (1 if one_sum_first else 2)
    assert sum(p.amount for p in Payment.objects.all()) == Decimal("186.95")


@pytest.mark.parametrize("written", ["true", "1", " true "])
def test_a_reversal_is_a_return_however_xml_writes_the_boolean(write, written):
    entry = Entry("R-1", [Tx(Decimal("75.00"), tx_id="R-T")], reversal=True)
    xml = camt054([entry]).replace("<RvslInd>true</RvslInd>", f"<RvslInd>{written}</RvslInd>")

    output = run(write(xml))

    assert "Αντιλογισμός ή επιστροφή, πίστωση του λογαριασμού, χωριστά: 1 (75,00 €)" in output
    assert not Payment.objects.exists()


def test_an_mt940_with_swifts_trailer_block_on_its_last_line(make_notice, write):
    notice = make_notice("9.00")
    text = mt940_file(":61:2612061206C9,00NTRFNONREF//BK-1", f":86:{notice.rf_code}")
    fin = "{1:F01BANKGRAAXXXX0000000000}{2:O940N}{4:\r\n" + text[: -len("-")] + "-}{5:{CHK:1A2B}}"

    output = run(write(fin, "fin.sta"))

    assert "Εξοφλήθηκαν: 1 (9,00 €)" in output
    assert "συμφωνεί" in output


@pytest.mark.parametrize("told_by", ["sub-family", "return details"])
def test_a_transfer_of_the_municipality_that_comes_back_is_a_return(write, told_by):
    """Booked as a credit without a reversal indicator; its bank transaction code, or its
    transaction's return details, say what it is: not a citizen's payment."""
    entry = Entry("RET-1", [Tx(Decimal("80.00"), tx_id="RET-T", unstructured="RETURN AC04")])
    xml = camt054([entry])
    if told_by == "sub-family":
        xml = xml.replace(
            "<Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd>", "<Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd>"
        )
    else:
        xml = xml.replace("</RmtInf>", "</RmtInf><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>")

    output = run(write(xml))

    assert "Αντιλογισμός ή επιστροφή, πίστωση του λογαριασμού, χωριστά: 1 (80,00 €)" in output
    assert not Payment.objects.exists()
    assert StatementEntry.objects.get().kind == "return"


def test_the_rf_in_the_entrys_own_text_pays_when_its_one_transaction_names_none(make_notice, write):
    notice = make_notice("30.00")
    xml = camt054([Entry("E-1", [Tx(notice.total, tx_id="E-1-T")])])
    xml = re.sub(r"<RmtInf>.*?</RmtInf>", "", xml).replace(
        "<BkTxCd>", f"<AddtlNtryInf>ΠΛΗΡΩΜΗ ΜΕ ΚΩΔΙΚΟ {notice.rf_code}</AddtlNtryInf><BkTxCd>"
    )

    output = run(write(xml))

    assert "Εξοφλήθηκαν: 1 (30,00 €)" in output
    assert paid(notice) == {"paid"}


def test_a_batch_that_nets_a_transaction_the_other_way_is_read_not_refused(make_notice, write):
    """100 + 50 in, 30 out (a credit returned among the day's): an entry of 120."""
    first, second = make_notice("100.00"), make_notice("50.00")
    entry = Entry(
        "NET-1",
        [
            Tx(Decimal("100.00"), rf=first.rf_code, tx_id="N1"),
            Tx(Decimal("50.00"), rf=second.rf_code, tx_id="N2"),
            Tx(Decimal("30.00"), tx_id="N3"),
        ],
    )
    xml = camt054([entry]).replace(">180.00<", ">120.00<")
    xml = xml.replace(
        '<Amt Ccy="EUR">30.00</Amt>', '<Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
    )

    output = run(write(xml))

    assert "Εξοφλήθηκαν: 2 (150,00 €)" in output
    assert "Χρέωση, χωριστά: 1 (30,00 €)" in output
    out = StatementEntry.objects.get(transaction_id="N3")
    assert (out.kind, out.credit, out.payment) == ("debit", False, None)
    assert paid(first, second) == {"paid"}


def test_a_credit_without_a_reference_is_known_again_when_the_camt053_gives_it_one(
    make_notice, write
):
    """Keyed by what it holds in the camt.054, by the bank's reference in the camt.053: it was
    recorded twice, the second time held as an overpayment that finance might have refunded."""
    notice = make_notice("45.00")
    paid_in = Tx(notice.total, rf=notice.rf_code, end_to_end="E2E-PAYER-77")
    notified = camt054([Entry("X", [paid_in])]).replace(
        "<AcctSvcrRef>X</AcctSvcrRef>", "<NtryRef>1</NtryRef>"
    )
    stated = camt053([Entry("2026120400017", [paid_in]), credit("OTHER", "5.00")])

    run(write(notified, "054.xml"))
    output = run(write(stated, "053.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert Payment.objects.filter(amount=notice.total).count() == 1
    assert Payment.objects.count() == 2  # the other credit of the day, recorded
    assert paid(notice) == {"paid"}


def test_a_credit_the_camt053_gave_a_reference_is_known_in_a_camt054_without_one(
    make_notice, write
):
    """The other order of the test above: the day's camt.053 imported first, then a camt.054 of
    the same day that gives its credit no reference (a notification imported late). Keyed by
    what it holds, it was not found under the camt.053's reference and was recorded again."""
    notice = make_notice("45.00")
    paid_in = Tx(notice.total, rf=notice.rf_code, end_to_end="E2E-PAYER-77")
    stated = camt053([Entry("2026120400017", [paid_in]), credit("OTHER", "5.00")])
    notified = camt054([Entry("X", [paid_in])]).replace(
        "<AcctSvcrRef>X</AcctSvcrRef>", "<NtryRef>1</NtryRef>"
    )

    run(write(stated, "053.xml"))
    output = run(write(notified, "054.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert Payment.objects.filter(amount=notice.total).count() == 1
    assert paid(notice) == {"paid"}
    assert StatementEntry.objects.count() == 2


def test_alike_credits_each_with_a_reference_of_its_own_in_two_files_are_both_recorded(
    make_notice, write
):
    """What an entry holds identifies it only where a bank gave it no reference: two alike
    payments of a day that the bank told under two references, in two notifications, are two."""
    notice = make_notice("4.50")
    morning = camt054([Entry("A", [Tx(notice.total, rf=notice.rf_code)])], message_id="NTF-AM")
    afternoon = camt054([Entry("B", [Tx(notice.total, rf=notice.rf_code)])], message_id="NTF-PM")

    run(write(morning, "morning.xml"))
    output = run(write(afternoon, "afternoon.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 0" in output
    assert Payment.objects.count() == 2  # the second held as an overpayment
    assert StatementEntry.objects.count() == 2


def test_alike_credits_of_two_notifications_with_references_are_known_in_a_camt053_without(
    make_notice, write
):
    """Each camt.054 counts its alike entries from one, so both credits held what the first of
    the camt.053's did: the second was not found, and recorded again as an overpayment."""
    notice = make_notice("4.50")
    alike = Tx(notice.total, rf=notice.rf_code)
    run(write(camt054([Entry("A-1001", [alike])], message_id="NTF-AM"), "morning.xml"))
    run(write(camt054([Entry("A-1002", [alike])], message_id="NTF-PM"), "afternoon.xml"))
    stated = camt053([Entry("S1", [alike]), Entry("S2", [alike])])
    stated = re.sub(r"<AcctSvcrRef>S(\d)</AcctSvcrRef>", r"<NtryRef>\1</NtryRef>", stated)

    output = run(write(stated, "053.xml"))

    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2" in output
    assert Payment.objects.count() == 2  # the second held as an overpayment
