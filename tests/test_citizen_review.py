"""Defects a citizen met, found by a review of their journey: each test says what they saw."""

from datetime import date

import pytest
from django.urls import reverse

from debts.services import build_notice
from payments.models import CardAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def notice(citizen_client, make_debt):
    debt = make_debt(citizen_client.debtor, "120.00", due_date=date(2024, 6, 30))
    return build_notice(citizen_client.debtor, debts=[debt])


def start_card(client, notice) -> CardAttempt:
    response = client.post(reverse("payments:card_start", args=[notice.pk]))
    assert response.status_code == 302
    return CardAttempt.objects.get(notice=notice, status__in=CardAttempt.LIVE)


# --- The card gateway down, on an English page ------------------------------------------------


def test_the_gateway_down_is_said_in_english_on_english_pages(citizen_client, notice, settings):
    attempt = start_card(citizen_client, notice)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing answers there

    response = citizen_client.post(
        "/en" + reverse("payments:card_submit", args=[attempt.public_id]),
        {"payment_method": "card_123"},
    )

    assert response.status_code == 502
    assert response.json()["error"] == (
        "The card payment service is not answering. Please try again shortly."
    )
