"""Money returned by hand can come back (a transfer to a closed or mistyped account, credited
back by the bank): finance records it, and the return is to be made again, listed as before,
the failed transfer kept in its history. A card's refund made by the gateway is not a person's
to say so."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from payments import ledger
from payments.models import PaymentReturn
from payments.services import (
    mark_for_return,
    record_came_back,
    record_refunded,
    record_refused,
    record_returned,
    settle,
)
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    _ledger_stays_clean,
    messages_of,
    staff_user,
)
from tests.test_unapplied_queue import finance, held, url  # noqa: F401 (fixtures)

Status = PaymentReturn.Status


@pytest.fixture
def returned(held, finance):  # noqa: F811
    """Held money returned to the payer by a bank transfer, recorded by finance."""
    payment_return = mark_for_return(
        held, held.amount, expected_balance=held.amount, reason="Άγνωστος κωδικός", actor=finance
    )
    return record_returned(payment_return, reference="SEPA-42", actor=finance)


def test_a_transfer_that_came_back_is_to_be_returned_again(client, finance, held, returned):  # noqa: F811
    page = client.get(url("payment_change", held.pk)).content.decode()
    assert url("payment_came_back", returned.pk) in page
    assert client.get(url("payment_came_back", returned.pk)).status_code == 200

    response = client.post(
        url("payment_came_back", returned.pk),
        {"reason": "Λάθος IBAN, πίστωση BR-77", "reference": "SEPA-42"},
    )

    assert response["Location"] == url("payment_change", held.pk)
    assert messages_of(response) == [
        "Η επιστροφή 500,00 € καταγράφηκε ότι γύρισε πίσω: είναι ξανά προς επιστροφή."
    ]
    returned.refresh_from_db()
    assert (returned.status, returned.return_reference) == (Status.REQUESTED, "")
    went, came_back = returned.status_changes.order_by("pk")
    assert went.cause == "returned SEPA-42", "the failed transfer stays in the history"
    assert (came_back.to_status, came_back.cause) == (Status.REQUESTED, "Λάθος IBAN, πίστωση BR-77")
    assert came_back.actor == finance
    queue = client.get(url("unappliedpayment_changelist"))
    assert list(queue.context["cl"].result_list) == [held], "finance's to return again"
    page = client.get(url("payment_change", held.pk)).content.decode()
    assert url("payment_returned", returned.pk) in page
    assert url("payment_came_back", returned.pk) not in page

    record_returned(returned, reference="SEPA-43", actor=finance)
    returned.refresh_from_db()
    assert (returned.status, returned.return_reference) == (Status.RETURNED, "SEPA-43")
    assert ledger.check().breaches == []


def test_the_form_sent_twice_records_it_once(client, finance, held, returned):  # noqa: F811
    posted = {"reason": "Κλειστός λογαριασμός", "reference": "SEPA-42"}
    client.post(url("payment_came_back", returned.pk), posted)

    again = client.post(url("payment_came_back", returned.pk), posted)

    assert again["Location"] == url("payment_change", held.pk)
    assert messages_of(again)[-1] == "Η επιστροφή δεν είναι πια καταγεγραμμένη ως γενόμενη."
    assert returned.status_changes.count() == 2


def test_a_reason_is_required(returned, finance):  # noqa: F811
    with pytest.raises(ValidationError, match="Γράψτε γιατί"):
        record_came_back(returned, reason=" ", expected_reference="SEPA-42", actor=finance)
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED


def test_a_return_not_made_yet_cannot_come_back(held, finance):  # noqa: F811
    payment_return = mark_for_return(
        held, held.amount, expected_balance=held.amount, reason="x", actor=finance
    )
    with pytest.raises(ValidationError, match="από υπάλληλο"):
        record_came_back(payment_return, reason="x", expected_reference="", actor=finance)
    payment_return.refresh_from_db()
    assert payment_return.status == Status.REQUESTED


@pytest.fixture
def card_return(finance):  # noqa: F811
    payment = settle(
        channel="card",
        reference="pi_HELD",
        amount=Decimal("30.00"),
        received_at=timezone.now(),
        rf="RF18539007547034",
    ).payment
    return mark_for_return(
        payment, payment.amount, expected_balance=payment.amount, reason="x", actor=finance
    )


def test_a_card_refund_the_gateway_made_is_not_a_persons_to_say_came_back(
    client,
    finance,  # noqa: F811
    card_return,
):
    record_refunded(card_return, refund_id="re_1")

    page = client.get(url("payment_change", card_return.payment_id)).content.decode()
    assert url("payment_came_back", card_return.pk) not in page
    posted = {"reason": "x", "reference": "re_1"}
    response = client.post(url("payment_came_back", card_return.pk), posted)
    assert "την παρακολουθεί η πύλη πληρωμών" in response.content.decode()
    card_return.refresh_from_db()
    assert card_return.status == Status.RETURNED


def test_a_card_return_made_by_hand_after_the_gateway_refused_comes_back_refused(
    finance,  # noqa: F811
    card_return,
):
    record_refused(card_return, cause="card closed")
    record_returned(card_return, reference="SEPA-9", actor=finance)

    record_came_back(card_return, reason="Λάθος IBAN", expected_reference="SEPA-9", actor=finance)

    card_return.refresh_from_db()
    assert card_return.status == Status.REFUSED
    assert PaymentReturn.objects.to_record_by_hand().get() == card_return


def test_a_cashier_may_not_say_a_return_came_back(client, staff_user, returned):  # noqa: F811
    client.force_login(staff_user(CASHIER))
    posted = {"reason": "x", "reference": "SEPA-42"}
    assert client.post(url("payment_came_back", returned.pk), posted).status_code == 403
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED


def test_a_page_opened_before_the_return_was_made_again_changes_nothing(
    client,
    finance,  # noqa: F811
    held,  # noqa: F811
    returned,
):
    """Two people on the same bounce: the second's page, opened before the first recorded it
    and returned the money again, must not say that the new transfer came back too (it would
    be returned a third time)."""
    stale = client.get(url("payment_came_back", returned.pk)).context["form"]
    posted = {**{name: stale[name].value() for name in stale.fields}, "reason": "Λάθος IBAN"}
    client.post(url("payment_came_back", returned.pk), posted)
    record_returned(returned, reference="SEPA-43", actor=finance)

    response = client.post(url("payment_came_back", returned.pk), posted)

    assert response.status_code == 200
    assert "SEPA-43" in response.content.decode()
    returned.refresh_from_db()
    assert (returned.status, returned.return_reference) == (Status.RETURNED, "SEPA-43")
    assert returned.status_changes.count() == 3
