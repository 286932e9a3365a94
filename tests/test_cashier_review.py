"""What a cashier met at the counter, found by a review from the counter's side: each test
the page as the cashier used it, and what it must do."""

from debts.models import Debt
from payments.models import Payment, Tender
from receipts.models import Receipt
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    _ledger_stays_clean,
    cashier,
    counter_url,
    messages_of,
    staff_user,
)


def pay_lines_by_pos(client, debtor, debts, slip: str, total: str):
    """Debts picked, reviewed, and paid by card with the POS slip ``slip``."""
    url = counter_url("counter_debtor", debtor.pk)
    review = client.post(url, {"debts": [debt.pk for debt in debts]})
    assert str(review.context["draft"].total) == total
    return client.post(
        url,
        {
            "debts": [debt.pk for debt in debts],
            "total": total,
            "confirm": "1",
            "tender": Tender.POS,
            "pos_slip": slip,
            "cash_reference": review.context["form"]["cash_reference"].value(),
        },
    )


def test_a_slip_typed_again_for_the_same_payers_other_debts_is_refused(
    client,
    cashier,  # noqa: F811
    debtor,
    make_debt,
):
    """Two card payments of one payer at the POS, of the same amount for other debts, and the
    first slip's number typed again: the second money is not the first form sent twice. It was
    taken for it, «not recorded again», and the second debt stayed open with its money
    unrecorded."""
    september = make_debt(debtor, "50.00", kind="nursery", description="Τροφεία Σεπτεμβρίου")
    october = make_debt(debtor, "50.00", kind="nursery", description="Τροφεία Οκτωβρίου")
    pay_lines_by_pos(client, debtor, [september], "RRN-7", "50.00")

    response = pay_lines_by_pos(client, debtor, [october], "RRN-7", "50.00")

    assert response.status_code == 200, "the page is shown again, with the refusal"
    assert any(
        "«RRN-7» έχει ήδη καταχωριστεί για άλλη πληρωμή" in message
        for message in messages_of(response)
    )
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    october.refresh_from_db()
    assert october.status == Debt.Status.OPEN
    assert not october.notice_items.exists(), "no notice is left behind for the refused money"


def test_the_same_lines_sent_twice_by_pos_are_recorded_once(
    client,
    cashier,  # noqa: F811
    debtor,
    make_debt,
):
    """The double click the check is there for still gets what the first recorded."""
    september = make_debt(debtor, "50.00", kind="nursery", description="Τροφεία Σεπτεμβρίου")
    first = pay_lines_by_pos(client, debtor, [september], "RRN-8", "50.00")
    url = counter_url("counter_debtor", debtor.pk)
    data = {
        "debts": [september.pk],
        "total": "50.00",
        "confirm": "1",
        "tender": Tender.POS,
        "pos_slip": "RRN-8",
        "cash_reference": "ΤΑΜ-" + "0" * 32,
    }

    second = client.post(url, data)

    assert second["Location"] == first["Location"]
    assert any("δεν καταχωρίστηκε ξανά" in message for message in messages_of(second))
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
