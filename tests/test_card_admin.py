"""Finance refunds a card payment from the admin, stating the amount still refundable; cashiers
cannot. The gateway is localstripe over HTTP."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from debts.models import Debt
from debts.services import build_notice
from payments import card
from payments.models import CardAttempt, PaymentReturn
from payments.tasks import refund_through_gateway
from tests.card_gateway import card_id
from tests.test_counter import CASHIER, FINANCE, staff_user  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_attempt(make_debtor, make_debt, stripe_gateway):
    debtor = make_debtor()
    debt = make_debt(debtor, "60.00", due_date=date(2024, 6, 30))
    notice = build_notice(debtor, debts=[debt])
    attempt = card.submit_card(card.live_attempt(notice), card_id(stripe_gateway)).attempt
    assert attempt.status == CardAttempt.Status.SUCCEEDED
    return attempt


def refund_url(attempt) -> str:
    return reverse("admin:payments_cardattempt_refund", args=[attempt.pk])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_finance_refunds_part_of_a_card_payment_reversing_its_receipt(paid_attempt, staff_user):  # noqa: F811
    finance = logged_in(staff_user(FINANCE))
    payment = paid_attempt.payment
    total = payment.amount
    page = finance.get(refund_url(paid_attempt))
    assert page.status_code == 200
    assert f"{total}".replace(".", ",") in page.text or str(total) in page.text
    response = finance.post(
        refund_url(paid_attempt),
        {"amount": "10.00", "refundable": str(total), "reverse": "on", "reason": "Λάθος ποσό"},
    )
    assert response.status_code == 302, response.content
    payment_return = PaymentReturn.objects.get(payment=payment)
    # Sent to the gateway after the commit, by a task: not yet refunded when finance is told.
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert told == [
        "Η επιστροφή 10,00 € στην κάρτα καταχωρίστηκε και στέλνεται στην πύλη πληρωμών: η "
        "πληρωμή δείχνει πότε επιστράφηκε."
    ]
    refund_through_gateway(payment_return.pk)
    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.RETURNED
    assert Debt.objects.get(allocations__payment=payment, allocations__principal__gt=0).status == (
        Debt.Status.OPEN
    )
    assert card.refundable(payment) == total - Decimal("10.00")
    # the same form sent again states a refundable amount that is no longer true
    again = finance.post(
        refund_url(paid_attempt),
        {"amount": "10.00", "refundable": str(total), "reverse": "on", "reason": "Λάθος ποσό"},
    )
    assert again.status_code == 200
    assert "άλλαξε στο μεταξύ" in again.text
    assert PaymentReturn.objects.filter(payment=payment).count() == 1
    call_command("check_ledger")


def test_the_action_leads_finance_to_the_refund_form(paid_attempt, staff_user):  # noqa: F811
    finance = logged_in(staff_user(FINANCE))
    response = finance.post(
        reverse("admin:payments_cardattempt_changelist"),
        {"action": "refund", "_selected_action": [paid_attempt.pk]},
    )
    assert response.url == refund_url(paid_attempt)


def test_cashiers_cannot_refund(paid_attempt, staff_user):  # noqa: F811
    cashier = logged_in(staff_user(CASHIER))
    assert cashier.get(refund_url(paid_attempt)).status_code == 403
    assert not PaymentReturn.objects.exists()
