"""Issuing receipts: the next number of the series and the immutable snapshot, in the caller's
transaction; the PDF and the email follow after the commit (``receipts.tasks``)."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from debts.bulk import create_all
from debts.models import Debtor

from . import tasks
from .models import Receipt, ReceiptCounter, Series

# No 0/O, 1/I/L: a code read aloud or typed from paper is read right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


@dataclass(frozen=True)
class ReceiptLine:
    """What a receipt says of one debt paid, or of an installment: of all of it, or of its part
    under one revenue code when its settlement's debts have several (``payments.services``).

    Only an installment bears ``interest``, the settlement's; a line without it is written, as
    the receipts before it were, without the key (``Receipt.line_amounts`` reads it as 0).
    """

    revenue_code: str
    revenue_name: str
    description: str
    period: str
    principal: Decimal
    surcharge: Decimal
    interest: Decimal = Decimal(0)

    @property
    def amount(self) -> Decimal:
        return self.principal + self.surcharge + self.interest

    def as_json(self) -> dict:
        line = {
            "revenue_code": self.revenue_code,
            "revenue_name": self.revenue_name,
            "description": self.description,
            "period": self.period,
            "principal": str(self.principal),
            "surcharge": str(self.surcharge),
        }
        if self.interest:
            line["interest"] = str(self.interest)
        return line


_CODES = len(CODE_ALPHABET) ** CODE_LENGTH


def new_verification_code() -> str:
    """Twelve characters of the alphabet, each as likely: one draw of a number below 31¹²,
    written in base 31 (a draw per character cost ten times as much)."""
    number = secrets.randbelow(_CODES)
    characters = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        characters.append(CODE_ALPHABET[digit])
    return "".join(characters)


def reserve_numbers(series: str, year: int, count: int) -> range:
    """Take the next ``count`` numbers of ``series`` in ``year``, in the current transaction.

    One statement creates the counter or advances it by ``count``, holding its row lock until the
    commit: a concurrent receipt of the same series waits, and a rollback gives the numbers back.
    """
    table = ReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (series, year, last_number) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (series, year) DO UPDATE SET last_number = {table}.last_number + %s "
            "RETURNING last_number",
            [series, year, count, count],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def _issued_in(year: int) -> datetime:
    """The time of issue, read once the series' counter is locked: a receipt numbered after
    another (a concurrent payment that took the lock first) is issued after it too. The lock
    waited for across New Year's midnight dates it the last instant of the year it is numbered in.
    """
    now = timezone.now()
    if timezone.localdate(now).year == year:
        return now
    return timezone.make_aware(datetime(year, 12, 31, 23, 59, 59, 999999))


def _pk(instance):
    return None if instance is None else instance.pk


def _issue_all(series: str, snapshots: list[dict]) -> list[Receipt]:
    """Receipts numbered next in ``series``, one per snapshot in order, in one statement; their
    delivery queued for the commit. Only inside the caller's transaction: a number taken outside
    one could not be given back by a rollback."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receipts are numbered inside the payment's transaction")
    if not snapshots:
        return []
    year = timezone.localdate().year
    numbers = reserve_numbers(series, year, len(snapshots))
    issued_at = _issued_in(year)
    # A snapshot names related rows (debtor, cashier, reversed receipt) by instance; the row
    # holds their ids.
    related = [name for name in snapshots[0] if Receipt._meta.get_field(name).is_relation]
    names = [name for name in snapshots[0] if name not in related]
    receipts = create_all(
        Receipt,
        ["series", "year", "number", "verification_code", "issued_at", *related, *names],
        [
            [
                series,
                year,
                number,
                new_verification_code(),
                issued_at,
                *(_pk(snapshot[name]) for name in related),
                *(snapshot[name] for name in names),
            ]
            for number, snapshot in zip(numbers, snapshots, strict=True)
        ],
        key="number",
    )
    tasks.deliver_on_commit([receipt.pk for receipt in receipts])
    return receipts


def _issue(series: str, **snapshot) -> Receipt:
    return _issue_all(series, [snapshot])[0]


@dataclass(frozen=True)
class ReceiptDraft:
    """What one receipt for money applied says, before it is numbered."""

    debtor: Debtor
    lines: list[ReceiptLine]
    channel: str
    channel_label: str
    channel_reference: str
    received_at: datetime
    notice_rf: str = ""
    cashier: object = None
    tender: str = ""


def issue_receipt(*, series: str, **draft) -> Receipt:
    """A numbered receipt for money applied to ``lines``; the caller's transaction is its own.

    The PDF is rendered and emailed once the transaction commits.
    """
    return issue_receipts(series, [ReceiptDraft(**draft)])[0]


def issue_receipts(series: str, drafts: list[ReceiptDraft]) -> list[Receipt]:
    """Receipts for ``drafts``, numbered in their order in one reservation of the series."""
    return _issue_all(
        series,
        [
            {
                "debtor": draft.debtor,
                "payer_afm": draft.debtor.afm,
                "payer_name": draft.debtor.full_name,
                "channel": draft.channel,
                "channel_label": draft.channel_label,
                "tender": draft.tender,
                "channel_reference": draft.channel_reference,
                "received_at": draft.received_at,
                "cashier": draft.cashier,
                "notice_rf": draft.notice_rf,
                "total": sum((line.amount for line in draft.lines), Decimal(0)),
                "lines": [line.as_json() for line in draft.lines],
            }
            for draft in drafts
        ],
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
        tender=original.tender,
        channel_reference=original.channel_reference,
        received_at=original.received_at,
        cashier=actor,
        notice_rf=original.notice_rf,
        total=-original.total,
        lines=[
            {
                **line,
                **{
                    key: str(-Decimal(line[key]))
                    for key in ("principal", "surcharge", "interest")
                    if key in line
                },
            }
            for line in original.lines
        ],
        reverses=original,
        reason=reason,
    )
