"""Card payments' background work: refunds sent to the gateway after their commit, and the sweep
that asks the gateway about what the webhook did not settle (a lost webhook must not lose a
receipt) and expires what was left unfinished."""

import logging

from celery import shared_task
from django.utils import timezone

from . import card, gateway
from .models import PaymentReturn

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(gateway.GatewayError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def refund_through_gateway(return_id: int) -> None:
    """Refund a card payment's return at the gateway; a repeat refunds nothing twice."""
    card.send_refund(PaymentReturn.objects.select_related("payment").get(pk=return_id))


@shared_task
def sweep_card_attempts() -> dict[str, int]:
    """Settle or fail pending attempts the gateway has answered, expire unfinished ones, send
    refunds still waiting; how many of each were looked at. One failure is logged, and the rest
    go on: the next sweep tries it again."""
    now = timezone.now()
    counts = {"asked": 0, "expired": 0, "refunds": 0}
    for attempt in card.attempts_to_sweep(now).order_by("pk"):
        counts["asked"] += _each(card.refresh_attempt, attempt, via="sweep")
    for attempt in card.attempts_to_expire(now).order_by("pk"):
        counts["expired"] += _each(card.expire_attempt, attempt)
    for payment_return in card.returns_to_send().order_by("pk"):
        counts["refunds"] += _each(card.send_refund, payment_return)
    return counts


def _each(step, obj, **kwargs) -> int:
    """One step of the sweep, in its own transactions: whatever it raises (the gateway down, a
    deadlock, a refusal) is logged and left for the next sweep, and the others go on; one
    attempt that keeps failing must not keep every later one from being settled."""
    try:
        step(obj, **kwargs)
    except Exception:
        logger.exception("card sweep: %s failed on %r", step.__name__, obj)
        return 0
    return 1
