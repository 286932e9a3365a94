"""Card payments: a citizen's attempt to pay a notice by card, from the click to the money.

An attempt (``CardAttempt``) is created before the gateway is called; the card is submitted
with the attempt locked, so a double click or a second tab never charges twice. Its outcome comes
from the gateway, by whichever way arrives first (the webhook, the page the citizen returns to,
the sweep, ``reconcile_gateway``), all through ``sync_attempt``: a charge is recorded through
``settle()`` (channel card, the intent's id as reference) exactly once, and money ``settle`` could
not apply (the notice paid meanwhile at a bank, its lines corrected) is set aside for return and
refunded through the gateway, never kept silently.

Locks are taken as every money service takes them: the debtor first, then the attempt.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from debts.models import Debtor
from debts.money import ZERO, figures
from debts.services import lock_debtor, lock_notice, touch_ledgers
from receipts.models import Receipt

from . import gateway
from .models import CardAttempt, Channel, Payment, PaymentNotice, PaymentReturn
from .services import (
    mark_for_return,
    record_refunded,
    record_refused,
    reverse_receipt,
    settle,
    unapplied_balance,
)


def _lock_attempt(attempt: CardAttempt) -> CardAttempt:
    """The attempt locked after its debtor, read again."""
    lock_debtor(attempt.debtor_id)
    return CardAttempt.objects.select_for_update().select_related("notice").get(pk=attempt.pk)


def not_payable(notice: PaymentNotice) -> str | None:
    """Why ``notice`` can no longer be paid (paid meanwhile, expired, cancelled), or None."""
    if notice.current_status == PaymentNotice.Status.OPEN:
        return None
    return _("Το ειδοποιητήριο %(rf)s δεν πληρώνεται πια (%(status)s).") % {
        "rf": notice.formatted_rf,
        "status": notice.get_current_status_display(),
    }


def _refuse_unless_payable(notice: PaymentNotice) -> None:
    reason = not_payable(notice)
    if reason is not None:
        raise ValidationError(reason, "notice_not_payable")


@transaction.atomic
def live_attempt(notice: PaymentNotice, *, actor=None) -> CardAttempt:
    """The notice's live attempt, or a new one: a second tab, or a second click, gets the
    first's (the database holds at most one per notice). Refused for a notice not payable, or
    below the smallest charge the gateway takes (it would refuse the card, and the citizen
    would hear that the card service is not answering)."""
    notice = lock_notice(notice.pk)
    _refuse_unless_payable(notice)
    if notice.total < gateway.SMALLEST_CHARGE:
        raise ValidationError(
            _(
                "Με κάρτα πληρώνονται ποσά από %(least)s € και πάνω: πληρώστε αυτό το "
                "ειδοποιητήριο με τον κωδικό RF σε τράπεζα ή στο Ταμείο του Δήμου."
            )
            % {"least": figures(gateway.SMALLEST_CHARGE)},
            "below_card_minimum",
        )
    live = CardAttempt.objects.filter(notice=notice, status__in=CardAttempt.LIVE).first()
    if live is not None:
        # A submitted one is never replaced here: its card may be charged yet (the sweep asks
        # the gateway before it expires it); the citizen sees it in progress, or cancels it.
        if live.status == CardAttempt.Status.PENDING or not _past_expiry(live, timezone.now()):
            return live
        CardAttempt.states.advance(live, CardAttempt.Status.EXPIRED, cause="expired unused")
    return CardAttempt.objects.create(
        notice=notice, debtor_id=notice.debtor_id, amount=notice.total, created_by=actor
    )


@dataclass(frozen=True)
class Submitted:
    attempt: CardAttempt
    intent: gateway.Intent | None
    notice_closed: bool = False  # the attempt cancelled, its notice no longer payable


def submit_card(attempt: CardAttempt, payment_method: str) -> Submitted:
    """Charge the card (``payment_method``, the id the browser got for it) for the attempt.

    The attempt stays locked across the gateway's call: a second submission waits, then finds it
    submitted and gets its intent, never a second charge. A declined card fails the attempt (the
    citizen starts another); one that needs 3-D Secure leaves it pending for the browser. A
    notice no longer payable (paid at a bank meanwhile, expired) cancels the attempt, charging
    nothing, and is refused once that is committed: raised inside the transaction, the refusal
    would undo the cancellation and the page would offer the card form again.
    """
    submitted = _submit_card(attempt, payment_method)
    if submitted.notice_closed:
        _refuse_unless_payable(submitted.attempt.notice)
    return submitted


@transaction.atomic
def _submit_card(attempt: CardAttempt, payment_method: str) -> Submitted:
    attempt = _lock_attempt(attempt)
    if attempt.status != CardAttempt.Status.CREATED:
        intent = gateway.retrieve_intent(attempt.intent_id) if attempt.intent_id else None
        return Submitted(attempt, intent)
    notice = attempt.notice
    if notice.current_status != PaymentNotice.Status.OPEN:
        CardAttempt.states.advance(attempt, CardAttempt.Status.CANCELLED, cause="notice closed")
        return Submitted(attempt, None, notice_closed=True)
    intent = gateway.create_intent(
        amount=attempt.amount,
        payment_method=payment_method,
        key=str(attempt.public_id),
        metadata={
            "attempt": str(attempt.public_id),
            "notice": str(notice.pk),
            "rf": notice.rf_code,
            "debtor": str(attempt.debtor_id),
        },
    )
    attempt.intent_id = intent.id
    attempt.submitted_at = timezone.now()
    CardAttempt.states.advance(
        attempt,
        CardAttempt.Status.PENDING,
        cause=f"card submitted, intent {intent.id}",
        also_update=("intent_id", "submitted_at"),
    )
    _apply_outcome(attempt, intent, via="submission")
    return Submitted(attempt, intent)


@transaction.atomic
def sync_attempt(attempt: CardAttempt, intent: gateway.Intent, *, via: str) -> CardAttempt:
    """Bring the attempt to what the gateway says of its intent; ``via`` names who asked (the
    webhook, the return page, the sweep). Any number of calls, in any order, record one outcome."""
    attempt = _lock_attempt(attempt)
    _apply_outcome(attempt, intent, via=via)
    return attempt


def refresh_attempt(attempt: CardAttempt, *, via: str) -> CardAttempt:
    """Ask the gateway about a submitted attempt and record what it says."""
    if not attempt.intent_id:
        return attempt
    return sync_attempt(attempt, gateway.retrieve_intent(attempt.intent_id), via=via)


def _apply_outcome(attempt: CardAttempt, intent: gateway.Intent, *, via: str) -> None:
    Status = CardAttempt.Status
    if intent.id != attempt.intent_id:
        raise ValueError(f"intent {intent.id} is not attempt {attempt.public_id}'s")
    if intent.succeeded and attempt.status != Status.SUCCEEDED:
        _record_charge(attempt, intent, via=via)
    elif attempt.status != Status.PENDING:
        return
    elif intent.failed:
        attempt.failure_code = intent.failure_code[:64]
        CardAttempt.states.advance(
            attempt,
            Status.FAILED,
            cause=f"{intent.failure_code} ({via})",
            also_update=("failure_code",),
        )
    elif intent.cancelled:
        CardAttempt.states.advance(attempt, Status.CANCELLED, cause=f"cancelled at gateway ({via})")


def charged_at(intent: gateway.Intent) -> datetime:
    """When a succeeded intent's money was received: when the gateway charged the card, not when
    the portal learnt of it (a webhook after midnight, ``reconcile_gateway`` the next morning),
    so the payment, its receipt and the gateway's day agree. Never later than now, whatever the
    two clocks say."""
    return min(intent.charged_at or intent.created, timezone.now())


def _record_charge(attempt: CardAttempt, intent: gateway.Intent, *, via: str) -> None:
    """The card was charged: the money is settled against the notice, and refunded if it could
    not be applied. What is recorded for staff is in the portal's language, as the receipts
    are, not the English of the page the citizen paid from."""
    with translation.override(settings.LANGUAGE_CODE):
        payer = _("Κάρτα, πληρωμή %(id)s") % {"id": attempt.public_id}
    settled = settle(
        channel=Channel.CARD,
        reference=intent.id,
        amount=intent.amount,
        received_at=charged_at(intent),
        notice=attempt.notice,
        payer=payer,
    )
    attempt.payment = settled.payment
    CardAttempt.states.advance(
        attempt,
        CardAttempt.Status.SUCCEEDED,
        cause=f"charged ({via})",
        also_update=("payment",),
    )
    balance = unapplied_balance(settled.payment)
    if not settled.applied and balance > ZERO:
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Αυτόματη επιστροφή στην κάρτα: %(reason)s") % {
                "reason": settled.payment.unapplied_entries.first().get_reason_display()
            }
        payment_return = mark_for_return(
            settled.payment, balance, expected_balance=balance, reason=reason, actor=None
        )
        refund_on_commit(payment_return)


def refund_on_commit(payment_return: PaymentReturn) -> None:
    """Send the return to the gateway once the commit has recorded it; a failure there leaves it
    requested, for the sweep to send again."""
    from .tasks import refund_through_gateway

    return_id = payment_return.pk

    def queue_refund():
        refund_through_gateway.delay(return_id)

    transaction.on_commit(queue_refund, robust=True)


def send_refund(payment_return: PaymentReturn) -> PaymentReturn:
    """Refund a card payment's return through the gateway and record it returned, with the
    gateway's refund id; once, however often and however concurrently it is called (the task
    after the commit and the sweep may meet): the return stays locked across the gateway's call,
    and the gateway's refunds are looked up by our return's id first. A refund the gateway
    refuses, or makes failed, is recorded refused, for a person: asking again would not help."""
    if payment_return.payment.channel != Channel.CARD:
        raise ValueError("only card payments are refunded through the gateway")
    with transaction.atomic():
        current = (
            PaymentReturn.objects.select_for_update(of=("self",))
            .select_related("payment")
            .get(pk=payment_return.pk)
        )
        if current.status != PaymentReturn.Status.REQUESTED:
            return current
        try:
            refund = gateway.refund(
                intent_id=current.payment.reference, amount=current.amount, key=str(current.pk)
            )
        except gateway.RefundRefused as refusal:
            return record_refused(current, cause=f"refund refused by the gateway: {refusal}")
        if refund.failed:
            return record_refused(current, cause=f"refund {refund.id} {refund.status}")
        return record_refunded(current, refund_id=refund.id)


@transaction.atomic
def cancel_attempt(attempt: CardAttempt, *, cause: str) -> CardAttempt:
    """The citizen gives up: the intent is cancelled at the gateway unless it charged (then the
    charge is recorded instead; money received wins)."""
    attempt = _lock_attempt(attempt)
    if not attempt.is_live:
        return attempt
    if attempt.intent_id:
        intent = gateway.cancel_intent(attempt.intent_id)
        _apply_outcome(attempt, intent, via=cause)
        if attempt.status == CardAttempt.Status.PENDING:  # still running at the gateway
            return attempt
    if attempt.is_live:
        CardAttempt.states.advance(attempt, CardAttempt.Status.CANCELLED, cause=cause)
    return attempt


def _past_expiry(attempt: CardAttempt, now: datetime) -> bool:
    return attempt.created_at < now - settings.CARD_ATTEMPT_EXPIRY


def expire_attempt(attempt: CardAttempt) -> CardAttempt:
    """An attempt left unfinished past ``CARD_ATTEMPT_EXPIRY`` expires; its intent is cancelled
    at the gateway first, unless it charged meanwhile (then the charge is recorded). An intent
    the gateway does not know (its test data deleted, another account's) charged nothing: its
    attempt expires all the same, or the sweep would ask about it for ever."""
    cause = "expired"
    with transaction.atomic():
        attempt = _lock_attempt(attempt)
        if not attempt.is_live:
            return attempt
        if attempt.intent_id:
            try:
                intent = gateway.cancel_intent(attempt.intent_id)
            except gateway.GatewayError as error:
                if not gateway.missing(error):
                    raise
                cause = f"expired, intent {attempt.intent_id} unknown at the gateway"
            else:
                _apply_outcome(attempt, intent, via="expiry")
        if attempt.is_live:
            CardAttempt.states.advance(attempt, CardAttempt.Status.EXPIRED, cause=cause)
        return attempt


def attempts_to_sweep(now: datetime):
    """Pending attempts the gateway has not settled ``CARD_SWEEP_AFTER`` after submission."""
    return CardAttempt.objects.filter(
        status=CardAttempt.Status.PENDING, submitted_at__lt=now - settings.CARD_SWEEP_AFTER
    )


def attempts_to_expire(now: datetime):
    return CardAttempt.objects.filter(
        status__in=CardAttempt.LIVE, created_at__lt=now - settings.CARD_ATTEMPT_EXPIRY
    )


def returns_to_send():
    """Card money set aside for return that has not reached the gateway yet."""
    return PaymentReturn.objects.filter(
        status=PaymentReturn.Status.REQUESTED, payment__channel=Channel.CARD
    ).select_related("payment")


def refunded_as(refund_id: str):
    """The card return recorded refunded under the gateway's ``refund_id`` (none, or one)."""
    return PaymentReturn.objects.filter(payment__channel=Channel.CARD, return_reference=refund_id)


def follow_refund(refund: gateway.Refund) -> PaymentReturn | None:
    """Bring the return a gateway refund was made for (recorded under its id, or named in its
    metadata when its answer was lost) up to date with it, and return it; None if it was made
    for none here. A return not recorded yet is sent, which finds the refund and records it; a
    refund that failed after its return was recorded refunded refuses the return, for a
    person."""
    payment_return = refunded_as(refund.id).first()
    if payment_return is None and refund.metadata.get("return", "").isdigit():
        payment_return = PaymentReturn.objects.filter(
            pk=int(refund.metadata["return"]), payment__reference=refund.intent_id
        ).first()
        if payment_return is not None and payment_return.status == PaymentReturn.Status.REQUESTED:
            payment_return = send_refund(payment_return)
    if payment_return is not None and refund.failed:
        payment_return = _refund_failed(payment_return, refund)
    return payment_return


@transaction.atomic
def _refund_failed(payment_return: PaymentReturn, refund: gateway.Refund) -> PaymentReturn:
    current = PaymentReturn.objects.select_for_update(of=("self",)).get(pk=payment_return.pk)
    if current.status == PaymentReturn.Status.RETURNED and current.return_reference == refund.id:
        record_refused(current, cause=f"refund {refund.id} {refund.status}")
    return current


# Attempts closed before the portal knew of an intent: one may exist all the same (its answer
# was lost), and the gateway's word on it still counts.
CLOSED_UNSUBMITTED = (CardAttempt.Status.EXPIRED, CardAttempt.Status.CANCELLED)


def attempt_for_intent(intent: gateway.Intent) -> CardAttempt | None:
    """The attempt an intent belongs to: by its id, or by our id in its metadata when the
    portal's commit after creating it was lost (then the id is recorded now). Also an attempt
    expired or cancelled meanwhile, which never learnt its intent: the card may have been
    charged all the same, and money received is recorded (``sync_attempt``)."""
    attempt = CardAttempt.objects.filter(intent_id=intent.id).first()
    if attempt is not None or not intent.metadata.get("attempt"):
        return attempt
    with transaction.atomic():
        found = CardAttempt.objects.filter(public_id=intent.metadata["attempt"]).first()
        if found is None:
            return None
        attempt = _lock_attempt(found)
        if attempt.intent_id is None and attempt.status == CardAttempt.Status.CREATED:
            attempt.intent_id = intent.id
            attempt.submitted_at = intent.created
            CardAttempt.states.advance(
                attempt,
                CardAttempt.Status.PENDING,
                cause=f"intent {intent.id} found at the gateway",
                also_update=("intent_id", "submitted_at"),
            )
        elif attempt.intent_id is None and attempt.status in CLOSED_UNSUBMITTED:
            attempt.intent_id = intent.id
            attempt.submitted_at = intent.created
            attempt.save(update_fields=["intent_id", "submitted_at"])
        return attempt if attempt.intent_id == intent.id else None


# --- Refunds by finance staff -----------------------------------------------------------------


def refundable(payment: Payment) -> Decimal:
    """What of a card payment has not been set aside for return yet."""
    returned = payment.returns.aggregate(total=Sum("amount"))["total"] or ZERO
    return payment.amount - returned


def applied_receipt(payment: Payment, notice: PaymentNotice | None = None) -> Receipt | None:
    """The payment's receipt still standing (issued and not reversed), if any; with ``notice``,
    the one that paid that notice (staff may have reversed it and applied the money to another
    debtor's notice, whose receipt is not the card holder's to see)."""
    mine = {"allocations__notice": notice} if notice is not None else {}
    return (
        Receipt.objects.filter(
            allocations__payment=payment,
            **mine,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        .distinct()
        .first()
    )


def _debtors_of(payment: Payment) -> set[int]:
    """The payment's debtor and those of its standing receipts: a refund that reverses one
    locks them all before the payment, as applying its money locks the notice's debtor before
    it (``apply_unapplied``); locked after it, the two could wait for each other."""
    receipts = Receipt.objects.filter(
        allocations__payment=payment, reverses__isnull=True, reversed_by__isnull=True
    )
    return {payment.debtor_id, *receipts.values_list("debtor_id", flat=True)} - {None}


def refund_card_payment(
    payment: Payment,
    *,
    amount: Decimal,
    expected_refundable: Decimal,
    reverse: bool,
    reason: str,
    actor,
) -> PaymentReturn:
    """Refund ``amount`` of a card payment to the card, by finance staff.

    ``expected_refundable`` is what the person was shown: if it changed meanwhile (someone else
    refunded), nothing happens, so two people never refund the same money. Money still held
    (unapplied) is refunded first; beyond it, the payment's receipt is reversed only when
    ``reverse`` says so (its debts open again), and what the refund leaves of it stays held for
    finance to apply again. The gateway is called after the commit.
    """
    if payment.channel != Channel.CARD:
        raise ValidationError(_("Επιστρέφονται στην κάρτα μόνο πληρωμές με κάρτα."), "not_card")
    with transaction.atomic():
        debtors = _debtors_of(payment)
        touch_ledgers(Debtor.objects.filter(pk__in=debtors))
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if _debtors_of(payment) - debtors:
            raise ValidationError(
                _("Η πληρωμή άλλαξε στο μεταξύ: ελέγξτε την πριν επιστρέψετε."), "payment_changed"
            )
        left = refundable(payment)
        if left != expected_refundable:
            raise ValidationError(
                _(
                    "Το ποσό που μπορεί να επιστραφεί άλλαξε στο μεταξύ (τώρα %(left)s €): "
                    "ελέγξτε το πριν επιστρέψετε."
                )
                % {"left": figures(left)},
                "refundable_changed",
            )
        if not ZERO < amount <= left:
            raise ValidationError(
                _("Επιστρέφεται από 0,01 € έως %(left)s €.") % {"left": figures(left)},
                "refund_amount",
            )
        balance = unapplied_balance(payment)
        if amount > balance:
            receipt = applied_receipt(payment)
            if not reverse or receipt is None:
                raise ValidationError(
                    _(
                        "Από την πληρωμή είναι αδιάθετα %(balance)s €· το υπόλοιπο έχει εξοφλήσει "
                        "οφειλές. Για να επιστραφεί, επιλέξτε και την ακύρωση της απόδειξης."
                    )
                    % {"balance": figures(balance)},
                    "applied",
                )
            reverse_receipt(receipt, reason=reason, actor=actor)
            balance = unapplied_balance(payment)
        payment_return = mark_for_return(
            payment, amount, expected_balance=balance, reason=reason, actor=actor
        )
        refund_on_commit(payment_return)
        return payment_return
