"""Finance's queue of unapplied money in the admin: money held is listed with its reason, applied
to a notice or to picked debts (a receipt issued), or returned; a receipt reversed by staff
correction; and each staff group sees and does only what it should."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from debts.models import Debt, PaymentNotice
from debts.services import build_notice
from payments.models import Payment, PaymentReturn, UnappliedEntry
from payments.services import mark_for_return, settle, unapplied_balance
from receipts.models import Receipt
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    FINANCE,
    REVENUE,
    _ledger_stays_clean,
    messages_of,
    staff_user,
)

Reason = UnappliedEntry.Reason


def url(name: str, *args) -> str:
    return reverse(f"admin:payments_{name}", args=args)


@pytest.fixture
def finance(client, staff_user):  # noqa: F811
    user = staff_user(FINANCE)
    client.force_login(user)
    return user


def bank(reference: str, amount: str, **fields):
    return settle(
        channel=Payment.Channel.BANK,
        reference=reference,
        amount=Decimal(amount),
        received_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def held(debtor):
    """Money that named no notice of ours: held for finance with its reason."""
    return bank("DIAS-HELD", "500.00", rf="RF18539007547034", payer="ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ").payment


@pytest.fixture
def applied(debtor, debts):
    notice = build_notice(debtor, debts=debts[1:])
    return bank("DIAS-OK", str(notice.total), notice=notice).payment


def test_the_queue_lists_only_money_held_with_its_reason(client, finance, held, applied):
    response = client.get(url("unappliedpayment_changelist"))

    assert list(response.context["cl"].result_list) == [held]
    page = response.content.decode()
    assert str(Reason.NO_NOTICE.label) in page
    assert "RF18539007547034" in page and "DIAS-HELD" in page
    filtered = client.get(url("payment_changelist"), {"held": "yes"})
    assert list(filtered.context["cl"].result_list) == [held]
    assert client.get(url("unappliedpayment_change", held.pk)).status_code == 200


def test_held_money_is_applied_to_a_notice_named_by_its_rf(client, finance, held, debtor, debts):
    notice = build_notice(debtor, debts=debts)
    review = client.get(url("payment_apply", held.pk), {"rf": notice.formatted_rf.lower()})
    assert review.context["notice"] == notice
    assert "ΤΚΦ 2024" in review.content.decode()
    assert not Receipt.objects.exists()

    response = client.post(url("payment_apply", held.pk), {"notice": notice.pk})

    assert response["Location"] == url("payment_change", held.pk)
    receipt = Receipt.objects.get()
    [message] = messages_of(response)
    assert receipt.display_number in message
    assert reverse("admin:receipts_receipt_pdf", args=[receipt.pk]) in message
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert unapplied_balance(held) == Decimal("500.00") - notice.total
    page = client.get(url("payment_change", held.pk)).content.decode()
    assert receipt.display_number in page, "the history shows the receipt"


def test_a_debtors_open_notices_are_offered_to_pick(client, finance, held, debtor, debts):
    notice = build_notice(debtor, debts=debts[:1])
    page = client.get(url("payment_apply", held.pk), {"q": "βαβούλα"}).content.decode()
    assert f"?notice={notice.pk}" in page


def test_a_notice_the_balance_does_not_cover_is_refused_and_nothing_changes(
    client, finance, debtor, debts
):
    small = bank("DIAS-SMALL", "10.00", rf="RF18539007547034").payment
    notice = build_notice(debtor, debts=debts)

    response = client.post(url("payment_apply", small.pk), {"notice": notice.pk})

    assert response.status_code == 200
    assert "δεν καλύπτει" in response.content.decode()
    assert not Receipt.objects.exists()
    assert unapplied_balance(small) == Decimal("10.00")


def test_held_money_is_applied_to_picked_debts(client, finance, held, debtor, debts):
    page = client.get(url("payment_apply_lines", held.pk))
    assert page.context["debtor"] is None, "money that named no notice has no debtor yet"
    picker = client.get(url("payment_apply_lines", held.pk), {"debtor": debtor.pk})
    assert "Λογαριασμός νερού" in picker.content.decode()

    action = url("payment_apply_lines", held.pk) + f"?debtor={debtor.pk}"
    review = client.post(action, {"debts": [debts[0].pk, debts[1].pk]})
    draft = review.context["draft"]
    assert not PaymentNotice.objects.exists()

    response = client.post(
        action,
        {"debts": [debts[0].pk, debts[1].pk], "total": str(draft.total), "confirm": "1"},
    )

    assert response["Location"] == url("payment_change", held.pk)
    notice = PaymentNotice.objects.get()
    assert notice.status == PaymentNotice.Status.PAID and notice.created_by == finance
    assert set(Debt.objects.values_list("status", flat=True)) == {Debt.Status.PAID}
    receipt = Receipt.objects.get()
    assert receipt.total == draft.total
    assert any(receipt.display_number in message for message in messages_of(response))


def test_held_money_is_marked_for_return_then_recorded_returned(client, finance, held):
    posted = {"amount": "500.00", "reason": "Άγνωστος κωδικός", "balance": "500.00"}
    response = client.post(url("payment_return", held.pk), posted)
    assert response["Location"] == url("payment_change", held.pk)
    # The same form sent again sets nothing more aside: the balance it showed is gone.
    again = client.post(url("payment_return", held.pk), posted)
    assert again.status_code == 200
    assert "άλλαξε στο μεταξύ" in again.content.decode()
    payment_return = PaymentReturn.objects.get()
    assert payment_return.status == PaymentReturn.Status.REQUESTED
    assert payment_return.requested_by == finance
    assert unapplied_balance(held) == 0
    queue = url("unappliedpayment_changelist")
    # Still finance's to do, until the transfer back is recorded.
    listed = client.get(queue)
    assert list(listed.context["cl"].result_list) == [held]
    assert '<td class="field-to_return_amount">500,00 €</td>' in listed.content.decode()

    page = client.get(url("payment_change", held.pk)).content.decode()
    assert url("payment_returned", payment_return.pk) in page
    refused = client.post(url("payment_returned", payment_return.pk), {"reference": ""})
    assert refused.status_code == 200
    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.REQUESTED, "no reference, not returned"

    client.post(url("payment_returned", payment_return.pk), {"reference": "SEPA-42"})

    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.RETURNED
    assert payment_return.return_reference == "SEPA-42"
    change = payment_return.status_changes.get()
    assert change.actor == finance
    page = client.get(url("payment_change", held.pk)).content.decode()
    assert "SEPA-42" in page and "Επιστράφηκε" in page
    assert url("payment_returned", payment_return.pk) not in page
    assert not client.get(queue).context["cl"].result_list


def test_a_return_over_the_balance_is_refused(client, finance, held):
    posted = {"amount": "900.00", "reason": "x", "balance": "500.00"}
    response = client.post(url("payment_return", held.pk), posted)
    assert response.status_code == 200
    assert "Επιστρέφεται από 0,01 € έως το αδιάθετο υπόλοιπο" in response.content.decode()
    assert not PaymentReturn.objects.exists()


def test_a_receipt_is_reversed_with_a_reason_after_a_confirmation(client, finance, applied):
    receipt = Receipt.objects.get()
    page = client.get(url("payment_change", applied.pk)).content.decode()
    reverse_url = url("payment_reverse_receipt", receipt.pk)
    assert reverse_url in page

    confirmation = client.get(reverse_url)
    assert receipt.display_number in confirmation.content.decode()
    assert client.post(reverse_url, {"reason": " "}).status_code == 200
    assert Receipt.objects.count() == 1, "no reason, no reversal"

    response = client.post(reverse_url, {"reason": "Λάθος οφειλέτης"})

    reversal = Receipt.objects.get(reverses=receipt)
    assert reversal.series == Receipt.Series.REVERSAL and reversal.reason == "Λάθος οφειλέτης"
    assert response["Location"] == url("payment_change", applied.pk)
    [message] = messages_of(response)
    assert reversal.display_number in message
    assert reverse("admin:receipts_receipt_pdf", args=[reversal.pk]) in message
    assert unapplied_balance(applied) == applied.amount
    page = client.get(url("payment_change", applied.pk)).content.decode()
    assert reverse_url not in page, "a reversed receipt is not offered again"
    client.post(reverse_url, {"reason": "Λάθος οφειλέτης"})
    assert Receipt.objects.filter(reverses=receipt).count() == 1, "sent twice, reversed once"
    assert unapplied_balance(applied) == applied.amount
    again = client.post(reverse_url, {"reason": "ξανά"})
    assert "έχει ήδη ακυρωθεί" in again.content.decode()


# --- Who may do what --------------------------------------------------------------------------


def test_the_groups_have_the_permissions_on_money(staff_user):  # noqa: F811
    cashier, revenue, finance = staff_user(CASHIER), staff_user(REVENUE), staff_user(FINANCE)

    assert cashier.has_perms(
        ["payments.take_counter_payment", "payments.view_payment", "receipts.view_receipt"]
    )
    assert not cashier.has_perm("payments.resolve_unapplied")
    assert not cashier.has_perm("payments.reverse_receipt")

    views = ["payments.view_payment", "payments.view_allocation", "receipts.view_receipt"]
    views += ["payments.view_unappliedentry", "payments.view_paymentreturn"]
    views += ["payments.view_owntransfer"]
    assert revenue.has_perms(views)
    assert finance.has_perms(views)
    assert finance.has_perms(["payments.resolve_unapplied", "payments.reverse_receipt"])
    for perm in ("take_counter_payment", "resolve_unapplied", "reverse_receipt"):
        assert not revenue.has_perm(f"payments.{perm}")
    assert not finance.has_perm("payments.take_counter_payment")
    for user in (cashier, revenue, finance):
        assert not any(
            perm.split(".")[1].startswith(("add_", "change_", "delete_"))
            for perm in user.get_all_permissions()
            if perm.startswith(("payments.", "receipts."))
        )


@pytest.mark.parametrize("group", [CASHIER, REVENUE])
def test_only_finance_works_the_queue_and_reverses(client, staff_user, group, held, applied):  # noqa: F811
    client.force_login(staff_user(group))
    receipt = Receipt.objects.get()
    for path in (
        url("unappliedpayment_changelist"),
        url("payment_apply", held.pk),
        url("payment_apply_lines", held.pk),
        url("payment_return", held.pk),
        url("payment_reverse_receipt", receipt.pk),
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(url("payment_return", held.pk), {"amount": "1", "reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(url("payment_reverse_receipt", receipt.pk), {"reason": "x"}).status_code == 403
    )
    assert not PaymentReturn.objects.exists() and Receipt.objects.count() == 1

    # Payments are read by every group; the actions are not offered.
    page = client.get(url("payment_change", held.pk)).content.decode()
    assert url("payment_apply", held.pk) not in page
    page = client.get(url("payment_change", applied.pk)).content.decode()
    assert url("payment_reverse_receipt", receipt.pk) not in page
    index = client.get(reverse("admin:index")).content.decode()
    assert url("unappliedpayment_changelist") not in index


def test_revenue_reads_a_payments_history(client, staff_user, applied):  # noqa: F811
    client.force_login(staff_user(REVENUE))
    response = client.get(url("payment_change", applied.pk))
    inlines = {formset.opts.model.__name__ for formset in response.context["inline_admin_formsets"]}
    assert inlines == {"Allocation", "UnappliedEntry", "PaymentReturn", "OwnTransfer"}
    assert Receipt.objects.get().display_number in response.content.decode()


def test_the_cashier_sees_payments_but_not_their_history_rows(client, staff_user, applied):  # noqa: F811
    client.force_login(staff_user(CASHIER))
    response = client.get(url("payment_change", applied.pk))
    assert response.status_code == 200
    assert not response.context["inline_admin_formsets"]


def test_finance_sees_the_queue_in_the_index(client, finance, held):
    index = client.get(reverse("admin:index")).content.decode()
    assert url("unappliedpayment_changelist") in index


def test_the_grants_migration_reverses_and_reapplies(staff_user):  # noqa: F811
    name = "0007_counter_and_finance_grants"
    migration = importlib.import_module(f"payments.migrations.{name}")
    # The models as the migration sees them: the app registry of the running code stays as it is.
    state = MigrationExecutor(connection).loader.project_state([("payments", name)]).apps
    schema_editor = SimpleNamespace(connection=connection)
    migration.revoke(state, schema_editor)
    cashier = Group.objects.get(name=CASHIER)
    assert not cashier.permissions.filter(codename="take_counter_payment").exists()
    assert cashier.permissions.filter(codename="view_payment").exists(), "0002's grant stays"
    migration.grant(state, schema_editor)
    assert staff_user(CASHIER).has_perm("payments.take_counter_payment")


def test_money_set_aside_in_two_returns_is_listed_once_with_their_sum(client, finance, held):
    for amount, balance in (("200.00", "500.00"), ("300.00", "300.00")):
        mark_for_return(
            held,
            Decimal(amount),
            expected_balance=Decimal(balance),
            reason="Δύο μεταφορές",
            actor=finance,
        )

    listed = client.get(url("unappliedpayment_changelist"))

    assert list(listed.context["cl"].result_list) == [held]
    assert '<td class="field-to_return_amount">500,00 €</td>' in listed.content.decode()


def test_a_card_payments_return_is_left_to_the_gateway_not_recorded_by_hand(client, finance):
    card = settle(
        channel="card",
        reference="pi_HELD",
        amount=Decimal("30.00"),
        received_at=timezone.now(),
        rf="RF18539007547034",
    ).payment
    posted = {"amount": "30.00", "reason": "Άγνωστος κωδικός", "balance": "30.00"}
    client.post(url("payment_return", card.pk), posted)
    payment_return = PaymentReturn.objects.get()

    page = client.get(url("payment_change", card.pk)).content.decode()
    assert url("payment_returned", payment_return.pk) not in page
    refused = client.post(url("payment_returned", payment_return.pk), {"reference": "BY-HAND"})

    assert "μέσω της πύλης πληρωμών" in refused.content.decode()
    payment_return.refresh_from_db()
    assert payment_return.status == PaymentReturn.Status.REQUESTED  # the sweep refunds it


def test_applying_to_a_notice_sent_twice_tells_the_second_click_it_is_done(
    client, finance, held, debtor, debts
):
    """Not «the notice cannot be paid: already paid», which reads as a failure."""
    notice = build_notice(debtor, debts=debts)
    client.post(url("payment_apply", held.pk), {"notice": notice.pk})

    again = client.post(url("payment_apply", held.pk), {"notice": notice.pk})

    assert again["Location"] == url("payment_change", held.pk)
    receipt = Receipt.objects.get()
    message = messages_of(again)[-1]  # after the first click's, not shown as it was not followed
    assert message.startswith("Η πληρωμή έχει ήδη διατεθεί με την απόδειξη:")
    assert receipt.display_number in message
    assert unapplied_balance(held) == Decimal("500.00") - notice.total


def test_picked_debts_confirmed_without_the_total_reviewed_are_reviewed_again(
    client, finance, held, debtor, debts
):
    """The total the review showed is what a notice is built for: without it, nothing is
    applied on amounts nobody saw (the surcharges may have grown since)."""
    action = url("payment_apply_lines", held.pk) + f"?debtor={debtor.pk}"

    response = client.post(action, {"debts": [debts[0].pk], "confirm": "1"})

    assert response.status_code == 200
    assert response.context["draft"].total > 0, "the review, shown again"
    assert not PaymentNotice.objects.exists() and not Receipt.objects.exists()
    assert unapplied_balance(held) == Decimal("500.00")


def test_a_return_refused_as_the_balance_changed_says_how_to_see_it(client, finance, held):
    posted = {"amount": "100.00", "reason": "Άγνωστος κωδικός", "balance": "500.00"}
    client.post(url("payment_return", held.pk), {**posted, "amount": "200.00"})

    response = client.post(url("payment_return", held.pk), posted)

    page = response.content.decode()
    assert "Το αδιάθετο υπόλοιπο άλλαξε στο μεταξύ (τώρα 300,00 €)" in page
    assert "ανοίξτε ξανά τη σελίδα της πληρωμής" in page
    assert unapplied_balance(held) == Decimal("300.00")
