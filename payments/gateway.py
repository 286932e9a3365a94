"""The card gateway (Stripe), behind a few functions: the only module that imports ``stripe``.

Production talks to Stripe; development and the tests to localstripe, a stand-in with the same
API at another address (``STRIPE_API_BASE``). Both take the same server-side flow, Stripe's
"finalise on the server": the browser turns the card into an id, the server creates and confirms
the PaymentIntent with it, and the browser runs 3-D Secure when the intent asks for it. The one
difference is how the browser gets that id (``browser_flow``): real Stripe.js makes a
PaymentMethod (``pm_…``); localstripe's Stripe.js makes only tokens, whose card id (``card_…``)
its server takes as the payment method.

Amounts cross this boundary as ``Decimal`` euros; cents exist only here.
"""

import time as clock
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import requests
import stripe
from django.conf import settings
from django.utils import timezone

CURRENCY = "eur"
# The smallest charge Stripe takes in euros: below it, it refuses the intent.
SMALLEST_CHARGE = Decimal("0.50")
STRIPE_API = "https://api.stripe.com"
STRIPE_JS = "https://js.stripe.com/v3/"
# A webhook older than this is refused (the stripe library's default): a replayed one too.
WEBHOOK_TOLERANCE = 300

GatewayError = stripe.StripeError
CardError = stripe.CardError
SignatureError = stripe.SignatureVerificationError


def missing(error: GatewayError) -> bool:
    """Whether the gateway answered that the object asked for does not exist there."""
    return isinstance(error, stripe.InvalidRequestError) and error.http_status == 404


class RefundRefused(Exception):
    """The gateway answered that it will not make this refund (a disputed or already refunded
    charge, a card it cannot credit): asking again would get the same answer."""


def to_cents(amount: Decimal) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not whole cents")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Intent:
    """What the portal needs of a PaymentIntent, the same from Stripe and localstripe."""

    id: str
    status: str
    amount: Decimal
    client_secret: str
    created: datetime
    failure_code: str = ""
    metadata: dict = field(default_factory=dict)
    # When the card was charged, by the gateway's clock: its latest charge's ``created`` (that
    # of the succeeded one, once the intent succeeded); the intent's own ``created`` when the
    # answer carries no charge object. The day the money was received, whenever the portal
    # learns of it.
    charged_at: datetime | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def needs_action(self) -> bool:
        return self.status == "requires_action"

    @property
    def failed(self) -> bool:
        """Declined, or 3-D Secure failed: the intent waits for another card, none was charged."""
        return self.status == "requires_payment_method" and bool(self.failure_code)

    @property
    def cancelled(self) -> bool:
        return self.status == "canceled"


@dataclass(frozen=True)
class Refund:
    id: str
    intent_id: str
    amount: Decimal
    created: datetime
    metadata: dict = field(default_factory=dict)
    # Stripe's: pending, succeeded, or failed / canceled (the card never got the money back).
    status: str = "succeeded"

    @property
    def failed(self) -> bool:
        return self.status in {"failed", "canceled"}


def _client() -> stripe.StripeClient:
    # One client per call: settings may point elsewhere between tests; building one costs
    # microseconds. Bounded waits and no retries: a timeout leaves the attempt for the sweep.
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=20),
    )


def is_stripe() -> bool:
    """Whether the gateway is Stripe itself (test or live mode), not the local stand-in."""
    return settings.STRIPE_API_BASE.rstrip("/") == STRIPE_API


def browser_flow() -> str:
    """How the payment page's script turns the card into an id: ``payment_method`` (Stripe.js)
    or ``token`` (localstripe's Stripe.js)."""
    return "payment_method" if is_stripe() else "token"


def stripe_js_url() -> str:
    return STRIPE_JS if is_stripe() else settings.STRIPE_API_BASE.rstrip("/") + "/js.stripe.com/v3/"


def csp_origins() -> dict[str, list[str]]:
    """What the payment page's Content-Security-Policy must add for the gateway's script, its
    frames (the card fields, 3-D Secure) and its API. The portal's own origin is named again
    where the policy has no directive of its own (connect-src, frame-src): a directive added
    replaces the default-src fallback, and the page posts the card's id to the portal."""
    if is_stripe():
        return {
            "script-src": ["https://js.stripe.com"],
            "frame-src": ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"],
            "connect-src": ["'self'", STRIPE_API],
        }
    parts = urlsplit(settings.STRIPE_API_BASE)
    origin = f"{parts.scheme}://{parts.netloc}"
    return {
        "script-src": [origin],
        "frame-src": ["'self'", origin],
        "connect-src": ["'self'", origin],
    }


def _with_charge(params: dict | None = None) -> dict:
    """Every call that answers with an intent asks for its latest charge in full (Stripe names
    it by id otherwise; localstripe always gives it whole): the charge's time is when the money
    was received, and asking for it here costs no request of its own."""
    return {**(params or {}), "expand": ["latest_charge"]}


def _timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _intent(obj) -> Intent:
    obj = obj.to_dict()
    error = obj.get("last_payment_error") or {}
    created = _timestamp(obj["created"])
    charge = obj.get("latest_charge")
    return Intent(
        id=obj["id"],
        status=obj["status"],
        amount=from_cents(obj["amount"]),
        client_secret=obj.get("client_secret") or "",
        created=created,
        failure_code=(error.get("decline_code") or error.get("code") or "") if error else "",
        metadata=dict(obj.get("metadata") or {}),
        charged_at=_timestamp(charge["created"]) if isinstance(charge, dict) else created,
    )


def create_intent(
    *, amount: Decimal, payment_method: str, key: str, metadata: dict[str, str]
) -> Intent:
    """Create and confirm a PaymentIntent charging ``payment_method``; ``key``, our attempt's
    id, is the idempotency key (Stripe honours it; localstripe ignores it, so the caller's lock
    is what prevents a second intent). A declined card comes back as a failed intent."""
    params = {
        "amount": to_cents(amount),
        "currency": CURRENCY,
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": metadata,
    }
    try:
        obj = _client().v1.payment_intents.create(
            _with_charge(params), {"idempotency_key": f"attempt-{key}"}
        )
    except stripe.CardError as error:
        # Stripe names the declined intent in the error; localstripe names only its charge.
        body = (error.json_body or {}).get("error") or {}
        intent_id = (body.get("payment_intent") or {}).get("id")
        if not intent_id and body.get("charge"):
            intent_id = _client().v1.charges.retrieve(body["charge"]).to_dict()["payment_intent"]
        if not intent_id:
            raise
        return retrieve_intent(intent_id)
    return _intent(obj)


def retrieve_intent(intent_id: str) -> Intent:
    return _intent(_client().v1.payment_intents.retrieve(intent_id, _with_charge()))


def cancel_intent(intent_id: str) -> Intent:
    """Cancel an intent that has not charged; one already finished is returned as it is."""
    intent = retrieve_intent(intent_id)
    if intent.status in {"succeeded", "canceled", "processing"}:
        return intent
    return _intent(_client().v1.payment_intents.cancel(intent_id, _with_charge()))


def _refund(obj, intent_id: str = "") -> Refund:
    obj = obj.to_dict()
    return Refund(
        id=obj["id"],
        intent_id=obj.get("payment_intent") or intent_id,
        amount=from_cents(obj["amount"]),
        created=_timestamp(obj["created"]),
        metadata=dict(obj.get("metadata") or {}),
        status=obj.get("status") or "succeeded",
    )


def retrieve_refund(refund_id: str) -> Refund:
    return _refund(_client().v1.refunds.retrieve(refund_id))


def refund(*, intent_id: str, amount: Decimal, key: str) -> Refund:
    """Refund ``amount`` of the intent's charge, once per ``key`` (our return's id).

    The refunds already made for the intent are looked at first: localstripe ignores idempotency
    keys, and a retry after a lost answer must not refund twice. ``RefundRefused`` when the
    gateway turns the request down (Stripe's invalid request or card error, with its message);
    any other ``GatewayError`` (no answer, rate limit, the gateway's own error) may pass.
    """
    client = _client()
    for existing in client.v1.refunds.list({"payment_intent": intent_id, "limit": 100}).data:
        if (existing.to_dict().get("metadata") or {}).get("return") == key:
            return _refund(existing, intent_id)
    try:
        obj = client.v1.refunds.create(
            {"payment_intent": intent_id, "amount": to_cents(amount), "metadata": {"return": key}},
            {"idempotency_key": f"return-{key}"},
        )
    except (stripe.InvalidRequestError, stripe.CardError) as error:
        raise RefundRefused(error.user_message or str(error)) from error
    return _refund(obj, intent_id)


def parse_event(body: bytes, signature: str) -> dict:
    """The event of a webhook, its signature checked on the raw body with the webhook secret and
    its timestamp within ``WEBHOOK_TOLERANCE``; ``SignatureError`` or ``ValueError`` otherwise."""
    event = stripe.Webhook.construct_event(
        body, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=WEBHOOK_TOLERANCE
    )
    return event.to_dict()


@dataclass(frozen=True)
class Charge:
    intent_id: str
    amount: Decimal
    fee: Decimal
    succeeded: bool
    created: datetime


def _day_bounds(day: date) -> dict[str, int]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return {"gte": int(start.timestamp()), "lt": int((start + timedelta(days=1)).timestamp())}


def _listing(bounds: dict[str, int]) -> dict:
    """Stripe lists one day when asked; localstripe refuses the filter, so it lists everything
    and the caller keeps the day."""
    return {"limit": 100, **({"created": bounds} if is_stripe() else {})}


def charges_of(day: date) -> list[Charge]:
    """The gateway's charges created on ``day`` (the portal's time zone), with their fees."""
    client = _client()
    bounds = _day_bounds(day)
    found = []
    for obj in client.v1.charges.list(_listing(bounds)).auto_paging_iter():
        obj = obj.to_dict()
        if not bounds["gte"] <= obj["created"] < bounds["lt"]:
            continue
        fee = Decimal("0.00")
        if obj.get("balance_transaction"):
            txn = client.v1.balance_transactions.retrieve(obj["balance_transaction"])
            fee = from_cents(txn.to_dict().get("fee") or 0)
        found.append(
            Charge(
                intent_id=obj.get("payment_intent") or "",
                amount=from_cents(obj["amount"]),
                fee=fee,
                succeeded=obj["status"] == "succeeded",
                created=_timestamp(obj["created"]),
            )
        )
    return found


def refunds_of(day: date, *, days: int = 1) -> list[Refund]:
    """The gateway's refunds created on ``day`` (the portal's time zone), and on the ``days - 1``
    days before it."""
    bounds = _day_bounds(day)
    bounds["gte"] = _day_bounds(day - timedelta(days=days - 1))["gte"]
    found = []
    for obj in _client().v1.refunds.list(_listing(bounds)).auto_paging_iter():
        if bounds["gte"] <= obj["created"] < bounds["lt"]:
            found.append(_refund(obj))
    return found


def register_local_webhook(url: str, *, wait: float = 30) -> None:
    """Point localstripe's webhooks at ``url``, signed with ``STRIPE_WEBHOOK_SECRET``, once it
    answers (``make run`` starts it a moment before). Stripe's own webhooks are registered in
    its dashboard, never from here."""
    if is_stripe():
        raise ValueError("webhooks of Stripe itself are registered in its dashboard")
    deadline = clock.monotonic() + wait
    while True:
        try:
            response = requests.post(
                settings.STRIPE_API_BASE.rstrip("/") + "/_config/webhooks/portal",
                data={"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET},
                timeout=5,
            )
            break
        except requests.ConnectionError:
            if clock.monotonic() > deadline:
                raise
            clock.sleep(0.2)
    response.raise_for_status()
