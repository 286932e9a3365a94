"""``import_bank_statement``: each booked credit settled by its RF as bank money, or held with
its reason; debits and returns apart; every entry once, however often or in whichever file the
bank sends it; a broken file refused whole. The files are written here, as banks shape them."""

import gc
import io
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from debts.models import Debt, PaymentNotice
from debts.rf import format_rf, make_rf
from debts.services import build_notice, cancel_notice, expire_notices
from payments import ledger, statement_import
from payments.models import BankStatement, Payment, StatementEntry, UnappliedReason
from payments.services import Arrival, settle, settle_many
from payments.statement_files import read_statement
from payments.statement_import import import_bank_statement
from receipts.models import Receipt
from tests.bank_files import ACCOUNT, Entry, Tx, camt053, camt054, credit, mt940, summary_of
from tests.conftest import as_terminal
from tests.test_counter import CASHIER, FINANCE, staff_user  # noqa: F401 (fixture)
from tests.test_overview_cache import overview, shown_at_once
from tests.test_pages_polish import words
from tests.test_settle_freshness import NOTHING_OWED, no_model_signals

Reason = UnappliedReason


@pytest.fixture(autouse=True)
def _ledger_stays_clean(db):
    """Whatever a test did, no cent went missing."""
    yield
    assert ledger.check().breaches == []


def run(*paths, **options) -> str:
    out = io.StringIO()
    call_command("import_bank_statement", *paths, stdout=out, no_progress=True, **options)
    return out.getvalue()


def held_reason(reference_suffix: str) -> str:
    payment = Payment.objects.get(reference__endswith=reference_suffix)
    assert not payment.allocations.exists()
    return payment.unapplied_entries.get().reason


@pytest.mark.parametrize("version", [2, 8])
def test_an_exact_credit_pays_its_notice_with_a_bank_receipt(make_notice, write, version):
    notice = make_notice()
    output = run(
        write(camt054([credit("BR-1", notice.total, format_rf(notice.rf_code))], version=version))
    )

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    payment = Payment.objects.get()
    assert payment.channel == Payment.Channel.BANK
    assert payment.payer == "ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ"
    receipt = Receipt.objects.get()
    assert (receipt.series, receipt.total, receipt.notice_rf) == (
        "bank",
        notice.total,
        notice.rf_code,
    )
    entry = StatementEntry.objects.get()
    assert (entry.payment, entry.kind, entry.account) == (payment, "payment", ACCOUNT)
    assert entry.statement.format == "camt.054"
    assert entry.statement.version == f"{version:02d}"
    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert f"Λογαριασμός {ACCOUNT}: 1 κίνηση, καθαρό σύνολο 120,00 €." in output


def test_every_reason_money_is_held_and_debits_and_returns_apart(make_notice, write):
    exact, short, over, paid, cancelled = (make_notice() for _ in range(5))
    cancel_notice(cancelled, cause="test")
    settle(
        channel="card",
        reference="pi_1",
        amount=paid.total,
        received_at=paid.issued_at,
        notice=paid,
    )
    unknown = make_rf(123, creditor_code=settings.RF_CREDITOR_CODE, amount=Decimal("5.00"))
    entries = [
        credit("E-EXACT", exact.total, exact.rf_code),
        credit("E-TWICE", exact.total, exact.rf_code),
        credit("E-SHORT", short.total - 1, short.rf_code),
        credit("E-OVER", over.total + 1, over.rf_code),
        credit("E-PAID", paid.total, paid.rf_code),
        credit("E-CANCELLED", cancelled.total, cancelled.rf_code),
        credit("E-UNKNOWN", "5.00", unknown),
        credit("E-MALFORMED", "7.00", "RF18 5390 0754 7035"),
        credit("E-NONE", "9.00", unstructured="ΔΗΜΟΤΙΚΑ ΤΕΛΗ"),
        Entry("E-DEBIT", [Tx(Decimal("30.00"), tx_id="D1")], debit=True),
        Entry("E-RETURN", [Tx(Decimal("12.00"), tx_id="R1")], debit=True, reversal=True),
        Entry("E-PENDING", [Tx(Decimal("99.00"), exact.rf_code)], status="PDNG"),
    ]
    output = run(write(camt054(entries)))

    assert Receipt.objects.filter(series="bank").count() == 1
    assert held_reason("E-TWICE-T") == Reason.NOTICE_PAID
    assert held_reason("E-SHORT-T") == Reason.AMOUNT_SHORT
    assert held_reason("E-OVER-T") == Reason.AMOUNT_OVER
    assert held_reason("E-PAID-T") == Reason.NOTICE_PAID
    assert held_reason("E-CANCELLED-T") == Reason.NOTICE_CANCELLED
    assert held_reason("E-UNKNOWN-T") == Reason.NO_NOTICE
    assert held_reason("E-MALFORMED-T") == Reason.MALFORMED_REFERENCE
    assert held_reason("E-NONE-T") == Reason.NO_NOTICE
    assert StatementEntry.objects.count() == 11  # the pending one is not booked yet
    apart = StatementEntry.objects.filter(payment__isnull=True)
    assert sorted(apart.values_list("kind", "amount")) == [
        ("debit", Decimal("30.00")),
        ("return", Decimal("12.00")),
    ]
    assert Payment.objects.filter(channel="bank").count() == 9
    assert "Κινήσεις που διαβάστηκαν: 12" in output  # the pending one too, «αγνοήθηκαν»
    assert "Μη λογιστικοποιημένες, αγνοήθηκαν: 1" in output
    assert "Χρέωση, χωριστά: 1 (30,00 €)" in output


def test_the_rf_is_found_in_the_end_to_end_id_or_the_free_text(make_notice, write):
    first, second = make_notice(), make_notice("80.00")
    entries = [
        Entry("B-1", [Tx(first.total, end_to_end=first.rf_code, tx_id="T1")]),
        Entry(
            "B-2",
            [Tx(second.total, unstructured=f"ΤΕΛΗ {format_rf(second.rf_code)} PAYMENT")],
        ),
    ]
    run(write(camt054(entries, version=2)))
    assert set(PaymentNotice.objects.values_list("status", flat=True)) == {"paid"}


def test_a_batched_entry_is_split_into_its_transactions(make_notice, write):
    first, second = make_notice(), make_notice("45.00")
    batched = Entry(
        "BATCH-1",
        [
            Tx(first.total, rf=first.rf_code, tx_id="B1"),
            Tx(second.total, rf=second.rf_code, tx_id="B2"),
        ],
    )
    run(write(camt054([batched])))
    assert Receipt.objects.count() == 2
    assert StatementEntry.objects.filter(bank_reference="BATCH-1").count() == 2


def test_a_batched_entry_whose_parts_do_not_add_up_is_refused(make_notice, write):
    notice = make_notice()
    entry = Entry("BAD-1", [Tx(notice.total, rf=notice.rf_code, tx_id="B1"), Tx(Decimal(1))])
    text = camt054([entry]).replace(
        f'<Amt Ccy="EUR">{entry.amount}</Amt><CdtDbtInd>', '<Amt Ccy="EUR">500.00</Amt><CdtDbtInd>'
    )
    with pytest.raises(CommandError, match="αθροίζουν"):
        run(write(text))
    assert not Payment.objects.exists()


def test_importing_again_and_a_statement_after_its_notification_create_nothing_twice(
    make_notice, write
):
    first, second = make_notice(), make_notice("60.00")
    notification = [credit("DAY-1", first.total, first.rf_code)]
    run(write(camt054(notification), "camt054.xml"))
    output = run(write(camt054(notification), "camt054.xml"))
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert "Εξοφλήθηκαν: 0" in output

    statement = [*notification, credit("DAY-2", second.total, second.rf_code)]
    output = run(write(camt053(statement, opening=Decimal("1000.00")), "camt053.xml"))

    assert Payment.objects.count() == 2
    assert Receipt.objects.count() == 2
    assert StatementEntry.objects.count() == 2
    assert BankStatement.objects.count() == 2
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 1" in output
    assert "Εξοφλήθηκαν: 1 (60,00 €)" in output
    assert "αρχικό υπόλοιπο 1.000,00 € + κινήσεις 180,00 € = τελικό υπόλοιπο 1.180,00 €" in output


def test_entries_another_import_committed_meanwhile_are_skipped(make_notice, write, monkeypatch):
    notices = [make_notice() for _ in range(2)]
    path = write(camt054([credit(f"RACE-{n.pk}", n.total, n.rf_code) for n in notices]))
    run(path)  # the other import: it commits after this one has looked its entries up
    look_up, looked_up = statement_import._known, []

    def before_the_other_committed(batch):
        # The first look-up checks the whole file before anything is written; the second is
        # the batch's own, made before the other import committed.
        looked_up.append(batch)
        return {} if len(looked_up) == 2 else look_up(batch)

    monkeypatch.setattr(statement_import, "_known", before_the_other_committed)

    output = run(path)

    assert len(looked_up) == 3  # the batch, refused by the entries' unique key, looked again
    assert "Εξοφλήθηκαν: 0 (0,00 €)" in output
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 2" in output
    assert (Payment.objects.count(), StatementEntry.objects.count()) == (2, 2)


def test_a_refusal_that_no_race_explains_is_raised_after_three_runs(
    make_notice, write, monkeypatch
):
    notice = make_notice()
    path = write(camt054([credit("ALWAYS", notice.total, notice.rf_code)]))
    run(path)
    looked_up = []
    monkeypatch.setattr(statement_import, "_known", lambda batch: looked_up.append(batch) or {})

    with pytest.raises(CommandError, match="δεν καταχωρίστηκε τίποτα: σφάλμα της βάσης δεδομένων"):
        run(path)

    # The check of the whole file, then each run of the batch.
    assert len(looked_up) == 1 + statement_import.RUNS_PER_BATCH == 4
    assert (Payment.objects.count(), StatementEntry.objects.count()) == (1, 1)


def test_a_known_entry_with_another_amount_refuses_the_whole_file(make_notice, write):
    notice, first, second = make_notice(), make_notice(), make_notice()
    run(write(camt054([credit("X-1", notice.total, notice.rf_code)]), "a.xml"))
    changed = [
        credit("NEW-1", first.total, first.rf_code),
        credit("NEW-2", second.total, second.rf_code),
        credit("X-1", "1.00", notice.rf_code),  # in the third batch
    ]
    with pytest.raises(ValidationError, match="έχει ήδη εισαχθεί"):
        import_bank_statement(write(camt054(changed), "b.xml"), batch_size=1)
    # Not even the batches before it: the file is checked against what is known first.
    assert Payment.objects.count() == 1


def test_what_the_batches_set_aside_from_the_collector_is_given_back(make_notice, write):
    notices = [make_notice() for _ in range(3)]
    path = write(camt054([credit(f"GC-{n.pk}", n.total, n.rf_code) for n in notices]))
    assert gc.get_freeze_count() == 0
    during = []
    summary = import_bank_statement(
        path, batch_size=1, progress=lambda _done, _total: during.append(gc.get_freeze_count())
    )
    assert summary.settled == 3
    # Told once the file is read, then after each batch, which had set what was there aside.
    assert len(during) == 4 and all(during[1:])
    assert gc.get_freeze_count() == 0  # and all of it was given back at the end

    other = make_notice()
    gc.freeze()  # a process that froze its own objects (a server preloading its code)
    try:
        path = write(camt054([credit("GC-OWN", other.total, other.rf_code)]), "own.xml")
        assert import_bank_statement(path).settled == 1
        assert gc.get_freeze_count() > 0  # left frozen: giving back would have left none
    finally:
        gc.unfreeze()


def test_mt940_with_the_rf_in_field_86(make_notice, write):
    notice = make_notice()
    text = mt940(
        [
            ("C", notice.total, "MTREF1", f"?20{format_rf(notice.rf_code)}\n?32ΠΑΠΑΔΟΠΟΥΛΟΣ"),
            ("D", Decimal("20.00"), "MTREF2", "ΠΡΟΜΗΘΕΙΑ"),
        ]
    )
    output = run(write(text, "statement.sta"))
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert list(StatementEntry.objects.values_list("kind", flat=True).order_by("amount")) == [
        "debit",
        "payment",
    ]
    assert BankStatement.objects.get().format == "mt940"
    assert "= τελικό υπόλοιπο 600,00 €: συμφωνεί" in output


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><X>&d;</X></Document>"""


@pytest.mark.parametrize(
    "content, message",
    [
        ("Ημερομηνία;Ποσό\n2026-12-04;10,00\n", "δεν είναι camt.053, camt.054 ή MT940"),
        (
            '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>',
            "δεν είναι camt.053 ή camt.054",
        ),
        ("TRUNCATED", "έγκυρο ή πλήρες XML"),
        (BILLION_LAUGHS, "DTD"),
        ("BAD-CLOSING", "δεν συμφωνούν"),
        ("BAD-COUNT", "δηλώνει 3 εγγραφές αλλά περιέχει 2"),
        ("ONE-COUNTED", "δηλώνει 1 εγγραφή αλλά περιέχει 2"),
        ("COUNT-WITH-PENDING", r"δηλώνει 3 εγγραφές αλλά περιέχει 2 \(1 λογιστικοποιημένη\)"),
        ("BAD-NET", "δηλώνει καθαρό σύνολο 100,00 € αλλά οι κινήσεις του κάνουν 123,00 €"),
        ("COUNT-IN-WORDS", "Μη έγκυρο πλήθος εγγραφών «δύο»"),
    ],
)
def test_a_broken_file_is_refused_and_changes_nothing(make_notice, write, content, message):
    notice = make_notice()
    entries = [credit("OK-1", notice.total, notice.rf_code), credit("OK-2", "3.00", "")]
    if content == "TRUNCATED":
        whole = camt054(entries)
        content = whole[: whole.index("OK-2")]
    elif content == "BAD-CLOSING":
        content = camt053(entries, closing=Decimal("1.00"))
    elif content == "BAD-COUNT":
        content = camt054(entries, summary=(3, Decimal("123.00")))
    elif content == "ONE-COUNTED":
        content = camt054(entries, summary=(1, Decimal("123.00")))
    elif content == "COUNT-WITH-PENDING":
        entries[1].status = "PDNG"
        content = camt054(entries, summary=(3, Decimal("123.00")))
    elif content == "BAD-NET":
        content = camt053(entries, summary=(2, Decimal("100.00")))
    elif content == "COUNT-IN-WORDS":
        content = camt054(entries, summary=("δύο", Decimal("123.00")))
    with pytest.raises(CommandError, match=message):
        run(write(content))
    assert not Payment.objects.exists()
    assert not BankStatement.objects.exists()
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


@pytest.mark.parametrize("counted", ["every entry listed", "the booked ones"])
def test_a_summary_may_count_a_pending_entry_or_not(make_notice, write, counted):
    notice = make_notice()
    entries = [credit("SUM-1", notice.total, notice.rf_code), credit("SUM-2", "7.00", "")]
    entries[1].status = "PDNG"
    declared = summary_of(entries if counted == "every entry listed" else entries[:1])

    output = run(write(camt054(entries, summary=declared)))

    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert "Μη λογιστικοποιημένες, αγνοήθηκαν: 1" in output
    assert Payment.objects.count() == 1


def test_a_dry_run_shows_what_would_happen_and_records_nothing(make_notice, write):
    notice = make_notice()
    output = run(write(camt054([credit("DRY-1", notice.total, notice.rf_code)])), dry_run=True)
    assert "Εξοφλήθηκαν: 1 (120,00 €)" in output
    assert "Δοκιμαστική εκτέλεση" in output
    assert not Payment.objects.exists()
    assert not StatementEntry.objects.exists()
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN


def test_a_batch_costs_the_queries_of_a_few_payments_whatever_its_size(make_notice):
    def batch(notices, prefix):
        arrivals = [
            Arrival(
                channel="bank",
                reference=f"{prefix}-{n.pk}",
                amount=n.total,
                received_at=n.issued_at,
                named=n.rf_code,
            )
            for n in notices
        ]
        with CaptureQueriesContext(connection) as queries:
            results = settle_many(arrivals)
        assert all(result.applied for result in results)
        return len(queries)

    two = batch([make_notice() for _ in range(2)], "S")
    twenty = batch([make_notice() for _ in range(20)], "L")
    assert twenty == two
    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 23))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
@pytest.mark.django_db(transaction=True)
def test_each_batch_looks_up_its_entries_with_a_plan_for_its_own_values(make_notice, write):
    """Without it, the prepared statement's generic plan scanned every imported entry for each
    batch's references: a 100,000-credit file went from 1.7 s to 8 s a batch (bench/README).
    Only that lookup: the batch's foreign-key checks keep their cached plans."""
    notices = [make_notice() for _ in range(3)]
    path = write(camt054([credit(f"P-{n.pk}", n.total, n.rf_code) for n in notices]))
    settings_seen = []

    def spy(execute, sql, params, many, context):
        if "plan_cache_mode" not in sql:
            with connection.cursor() as cursor:
                cursor.execute("SHOW plan_cache_mode")
                lookup = sql.startswith("SELECT") and "payments_statemententry" in sql
                settings_seen.append((lookup, cursor.fetchone()[0]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        summary = import_bank_statement(path, batch_size=2)
    assert summary.settled == 3
    lookups = [mode for lookup, mode in settings_seen if lookup]
    # Both batches, in the check of the whole file and then in their own transactions (by
    # entry reference, and by the banks' id under another).
    assert lookups == ["force_custom_plan"] * 6
    assert {mode for lookup, mode in settings_seen if not lookup} == {"auto"}
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"  # for the batches' transactions only


def test_a_batchs_look_up_by_what_its_entries_held_can_use_an_index(write):
    """A batch may look up 2,000 content keys. PostgreSQL proves a partial index's condition for
    an ``= ANY`` of at most 100 values: with more, such an index is no use, and the look-up read
    every entry of the account, each batch, twice. Sequential scans are turned off so that the
    small test table does not hide what the planner can use."""
    [read] = read_statement(write(camt054([credit("A", "1.00")]))).transactions
    # Entries the bank gave no reference, each looked up among those recorded with one.
    batch = [
        replace(read, bank_reference=f"SHA-{n}", content=(("entry", n), 1)) for n in range(150)
    ]
    seen = []

    def keep(execute, sql, params, many, context):
        if sql.startswith("SELECT") and "content_key" in sql:
            seen.append((sql, params))
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(keep):
        statement_import._known(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        # Entries of months, so that the planner weighs the indexes as it would in production.
        statement = BankStatement.objects.create(format="camt.053", file_sha256="f" * 64)
        cursor.execute(
            "INSERT INTO payments_statemententry (account, bank_reference, transaction_id, kind,"
            " credit, amount, booked_on, named_reference, remittance, payer, payer_account,"
            " statement_id, content_key) SELECT %s, 'OLD-' || g, '#1', 'debit', false, 1,"
            " '2026-01-01', '', '', '', '', %s, 'SHA-' || md5(g::text) FROM generate_series(1, 20000) g",
            [read.account, statement.pk],
        )
        cursor.execute("ANALYZE payments_statemententry")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for sql, params in seen:
            cursor.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row for (row,) in cursor.fetchall()))

    # Each look-up goes by its values through an index, none by the account alone.
    assert len(plans) == 2
    for plan, field in zip(plans, ("bank_reference", "content_key"), strict=True):
        conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any(field in line for line in conditions), plan


@pytest.mark.django_db(transaction=True)
def test_the_overview_shows_a_bank_file_payment_at_once_without_signals(
    citizen_client, make_debt, write
):
    debtor = citizen_client.debtor
    make_debt(debtor, "200.00", description="ΤΚΦ 2026")
    notice = build_notice(debtor, debts=list(debtor.debts.all()))
    before = overview(citizen_client)
    assert "ΤΚΦ 2026" in words(before)

    with no_model_signals():
        run(write(camt054([credit("FRESH-1", notice.total, notice.rf_code)])))

    page = shown_at_once(citizen_client, before)
    assert "ΤΚΦ 2026" not in page
    assert NOTHING_OWED in page


@pytest.mark.parametrize(
    ("first", "then", "reason"),
    [
        # Late money for the expired notice pays its debts and cancels the newer notice…
        ("expired", "newer", Reason.NOTICE_CANCELLED),
        # …even for money short of the newer one, as settle() one by one would say.
        ("expired", "newer short", Reason.NOTICE_CANCELLED),
        # The newer notice paid first: the late money finds its debts paid.
        ("newer", "expired", Reason.LINE_CLOSED),
    ],
)
def test_a_batch_judges_each_payment_after_the_ones_before_it(make_notice, first, then, reason):
    expired = make_notice()
    expire_notices(today=expired.valid_until + timedelta(days=1))
    newer = build_notice(
        expired.debtor, debts=list(Debt.objects.filter(notice_items__notice=expired))
    )
    named = {"expired": expired, "newer": newer, "newer short": newer}

    def arrival(which):
        notice = named[which]
        amount = notice.total - (1 if which.endswith("short") else 0)
        return Arrival("bank", f"B-{which}", amount, notice.issued_at, named=notice.rf_code)

    applied, held = settle_many([arrival(first), arrival(then)])

    assert applied.applied and applied.payment.notice == named[first]
    assert held.reason == reason
    assert Receipt.objects.count() == 1


def test_an_mt940_line_with_an_impossible_date_is_refused(write):
    text = mt940([("C", Decimal("10.00"), "MTREF1", "RF18539007547034")])
    with pytest.raises(CommandError, match="Μη έγκυρη ημερομηνία"):
        run(write(text.replace(":61:261204", ":61:261340"), "bad.sta"))
    assert not BankStatement.objects.exists()


def test_finance_traces_an_entry_to_its_payment_in_the_admin(
    make_notice,
    write,
    staff_user,  # noqa: F811 (the fixture imported above)
):
    """Read only, for finance: the file, its entries, each with the payment it became."""
    notice = make_notice()
    run(write(camt054([credit("BANK-ADMIN-1", notice.total, rf=notice.rf_code)])))
    statement = BankStatement.objects.get()
    payment = Payment.objects.get(reference__contains="BANK-ADMIN-1")

    finance = Client()
    finance.force_login(staff_user(FINANCE))
    statements = finance.get(reverse("admin:payments_bankstatement_changelist"))
    assert statements.status_code == 200
    assert statement.file_name in statements.text
    entries = finance.get(
        reverse("admin:payments_statemententry_changelist"),
        {"statement__id__exact": statement.pk},
    )
    assert reverse("admin:payments_payment_change", args=[payment.pk]) in entries.text
    assert (
        finance.get(
            reverse("admin:payments_statemententry_change", args=[payment.statement_entry.pk])
        ).status_code
        == 200
    )

    cashier = Client()
    cashier.force_login(staff_user(CASHIER))
    assert cashier.get(reverse("admin:payments_bankstatement_changelist")).status_code == 403


def test_on_a_terminal_a_progress_bar_counts_the_entries(make_notice, write, monkeypatch):
    terminal = as_terminal(monkeypatch)
    notices = [make_notice(), make_notice()]

    output = io.StringIO()
    entries = [credit(f"BR-{n.pk}", n.total, n.rf_code) for n in notices]
    path = write(camt054([*entries, entries[0]]))  # a bank file that repeats an entry
    call_command("import_bank_statement", path, stdout=output)

    assert "Εξοφλήθηκαν: 2" in output.getvalue()
    assert "| 3/3 [" in terminal.getvalue(), "the repeat counted as done, skipped"


def test_a_dry_run_of_several_files_shows_what_the_real_run_does(make_notice, write):
    """Each file rolled back on its own, the camt.053 was shown paying again what its camt.054
    had just been shown paying."""
    notices = [make_notice() for _ in range(3)]
    credits = [credit(f"P-{n}", x.total, x.rf_code) for n, x in enumerate(notices)]
    files = [write(camt054(credits), "054.xml"), write(camt053(credits), "053.xml")]

    dry = run(*files, dry_run=True)

    assert not Payment.objects.exists() and not StatementEntry.objects.exists()
    real = run(*files)
    assert dry.replace("Δοκιμαστική εκτέλεση: δεν καταχωρίστηκε τίποτα.\n", "") == real
    assert "Ήδη εισηγμένες, παραλείφθηκαν: 3" in real


def test_a_dry_run_that_fails_halfway_says_nothing_was_recorded(make_notice, write, monkeypatch):
    """Its batches before the failure are rolled back with the rest: not «what was recorded
    stays; run it again», as a real run stopped halfway is told."""
    notices = [make_notice() for _ in range(3)]
    path = write(camt054([credit(f"H-{n}", x.total, x.rf_code) for n, x in enumerate(notices)]))
    monkeypatch.setattr(statement_import, "BATCH_SIZE", 1)
    real, calls = statement_import.settle_many, []

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("the connection is closed")
        return real(*args, **kwargs)

    monkeypatch.setattr(statement_import, "settle_many", fail_second)

    with pytest.raises(CommandError) as refused:
        run(path, dry_run=True)

    assert "δεν καταχωρίστηκε τίποτα" in str(refused.value)
    assert "εκτελέστε ξανά" not in str(refused.value)
    assert not Payment.objects.exists()


def test_two_credits_whose_keys_join_to_the_same_text_are_two_payments(make_notice, write):
    """Entry «BR/1» transaction «X» and entry «BR» transaction «1/X» are two entries: their
    keys joined with «/» read alike, so the second was taken for a repeat of the first payment,
    and the file refused on every run with the database's error (found by a review)."""
    first, second = make_notice(), make_notice()
    entries = [
        Entry("BR/1", [Tx(first.total, rf=first.rf_code, tx_id="X")]),
        Entry("BR", [Tx(second.total, rf=second.rf_code, tx_id="1/X")]),
    ]
    output = run(write(camt054(entries)))

    assert "Εξοφλήθηκαν: 2 (240,00 €)" in output
    entries = StatementEntry.objects.order_by("pk")
    assert entries.count() == 2
    # Each statement entry linked to the payment it became, and each notice paid:
    assert Payment.objects.count() == 2
    assert entries[0].payment_id != entries[1].payment_id
    second.refresh_from_db()
    assert second.status == PaymentNotice.Status.PAID


def test_a_dry_run_shows_the_parts_that_pay_a_notice_together_as_the_real_run_does(
    make_notice, write
):
    """The real run ends by telling finance that held payments pay a notice together; the dry
    run says it too."""
    notice = make_notice()
    half = Decimal("60.00")
    path = write(
        camt054(
            [
                Entry("P-1", [Tx(half, rf=notice.rf_code, tx_id="P-1-T")]),
                Entry("P-2", [Tx(half, rf=notice.rf_code, tx_id="P-2-T")]),
            ]
        )
    )
    dry = run(path, dry_run=True)
    real = run(path)

    assert "Στην ουρά: 2" in real
    assert "Στην ουρά: 2" in dry
