"""Money in: ``settle`` is the one way money enters, whatever the channel; the rest is what
finance staff do with money that could not be applied. Each function is one transaction.

Money that reached the municipality is never refused: ``settle`` always records it, then applies
it to the notice it names when it pays that notice exactly, and otherwise holds it as unapplied,
with the reason, for a person. Locks are taken in the order every service of the receivables
takes them: the debtor (``lock_debtor``, ``lock_notice``), then the notice, then its debts and
installments, then their settlements, then the payment, and last the receipt series' counter.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from debts.bulk import Writes, insert_returning, insert_rows
from debts.models import (
    Debt,
    Installment,
    NoticeItem,
    PaymentNotice,
    Settlement,
    principal_before,
)
from debts.money import ZERO, apportion, euros, figures
from debts.rf import InvalidRF, validate_rf
from debts.services import build_notice, cancel_notice, lock_debtor, lock_notice, lock_notices
from debts.tap import properties_of
from receipts.certificates import issue_awaiting_certificates, revoke_certificates_since
from receipts.models import Receipt, payment_way
from receipts.services import ReceiptDraft, ReceiptLine, issue_receipts, issue_reversal

from .models import (
    Allocation,
    Channel,
    OwnTransfer,
    Payment,
    PaymentReturn,
    Tender,
    UnappliedEntry,
    UnappliedReason,
)


@dataclass(frozen=True)
class Settled:
    """What became of money handed to ``settle``: applied with its receipt, or held (reason)."""

    payment: Payment
    receipt: Receipt | None
    reason: str | None
    repeated: bool = False

    @property
    def applied(self) -> bool:
        return self.receipt is not None


@dataclass(frozen=True)
class Arrival:
    """Money a channel reports, to be settled: under the channel's own ``reference``, naming a
    notice (``notice_id``) or what the payer gave (``named``, an RF or nothing)."""

    channel: str
    reference: str
    amount: Decimal
    received_at: datetime
    notice_id: int | None = None
    named: str = ""
    tender: str = ""
    payer: str = ""


def settle(
    *,
    channel: str,
    reference: str,
    amount: Decimal,
    received_at: datetime,
    notice: PaymentNotice | None = None,
    rf: str = "",
    tender: str = "",
    payer: str = "",
    recorded_by=None,
) -> Settled:
    """Record money received through ``channel`` under its own ``reference``, and apply it to
    the notice it names (``notice``, or the RF the payer gave) when it pays it exactly.

    Anything else is held as unapplied with its reason: no such notice or a malformed RF, an
    amount short or over, a notice cancelled or already paid, a debt or installment on it paid,
    settled or corrected since it was issued. The same (channel, reference) seen again returns
    what was recorded the first time; the same reference with another amount is refused.
    A batch of one of ``settle_many``: one code path for the rules.
    """
    arrival = Arrival(
        channel=channel,
        reference=reference,
        amount=amount,
        received_at=received_at,
        notice_id=notice.pk if notice else None,
        named=rf.strip() or (notice.rf_code if notice else ""),
        tender=tender,
        payer=payer,
    )
    return settle_many([arrival], recorded_by=recorded_by)[0]


def settle_many(arrivals: list[Arrival], *, recorded_by=None) -> list[Settled]:
    """``settle`` each of ``arrivals``, in order, in one transaction and a number of queries
    that does not grow with them: what each becomes is what ``settle`` one by one would make
    of it (a second payment of a notice the batch pays is held as its overpayment).

    Bad input (no reference, an amount that is not euros and cents) refuses the whole batch
    before anything is written.
    """
    arrivals = [_checked(arrival) for arrival in arrivals]
    with transaction.atomic():
        return _settle_all(arrivals, actor=recorded_by)


def _checked(arrival: Arrival) -> Arrival:
    reference = arrival.reference.strip()
    if not reference:
        raise ValidationError(_("Λείπει η αναφορά της συναλλαγής."), "no_reference")
    amount = arrival.amount
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            _("Το ποσό %(amount)s δεν είναι θετικό ποσό σε ευρώ και λεπτά.") % {"amount": amount},
            "bad_amount",
        )
    return replace(arrival, reference=reference, named=arrival.named.strip())


def settle_at_counter(
    debtor,
    *,
    debts=(),
    installments=(),
    expected_total: Decimal,
    tender: str,
    reference: str,
    cashier,
) -> Settled:
    """Money handed over at the counter for debts and installments the cashier picked: a notice
    for them made on the spot, with the amounts the cashier reviewed (``expected_total``; a day
    gone by since refuses it), and its payment, in one transaction.

    The debtor is locked before the reference is looked up, so the same form sent twice waits for
    the first and then gets what it recorded, never a refusal for lines the first one paid. The
    same form is the same lines: a POS slip typed again for the payer's other debts is refused.
    """
    reference = reference.strip()
    with transaction.atomic():
        lock_debtor(debtor.pk)
        if Payment.objects.filter(channel=Channel.COUNTER, reference=reference).exists():
            repeat = Payment(channel=Channel.COUNTER, reference=reference, amount=expected_total)
            found = _recorded_all([repeat])[(Channel.COUNTER, reference)]
            picked = NoticeLines(list(debts), list(installments))
            return _counter_repeat(found, debtor_id=debtor.pk, lines=picked)
        notice = build_notice(
            debtor,
            debts=debts,
            installments=installments,
            origin=PaymentNotice.Origin.MUNICIPALITY,
            created_by=cashier,
            expected_total=expected_total,
        )
        return pay_notice_at_counter(notice, tender=tender, reference=reference, cashier=cashier)


def pay_notice_at_counter(
    notice: PaymentNotice, *, tender: str, reference: str, cashier
) -> Settled:
    """Money handed over at the counter for ``notice``: its total, received now. A notice paid
    or cancelled meanwhile leaves the money held, as ``settle`` holds it. Cash for one past its
    validity is refused, recording nothing: its frozen amounts no longer hold at the counter,
    where the debts can be taken at today's. A POS card is charged before its slip is typed:
    that money has arrived, and is settled as a bank's late transfer is (``settle``)."""
    with transaction.atomic():
        locked = lock_notice(notice.pk)
        if tender == Tender.CASH and locked.current_status == PaymentNotice.Status.EXPIRED:
            raise ValidationError(
                _(
                    "Το ειδοποιητήριο %(rf)s έληξε (ίσχυε έως %(day)s) και τα ποσά του δεν "
                    "ισχύουν πια: δεν καταχωρίστηκε τίποτα. Εισπράξτε τις οφειλές του με τα "
                    "σημερινά ποσά, επιλέγοντάς τις στη σελίδα του οφειλέτη."
                )
                % {
                    "rf": locked.formatted_rf,
                    "day": date_format(locked.valid_until, "SHORT_DATE_FORMAT"),
                },
                "notice_expired",
            )
        settled = settle(
            channel=Channel.COUNTER,
            reference=reference,
            amount=notice.total,
            received_at=timezone.now(),
            notice=notice,
            tender=tender,
            recorded_by=cashier,
        )
        return _counter_repeat(settled, notice_id=notice.pk)


def _counter_repeat(
    settled: Settled, *, debtor_id=None, notice_id=None, lines: "NoticeLines | None" = None
) -> Settled:
    """A counter reference seen again is the same form sent twice only for the same payer (or
    notice) and, for lines picked, the same ``lines`` as its notice holds. A POS slip
    number is typed by hand: typed again for another payer's money, or for the same payer's
    other debts, it is refused, not taken for what the first recorded, which would leave that
    money unrecorded."""
    payment = settled.payment
    other = (debtor_id is not None and payment.debtor_id != debtor_id) or (
        notice_id is not None and payment.notice_id != notice_id
    )
    if settled.repeated and not other and lines is not None:
        items = NoticeItem.objects.filter(notice=payment.notice_id)
        other = lines.keys() != {
            ("debt", debt) if debt else ("inst", installment)
            for debt, installment in items.values_list("debt", "installment")
        }
    if settled.repeated and other:
        raise ValidationError(
            _(
                "Ο αριθμός «%(reference)s» έχει ήδη καταχωριστεί για άλλη πληρωμή: ελέγξτε τον "
                "στην απόδειξη του POS."
            )
            % {"reference": payment.reference},
            "reference_taken",
        )
    return settled


def _settle_all(arrivals: list[Arrival], *, actor) -> list[Settled]:
    rfs = {}
    for arrival in arrivals:
        if arrival.notice_id is None and arrival.named:
            try:
                rfs[arrival.named] = validate_rf(arrival.named)
            except InvalidRF:
                rfs[arrival.named] = None
    notices = lock_notices(
        ids=[arrival.notice_id for arrival in arrivals],
        rf_codes=[rf for rf in rfs.values() if rf],
    )
    by_id = {notice.pk: notice for notice in notices}
    by_rf = {notice.rf_code: notice for notice in notices}
    payments = []
    for arrival in arrivals:
        if arrival.notice_id is not None:
            notice = by_id.get(arrival.notice_id)
        else:
            notice = by_rf.get(rfs.get(arrival.named))
        payments.append(
            Payment(
                notice=notice,
                debtor_id=notice.debtor_id if notice else None,
                channel=arrival.channel,
                tender=arrival.tender,
                amount=arrival.amount,
                received_at=arrival.received_at,
                reference=arrival.reference,
                named_reference=arrival.named[:140],
                payer=arrival.payer[:200],
                recorded_by=actor,
            )
        )
    inserted = _insert_unless_recorded(payments)
    actor_id = actor.pk if actor is not None else None
    new = [payment for payment, fresh in zip(payments, inserted, strict=True) if fresh]
    reasons = _reasons(
        new, malformed={a.named for a in arrivals if a.named in rfs and not rfs[a.named]}
    )
    held = [payment for payment in new if reasons[payment.pk][0] is not None]
    insert_rows(
        UnappliedEntry,
        ["payment", "amount", "reason", "notice", "actor"],
        [
            (payment.pk, payment.amount, reasons[payment.pk][0], payment.notice_id, actor_id)
            for payment in held
        ],
    )
    applied = [payment for payment in new if reasons[payment.pk][0] is None]
    receipts = _apply_all(
        [(payment, payment.notice, reasons[payment.pk][1]) for payment in applied], cashier=actor
    )
    results = {
        payment.pk: Settled(payment=payment, receipt=None, reason=reasons[payment.pk][0])
        for payment in held
    }
    results |= {
        payment.pk: Settled(payment=payment, receipt=receipt, reason=None)
        for payment, receipt in zip(applied, receipts, strict=True)
    }
    repeats = _recorded_all([p for p, fresh in zip(payments, inserted, strict=True) if not fresh])
    return [
        results[payment.pk] if fresh else repeats[(payment.channel, payment.reference)]
        for payment, fresh in zip(payments, inserted, strict=True)
    ]


def _reasons(payments: list[Payment], *, malformed: set[str]) -> dict:
    """Each new payment's (reason it is held, or None; the notice's locked lines when applied),
    judged in order as ``settle`` one at a time would: a notice an earlier payment of the batch
    pays is paid for the later ones, and so are its lines; and a late payment of an expired
    notice cancels the newer open notices of its lines (``_cancel_newer_notices``)."""
    Status = PaymentNotice.Status
    payable = {
        payment.notice.pk: payment.notice
        for payment in payments
        if payment.notice is not None and _why_not_payable(payment.notice, payment.amount) is None
    }
    if any(notice.status == Status.EXPIRED for notice in payable.values()):
        payable |= {
            payment.notice.pk: payment.notice
            for payment in payments
            if payment.notice is not None and payment.notice.status == Status.OPEN
        }
    lines = _locked_lines(list(payable.values()))
    paid_notices, paid_lines, cancelled = set(), set(), set()
    reasons = {}
    for payment in payments:
        notice = payment.notice
        if notice is None:
            reason = (
                UnappliedReason.MALFORMED_REFERENCE
                if payment.named_reference in malformed
                else UnappliedReason.NO_NOTICE
            )
            reasons[payment.pk] = (reason, None)
            continue
        status = notice.status
        if notice.pk in paid_notices:
            status = Status.PAID
        elif notice.pk in cancelled:
            status = Status.CANCELLED
        reason = _why_not_payable(notice, payment.amount, status=status)
        found = lines.get(notice.pk)
        if reason is None:
            keys = found.keys()
            reason = (
                UnappliedReason.LINE_CLOSED
                if keys & paid_lines
                else _why_lines_not_payable(notice, found)
            )
        if reason is None:
            paid_notices.add(notice.pk)
            paid_lines |= keys
            if notice.status == Status.EXPIRED:
                cancelled |= {
                    pk
                    for pk, other in lines.items()
                    if payable[pk].status == Status.OPEN and other.keys() & keys
                }
        reasons[payment.pk] = (reason, found if reason is None else None)
    return reasons


def _insert_unless_recorded(payments: list[Payment]) -> list[bool]:
    """Insert each of ``payments`` unless its (channel, reference) is already recorded (or comes
    earlier in the list); whether each was.

    ``INSERT … ON CONFLICT DO NOTHING``: a concurrent repeat waits for the first to commit and
    then inserts nothing, with no savepoint to undo, on PostgreSQL and SQLite alike.
    """
    fields = [field for field in Payment._meta.concrete_fields if not field.primary_key]
    first = {}
    for payment in payments:
        first.setdefault((payment.channel, payment.reference), payment)
    rows = list(first.values())
    new = insert_returning(
        Payment,
        [field.name for field in fields],
        [[getattr(payment, field.attname) for field in fields] for payment in rows],
        returning=("channel", "reference", "id"),
        unless=("channel", "reference"),
    )
    pks = {(channel, reference): pk for channel, reference, pk in new}
    inserted, alias = [], connection.alias
    for payment in payments:
        key = (payment.channel, payment.reference)
        fresh = first[key] is payment and key in pks
        if fresh:
            payment.pk = pks[key]
            payment._state.adding = False
            payment._state.db = alias
        inserted.append(fresh)
    return inserted


def _recorded_all(repeats: list[Payment]) -> dict:
    """What was recorded the first time each of this money was seen, by (channel, reference);
    the same reference with another amount refuses the batch."""
    if not repeats:
        return {}
    wanted = Q()
    for payment in repeats:
        wanted |= Q(channel=payment.channel, reference=payment.reference)
    recorded = {(p.channel, p.reference): p for p in Payment.objects.filter(wanted)}
    for payment in repeats:
        first = recorded[(payment.channel, payment.reference)]
        if first.amount != payment.amount:
            raise ValidationError(
                _("Η συναλλαγή %(reference)s έχει ήδη καταχωριστεί για άλλο ποσό (%(amount)s €).")
                % {"reference": payment.reference, "amount": figures(first.amount)},
                "reference_taken",
            )
    ids = [payment.pk for payment in recorded.values()]
    receipts, reasons = {}, {}
    allocations = Allocation.objects.filter(payment__in=ids).select_related("receipt")
    for allocation in allocations.order_by("-pk"):
        receipts[allocation.payment_id] = allocation.receipt
    for entry in UnappliedEntry.objects.filter(payment__in=ids).order_by("-pk"):
        reasons[entry.payment_id] = entry.reason
    return {
        key: Settled(
            payment=payment,
            receipt=receipts.get(payment.pk),
            reason=None if payment.pk in receipts else reasons.get(payment.pk),
            repeated=True,
        )
        for key, payment in recorded.items()
    }


def _why_not_payable(notice: PaymentNotice, amount: Decimal, *, status: str = "") -> str | None:
    """Why ``amount`` cannot pay ``notice`` as a whole, judged on the notice alone (``status``:
    the one an earlier payment of the batch leaves it in)."""
    status = status or notice.status
    if status == PaymentNotice.Status.CANCELLED:
        return UnappliedReason.NOTICE_CANCELLED
    if status == PaymentNotice.Status.PAID:
        return UnappliedReason.NOTICE_PAID
    if amount < notice.total:
        return UnappliedReason.AMOUNT_SHORT
    if amount > notice.total:
        return UnappliedReason.AMOUNT_OVER
    return None


@dataclass
class NoticeLines:
    """A notice's debts and installments, locked, each with the amounts the notice froze."""

    debts: list[Debt] = field(default_factory=list)
    installments: list[Installment] = field(default_factory=list)

    def keys(self) -> set[tuple[str, int]]:
        """Its lines, as keys that tell a debt from an installment of the same id."""
        return {("debt", d.pk) for d in self.debts} | {("inst", i.pk) for i in self.installments}


def _locked_lines(notices: list[PaymentNotice]) -> dict[int, NoticeLines]:
    """Their debts, then (for the notices whose debts alone do not make the total: a notice's
    total is its lines') their installments, each locked and read with what its notice froze,
    by notice id; two queries at most however many notices."""
    if not notices:
        return {}
    lines = {notice.pk: NoticeLines() for notice in notices}
    frozen = {"frozen_principal": F("notice_items__principal")}
    frozen["frozen_surcharge"] = F("notice_items__surcharge")
    frozen["frozen_on"] = F("notice_items__notice_id")
    debts = (
        Debt.objects.select_for_update(of=("self",))
        .filter(notice_items__notice__any=list(lines))
        .select_related("revenue_type")
        .annotate(**frozen)
        .order_by("due_date", "pk")
    )
    for debt in debts:
        lines[debt.frozen_on].debts.append(debt)
    short = [
        notice.pk
        for notice in notices
        if sum((d.frozen_principal + d.frozen_surcharge for d in lines[notice.pk].debts), ZERO)
        != notice.total
    ]
    if short:
        installments = (
            Installment.objects.select_for_update(of=("self",))
            .filter(notice_items__notice__any=short)
            .select_related("settlement")
            .annotate(**frozen, principal_before=principal_before())
            .order_by("due_date", "pk")
        )
        for installment in installments:
            lines[installment.frozen_on].installments.append(installment)
    return lines


def _why_lines_not_payable(notice: PaymentNotice, lines: NoticeLines) -> str | None:
    """Only an expired notice's lines can have moved since it was issued: an open notice holds
    its lines, and its debts refuse edits."""
    rows = [*lines.debts, *lines.installments]
    if any(row.status != row.Status.OPEN for row in rows):
        return UnappliedReason.LINE_CLOSED
    if notice.status == PaymentNotice.Status.EXPIRED and any(
        debt.debtor_id != notice.debtor_id
        or (debt.principal, debt.surcharge(notice.valid_until))
        != (debt.frozen_principal, debt.frozen_surcharge)
        for debt in lines.debts
    ):
        return UnappliedReason.LINE_CORRECTED
    return None


def _period(debt: Debt) -> str:
    ends = [day for day in (debt.period_start, debt.period_end) if day]
    return "–".join(date_format(day, "SHORT_DATE_FORMAT") for day in ends)


class SettledRevenue(NamedTuple):
    """A revenue code (ΚΑΕ) of the debts a settlement holds: the principal of those debts, and
    its part of the surcharges the settlement took in (``Settlement.surcharge``)."""

    code: str
    name: str
    principal: Decimal
    surcharge: Decimal


def _receipt_lines(lines: NoticeLines, codes: dict[int, list[SettledRevenue]]) -> list[ReceiptLine]:
    """What the receipt says of each line; ``codes``: each settlement's revenue codes (ΚΑΕ)
    (``_settlement_revenue``).

    An installment of a settlement over several codes is one line per code, with its part of the
    installment (``_installment_parts``), so the report, which sums the receipts' lines per
    code, posts it under real budget codes, and a reversal, which mirrors the lines, cancels it
    code by code.
    An installment's amount is told apart as the accounts office posts it: the principal of the
    settled debts, their surcharges the settlement took in (with the installment's own late
    charge) and the settlement's interest.
    """
    receipt_lines = [
        ReceiptLine(
            revenue_code=debt.revenue_type.code,
            revenue_name=debt.revenue_type.name,
            description=debt.description,
            period=_period(debt),
            principal=debt.frozen_principal,
            surcharge=debt.frozen_surcharge,
        )
        for debt in lines.debts
    ]
    for installment in lines.installments:
        revenue = codes[installment.settlement_id]
        parts = zip(revenue, *_installment_parts(installment, revenue), strict=True)
        description = str(installment)
        period = date_format(installment.due_date, "SHORT_DATE_FORMAT")
        for share, principal, surcharge, interest in parts:
            if len(revenue) > 1 and not (principal or surcharge or interest):
                continue  # a code too small to get a cent of this installment
            receipt_lines.append(
                ReceiptLine(
                    revenue_code=share.code,
                    revenue_name=_("Ρύθμιση οφειλών"),
                    description=description
                    if len(revenue) == 1
                    else _("%(installment)s — μέρος για ΚΑΕ %(code)s (%(revenue)s)")
                    % {"installment": description, "code": share.code, "revenue": share.name},
                    period=period,
                    principal=principal,
                    surcharge=surcharge,
                    interest=interest,
                )
            )
    return receipt_lines


def _settlement_revenue(
    settlement_ids: set[int], *, paid: list[int]
) -> tuple[dict[int, list[SettledRevenue]], set[int]]:
    """The revenue codes of the debts each settlement holds, in code order, with their part of
    its surcharges as frozen on approval (``Settlement.surcharge_by_code``); and which of the
    settlements have an installment open besides those ``paid``. One query."""
    unpaid = Installment.objects.filter(
        settlement=OuterRef("pk"), status=Installment.Status.OPEN
    ).exclude(pk__any=paid)
    rows = (
        Settlement.objects.filter(pk__in=settlement_ids)
        .annotate(still_open=Exists(unpaid))
        .values(
            "pk",
            "surcharge_by_code",
            "still_open",
            "debts__revenue_type__code",
            "debts__revenue_type__name",
        )
        .annotate(principal=Sum("debts__principal"))
        .order_by("pk", "debts__revenue_type__code")
        .values_list(
            "pk",
            "debts__revenue_type__code",
            "debts__revenue_type__name",
            "principal",
            "surcharge_by_code",
            "still_open",
        )
    )
    codes: dict[int, list[SettledRevenue]] = {pk: [] for pk in settlement_ids}
    still_open = set()
    for settlement_id, code, name, principal, surcharges, unpaid_left in rows:
        if unpaid_left:
            still_open.add(settlement_id)
        if code is not None:
            surcharge = Decimal(surcharges.get(code, "0.00"))
            codes[settlement_id].append(SettledRevenue(code, name, principal, surcharge))
    return codes, still_open


def _installment_parts(installment, revenue: list[SettledRevenue]) -> tuple[list, list, list]:
    """An installment's principal, surcharge and interest, each in parts per revenue code.

    The principal and the settled surcharges are apportioned as running totals over the
    settlement's installments (``apportion``: this one's parts are those of the total through it
    less those of the total before it), so that over the settlement each code gets exactly its
    debts' principal and its part of the surcharges. The interest and a late charge, of this
    installment alone, go by what each code owes the settlement (principal and surcharge), the
    cents of ties round the codes installment by installment. An installment's principal and
    interest are its schedule's, never changed, as its notice froze them (its amount)."""
    settlement = installment.settlement
    before = installment.principal_before
    through = before + installment.principal
    surcharged = [settlement.surcharge_within(before), settlement.surcharge_within(through)]
    principals = [code.principal for code in revenue]
    surcharges = [code.surcharge for code in revenue]
    owed = [code.principal + code.surcharge for code in revenue]

    def running(totals: list[Decimal], weights: list[Decimal]) -> list[Decimal]:
        earlier, now = (apportion(total, weights) for total in totals)
        return [part - part_before for part, part_before in zip(now, earlier, strict=True)]

    late = apportion(installment.frozen_surcharge, owed, first=installment.number)
    return (
        running([before - surcharged[0], through - surcharged[1]], principals),
        [
            settled + charge
            for settled, charge in zip(running(surcharged, surcharges), late, strict=True)
        ],
        apportion(installment.interest, owed, first=installment.number),
    )


def _apply_all(applications: list[tuple], *, cashier) -> list[Receipt]:
    """Mark each (payment, notice, lines) notice and its lines paid, issue the receipts and
    allocate the money to the lines, from the amounts the notices froze, in a number of
    statements that does not grow with the applications. The caller holds the locks and has
    checked it all (no line on two of them).

    What is still to lock and read comes first, in the order of the module's locks (the
    settlements and the debts of those paid off), then the receipts are numbered; what the
    notices, their items and lines, the settlements and the allocations are written goes as one
    ``Writes``: of its rows only the notice items were not locked before, and only a holder of
    their debtor's lock writes those. Last, the newer notices of lines paid late are cancelled,
    so that the records tell the payment first."""
    if not applications:
        return []
    notices = [notice for _payment, notice, _lines in applications]
    causes = {notice.pk: f"{p.channel} payment {p.reference}" for p, notice, _lines in applications}
    expired = [
        (notice, lines)
        for _payment, notice, lines in applications
        if notice.status == PaymentNotice.Status.EXPIRED
    ]
    debts = [d for _p, _n, lines in applications for d in lines.debts]
    debt_causes = {d.pk: causes[n.pk] for _p, n, lines in applications for d in lines.debts}
    installments = [i for _p, _n, lines in applications for i in lines.installments]
    installment_causes = {
        i.pk: causes[n.pk] for _p, n, lines in applications for i in lines.installments
    }
    settlements = {}
    for _payment, notice, lines in applications:
        for installment in lines.installments:
            settlements.setdefault(installment.settlement_id, causes[notice.pk])
    writes = Writes()
    PaymentNotice.states.advance_all(
        notices, PaymentNotice.Status.PAID, cause=causes, actor=cashier, writes=writes
    )
    writes.update(NoticeItem, "notice", [notice.pk for notice in notices], is_open=False)
    codes, paid_off, settled_debts = _paid_off(settlements, installments)
    Debt.states.advance_all(
        debts + settled_debts,
        Debt.Status.PAID,
        cause=debt_causes | {d.pk: settlements[d.settlement_id] for d in settled_debts},
        actor=cashier,
        writes=writes,
    )
    Installment.states.advance_all(
        installments,
        Installment.Status.PAID,
        cause=installment_causes,
        actor=cashier,
        writes=writes,
    )
    Settlement.states.advance_all(
        paid_off,
        Settlement.Status.COMPLETED,
        cause={s.pk: settlements[s.pk] for s in paid_off},
        actor=cashier,
        writes=writes,
    )
    # A settlement's history shows it completed, as it shows it reopened (``advance`` writes
    # that row; ``advance_all`` writes none).
    Settlement.history.bulk_history_create(paid_off, update=True, default_user=cashier)
    receipts = _issue_receipts(applications, codes, cashier)
    writes.insert(
        Allocation,
        ["payment", "receipt", "notice", "debt", "installment", "principal", "surcharge"],
        [
            (payment_id, receipt.pk, notice.pk, debt_id, installment_id, principal, surcharge)
            for (funds, notice, lines), receipt in zip(applications, receipts, strict=True)
            for payment_id, debt_id, installment_id, principal, surcharge in _allocated(
                funds, lines
            )
        ],
    )
    writes.send()
    if expired:
        _cancel_newer_notices(expired, paid=notices, actor=cashier)
    issue_awaiting_certificates(notices)
    return receipts


def _allocated(funds, lines: NoticeLines):
    """(payment id, debt id, installment id, principal, surcharge) of each allocation paying
    ``lines`` from ``funds``: a ``Payment`` pays each line whole; ``Pooled`` payments pay the
    lines in order, oldest payment first, a line that two of them meet split between them, its
    principal and surcharge in proportion (``apportion``), so each line is paid exactly once."""
    frozen = [(d.pk, None, d.frozen_principal, d.frozen_surcharge) for d in lines.debts]
    frozen += [(None, i.pk, i.frozen_principal, i.frozen_surcharge) for i in lines.installments]
    if not isinstance(funds, Pooled):
        return [(funds.pk, *line) for line in frozen]
    shares = iter(funds.shares)
    payment, left = next(shares)
    rows = []
    for debt_id, installment_id, principal, surcharge in frozen:
        parts, due = [], principal + surcharge
        while due:
            if not left:
                payment, left = next(shares)
            taken = min(due, left)
            parts.append((payment.pk, taken))
            due, left = due - taken, left - taken
        principals = apportion(principal, [taken for _pk, taken in parts])
        rows += [
            (payment_id, debt_id, installment_id, part, taken - part)
            for (payment_id, taken), part in zip(parts, principals, strict=True)
        ]
    return rows


def _issue_receipts(
    applications: list[tuple], codes: dict[int, list[SettledRevenue]], cashier
) -> list[Receipt]:
    """One receipt per application, numbered in their order within each channel's series;
    ``codes``: the revenue codes of the installments' settlements (``_settlement_revenue``).

    A receipt keeps its text as issued, in the portal's language (its PDF is kept so): not in
    the English a cashier's admin or a citizen's card payment may be running in."""
    by_series: dict[str, list[int]] = {}
    for index, (payment, _notice, _lines) in enumerate(applications):
        by_series.setdefault(payment.channel, []).append(index)
    receipts = [None] * len(applications)
    with translation.override(settings.LANGUAGE_CODE):
        for series, indexes in by_series.items():
            drafts = []
            for index in indexes:
                payment, notice, lines = applications[index]
                drafts.append(
                    ReceiptDraft(
                        debtor=notice.debtor,
                        lines=_receipt_lines(lines, codes),
                        channel=payment.channel,
                        channel_label=payment_way(payment.channel, payment.tender),
                        tender=payment.tender,
                        channel_reference=payment.reference,
                        received_at=payment.received_at,
                        notice_rf=notice.rf_code,
                        cashier=cashier if payment.channel == Channel.COUNTER else None,
                    )
                )
            for index, receipt in zip(indexes, issue_receipts(series, drafts), strict=True):
                receipts[index] = receipt
    return receipts


def _cancel_newer_notices(expired: list[tuple], *, paid: list[PaymentNotice], actor) -> None:
    """Late money for an expired notice pays its lines: a newer open notice of any of them would
    ask for them again. The notices ``paid`` with it are not newer ones."""
    paid_by = {}
    for notice, lines in expired:
        paid_by |= {("debt", debt.pk): notice for debt in lines.debts}
        paid_by |= {("inst", inst.pk): notice for inst in lines.installments}
    debts = [pk for kind, pk in paid_by if kind == "debt"]
    installments = [pk for kind, pk in paid_by if kind == "inst"]
    newer = (
        NoticeItem.objects.filter(is_open=True)
        .filter(Q(debt__in=debts) | Q(installment__in=installments))
        .exclude(notice__any=[notice.pk for notice in paid])
    )
    others = {}
    for notice_id, debt_id, installment_id in newer.values_list(
        "notice_id", "debt_id", "installment_id"
    ):
        key = ("debt", debt_id) if debt_id else ("inst", installment_id)
        others.setdefault(notice_id, paid_by[key])
    for other in PaymentNotice.objects.filter(pk__in=others).order_by("pk"):
        cause = f"its lines paid by {others[other.pk].formatted_rf}"
        cancel_notice(other, cause=cause, actor=actor)


def _paid_off(
    causes: dict[int, str], installments: list[Installment]
) -> tuple[dict[int, list[SettledRevenue]], list[Settlement], list[Debt]]:
    """The settlements of the ``installments`` being paid (``causes``, by id): each one's
    revenue codes, for the receipts (``_settlement_revenue``); those the installments pay off;
    and the debts these hold, locked. Three statements at most, whatever the settlements of a
    batch.

    A settlement's installments still open are read once it is locked, so a payment of another
    installment whose commit the lock waited for is seen; ``installments``, locked by the
    caller and not yet written paid, are not open."""
    if not causes:
        return {}, [], []
    locked = list(
        Settlement.objects.select_for_update()
        .filter(pk__in=causes, status=Settlement.Status.ACTIVE)
        .order_by("pk")
    )
    codes, still_open = _settlement_revenue(set(causes), paid=[i.pk for i in installments])
    paid_off = [settlement for settlement in locked if settlement.pk not in still_open]
    if not paid_off:
        return codes, [], []
    debts = list(
        Debt.objects.select_for_update()
        .filter(settlement__in=paid_off, status=Debt.Status.IN_SETTLEMENT)
        .order_by("pk")
    )
    return codes, paid_off, debts


# --- The queue of unapplied money, worked by finance staff ---------------------------------


def unapplied_balance(payment: Payment) -> Decimal:
    """What ``payment`` still holds for a person to resolve."""
    total = payment.unapplied_entries.aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def _lock_payments(ids) -> list[Payment]:
    """The payments of ``ids``, locked in id order (two people pooling the same payments take
    their locks in the same order)."""
    return list(Payment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


# The receipt of pooled payments names each one's reference (``Receipt.channel_reference``).
MOST_POOLED = 5


@dataclass(frozen=True)
class Pooled:
    """The held money of several payments paying one notice together (a payer who paid it in
    parts): ``shares``, each payment with what it gives, oldest first. Its receipt is in their
    channel's series, names all their references and is dated when the last one arrived."""

    shares: tuple[tuple[Payment, Decimal], ...]

    @property
    def channel(self) -> str:
        return self.shares[0][0].channel

    @property
    def reference(self) -> str:
        return ", ".join(payment.reference for payment, _share in self.shares)

    @property
    def received_at(self) -> datetime:
        return max(payment.received_at for payment, _share in self.shares)

    @property
    def tender(self) -> str:
        """What was handed over at the counter, if the same for all (blank for cash and card)."""
        tenders = {payment.tender for payment, _share in self.shares}
        return tenders.pop() if len(tenders) == 1 else ""


def _funds(payments: list[Payment], notice: PaymentNotice) -> Pooled:
    """What pays ``notice`` from the balances of ``payments`` (each with ``held``), ``Pooled``
    (one payment is a pool of one): the oldest first, the last keeping what is left over.

    Refused when one holds nothing, they are of different channels (a receipt is in one
    channel's series) or more than ``MOST_POOLED``, they fall short of the notice, or the
    earlier ones already cover it without a later one."""
    pooled = len(payments) > 1
    for payment in payments:
        if pooled and payment.held <= 0:
            raise ValidationError(
                _("Η πληρωμή %(payment)s δεν έχει αδιάθετο υπόλοιπο.") % {"payment": payment},
                "not_held",
            )
    balance = sum((payment.held for payment in payments), ZERO)
    if balance < notice.total:
        short = (
            _(
                "Τα αδιάθετα υπόλοιπα των πληρωμών (%(balance)s € μαζί) δεν καλύπτουν το "
                "ειδοποιητήριο %(rf)s (%(total)s €)."
            )
            if pooled
            else _(
                "Το αδιάθετο υπόλοιπο της πληρωμής (%(balance)s €) δεν καλύπτει το "
                "ειδοποιητήριο %(rf)s (%(total)s €)."
            )
        )
        raise ValidationError(
            short
            % {
                "balance": figures(balance),
                "rf": notice.formatted_rf,
                "total": figures(notice.total),
            },
            "balance_short",
        )
    if len(payments) > MOST_POOLED:
        raise ValidationError(
            _("Μαζί διατίθενται το πολύ %(most)d πληρωμές.") % {"most": MOST_POOLED},
            "too_many_pooled",
        )
    if len({payment.channel for payment in payments}) > 1:
        raise ValidationError(
            _("Μαζί διατίθενται μόνο πληρωμές του ίδιου τρόπου πληρωμής."), "channels_differ"
        )
    shares, due = [], notice.total
    for payment in sorted(payments, key=lambda payment: (payment.received_at, payment.pk)):
        if not due:
            raise ValidationError(
                _(
                    "Η πληρωμή %(payment)s δεν χρειάζεται: οι παλαιότερες καλύπτουν ήδη το "
                    "ειδοποιητήριο %(rf)s."
                )
                % {"payment": payment, "rf": notice.formatted_rf},
                "not_needed",
            )
        share = min(payment.held, due)
        shares.append((payment, share))
        due -= share
    return Pooled(shares=tuple(shares))


@transaction.atomic
def apply_unapplied(
    payment: Payment, notice: PaymentNotice, *, actor, together: tuple[Payment, ...] = ()
) -> Receipt:
    """Apply held money to ``notice`` (of any debtor a person judged right): the notice is paid
    in full from the payment's balance, or from the balances of it and the payments
    ``together`` with it (``Pooled``), and one receipt issued; what is left over stays held.

    Refused, changing nothing, when the balances do not cover the notice (``_funds``) or the
    notice cannot be paid (cancelled, paid, a line paid or corrected since).
    """
    notice = lock_notice(notice.pk)
    payments = _lock_payments({payment.pk, *(other.pk for other in together)})
    for locked in payments:
        locked.held = unapplied_balance(locked)
    funds = _funds(payments, notice)
    reason = _why_not_payable(notice, notice.total)
    lines = None
    if reason is None:
        lines = _locked_lines([notice])[notice.pk]
        reason = _why_lines_not_payable(notice, lines)
    if reason is not None:
        raise ValidationError(
            _("Το ειδοποιητήριο %(rf)s δεν εξοφλείται: %(reason)s.")
            % {"rf": notice.formatted_rf, "reason": UnappliedReason(reason).label},
            "notice_not_payable",
        )
    (receipt,) = _apply_all([(funds, notice, lines)], cashier=actor)
    UnappliedEntry.objects.bulk_create(
        UnappliedEntry(
            payment=payment,
            amount=-share,
            reason=UnappliedReason.APPLIED,
            notice=notice,
            actor=actor,
        )
        for payment, share in funds.shares
    )
    return receipt


def apply_unapplied_to_debts(
    payment: Payment,
    debtor,
    *,
    debts=(),
    installments=(),
    expected_total: Decimal | None = None,
    together: tuple[Payment, ...] = (),
    actor,
) -> Receipt:
    """Apply held money to debts and installments a person picked: a notice is issued for them
    on the spot (amounts frozen today; ``expected_total``, what the person reviewed, refuses it
    if they moved since) and paid from the payment's balance, or with the payments
    ``together`` with it (``apply_unapplied``)."""
    with transaction.atomic():
        notice = build_notice(
            debtor,
            debts=debts,
            installments=installments,
            origin=PaymentNotice.Origin.MUNICIPALITY,
            created_by=actor,
            expected_total=expected_total,
        )
        return apply_unapplied(payment, notice, actor=actor, together=together)


def _lock_holding(payment: Payment, expected_balance: Decimal, refusal: str):
    """``payment`` locked, and what it holds; refused with ``refusal`` (its ``%(balance)s``, what
    it holds now) unless that is the ``expected_balance`` the person was shown."""
    (payment,) = _lock_payments([payment.pk])
    balance = unapplied_balance(payment)
    if balance != expected_balance:
        raise ValidationError(refusal % {"balance": euros(balance)}, "balance_changed")
    return payment, balance


@transaction.atomic
def mark_for_return(
    payment: Payment, amount: Decimal, *, expected_balance: Decimal, reason: str, actor
) -> PaymentReturn:
    """Set held money aside to be returned to the payer; ``amount`` is at most the balance.

    ``expected_balance`` is the balance the person was shown: if it moved since (the same form
    sent twice, or someone else applied or returned some of it), nothing is set aside, so two
    people, or two clicks, never return the same money twice. The refusal stays until the page
    is opened again: the second of two clicks sees it, not the first's success, and sent once
    more it must not return the money again.
    """
    payment, balance = _lock_holding(
        payment,
        expected_balance,
        _(
            "Το αδιάθετο υπόλοιπο άλλαξε στο μεταξύ (τώρα %(balance)s): ανοίξτε ξανά τη "
            "σελίδα της πληρωμής και δείτε τι διατέθηκε ή επιστράφηκε, πριν σημειώσετε "
            "επιστροφή."
        ),
    )
    if not reason.strip():
        raise ValidationError(_("Γράψτε την αιτιολογία της επιστροφής."), "no_reason")
    if not ZERO < amount <= balance:
        raise ValidationError(
            _("Επιστρέφεται από 0,01 € έως το αδιάθετο υπόλοιπο (%(balance)s).")
            % {"balance": euros(balance)},
            "return_amount",
        )
    UnappliedEntry.objects.create(
        payment=payment,
        amount=-amount,
        reason=UnappliedReason.FOR_RETURN,
        note=reason,
        actor=actor,
    )
    return PaymentReturn.objects.create(
        payment=payment, amount=amount, reason=reason, requested_by=actor
    )


def may_be_own_transfer(payment: Payment) -> bool:
    """Whether ``payment`` (with ``held``, ``selectors.with_unapplied_balance``) may be taken off
    the queue as the municipality's own money (``record_own_transfer``)."""
    return _not_own_transfer(payment, payment.held) is None


def _named_rf(text: str) -> bool:
    try:
        validate_rf(text)
    except InvalidRF:
        return False
    return True


def _not_own_transfer(payment: Payment, balance: Decimal) -> ValidationError | None:
    """Why ``payment``, holding ``balance``, is a payer's money, not the municipality's own."""
    if payment.channel != Channel.BANK:
        return ValidationError(
            _("Μόνο ένα ποσό που ήρθε από την τράπεζα μπορεί να είναι μεταφορά του Δήμου."),
            "not_bank",
        )
    if payment.notice_id is not None:
        return ValidationError(
            _("Το ποσό ανέφερε ειδοποιητήριο οφειλέτη: είναι πληρωμή, όχι μεταφορά του Δήμου."),
            "names_notice",
        )
    if _named_rf(payment.named_reference):
        return ValidationError(
            _(
                "Το ποσό ανέφερε τον κωδικό RF %(rf)s: είναι πληρωμή οφειλέτη, που διατίθεται ή "
                "επιστρέφεται, όχι μεταφορά του Δήμου."
            )
            % {"rf": payment.named_reference},
            "names_rf",
        )
    if balance != payment.amount:
        return ValidationError(
            _(
                "Μέρος του ποσού έχει ήδη διατεθεί ή σημειωθεί προς επιστροφή: είναι χρήματα "
                "πληρωτή, όχι μεταφορά του Δήμου."
            ),
            "partly_resolved",
        )
    return None


@transaction.atomic
def record_own_transfer(
    payment: Payment, *, kind: str, note: str, expected_balance: Decimal, actor
) -> OwnTransfer:
    """Take off the queue a bank credit that was the municipality's own money (``OwnTransfer``):
    the card gateway's payout, the counter's cash deposited, a transfer from another of its
    accounts, with ``note`` saying which (the payout's id, the deposit slip).

    Only the whole of a bank credit that named no notice nor RF and still holds all of it
    (``_not_own_transfer``): money that named a citizen's notice or an RF, or part of which was
    applied or returned, is a payer's. As for a
    return, ``expected_balance`` is what the person was shown, so a form sent twice, or after
    someone else resolved the money, changes nothing.
    """
    payment, balance = _lock_holding(
        payment,
        expected_balance,
        _(
            "Το αδιάθετο υπόλοιπο άλλαξε στο μεταξύ (τώρα %(balance)s): ανοίξτε ξανά τη "
            "σελίδα της πληρωμής και δείτε τι έγινε με το ποσό."
        ),
    )
    refusal = _not_own_transfer(payment, balance)
    if refusal is not None:
        raise refusal
    if kind not in OwnTransfer.Kind.values:
        raise ValidationError(_("Επιλέξτε τι είδους μεταφορά είναι."), "kind")
    if not note.strip():
        raise ValidationError(
            _("Γράψτε ποια μεταφορά είναι (π.χ. ο κωδικός της εκκαθάρισης ή του γραμματίου)."),
            "no_note",
        )
    UnappliedEntry.objects.create(
        payment=payment,
        amount=-balance,
        reason=UnappliedReason.OWN_TRANSFER,
        note=note.strip(),
        actor=actor,
    )
    return OwnTransfer.objects.create(
        payment=payment, amount=balance, kind=kind, note=note.strip(), actor=actor
    )


@transaction.atomic
def record_returned(payment_return: PaymentReturn, *, reference: str, actor) -> PaymentReturn:
    """Record that money set aside for return has gone back to the payer by hand (a bank
    transfer, cash), with the reference of the transfer or slip. A card payment's only once the
    gateway refused it (``record_refused``): before, the gateway refunds it and
    ``record_refunded`` records it; recorded here first, the refund would never be sent."""
    if not reference.strip():
        raise ValidationError(_("Γράψτε την αναφορά της επιστροφής."), "no_reference")
    payment_return = (
        PaymentReturn.objects.select_for_update(of=("self",))
        .select_related("payment")
        .get(pk=payment_return.pk)
    )
    by_hand = PaymentReturn.objects.to_record_by_hand().filter(pk=payment_return.pk).exists()
    if payment_return.status == PaymentReturn.Status.REQUESTED and not by_hand:
        raise ValidationError(
            _(
                "Η επιστροφή πληρωμής με κάρτα γίνεται μέσω της πύλης πληρωμών και "
                "καταγράφεται αυτόματα, με τον κωδικό της επιστροφής χρημάτων."
            ),
            "card_refund",
        )
    return _returned(payment_return, reference, actor)  # once: the states refuse it again


@transaction.atomic
def record_came_back(
    payment_return: PaymentReturn, *, reason: str, expected_reference: str, actor
) -> PaymentReturn:
    """Record that money returned by hand came back: the transfer to the payer bounced (a closed
    or mistyped account) and the bank credited it back. The return is to be made again, listed
    for finance as before (a card's, refused by the gateway once, as refused again); the
    transfer that failed stays in its history, with ``reason``.

    ``expected_reference`` is the transfer the person was shown: if the return was made again
    since (someone else recorded the bounce and returned the money anew), that later transfer
    did not come back, and nothing changes; said of it, the money would be returned twice."""
    if not reason.strip():
        raise ValidationError(_("Γράψτε γιατί γύρισε πίσω η επιστροφή."), "no_reason")
    payment_return = (
        PaymentReturn.objects.select_for_update(of=("self",))
        .select_related("payment")
        .get(pk=payment_return.pk)
    )
    if not PaymentReturn.objects.may_come_back().filter(pk=payment_return.pk).exists():
        raise ValidationError(
            _(
                "Μόνο μια επιστροφή που καταγράφηκε από υπάλληλο ως γενόμενη μπορεί να γυρίσει "
                "πίσω· μια επιστροφή στην κάρτα την παρακολουθεί η πύλη πληρωμών."
            ),
            "not_returned_by_hand",
        )
    if payment_return.return_reference != expected_reference.strip():
        raise ValidationError(
            _(
                "Η επιστροφή καταγράφηκε στο μεταξύ ξανά ως γενόμενη, με την αναφορά "
                "%(reference)s: ανοίξτε ξανά τη σελίδα της πληρωμής και δείτε ποια μεταφορά "
                "γύρισε πίσω."
            )
            % {"reference": payment_return.return_reference},
            "returned_again",
        )
    card = payment_return.payment.channel == Channel.CARD
    payment_return.return_reference = ""
    PaymentReturn.states.advance(
        payment_return,
        PaymentReturn.Status.REFUSED if card else PaymentReturn.Status.REQUESTED,
        cause=reason.strip(),
        actor=actor,
        also_update=("return_reference",),
    )
    return payment_return


def record_refunded(payment_return: PaymentReturn, *, refund_id: str) -> PaymentReturn:
    """Record a card payment's return refunded through the gateway, under its refund id; the
    caller (``card.send_refund``) holds the return locked."""
    return _returned(payment_return, refund_id, actor=None)


def record_refused(payment_return: PaymentReturn, *, cause: str) -> PaymentReturn:
    """Record that the gateway did not refund a card payment's return: it refused the refund,
    or the refund it made failed later. No longer sent, the money waits for a person to return
    it otherwise (``record_returned``). The caller holds the return locked."""
    PaymentReturn.states.advance(payment_return, PaymentReturn.Status.REFUSED, cause=cause)
    return payment_return


def _returned(payment_return: PaymentReturn, reference: str, actor) -> PaymentReturn:
    payment_return.return_reference = reference.strip()
    PaymentReturn.states.advance(
        payment_return,
        PaymentReturn.Status.RETURNED,
        cause=f"returned {reference.strip()}",
        actor=actor,
        also_update=("return_reference",),
    )
    return payment_return


@transaction.atomic
def reverse_receipt(receipt: Receipt, *, reason: str, actor) -> Receipt:
    """Undo the application of money by staff correction: a reversing receipt, negative
    allocations, the lines open again (or back in their settlement), the notice cancelled so its
    RF is not paid twice, the money held again for a person (to apply or return), and any
    certificate of no ΤΑΠ debt issued since for a property whose ΤΑΠ it paid revoked."""
    if not reason.strip():
        raise ValidationError(_("Γράψτε την αιτιολογία της ακύρωσης."), "no_reason")
    receipt = Receipt.objects.select_related("debtor").get(pk=receipt.pk)
    lock_debtor(receipt.debtor_id)
    allocations = list(receipt.allocations.all())
    if receipt.is_reversal or not allocations:
        raise ValidationError(_("Ακυρώνεται μόνο απόδειξη είσπραξης."), "not_a_receipt")
    if Receipt.objects.filter(reverses=receipt).exists():
        raise ValidationError(
            _("Η απόδειξη %(number)s έχει ήδη ακυρωθεί.") % {"number": receipt}, "reversed"
        )
    notice = PaymentNotice.objects.select_for_update().get(pk=allocations[0].notice_id)
    _lock_payments({allocation.payment_id for allocation in allocations})
    cause = f"receipt {receipt} reversed"
    debts = list(
        Debt.objects.select_for_update()
        .filter(pk__in=[a.debt_id for a in allocations if a.debt_id])
        .order_by("pk")
    )
    installments = list(
        Installment.objects.select_for_update()
        .filter(pk__in=[a.installment_id for a in allocations if a.installment_id])
        .order_by("pk")
    )
    _refuse_second_unpaid_paravolo(debts)
    _reopen(debts, installments, cause=cause, actor=actor)
    PaymentNotice.states.advance_all(
        [notice], PaymentNotice.Status.CANCELLED, cause=cause, actor=actor
    )
    reversal = issue_reversal(receipt, reason=reason, actor=actor)
    owing_again = properties_of(
        Debt.objects.filter(
            Q(pk__in=[debt.pk for debt in debts])
            | Q(settlement__in={installment.settlement_id for installment in installments})
        )
    )
    with translation.override(settings.LANGUAGE_CODE):  # kept, as the receipts, in Greek
        revoked_why = _("Η πληρωμή της ακυρώθηκε με την απόδειξη %(number)s: %(reason)s") % {
            "number": reversal,
            "reason": reason,
        }
    revoke_certificates_since(owing_again, receipt.issued_at, reason=revoked_why, actor=actor)
    Allocation.objects.bulk_create(
        Allocation(
            payment_id=a.payment_id,
            receipt=reversal,
            notice=notice,
            debt_id=a.debt_id,
            installment_id=a.installment_id,
            principal=-a.principal,
            surcharge=-a.surcharge,
        )
        for a in allocations
    )
    held_again: dict[int, Decimal] = {}
    for a in allocations:  # each payment's own part, when pooled payments paid the receipt
        held_again[a.payment_id] = held_again.get(a.payment_id, ZERO) + a.amount
    UnappliedEntry.objects.bulk_create(
        UnappliedEntry(
            payment_id=payment_id,
            amount=amount,
            reason=UnappliedReason.REVERSED,
            notice=notice,
            note=reason,
            actor=actor,
        )
        for payment_id, amount in sorted(held_again.items())
    )
    return reversal


def _refuse_second_unpaid_paravolo(debts: list[Debt]) -> None:
    """A παράβολο reopened beside another unpaid one of its type would be two to pay (the
    database allows one): the newer one is cancelled first, by a person."""
    for debt in debts:
        if debt.paravolo_type_id is None:
            continue
        other = Debt.objects.filter(
            debtor_id=debt.debtor_id,
            paravolo_type_id=debt.paravolo_type_id,
            status=Debt.Status.OPEN,
        ).first()
        if other is not None:
            raise ValidationError(
                _(
                    "Ο οφειλέτης έχει ήδη ανεξόφλητο παράβολο του ίδιου είδους («%(debt)s»): "
                    "ακυρώστε το πρώτα, ώστε να μη χρωστά δύο."
                )
                % {"debt": other.description},
                "second_unpaid_paravolo",
            )


def _reopen(debts: list[Debt], installments: list[Installment], *, cause: str, actor) -> None:
    """The paid lines open again; a settlement this payment completed runs again."""
    Installment.states.advance_all(installments, Installment.Status.OPEN, cause=cause, actor=actor)
    settlement_ids = {i.settlement_id for i in installments}
    completed = list(
        Settlement.objects.select_for_update().filter(
            pk__in=settlement_ids, status=Settlement.Status.COMPLETED
        )
    )
    for settlement in completed:
        Settlement.states.advance(settlement, Settlement.Status.ACTIVE, cause=cause, actor=actor)
        back = settlement.debts.select_for_update().filter(status=Debt.Status.PAID)
        Debt.states.advance_all(list(back), Debt.Status.IN_SETTLEMENT, cause=cause, actor=actor)
    Debt.states.advance_all(debts, Debt.Status.OPEN, cause=cause, actor=actor)
