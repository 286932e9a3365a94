"""Rows written by ``debts.bulk`` read back as the ORM would have written them: each value, the
defaults of the fields left out, the ids of the new rows, and nothing twice."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from debts.bulk import Writes, insert_new, insert_returning, insert_rows
from debts.models import Debt, DebtChange, Debtor
from payments.models import Payment
from receipts.models import Receipt

pytestmark = pytest.mark.django_db

AFMS = ["090000045", "094014201", "099999987"]


def receipt_row(debtor, number: int) -> list:
    received = timezone.now() - timedelta(days=1)
    return [
        "bank",
        2026,
        number,
        f"CODE{number:08d}",
        debtor.pk,
        debtor.afm,
        "ΠΑΠΑΔΟΠΟΥΛΟΣ «Ο ΓΙΟΣ» ΓΕΩΡΓΙΟΣ",
        "bank",
        "Τράπεζα",
        f"REF-{number}",
        received,
        Decimal("12.30"),
        [{"description": 'Τέλη "2026"\n', "principal": "12.30", "surcharge": "0.00"}],
    ]


RECEIPT_FIELDS = [
    "series",
    "year",
    "number",
    "verification_code",
    "debtor",
    "payer_afm",
    "payer_name",
    "channel",
    "channel_label",
    "channel_reference",
    "received_at",
    "total",
    "lines",
]


def test_new_rows_answer_with_their_ids_and_read_back_as_given(
    make_debtor, django_assert_num_queries
):
    debtor = make_debtor()
    rows = [receipt_row(debtor, number) for number in (1, 2, 3)]
    before = timezone.now()
    with django_assert_num_queries(1):
        ids = dict(insert_returning(Receipt, RECEIPT_FIELDS, rows, returning=("number", "id")))

    assert sorted(ids) == [1, 2, 3]
    for row in rows:
        receipt = Receipt.objects.get(pk=ids[row[2]])
        assert [getattr(receipt, name) for name in RECEIPT_FIELDS if name != "debtor"] == [
            value for name, value in zip(RECEIPT_FIELDS, row, strict=True) if name != "debtor"
        ]
        assert receipt.debtor_id == debtor.pk
        # The fields left out take their defaults: a callable one for each row.
        assert receipt.issued_at >= before
        assert (receipt.reason, receipt.pdf.name, receipt.cashier_id) == ("", "", None)


def test_rows_already_there_are_skipped_and_the_new_ones_returned(make_debtor):
    when = timezone.now()
    fields = ["channel", "amount", "received_at", "reference"]
    insert_rows(Payment, fields, [("bank", Decimal("5.00"), when, "A")])

    new = insert_returning(
        Payment,
        fields,
        [("bank", Decimal("6.00"), when, "A"), ("bank", Decimal("7.00"), when, "B")],
        returning=("reference", "amount"),
        unless=("channel", "reference"),
    )

    assert new == [("B", Decimal("7.00"))]
    assert dict(Payment.objects.values_list("reference", "amount")) == {
        "A": Decimal("5.00"),
        "B": Decimal("7.00"),
    }


def test_rows_without_answer_are_one_statement_whatever_their_number(
    make_debtor, make_debt, django_assert_num_queries
):
    debtor = make_debtor()
    debts = [make_debt(debtor, amount) for amount in ("10.00", "20.00")]
    at = timezone.now()
    rows = [(debt.pk, "open", "paid", at, f"paid {debt.pk}", None) for debt in debts] * 50

    with django_assert_num_queries(1):
        insert_rows(DebtChange, ["debt", "from_status", "to_status", "at", "cause", "actor"], rows)

    changes = DebtChange.objects.filter(debt__in=debts)
    assert changes.count() == 100
    assert set(changes.values_list("debt_id", "to_status", "at", "cause")) == {
        (debt.pk, "paid", at, f"paid {debt.pk}") for debt in debts
    }


def test_nothing_to_write_sends_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows(Payment, ["channel"], [])
        assert insert_returning(Payment, ["channel"], [], returning=("id",)) == []
        writes = Writes()
        writes.update(Debt, "pk", [], status="paid")
        writes.insert(DebtChange, ["debt"], [])
        writes.send()


def test_writes_to_several_tables_are_one_statement_on_postgresql(
    make_debtor, make_debt, django_assert_num_queries
):
    debtor = make_debtor()
    debts = [make_debt(debtor, amount) for amount in ("10.00", "20.00", "30.00")]
    paid = debts[:2]
    at = timezone.now()
    writes = Writes()
    writes.update(Debt, "pk", [debt.pk for debt in paid], status="paid")
    writes.update(Debtor, "pk", [debtor.pk], last_name="ΝΕΟ ΕΠΩΝΥΜΟ")
    writes.insert(
        DebtChange,
        ["debt", "from_status", "to_status", "at", "cause"],
        [(debt.pk, "open", "paid", at, f"paid {debt.pk}") for debt in paid],
    )

    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        writes.send()

    assert dict(Debt.objects.values_list("pk", "status")) == {
        debts[0].pk: "paid",
        debts[1].pk: "paid",
        debts[2].pk: "open",
    }
    assert Debtor.objects.get().last_name == "ΝΕΟ ΕΠΩΝΥΜΟ"
    assert set(DebtChange.objects.values_list("debt_id", "to_status", "at", "cause")) == {
        (debt.pk, "paid", at, f"paid {debt.pk}") for debt in paid
    }


def test_a_naive_date_and_time_is_taken_in_the_portals_time_zone_as_the_orm_takes_it(
    make_debtor, make_debt
):
    debt = make_debt(make_debtor())
    naive = datetime(2026, 12, 6, 9, 30)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        insert_rows(
            DebtChange,
            ["debt", "from_status", "to_status", "at", "cause"],
            [(debt.pk, "open", "paid", naive, "naive")],
        )
    assert DebtChange.objects.get(cause="naive").at == timezone.make_aware(naive)


def test_new_instances_are_written_with_their_ids_as_bulk_create_writes_them(
    revenue, django_assert_max_num_queries
):
    debtors = [Debtor(afm=afm, last_name=f"ΟΦΕΙΛΕΤΗΣ {n}") for n, afm in enumerate(AFMS)]
    # PostgreSQL: the ids, then the COPY; elsewhere an INSERT each.
    with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else len(debtors)):
        insert_new(debtors)
    debts = [
        Debt(
            debtor=debtor,
            revenue_type=revenue["cleaning"],
            description=f"Τέλη {debtor.last_name}",
            principal=Decimal("10.00") + n,
        )
        for n, debtor in enumerate(debtors)
    ]
    insert_new(debts)

    for debtor in debtors:
        stored = Debtor.objects.get(pk=debtor.pk)
        assert (stored.afm, stored.last_name) == (debtor.afm, debtor.last_name)
        assert stored.created_at == debtor.created_at is not None  # pre_save, as bulk_create
        assert not debtor._state.adding
    for debt in debts:
        stored = Debt.objects.get(pk=debt.pk)
        assert (stored.debtor_id, stored.description, stored.principal, stored.status) == (
            debt.debtor.pk,
            debt.description,
            debt.principal,
            "open",
        )
