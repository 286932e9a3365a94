"""Issuing receipts: the next number of the series and the immutable snapshot, in the caller's
transaction; the PDF and the email follow after the commit (``receipts.tasks``)."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from debts.models import Debtor

from . import tasks
from .models import Receipt, ReceiptCounter, Series

# No 0/O, 1/I/L: a code read aloud or typed from paper is read right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


@dataclass(frozen=True)
class ReceiptLine:
    """What a receipt says of one debt or installment paid."""

    revenue_code: str
    revenue_name: str
    description: str
    period: str
    principal: Decimal
    surcharge: Decimal

    def as_json(self) -> dict:
        return {
            "revenue_code": self.revenue_code,
            "revenue_name": self.revenue_name,
            "description": self.description,
            "period": self.period,
            "principal": str(self.principal),
            "surcharge": str(self.surcharge),
        }


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def next_number(series: str, year: int, count: int = 1) -> int:
    """Take the next ``count`` numbers of ``series`` in ``year``, in the current transaction;
    the last of them.

    One statement creates the counter or advances it, holding its row lock until the commit: a
    concurrent receipt of the same series waits, and a rollback gives the numbers back.
    """
    table = ReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (series, year, last_number) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (series, year) DO UPDATE SET last_number = {table}.last_number + %s "
            "RETURNING last_number",
            [series, year, count, count],
        )
        return cursor.fetchone()[0]


def _issue(series: str, **snapshot) -> Receipt:
    """The receipt numbered next in ``series``, saying ``snapshot``; its delivery queued for the
    commit. Only inside the caller's transaction: a number taken outside one could not be given
    back by a rollback."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receipts are numbered inside the payment's transaction")
    issued_at = timezone.now()
    year = timezone.localdate(issued_at).year
    receipt = Receipt.objects.create(
        series=series,
        year=year,
        number=next_number(series, year),
        verification_code=new_verification_code(),
        issued_at=issued_at,
        **snapshot,
    )
    tasks.deliver_on_commit(receipt.pk)
    return receipt


def issue_receipt(
    *,
    series: str,
    debtor: Debtor,
    lines: list[ReceiptLine],
    channel: str,
    channel_label: str,
    channel_reference: str,
    received_at: datetime,
    notice_rf: str = "",
    cashier=None,
) -> Receipt:
    """A numbered receipt for money applied to ``lines``; the caller's transaction is its own.

    The PDF is rendered and emailed once the transaction commits.
    """
    return _issue(
        series,
        debtor=debtor,
        payer_afm=debtor.afm,
        payer_name=debtor.full_name,
        channel=channel,
        channel_label=channel_label,
        channel_reference=channel_reference,
        received_at=received_at,
        cashier=cashier,
        notice_rf=notice_rf,
        total=sum((line.principal + line.surcharge for line in lines), Decimal(0)),
        lines=[line.as_json() for line in lines],
    )


def issue_reversal(original: Receipt, *, reason: str, actor=None) -> Receipt:
    """The reversing receipt (ακυρωτικό) of ``original``: its lines negated, in its own series."""
    return _issue(
        Series.REVERSAL,
        debtor=original.debtor,
        payer_afm=original.payer_afm,
        payer_name=original.payer_name,
        channel=original.channel,
        channel_label=original.channel_label,
        channel_reference=original.channel_reference,
        received_at=original.received_at,
        cashier=actor,
        notice_rf=original.notice_rf,
        total=-original.total,
        lines=[
            {
                **line,
                "principal": str(-Decimal(line["principal"])),
                "surcharge": str(-Decimal(line["surcharge"])),
            }
            for line in original.lines
        ],
        reverses=original,
        reason=reason,
    )
