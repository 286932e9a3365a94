"""Recording money received; each function is one transaction and safe to call again."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from debts.models import Debt, Installment, PaymentNotice, Settlement
from debts.services import cancel_notice, lock_debtor

from .models import Payment


def _repeat_or_refuse(payment: Payment, notice: PaymentNotice, amount: Decimal) -> Payment:
    """The payment already recorded under this reference, if it is this very payment."""
    if payment.notice_id != notice.pk or payment.amount != amount:
        raise ValidationError(
            _("Η συναλλαγή %(reference)s έχει ήδη καταχωριστεί για άλλη πληρωμή.")
            % {"reference": payment.reference},
            "reference_taken",
        )
    return payment


def _settled_elsewhere(notice: PaymentNotice) -> ValidationError:
    return ValidationError(
        _(
            "Οι οφειλές του ειδοποιητηρίου %(rf)s έχουν στο μεταξύ εξοφληθεί ή ρυθμιστεί: η "
            "πληρωμή δεν καταχωρίστηκε και θέλει έλεγχο από το Ταμείο (ίσως επιστροφή)."
        )
        % {"rf": notice.formatted_rf},
        "items_settled",
    )


def _corrected(notice: PaymentNotice, debts: list[Debt]) -> bool:
    """Whether a debt is no longer what the notice froze: another debtor's now, another
    principal, or another surcharge on the notice's last valid day (its due date, certification
    or revenue corrected; a change of the rates or the month rule since reads the same)."""
    frozen = {
        debt_id: (principal, surcharge)
        for debt_id, principal, surcharge in notice.items.filter(debt__isnull=False).values_list(
            "debt_id", "principal", "surcharge"
        )
    }
    return any(
        debt.debtor_id != notice.debtor_id
        or (debt.principal, debt.surcharge(notice.valid_until)) != frozen[debt.pk]
        for debt in debts
    )


def _corrected_since(notice: PaymentNotice) -> ValidationError:
    """A debt whose amount, dates, revenue or debtor staff corrected after the notice froze it:
    the notice's money no longer pays it exactly, or pays someone else's."""
    return ValidationError(
        _(
            "Μια οφειλή του ειδοποιητηρίου %(rf)s διορθώθηκε μετά την έκδοσή του: η "
            "πληρωμή δεν καταχωρίστηκε και θέλει έλεγχο από το Ταμείο."
        )
        % {"rf": notice.formatted_rf},
        "items_corrected",
    )


@transaction.atomic
def record_notice_payment(
    notice: PaymentNotice,
    *,
    channel: str,
    amount: Decimal,
    reference: str,
    received_at: datetime,
    recorded_by=None,
) -> Payment:
    """Record the payment of ``notice`` and mark it and everything on it paid.

    The same (channel, reference) seen again returns the payment already recorded, so a bank
    file imported twice or a gateway callback repeated pays nothing twice. A payment is refused,
    changing nothing, when its amount is not the notice's total (the RF's amount check promises
    exactly that amount), when the notice was cancelled or is already paid, or when something on
    an expired notice has meanwhile been paid, settled or corrected by staff (that money needs a
    person).
    Paying an expired notice cancels any newer open notice of the same debts or installments.
    """
    reference = reference.strip()
    if not reference:
        raise ValidationError(_("Λείπει η αναφορά της συναλλαγής."), "no_reference")
    # The debtor first, as every service that writes a debtor's notices locks it, so two payments
    # of overlapping notices queue instead of locking notices and debts in opposite orders; then
    # the notice, so a repeat arriving at the same moment waits and then finds the first.
    lock_debtor(notice.debtor_id)
    notice = PaymentNotice.objects.select_for_update().get(pk=notice.pk)
    if payment := Payment.objects.filter(channel=channel, reference=reference).first():
        return _repeat_or_refuse(payment, notice, amount)
    if amount != notice.total:
        raise ValidationError(
            _("Το ποσό %(amount)s € δεν είναι το σύνολο του ειδοποιητηρίου (%(total)s €).")
            % {"amount": amount, "total": notice.total},
            "amount_mismatch",
        )
    if not PaymentNotice.states.allows(notice.status, PaymentNotice.Status.PAID):
        raise ValidationError(
            _("Το ειδοποιητήριο %(rf)s είναι «%(status)s» και δεν δέχεται πληρωμή.")
            % {"rf": notice.formatted_rf, "status": notice.get_status_display()},
            "notice_closed",
        )

    cause = f"{channel} payment {reference}"
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                notice=notice,
                channel=channel,
                amount=amount,
                reference=reference,
                received_at=received_at,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        # Another process recorded the same reference a moment ago: that one stands, if it is
        # this very payment.
        winner = Payment.objects.get(channel=channel, reference=reference)
        return _repeat_or_refuse(winner, notice, amount)
    expired = notice.status == PaymentNotice.Status.EXPIRED
    PaymentNotice.states.advance(notice, PaymentNotice.Status.PAID, cause=cause, actor=recorded_by)
    notice.items.update(is_open=False)
    debts = list(Debt.objects.select_for_update(of=("self",)).filter(notice_items__notice=notice))
    installments = list(
        Installment.objects.select_for_update(of=("self",)).filter(notice_items__notice=notice)
    )
    # Only an expired notice's lines can have been paid, settled or corrected since (an open
    # notice holds its lines and its debts refuse edits); raising undoes it all.
    if any(row.status != row.Status.OPEN for row in [*debts, *installments]):
        raise _settled_elsewhere(notice)
    if expired and _corrected(notice, debts):
        raise _corrected_since(notice)
    for debt in debts:
        Debt.states.advance(debt, Debt.Status.PAID, cause=cause, actor=recorded_by)
    for installment in installments:
        Installment.states.advance(
            installment, Installment.Status.PAID, cause=cause, actor=recorded_by
        )
    newer = PaymentNotice.objects.filter(
        Q(items__debt__in=debts) | Q(items__installment__in=installments),
        status=PaymentNotice.Status.OPEN,
        items__is_open=True,
    ).distinct()
    for other in newer:
        cancel_notice(other, cause=f"its lines paid by {notice.formatted_rf}", actor=recorded_by)
    settlements = {installment.settlement_id for installment in installments}
    for settlement in Settlement.objects.select_for_update().filter(pk__in=settlements):
        _complete_if_paid_off(settlement, cause=cause, actor=recorded_by)
    return payment


def _complete_if_paid_off(settlement: Settlement, *, cause: str, actor) -> None:
    """A settlement whose last installment is paid is completed, and its debts are paid."""
    if settlement.status != Settlement.Status.ACTIVE:
        return
    if settlement.installments.filter(status=Installment.Status.OPEN).exists():
        return
    Settlement.states.advance(settlement, Settlement.Status.COMPLETED, cause=cause, actor=actor)
    for debt in settlement.debts.select_for_update().filter(status=Debt.Status.IN_SETTLEMENT):
        Debt.states.advance(debt, Debt.Status.PAID, cause=cause, actor=actor)
