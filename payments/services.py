"""Money in: ``settle`` is the one way money enters, whatever the channel; the rest is what
finance staff do with money that could not be applied. Each function is one transaction.

Money that reached the municipality is never refused: ``settle`` always records it, then applies
it to the notice it names when it pays that notice exactly, and otherwise holds it as unapplied,
with the reason, for a person. Locks are taken in the order every service of the receivables
takes them: the debtor (``lock_debtor``, ``lock_notice``), then the notice, then its debts and
installments, then their settlements, then the payment, and last the receipt series' counter.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from debts.models import Debt, Installment, NoticeItem, PaymentNotice, Settlement
from debts.money import ZERO
from debts.rf import InvalidRF, validate_rf
from debts.services import build_notice, cancel_notice, lock_debtor, lock_notice
from receipts.certificates import issue_awaiting_certificates
from receipts.models import Receipt
from receipts.services import ReceiptLine, issue_receipt, issue_reversal

from .models import (
    Allocation,
    Channel,
    Payment,
    PaymentReturn,
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
    """
    reference = reference.strip()
    if not reference:
        raise ValidationError(_("Λείπει η αναφορά της συναλλαγής."), "no_reference")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            _("Το ποσό %(amount)s δεν είναι θετικό ποσό σε ευρώ και λεπτά.") % {"amount": amount},
            "bad_amount",
        )
    named = rf.strip() or (notice.rf_code if notice else "")
    with transaction.atomic():
        return _settle(
            channel=channel,
            reference=reference,
            amount=amount,
            received_at=received_at,
            notice_id=notice.pk if notice else None,
            named=named,
            tender=tender,
            payer=payer,
            actor=recorded_by,
        )


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
    the first and then gets what it recorded, never a refusal for lines the first one paid.
    """
    reference = reference.strip()
    with transaction.atomic():
        lock_debtor(debtor.pk)
        if Payment.objects.filter(channel=Channel.COUNTER, reference=reference).exists():
            return _recorded(Channel.COUNTER, reference, expected_total)
        notice = build_notice(
            debtor,
            debts=debts,
            installments=installments,
            origin=PaymentNotice.Origin.MUNICIPALITY,
            created_by=cashier,
            expected_total=expected_total,
        )
        return settle(
            channel=Channel.COUNTER,
            reference=reference,
            amount=notice.total,
            received_at=timezone.now(),
            notice=notice,
            tender=tender,
            recorded_by=cashier,
        )


def pay_notice_at_counter(
    notice: PaymentNotice, *, tender: str, reference: str, cashier
) -> Settled:
    """Money handed over at the counter for ``notice``: its total, received now. A notice no
    longer payable leaves the money held, as ``settle`` holds it."""
    return settle(
        channel=Channel.COUNTER,
        reference=reference,
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
        tender=tender,
        recorded_by=cashier,
    )


def _settle(*, channel, reference, amount, received_at, notice_id, named, tender, payer, actor):
    notice, reason = None, None
    if notice_id is not None:
        notice = lock_notice(notice_id)
    elif named:
        try:
            notice = lock_notice(rf_code=validate_rf(named))
        except InvalidRF:
            reason = UnappliedReason.MALFORMED_REFERENCE
    payment = Payment(
        notice=notice,
        debtor_id=notice.debtor_id if notice else None,
        channel=channel,
        tender=tender,
        amount=amount,
        received_at=received_at,
        reference=reference,
        named_reference=named[:140],
        payer=payer[:200],
        recorded_by=actor,
    )
    if not _insert_unless_recorded(payment):
        return _recorded(channel, reference, amount)

    if notice is None:
        reason = reason or UnappliedReason.NO_NOTICE
    else:
        reason = _why_not_payable(notice, amount)
    lines = None
    if reason is None:
        lines = _locked_lines(notice)
        reason = _why_lines_not_payable(notice, lines)
    if reason is not None:
        UnappliedEntry.objects.create(
            payment=payment, amount=amount, reason=reason, notice=notice, actor=actor
        )
        return Settled(payment=payment, receipt=None, reason=reason)
    receipt = _apply(payment, notice, lines, cashier=actor)
    return Settled(payment=payment, receipt=receipt, reason=None)


def _insert_unless_recorded(payment: Payment) -> bool:
    """Insert ``payment`` unless its (channel, reference) is already recorded; whether it was.

    ``INSERT … ON CONFLICT DO NOTHING``: a concurrent repeat waits for the first to commit and
    then inserts nothing, with no savepoint to undo, on PostgreSQL and SQLite alike.
    """
    fields = [field for field in Payment._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({unique}) DO NOTHING "
    sql += "RETURNING {pk}"
    sql = sql.format(
        table=quote(Payment._meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        values=", ".join(["%s"] * len(fields)),
        unique=", ".join(quote(name) for name in ("channel", "reference")),
        pk=quote(Payment._meta.pk.column),
    )
    params = [
        field.get_db_prep_save(field.pre_save(payment, add=True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    payment.pk = row[0]
    payment._state.adding = False
    payment._state.db = connection.alias
    return True


def _recorded(channel: str, reference: str, amount: Decimal) -> Settled:
    """What was recorded the first time this money was seen."""
    payment = Payment.objects.get(channel=channel, reference=reference)
    if payment.amount != amount:
        raise ValidationError(
            _("Η συναλλαγή %(reference)s έχει ήδη καταχωριστεί για άλλο ποσό (%(amount)s €).")
            % {"reference": reference, "amount": payment.amount},
            "reference_taken",
        )
    allocation = payment.allocations.select_related("receipt").order_by("pk").first()
    entry = payment.unapplied_entries.order_by("pk").first()
    return Settled(
        payment=payment,
        receipt=allocation.receipt if allocation else None,
        reason=entry.reason if entry and allocation is None else None,
        repeated=True,
    )


def _why_not_payable(notice: PaymentNotice, amount: Decimal) -> str | None:
    """Why ``amount`` cannot pay ``notice`` as a whole, judged on the notice alone."""
    if notice.status == PaymentNotice.Status.CANCELLED:
        return UnappliedReason.NOTICE_CANCELLED
    if notice.status == PaymentNotice.Status.PAID:
        return UnappliedReason.NOTICE_PAID
    if amount < notice.total:
        return UnappliedReason.AMOUNT_SHORT
    if amount > notice.total:
        return UnappliedReason.AMOUNT_OVER
    return None


@dataclass
class NoticeLines:
    """A notice's debts and installments, locked, each with the amounts the notice froze."""

    debts: list[Debt]
    installments: list[Installment]


def _locked_lines(notice: PaymentNotice) -> NoticeLines:
    """Its debts, then (unless its debts alone make its total: a notice's total is its lines')
    its installments, each locked and read with what the notice froze of it."""
    frozen = {"frozen_principal": F("notice_items__principal")}
    frozen["frozen_surcharge"] = F("notice_items__surcharge")
    debts = list(
        Debt.objects.select_for_update(of=("self",))
        .filter(notice_items__notice=notice)
        .select_related("revenue_type")
        .annotate(**frozen)
        .order_by("due_date", "pk")
    )
    installments = []
    if sum((d.frozen_principal + d.frozen_surcharge for d in debts), ZERO) != notice.total:
        installments = list(
            Installment.objects.select_for_update(of=("self",))
            .filter(notice_items__notice=notice)
            .select_related("settlement")
            .annotate(**frozen)
            .order_by("due_date", "pk")
        )
    return NoticeLines(debts=debts, installments=installments)


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


def _receipt_lines(lines: NoticeLines) -> list[ReceiptLine]:
    result = [
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
    if lines.installments:
        codes = _settlement_revenue({i.settlement_id for i in lines.installments})
        result += [
            ReceiptLine(
                revenue_code=codes[installment.settlement_id],
                revenue_name=_("Ρύθμιση οφειλών"),
                description=str(installment),
                period=date_format(installment.due_date, "SHORT_DATE_FORMAT"),
                principal=installment.frozen_principal,
                surcharge=installment.frozen_surcharge,
            )
            for installment in lines.installments
        ]
    return result


def _settlement_revenue(settlement_ids: set[int]) -> dict[int, str]:
    """The revenue codes (ΚΑΕ) of the debts each settlement holds, as a receipt prints them."""
    codes: dict[int, set[str]] = {pk: set() for pk in settlement_ids}
    rows = Debt.objects.filter(settlement__in=settlement_ids).values_list(
        "settlement_id", "revenue_type__code"
    )
    for settlement_id, code in rows:
        codes[settlement_id].add(code)
    return {pk: ", ".join(sorted(found)) for pk, found in codes.items()}


def _apply(payment: Payment, notice: PaymentNotice, lines: NoticeLines, *, cashier) -> Receipt:
    """Mark the notice and its lines paid, issue the receipt and allocate the money to the lines,
    from the amounts the notice froze. The caller holds the locks and has checked it all."""
    cause = f"{payment.channel} payment {payment.reference}"
    expired = notice.status == PaymentNotice.Status.EXPIRED
    PaymentNotice.states.advance_all(
        [notice], PaymentNotice.Status.PAID, cause=cause, actor=cashier
    )
    notice.items.update(is_open=False)
    Debt.states.advance_all(lines.debts, Debt.Status.PAID, cause=cause, actor=cashier)
    Installment.states.advance_all(
        lines.installments, Installment.Status.PAID, cause=cause, actor=cashier
    )
    if expired:
        _cancel_newer_notices(notice, lines, actor=cashier)
    if lines.installments:
        _complete_paid_off({i.settlement_id for i in lines.installments}, cause, cashier)
    receipt = issue_receipt(
        series=payment.channel,
        debtor=notice.debtor,
        lines=_receipt_lines(lines),
        channel=payment.channel,
        channel_label=str(Channel(payment.channel).label),
        channel_reference=payment.reference,
        received_at=payment.received_at,
        notice_rf=notice.rf_code,
        cashier=cashier if payment.channel == Channel.COUNTER else None,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(
                payment=payment,
                receipt=receipt,
                notice=notice,
                debt=debt,
                principal=debt.frozen_principal,
                surcharge=debt.frozen_surcharge,
            )
            for debt in lines.debts
        ]
        + [
            Allocation(
                payment=payment,
                receipt=receipt,
                notice=notice,
                installment=installment,
                principal=installment.frozen_principal,
                surcharge=installment.frozen_surcharge,
            )
            for installment in lines.installments
        ]
    )
    issue_awaiting_certificates([notice])
    return receipt


def _cancel_newer_notices(notice: PaymentNotice, lines: NoticeLines, *, actor) -> None:
    """Late money for an expired notice pays its lines: a newer open notice of any of them would
    ask for them again."""
    newer = (
        NoticeItem.objects.filter(is_open=True)
        .filter(Q(debt__in=lines.debts) | Q(installment__in=lines.installments))
        .values_list("notice_id", flat=True)
    )
    for other in PaymentNotice.objects.filter(pk__in=set(newer)).order_by("pk"):
        cancel_notice(other, cause=f"its lines paid by {notice.formatted_rf}", actor=actor)


def _complete_paid_off(settlement_ids: Iterable[int], cause: str, actor) -> None:
    """A settlement whose last installment is paid is completed, and its debts are paid."""
    settlements = Settlement.objects.select_for_update().filter(
        pk__in=settlement_ids, status=Settlement.Status.ACTIVE
    )
    for settlement in settlements.order_by("pk"):
        if settlement.installments.filter(status=Installment.Status.OPEN).exists():
            continue
        Settlement.states.advance(settlement, Settlement.Status.COMPLETED, cause=cause, actor=actor)
        debts = settlement.debts.select_for_update().filter(status=Debt.Status.IN_SETTLEMENT)
        Debt.states.advance_all(list(debts), Debt.Status.PAID, cause=cause, actor=actor)


# --- The queue of unapplied money, worked by finance staff ---------------------------------


def unapplied_balance(payment: Payment) -> Decimal:
    """What ``payment`` still holds for a person to resolve."""
    total = payment.unapplied_entries.aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def _lock_payment(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment.pk)


@transaction.atomic
def apply_unapplied(payment: Payment, notice: PaymentNotice, *, actor) -> Receipt:
    """Apply held money to ``notice`` (of any debtor a person judged right): the notice is paid
    in full from the payment's balance, which keeps what is left over, and a receipt issued.

    Refused, changing nothing, when the balance does not cover the notice or the notice cannot
    be paid (cancelled, paid, a line paid or corrected since).
    """
    notice = lock_notice(notice.pk)
    payment = _lock_payment(payment)
    balance = unapplied_balance(payment)
    if balance < notice.total:
        raise ValidationError(
            _(
                "Το αδιάθετο υπόλοιπο της πληρωμής (%(balance)s €) δεν καλύπτει το "
                "ειδοποιητήριο %(rf)s (%(total)s €)."
            )
            % {"balance": balance, "rf": notice.formatted_rf, "total": notice.total},
            "balance_short",
        )
    reason = _why_not_payable(notice, notice.total)
    lines = None
    if reason is None:
        lines = _locked_lines(notice)
        reason = _why_lines_not_payable(notice, lines)
    if reason is not None:
        raise ValidationError(
            _("Το ειδοποιητήριο %(rf)s δεν εξοφλείται: %(reason)s.")
            % {"rf": notice.formatted_rf, "reason": UnappliedReason(reason).label},
            "notice_not_payable",
        )
    receipt = _apply(payment, notice, lines, cashier=actor)
    UnappliedEntry.objects.create(
        payment=payment,
        amount=-notice.total,
        reason=UnappliedReason.APPLIED,
        notice=notice,
        actor=actor,
    )
    return receipt


def apply_unapplied_to_debts(
    payment: Payment,
    debtor,
    *,
    debts=(),
    installments=(),
    expected_total: Decimal | None = None,
    actor,
) -> Receipt:
    """Apply held money to debts and installments a person picked: a notice is issued for them
    on the spot (amounts frozen today; ``expected_total``, what the person reviewed, refuses it
    if they moved since) and paid from the payment's balance."""
    with transaction.atomic():
        notice = build_notice(
            debtor,
            debts=debts,
            installments=installments,
            origin=PaymentNotice.Origin.MUNICIPALITY,
            created_by=actor,
            expected_total=expected_total,
        )
        return apply_unapplied(payment, notice, actor=actor)


@transaction.atomic
def mark_for_return(
    payment: Payment, amount: Decimal, *, expected_balance: Decimal, reason: str, actor
) -> PaymentReturn:
    """Set held money aside to be returned to the payer; ``amount`` is at most the balance.

    ``expected_balance`` is the balance the person was shown: if it moved since (the same form
    sent twice, or someone else applied or returned some of it), nothing is set aside, so two
    people, or two clicks, never return the same money twice.
    """
    payment = _lock_payment(payment)
    balance = unapplied_balance(payment)
    if balance != expected_balance:
        raise ValidationError(
            _(
                "Το αδιάθετο υπόλοιπο άλλαξε στο μεταξύ (τώρα %(balance)s €): ελέγξτε το πριν "
                "σημειώσετε επιστροφή."
            )
            % {"balance": balance},
            "balance_changed",
        )
    if not reason.strip():
        raise ValidationError(_("Γράψτε την αιτιολογία της επιστροφής."), "no_reason")
    if not ZERO < amount <= balance:
        raise ValidationError(
            _("Επιστρέφεται από 0,01 € έως το αδιάθετο υπόλοιπο (%(balance)s €).")
            % {"balance": balance},
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


@transaction.atomic
def record_returned(payment_return: PaymentReturn, *, reference: str, actor) -> PaymentReturn:
    """Record that money set aside for return has gone back to the payer (by hand for a bank
    transfer or cash), with the reference of the transfer or slip."""
    if not reference.strip():
        raise ValidationError(_("Γράψτε την αναφορά της επιστροφής."), "no_reference")
    payment_return = PaymentReturn.objects.select_for_update().get(pk=payment_return.pk)
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
    RF is not paid twice, and the money held again for a person (to apply or return)."""
    if not reason.strip():
        raise ValidationError(_("Γράψτε την αιτιολογία της ακύρωσης."), "no_reason")
    receipt = Receipt.objects.select_related("debtor").get(pk=receipt.pk)
    lock_debtor(receipt.debtor_id)
    allocations = list(receipt.allocations.select_related("payment"))
    if receipt.is_reversal or not allocations:
        raise ValidationError(_("Ακυρώνεται μόνο απόδειξη είσπραξης."), "not_a_receipt")
    if Receipt.objects.filter(reverses=receipt).exists():
        raise ValidationError(
            _("Η απόδειξη %(number)s έχει ήδη ακυρωθεί.") % {"number": receipt}, "reversed"
        )
    notice = PaymentNotice.objects.select_for_update().get(pk=allocations[0].notice_id)
    payment = _lock_payment(allocations[0].payment)
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
    Allocation.objects.bulk_create(
        Allocation(
            payment=payment,
            receipt=reversal,
            notice=notice,
            debt_id=a.debt_id,
            installment_id=a.installment_id,
            principal=-a.principal,
            surcharge=-a.surcharge,
        )
        for a in allocations
    )
    UnappliedEntry.objects.create(
        payment=payment,
        amount=receipt.total,
        reason=UnappliedReason.REVERSED,
        notice=notice,
        note=reason,
        actor=actor,
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
