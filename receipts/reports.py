"""Collections for the accounts office, read from the receipts alone: what they say is what was
collected (a reversing receipt counts negative, on the day it was issued)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from .models import SERIES_PREFIX, Receipt, line_amounts

ZERO = Decimal(0)


@dataclass(frozen=True)
class CollectionLine:
    """Collected on one day through one channel (and at the counter, one tender) for one
    revenue code (ΚΑΕ)."""

    day: date
    channel: str
    tender: str
    revenue_code: str
    principal: Decimal
    surcharge: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.surcharge + self.interest


@dataclass(frozen=True)
class NumberRange:
    """The receipts of one series issued on one day: first and last number, how many, total."""

    day: date
    series: str
    first: int
    last: int
    count: int
    total: Decimal

    @property
    def display(self) -> str:
        return f"{SERIES_PREFIX[self.series]}-{self.day.year}/{self.first:06d}–{self.last:06d}"


@dataclass(frozen=True)
class Collections:
    lines: list[CollectionLine]
    ranges: list[NumberRange]

    @property
    def principal(self) -> Decimal:
        return sum((line.principal for line in self.lines), ZERO)

    @property
    def surcharge(self) -> Decimal:
        return sum((line.surcharge for line in self.lines), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((line.interest for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.surcharge + self.interest

    @property
    def receipts_total(self) -> Decimal:
        """The receipts' own totals: the lines must add up to them."""
        return sum((numbers.total for numbers in self.ranges), ZERO)


def collections(first_day: date, last_day: date) -> Collections:
    """Collections by day of issue (local time), channel (the counter's by tender) and revenue
    code, principal, surcharge and a settlement's interest apart, and the receipt numbers issued
    each day per series."""
    issued = Q(issued_at__gte=timezone.make_aware(datetime.combine(first_day, time())))
    if last_day < date.max:  # the calendar's last day has no day after it
        end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time()))
        issued &= Q(issued_at__lt=end)
    sums = defaultdict(lambda: [ZERO, ZERO, ZERO])
    numbers = defaultdict(list)
    receipts = (
        Receipt.objects.filter(issued)
        .order_by("issued_at", "pk")
        .values_list("issued_at", "series", "number", "channel", "tender", "total", "lines")
    )
    for issued_at, series, number, channel, tender, total, lines in receipts.iterator(
        chunk_size=2000
    ):
        day = timezone.localtime(issued_at).date()
        numbers[(day, series)].append((number, total))
        for line in map(line_amounts, lines):
            amounts = sums[(day, channel, tender, line["revenue_code"])]
            amounts[0] += line["principal"]
            amounts[1] += line["surcharge"]
            amounts[2] += line["interest"]
    return Collections(
        lines=[
            CollectionLine(day, channel, tender, code, *amounts)
            for (day, channel, tender, code), amounts in sorted(sums.items())
        ],
        ranges=[
            NumberRange(
                day,
                series,
                min(n for n, _total in issued),
                max(n for n, _total in issued),
                len(issued),
                sum((t for _n, t in issued), ZERO),
            )
            for (day, series), issued in sorted(numbers.items())
        ],
    )
