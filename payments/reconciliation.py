"""The gateway's day against the portal's (``manage.py reconcile_gateway``): every charge the
gateway made is a payment here, every refund it made a return recorded here, with the same
amounts. What the portal missed (a webhook lost, then the sweep too) is settled now; what
cannot be explained is listed for a person. The charges' fees are recorded on their attempts.
A refund of the days before that has failed since is recorded refused, and so listed."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debts.money import ZERO, euros

from . import card, gateway
from .models import CardAttempt, Channel, Payment, PaymentReturn

# How many days before the one reconciled are searched for refunds that failed since.
REFUND_FAILURES_LOOKED_BACK = 30


@dataclass
class Reconciliation:
    day: date
    charges: int = 0
    refunds: int = 0
    settled_now: list[str] = field(default_factory=list)
    returned_now: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    fees: Decimal = ZERO


def reconcile_gateway(day: date) -> Reconciliation:
    result = Reconciliation(day=day)
    charged = set()
    for charge in gateway.charges_of(day):
        if not charge.succeeded:
            continue
        result.charges += 1
        charged.add(charge.intent_id)
        _reconcile_charge(charge, result)
    for refund in gateway.refunds_of(day):
        result.refunds += 1
        _reconcile_refund(refund, result)
    # A card's bank may turn a refund down days after it was made; had its webhook been lost,
    # the return would stay refunded here for ever. Refused now, it is listed below.
    earlier = gateway.refunds_of(day - timedelta(days=1), days=REFUND_FAILURES_LOOKED_BACK)
    for refund in earlier:
        if refund.failed:
            card.follow_refund(refund)
    start = timezone.make_aware(datetime.combine(day, time.min))
    ours = Payment.objects.filter(
        channel=Channel.CARD,
        received_at__gte=start,
        received_at__lt=start + timedelta(days=1),
    ).exclude(reference__in=charged)
    for payment in ours:
        result.differences.append(
            _("πληρωμή %(reference)s (%(amount)s) χωρίς χρέωση στην πύλη πληρωμών εκείνη την ημέρα")
            % {"reference": payment.reference, "amount": euros(payment.amount)}
        )
    # Set aside for the card by the day's end and still not refunded: the gateway cannot be
    # reached, or no worker sends it; the sweep alone would retry it for ever, unseen. Or the
    # gateway refused it, and a person has yet to return the money otherwise.
    stuck = PaymentReturn.objects.filter(
        payment__channel=Channel.CARD,
        status__in=(PaymentReturn.Status.REQUESTED, PaymentReturn.Status.REFUSED),
        requested_at__lt=start + timedelta(days=1),
    ).select_related("payment")
    for payment_return in stuck.order_by("requested_at", "pk"):
        refused = payment_return.status == PaymentReturn.Status.REFUSED
        values = {
            "id": payment_return.pk,
            "reference": payment_return.payment.reference,
            "amount": euros(payment_return.amount),
            "at": date_format(
                timezone.localtime(payment_return.requested_at), "SHORT_DATETIME_FORMAT"
            ),
        }
        result.differences.append(
            (
                _(
                    "επιστροφή %(id)s της %(reference)s (%(amount)s), σημειώθηκε %(at)s, δεν "
                    "επιστράφηκε στην κάρτα: η πύλη πληρωμών την αρνήθηκε, επιστρέψτε τα "
                    "χρήματα με άλλο τρόπο"
                )
                if refused
                else _(
                    "επιστροφή %(id)s της %(reference)s (%(amount)s), σημειώθηκε %(at)s, δεν "
                    "επιστράφηκε στην κάρτα"
                )
            )
            % values
        )
    return result


def _reconcile_charge(charge: gateway.Charge, result: Reconciliation) -> None:
    payment = Payment.objects.filter(channel=Channel.CARD, reference=charge.intent_id).first()
    if payment is None:
        intent = gateway.retrieve_intent(charge.intent_id)
        attempt = card.attempt_for_intent(intent)
        if attempt is None:
            result.differences.append(
                _("χρέωση %(intent)s (%(amount)s) που δεν ανήκει σε καμία προσπάθεια πληρωμής")
                % {"intent": charge.intent_id, "amount": euros(charge.amount)}
            )
            return
        attempt = card.sync_attempt(attempt, intent, via="reconcile_gateway")
        payment = attempt.payment
        result.settled_now.append(charge.intent_id)
    if payment.amount != charge.amount:
        result.differences.append(
            _("χρέωση %(intent)s: %(gateway)s στην πύλη πληρωμών, %(here)s εδώ")
            % {
                "intent": charge.intent_id,
                "gateway": euros(charge.amount),
                "here": euros(payment.amount),
            }
        )
    result.fees += charge.fee
    CardAttempt.objects.filter(payment=payment).update(fee=charge.fee)


# A refund's end at the gateway in the officer's words (Stripe's status otherwise).
REFUND_STATUS = {"failed": gettext_lazy("απέτυχε"), "canceled": gettext_lazy("ακυρώθηκε")}


def _reconcile_refund(refund: gateway.Refund, result: Reconciliation) -> None:
    values = {"refund": refund.id, "intent": refund.intent_id, "amount": euros(refund.amount)}
    known = card.refunded_as(refund.id).exists()
    payment_return = card.follow_refund(refund)
    if not known and payment_return is not None and payment_return.return_reference == refund.id:
        result.returned_now.append(refund.id)
    if refund.failed:
        # The card never got the money: unless a person has returned it otherwise since, they
        # must (the return, refused now, waits for them in the admin).
        if payment_return is None or payment_return.status == PaymentReturn.Status.REFUSED:
            result.differences.append(
                _(
                    "επιστροφή χρημάτων %(refund)s της %(intent)s (%(amount)s): %(status)s στην "
                    "πύλη πληρωμών, η κάρτα δεν πιστώθηκε"
                )
                % {**values, "status": REFUND_STATUS.get(refund.status, refund.status)}
            )
    elif payment_return is None:
        result.differences.append(
            _("επιστροφή χρημάτων %(refund)s της %(intent)s (%(amount)s) χωρίς επιστροφή εδώ")
            % values
        )
    elif payment_return.return_reference != refund.id:
        # Another refund at the gateway for a return already recorded under its own: money
        # sent back twice, which only a person can recover.
        result.differences.append(
            _(
                "επιστροφή χρημάτων %(refund)s της %(intent)s (%(amount)s): η επιστροφή %(id)s "
                "είχε ήδη γίνει ως %(reference)s"
            )
            % {**values, "id": payment_return.pk, "reference": payment_return.return_reference}
        )
    elif payment_return.amount != refund.amount:
        result.differences.append(
            _("επιστροφή χρημάτων %(refund)s: %(gateway)s στην πύλη πληρωμών, %(here)s εδώ")
            % {
                "refund": refund.id,
                "gateway": euros(refund.amount),
                "here": euros(payment_return.amount),
            }
        )
