"""Defects found in the last read of the day's change (own transfers, came-back returns, the
counter's παράβολο): each test fails on the code as it was read."""

from decimal import Decimal

from tests.test_counter import cashier, staff_user  # noqa: F401 (fixtures)


def test_an_own_transfer_the_bank_took_back_is_named_in_the_summary(write, django_user_model):
    """The card gateway's payout, taken off the queue as the municipality's own transfer, holds
    nothing and has no receipt: when the bank took it back (a return debited under its
    transaction id), the summary of credits taken back left it out, and finance never learnt
    that the payout's money had left the account."""
    from payments.models import OwnTransfer, Payment
    from payments.services import record_own_transfer
    from tests.bank_files import Entry, Tx, camt054
    from tests.test_bank_statement_import import run

    payout = Tx(
        Decimal("1520.00"), unstructured="STRIPE PAYOUT po_1", tx_id="T-PO-1", payer="STRIPE"
    )
    run(write(camt054([Entry("C-1", [payout])]), "monday.xml"))
    payment = Payment.objects.get()
    record_own_transfer(
        payment,
        kind=OwnTransfer.Kind.GATEWAY_PAYOUT,
        note="po_1 της 07/12",
        expected_balance=payment.amount,
        actor=django_user_model.objects.create(username="finance"),
    )
    taken_back = Entry("R-1", [Tx(Decimal("1520.00"), tx_id="T-PO-1")], debit=True, reversal=True)

    output = run(write(camt054([taken_back], message_id="NTF-2"), "tuesday.xml"))

    assert "R-1" in output and payment.reference in output
    told = output[output.index("R-1") :]
    assert "Εκκαθάριση πληρωμών με κάρτα" in told and "po_1 της 07/12" in told
    # Nothing to reverse nor to return: finance is not told to.
    assert "ακυρώστε την απόδειξη" not in output


def test_a_typo_that_is_another_debtors_afm_is_caught_by_the_afm_typed_twice(
    client,
    cashier,  # noqa: F811
    debtor,
):
    """The cashier types the payer's ΑΦΜ twice, with a slip in the first that is another
    debtor's ΑΦΜ: the page looked the first up before checking the two agree, so it led to that
    debtor's card saying the payer was already on file, and the παράβολο was issued and paid
    under a stranger's name, in their TaxisNet account."""
    from debts.models import Debtor
    from tests.test_counter import counter_url

    posted = {"afm": debtor.afm, "afm_again": "090000045", "kind": "person", "last_name": "Ζ"}

    response = client.post(counter_url("counter_payer"), posted)

    assert response.status_code == 200
    assert response.context["form"].errors["afm_again"] == [
        "Οι δύο ΑΦΜ διαφέρουν: ελέγξτε τον στο έγγραφο του πληρωτή και γράψτε τον ξανά."
    ]
    assert Debtor.objects.count() == 1
