"""Reads of payments shaped for pages: the citizen's history, the counter, finance's queue and
the cashier's day. None of them changes anything."""

import operator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from debts.models import MONEY, Debtor, PaymentNotice
from debts.money import ZERO
from debts.rf import InvalidRF, validate_rf
from receipts.models import Receipt

from .models import Allocation, Channel, Payment, PaymentReturn, Tender, UnappliedEntry


def with_unapplied_balance(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Each payment with ``held``, what it still holds for a person to resolve, and
    ``held_reason``, why money last came into the queue (on arrival, or a reversal)."""
    entries = UnappliedEntry.objects.filter(payment=OuterRef("pk"))
    total = entries.order_by().values("payment").annotate(total=Sum("amount")).values("total")
    last_in = entries.filter(amount__gt=0).order_by("-at", "-pk").values("reason")[:1]
    return payments.annotate(
        held=Coalesce(Subquery(total, output_field=DecimalField(**MONEY)), ZERO),
        held_reason=Subquery(last_in),
    )


def finance_queue(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Of ``payments`` (with ``held``, ``with_unapplied_balance``), those a person must still
    resolve: money held, to apply or set aside for return, or ``to_return``, set aside and yet
    to be returned and recorded by a person (a transfer's, or a card refund's the gateway
    refused)."""
    to_return = PaymentReturn.objects.to_record_by_hand()
    per_payment = (
        to_return.filter(payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return payments.filter(
        pk__in=_holding_ids().union(to_return.order_by().values("payment"))
    ).annotate(to_return=Subquery(per_payment, output_field=DecimalField(**MONEY)))


def holding(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Of ``payments``, those that hold money for a person."""
    return payments.filter(pk__in=_holding_ids())


def _holding_ids() -> QuerySet:
    """The ids of the payments that hold money for a person: each one's entries summed, in the
    entries' table alone. Finance's reads start from them rather than summing the entries of
    every payment (most of them never held any), which the planner, misjudging how many hold
    money, would do for all 100,000 of the bench's (bench/finance_queue.py)."""
    return (
        UnappliedEntry.objects.order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .values("payment")
    )


def payment_receipts(payment: Payment) -> list[Receipt]:
    """The receipts issued for ``payment``, reversing ones included, oldest first; each with
    ``reversal`` set to the receipt that reverses it, if any, and ``reversible``, whether it may
    still be reversed (a receipt of money in, not reversed yet)."""
    receipts = list(
        Receipt.objects.filter(allocations__payment=payment)
        .distinct()
        .select_related("reverses")
        .order_by("issued_at", "pk")
    )
    reversed_by = {receipt.reverses_id: receipt for receipt in receipts if receipt.reverses_id}
    for receipt in receipts:
        receipt.reversal = reversed_by.get(receipt.pk)
        receipt.reversible = not receipt.is_reversal and receipt.reversal is None
    return receipts


def open_notices(debtor: Debtor) -> QuerySet[PaymentNotice]:
    """The debtor's notices that can be paid today, oldest first."""
    return PaymentNotice.objects.filter(
        debtor=debtor,
        status=PaymentNotice.Status.OPEN,
        valid_until__gte=timezone.localdate(),
    ).order_by("issued_at", "pk")


def notice_by_rf(text: str) -> PaymentNotice | None:
    """The notice of the RF typed as ``text`` (any case, in groups of four), if there is one."""
    try:
        rf = validate_rf(text)
    except InvalidRF:
        return None
    return PaymentNotice.objects.select_related("debtor").filter(rf_code=rf).first()


def receipt_paying(notice: PaymentNotice, payment: Payment) -> Receipt | None:
    """The receipt by which ``payment`` (alone or with others) paid ``notice``, if it did and
    the notice stands paid (a receipt reversed leaves its notice cancelled)."""
    if notice.status != PaymentNotice.Status.PAID:
        return None
    allocation = (
        Allocation.objects.filter(notice=notice, payment=payment)
        .select_related("receipt")
        .order_by("-pk")
        .first()
    )
    return allocation.receipt if allocation else None


def receipt_paying_lines(payment: Payment, *, debts, installments) -> Receipt | None:
    """The standing receipt (issued, not reversed) by which ``payment``, alone or pooled with
    others, paid all these debts and installments, if it did: a form sent twice finds what the
    first did."""
    allocations = Allocation.objects.filter(
        receipt__in=Allocation.objects.filter(payment=payment).values("receipt"),
        receipt__reverses=None,
        receipt__reversed_by=None,
    ).values_list("receipt", "debt", "installment")
    paid: dict[int, set] = {}
    for receipt, debt, installment in allocations:
        paid.setdefault(receipt, set()).add(
            ("debt", debt) if debt else ("installment", installment)
        )
    wanted = {("debt", debt.pk) for debt in debts} | {("installment", i.pk) for i in installments}
    found = [receipt for receipt, lines in paid.items() if wanted and lines == wanted]
    return Receipt.objects.get(pk=max(found)) if found else None


def poolable_with(
    payment: Payment, *, debtor: Debtor, notice: PaymentNotice | None = None
) -> QuerySet[Payment]:
    """Other held payments of ``payment``'s channel that may have paid ``debtor``'s debts (or
    ``notice``) in parts with it, for a person to pick (``services.Pooled``): the debtor's,
    naming the notice, or from the same payer; oldest first, each with ``held``."""
    kin = Q(debtor=debtor)
    if notice is not None:
        kin |= Q(notice=notice) | Q(named_reference=notice.rf_code)
    if payment.payer:
        kin |= Q(payer=payment.payer)
    others = Payment.objects.filter(kin, channel=payment.channel).exclude(pk=payment.pk)
    return holding(with_unapplied_balance(others)).order_by("received_at", "pk")


def paid_in_parts() -> QuerySet[Payment]:
    """Held payments naming an open notice that they, two or more of one channel, cover
    together (a notice paid in parts, each part held as short of it): for a person to apply
    them pooled (``services.Pooled``). Two queries: the (notice, channel) pairs so paid, summed
    once each, then their payments."""
    held = holding(
        with_unapplied_balance(Payment.objects.filter(notice__status=PaymentNotice.Status.OPEN))
    )
    covered = (
        held.order_by()
        .values("notice", "channel")
        .annotate(parts=Count("pk"), together=Sum("held"))
        .filter(parts__gte=2, together__gte=F("notice__total"))
        .values_list("notice", "channel")
    )
    pairs = [Q(notice=notice, channel=channel) for notice, channel in covered]
    if not pairs:
        return Payment.objects.none()
    return held.filter(reduce(operator.or_, pairs))


def taken_back_payments(ids) -> dict[int, tuple[Payment, list[Receipt]]]:
    """Of these payments, whose credits the bank took back (``import_bank_statement``), the
    ones a person must still undo or look into, by id: each with ``held``, its own transfer
    (``own_transfer``, selected) and its receipts still standing (issued, not reversed). One
    whose receipts are reversed and whose money is no longer held (marked for return) needs
    nothing more and is left out; one known as the municipality's own transfer never does, as
    nothing in the portal undoes it: the money moved is for finance to trace."""
    payments = with_unapplied_balance(
        Payment.objects.filter(pk__in=ids).select_related("own_transfer")
    )
    standing: dict[int, list[Receipt]] = {pk: [] for pk in ids}
    receipts = (
        Allocation.objects.filter(
            payment__in=ids, receipt__reverses__isnull=True, receipt__reversed_by__isnull=True
        )
        .select_related("receipt")
        .order_by("receipt_id")
    )
    for allocation in receipts:
        found = standing[allocation.payment_id]
        if allocation.receipt not in found:
            found.append(allocation.receipt)
    return {
        payment.pk: (payment, standing[payment.pk])
        for payment in payments
        if standing[payment.pk] or payment.held or hasattr(payment, "own_transfer")
    }


# --- The citizen's history ------------------------------------------------------------------


@dataclass(frozen=True)
class PaidWith:
    """The allocations to each of a debtor's debts and installments, each with its receipt (a
    reversal's negative rows beside the ones they undo), oldest first."""

    debts: dict[int, list[Allocation]]
    installments: dict[int, list[Allocation]]


def paid_with(debtor: Debtor) -> PaidWith:
    """What paid each debt and installment of ``debtor``, in one query."""
    debts: dict[int, list[Allocation]] = {}
    installments: dict[int, list[Allocation]] = {}
    found = Allocation.objects.filter(receipt__debtor=debtor).select_related("receipt")
    for allocation in found.order_by("at", "pk"):
        if allocation.debt_id:
            debts.setdefault(allocation.debt_id, []).append(allocation)
        else:
            installments.setdefault(allocation.installment_id, []).append(allocation)
    return PaidWith(debts=debts, installments=installments)


@dataclass(frozen=True)
class PaymentLine:
    """A payment as a debtor sees it: the receipts issued to them for it (a reversing one
    beside the one it reverses), the money still held, and any return. Of another payer's
    money that staff applied to their debts (``own`` false), only their part: the amount of
    their receipts, not the payer's notice, total, hold or returns."""

    payment: Payment
    receipts: list[Receipt]
    held: Decimal
    returns: list[PaymentReturn]
    own: bool = True
    applied: Decimal = ZERO  # of it, what their receipts' allocations hold

    @property
    def amount(self) -> Decimal:
        return self.payment.amount if self.own else self.applied


def debtor_payments(debtor: Debtor) -> list[PaymentLine]:
    """Every payment of ``debtor`` or applied to their debts, newest first, in four queries.

    A payment is the debtor's when it named their notice, or when staff applied it to their
    debts later on; only their own receipts are shown with it.
    """
    applied_to_debtor = Allocation.objects.filter(payment=OuterRef("pk"), receipt__debtor=debtor)
    payments = list(
        with_unapplied_balance(Payment.objects.filter(Q(debtor=debtor) | Exists(applied_to_debtor)))
        .select_related("notice")
        .prefetch_related(Prefetch("returns", PaymentReturn.objects.order_by("requested_at")))
    )
    # A receipt of pooled payments is under each of them, with each one's own part.
    receipts: dict[int, dict[int, Receipt]] = {}
    applied: dict[int, Decimal] = {}
    found = (
        Allocation.objects.filter(receipt__debtor=debtor, payment__in=payments)
        .select_related("receipt")
        .order_by("receipt__issued_at", "receipt_id")
    )
    for allocation in found:
        receipts.setdefault(allocation.payment_id, {})[allocation.receipt_id] = allocation.receipt
        applied[allocation.payment_id] = applied.get(allocation.payment_id, ZERO) + (
            allocation.amount
        )
    lines = []
    for payment in payments:
        own = payment.debtor_id == debtor.pk
        lines.append(
            PaymentLine(
                payment=payment,
                receipts=list(receipts.get(payment.pk, {}).values()),
                held=payment.held if own else Decimal(0),
                returns=list(payment.returns.all()) if own else [],
                own=own,
                applied=applied.get(payment.pk, ZERO),
            )
        )
    return lines


# --- The cashier's day ----------------------------------------------------------------------


@dataclass
class CashDay:
    """What one cashier took at the counter on one day, and what the till should hold.

    Money counts when it was received, applied or not: cash held as unapplied (the notice paid
    meanwhile) is in the till all the same.
    """

    cashier: object
    day: date
    payments: list[Payment] = field(default_factory=list)
    reversals: list[Receipt] = field(default_factory=list)

    def _total(self, tender: str) -> Decimal:
        return sum((p.amount for p in self.payments if p.tender == tender), ZERO)

    @property
    def cash_total(self) -> Decimal:
        return self._total(Tender.CASH)

    @property
    def pos_total(self) -> Decimal:
        return self._total(Tender.POS)

    @property
    def reversals_total(self) -> Decimal:
        return sum((receipt.total for receipt in self.reversals), ZERO)


def cash_day(cashier, day: date) -> CashDay:
    """The counter payments ``cashier`` recorded on ``day``, each with its receipts
    (``payment.day_receipts``), and the reversals issued that day of receipts of theirs."""
    payments = (
        with_unapplied_balance(
            Payment.objects.filter(
                channel=Channel.COUNTER, recorded_by=cashier, received_at__date=day
            )
        )
        .select_related("debtor")
        .prefetch_related(
            Prefetch(
                "allocations",
                Allocation.objects.filter(receipt__reverses__isnull=True)
                .select_related("receipt")
                .order_by("receipt_id", "pk"),
                to_attr="original_allocations",
            )
        )
        .order_by("received_at", "pk")
    )
    payments = list(payments)
    for payment in payments:
        seen = {a.receipt_id: a.receipt for a in payment.original_allocations}
        payment.day_receipts = list(seen.values())
    reversals = Receipt.objects.filter(
        series=Receipt.Series.REVERSAL, reverses__cashier=cashier, issued_at__date=day
    ).select_related("reverses", "cashier")
    return CashDay(
        cashier=cashier,
        day=day,
        payments=payments,
        reversals=list(reversals.order_by("issued_at", "pk")),
    )


def counter_cashiers() -> QuerySet:
    """The staff who have taken money at the counter, for finance to pick one."""
    taken = Payment.objects.filter(channel=Channel.COUNTER).values("recorded_by")
    return get_user_model().objects.filter(pk__in=taken).order_by("username")
