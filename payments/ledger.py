"""The ledger's invariants, checked from the database alone (``manage.py check_ledger``).

Each check is one aggregate query that returns only the offending rows, so a clean ledger of any
size costs a handful of queries and a breach names its records; the settlements' surcharges by
code, which SQL does not sum out of JSON readily, are read whole (two queries, a row a
settlement, far fewer than payments).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from debts.models import MONEY, Debt, PaymentNotice, Settlement
from receipts.models import CERTIFICATE_SERIES, Certificate, Receipt, ReceiptCounter

from .models import Allocation, OwnTransfer, Payment, PaymentReturn, UnappliedEntry

ZERO = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))


def _sum_of(model, amount, owner: str, **filters):
    """Σ ``amount`` of ``model`` rows whose ``owner`` is the outer row, 0 when there is none."""
    rows = (
        model.objects.filter(**{owner: OuterRef("pk")}, **filters)
        .order_by()
        .values(owner)
        .annotate(total=Sum(amount))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=DecimalField(**MONEY)), ZERO)


@dataclass
class LedgerReport:
    checked: dict[str, int] = field(default_factory=dict)
    breaches: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.breaches


def check() -> LedgerReport:
    report = LedgerReport()
    _payments_balance(report)
    _held_never_negative(report)
    _notices_match_allocations(report)
    _receipts_match_allocations(report)
    _receipt_numbers_gapless(report)
    _settlement_surcharges_by_code(report)
    return report


def _payments_balance(report: LedgerReport) -> None:
    """amount = Σ allocations + Σ unapplied entries + Σ returns + its own transfer (a credit
    that was the municipality's own money), for every payment."""
    payments = Payment.objects.annotate(
        allocated=_sum_of(Allocation, F("principal") + F("surcharge"), "payment"),
        unapplied=_sum_of(UnappliedEntry, "amount", "payment"),
        returned=_sum_of(PaymentReturn, "amount", "payment"),
        own=_sum_of(OwnTransfer, "amount", "payment"),
    )
    report.checked["payments"] = Payment.objects.count()
    off = payments.exclude(amount=F("allocated") + F("unapplied") + F("returned") + F("own"))
    for p in off.order_by("pk"):
        report.breaches.append(
            f"payment {p.pk} ({p.channel} {p.reference}): amount {p.amount} ≠ allocated "
            f"{p.allocated} + unapplied {p.unapplied} + returned {p.returned} + own transfer "
            f"{p.own}"
        )


def _held_never_negative(report: LedgerReport) -> None:
    """What a payment holds for a person (Σ its unapplied entries) is never below zero: money
    applied or returned from the hold beyond what it held would still balance the payment."""
    payments = Payment.objects.annotate(unapplied=_sum_of(UnappliedEntry, "amount", "payment"))
    for p in payments.filter(unapplied__lt=0).order_by("pk"):
        report.breaches.append(
            f"payment {p.pk} ({p.channel} {p.reference}): holds {p.unapplied}, below zero"
        )


def _notices_match_allocations(report: LedgerReport) -> None:
    """A paid notice is paid by allocations of exactly its total; any other notice keeps none
    (a reversal's negative rows bring a cancelled one back to zero). So each debtor's paid lines,
    principal and surcharge as frozen, equal the money allocated to them."""
    allocated = _sum_of(Allocation, F("principal") + F("surcharge"), "notice")
    notices = PaymentNotice.objects.annotate(allocated=allocated)
    report.checked["notices"] = PaymentNotice.objects.count()
    paid = PaymentNotice.Status.PAID
    off = notices.filter(
        Q(status=paid) & ~Q(allocated=F("total")) | ~Q(status=paid) & ~Q(allocated=0)
    )
    for notice in off.order_by("pk"):
        report.breaches.append(
            f"notice {notice.pk} ({notice.rf_code}, {notice.status}): total {notice.total}, "
            f"allocated {notice.allocated}"
        )


def _receipts_match_allocations(report: LedgerReport) -> None:
    """Every receipt states exactly the money allocated on it; no applied money lacks one."""
    receipts = Receipt.objects.annotate(
        allocated=_sum_of(Allocation, F("principal") + F("surcharge"), "receipt"),
        has_allocations=Exists(Allocation.objects.filter(receipt=OuterRef("pk"))),
    )
    report.checked["receipts"] = Receipt.objects.count()
    for receipt in receipts.filter(~Q(allocated=F("total")) | Q(has_allocations=False)):
        report.breaches.append(
            f"receipt {receipt.display_number}: total {receipt.total}, allocated "
            f"{receipt.allocated}"
        )


def _receipt_numbers_gapless(report: LedgerReport) -> None:
    """Per series and year the numbers of receipts (and of certificates) run 1…n with no gap
    (unique by constraint), and the counter stands at n."""
    numbered = {"first": Min("number"), "last": Max("number"), "count": Sum(Value(1))}
    series = [
        *Receipt.objects.order_by().values("series", "year").annotate(**numbered),
        # Certificates of no ΤΑΠ debt take their numbers from the same counters, in a series
        # of their own.
        *(
            {**row, "series": CERTIFICATE_SERIES}
            for row in Certificate.objects.order_by().values("year").annotate(**numbered)
        ),
    ]
    counters = {(c.series, c.year): c.last_number for c in ReceiptCounter.objects.all()}
    report.checked["receipt series"] = len(counters)
    seen = set()
    for row in series:
        key = (row["series"], row["year"])
        seen.add(key)
        if row["first"] != 1 or row["last"] != row["count"] or counters.get(key) != row["last"]:
            report.breaches.append(
                f"receipts {row['series']} {row['year']}: numbers {row['first']}…{row['last']} "
                f"for {row['count']} receipts, counter at {counters.get(key)}"
            )
    for key in counters.keys() - seen:
        report.breaches.append(f"receipts {key[0]} {key[1]}: counter at {counters[key]}, none")


def _settlement_surcharges_by_code(report: LedgerReport) -> None:
    """A settlement's surcharges by revenue code, which its installments' receipts post, add up
    to its surcharges and name exactly the codes of its debts: a code left out would get none,
    and one too many would take another's."""
    codes: dict[int, set[str]] = {}
    debts = Debt.objects.filter(settlement__isnull=False).values_list(
        "settlement_id", "revenue_type__code"
    )
    for settlement_id, code in debts.distinct():
        codes.setdefault(settlement_id, set()).add(code)
    settlements = Settlement.objects.values_list("pk", "number", "surcharge", "surcharge_by_code")
    report.checked["settlements"] = 0
    for pk, number, surcharge, by_code in settlements.order_by("pk").iterator():
        report.checked["settlements"] += 1
        total = sum((Decimal(part) for part in by_code.values()), Decimal(0))
        if total != surcharge or set(by_code) != codes.get(pk, set()):
            report.breaches.append(
                f"settlement {number}: surcharge {surcharge}, by revenue code {by_code} "
                f"(its debts' codes: {', '.join(sorted(codes.get(pk, ()))) or 'none'})"
            )
