"""localstripe, the card gateway of the tests: one process for the test session, on a free port,
started from scratch; the portal's settings pointed at it per test. And what a browser and the
gateway would do, over HTTP: tokenise a test card, pass or fail 3-D Secure, sign a webhook."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import stripe

LOCALSTRIPE = Path(sys.executable).parent / "localstripe"
SECRET_KEY = "sk_test_thermi_portal"
WEBHOOK_SECRET = "whsec_thermi_portal_tests"
CARDS = {
    "ok": "4242424242424242",
    "declined": "4000000000000341",
    "3ds": "4000002500003155",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (the virtualenv's own script)
        [str(LOCALSTRIPE), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_gateway(settings, localstripe_url):
    """The portal's gateway settings pointed at the session's localstripe."""
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_thermi_portal"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe_url


def card_id(base: str, kind: str = "ok") -> str:
    """What localstripe's Stripe.js ``createToken`` gives the page: the token's card id."""
    response = requests.post(
        f"{base}/v1/tokens",
        data={
            "card[number]": CARDS[kind],
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
        auth=(SECRET_KEY, ""),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["card"]["id"]


def authenticate(base: str, intent_id: str, client_secret: str, *, success: bool) -> None:
    """The 3-D Secure dialog's answer, as localstripe's Stripe.js sends it."""
    response = requests.post(
        f"{base}/v1/payment_intents/{intent_id}/_authenticate",
        data={"client_secret": client_secret, "success": "true" if success else "false"},
        auth=(SECRET_KEY, ""),
        timeout=10,
    )
    response.raise_for_status()


def signed_event(
    object_id: str,
    kind: str = "payment_intent.succeeded",
    *,
    event_id=None,
    age: int = 0,
    object_type: str = "payment_intent",
):
    """A webhook body and its ``Stripe-Signature``, as the gateway sends them."""
    body = json.dumps(
        {
            "id": event_id or f"evt_{object_id}_{kind}",
            "object": "event",
            "type": kind,
            "created": int(time.time()) - age,
            "data": {"object": {"id": object_id, "object": object_type}},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(
        body, WEBHOOK_SECRET, timestamp=int(time.time()) - age
    )
    return body, header
