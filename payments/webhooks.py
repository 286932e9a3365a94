"""The gateway's webhook: every event received is stored as it came, its signature checked on the
raw body; a signed one is processed once, whatever the order or number of deliveries.

Answers follow what the gateway retries: 400 for an unsigned, forged or stale body (stored, never
processed), 200 once processed or for an object the portal does not know, 500 when asking the
gateway failed (so it delivers again).
"""

from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import card, gateway
from .models import GatewayEvent

INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
}
# A refund's status changed: a refund that fails, days after it was made, is one of them.
REFUND_EVENTS = {"refund.updated", "refund.failed", "charge.refund.updated"}


@csrf_exempt
@require_POST
def stripe_webhook(request):
    body = request.body
    try:
        event = gateway.parse_event(body, request.headers.get("Stripe-Signature", ""))
    except (gateway.SignatureError, ValueError):
        GatewayEvent.objects.create(
            body=body.decode("utf-8", "replace"), signature_valid=False, result="signature refused"
        )
        return HttpResponseBadRequest()
    stored, _ = GatewayEvent.objects.get_or_create(
        event_id=event["id"],
        defaults={
            "type": event["type"][:100],
            "body": body.decode("utf-8", "replace"),
            "signature_valid": True,
        },
    )
    try:
        process_event(stored, event)
    except gateway.GatewayError:
        return HttpResponse(status=500)
    return HttpResponse()


@transaction.atomic
def process_event(stored: GatewayEvent, event: dict) -> GatewayEvent:
    """Process a signed event unless it was already; the intent is read again from the gateway,
    so an event late or out of order acts on the intent's state now, not the event's."""
    stored = GatewayEvent.objects.select_for_update().get(pk=stored.pk)
    if stored.processed_at is not None:
        return stored
    stored.result = _result(event)
    stored.processed_at = timezone.now()
    stored.save(update_fields=["result", "processed_at"])
    return stored


def _result(event: dict) -> str:
    if event["type"] in REFUND_EVENTS:
        return _refund_result(event)
    if event["type"] not in INTENT_EVENTS:
        return "ignored"
    intent = gateway.retrieve_intent(event["data"]["object"]["id"])
    attempt = card.attempt_for_intent(intent)
    if attempt is None:
        return f"unknown intent {intent.id}"
    attempt = card.sync_attempt(attempt, intent, via=f"webhook {event['id']}")
    return f"attempt {attempt.public_id} {attempt.status}"


def _refund_result(event: dict) -> str:
    refund = gateway.retrieve_refund(event["data"]["object"]["id"])
    payment_return = card.follow_refund(refund)
    if payment_return is None:
        return f"unknown refund {refund.id}"
    return f"return {payment_return.pk} {payment_return.status}"
