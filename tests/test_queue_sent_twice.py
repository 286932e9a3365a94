"""Finance's forms sent twice (a double click, the browser's back and resend): the second is
told what the first did, with its receipt, not refused as if nothing had happened; and held
payments pooled apply whatever their references' length."""

import threading
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client

from debts.models import NoticeChange, PaymentNotice
from debts.services import build_notice
from payments.models import Payment
from payments.services import apply_unapplied, unapplied_balance
from receipts.models import Receipt
from tests.bank_files import Entry, Tx, camt054
from tests.test_bank_statement_import import run
from tests.test_counter import (  # noqa: F401 (fixtures)
    FINANCE,
    _ledger_stays_clean,
    messages_of,
    staff_user,
)
from tests.test_pooled_payments import paid
from tests.test_unapplied_queue import finance, url  # noqa: F401 (fixtures)


@pytest.mark.parametrize(
    ("parts", "id_length"),
    [
        (2, 35),  # two transfers, the bank's ids as long as ISO 20022 allows (Max35Text)
        (3, 20),  # three transfers with ordinary ids
    ],
)
def test_pooling_bank_transfers_of_an_import_applies_them(
    client,
    finance,  # noqa: F811
    debtor,
    debts,
    write,
    parts,
    id_length,
):
    """A notice paid in parts by transfers of a bank file, applied together: their references
    joined (up to five of up to 100 characters) are the cause of every status change, a column
    of 200 characters, which refused them: a 500 for the officer, the notice left unpaid."""
    notice = build_notice(debtor, debts=debts)
    first_parts = [Decimal("30.00")] * (parts - 1)
    amounts = [*first_parts, notice.total - sum(first_parts)]
    entries = [
        Entry(
            f"{n}".rjust(id_length, "7"),
            [Tx(amount, rf=notice.rf_code, tx_id=f"{n}".rjust(id_length, "9"))],
        )
        for n, amount in enumerate(amounts)
    ]
    run(write(camt054(entries)))
    payments = list(Payment.objects.order_by("pk"))
    assert len(payments) == parts and all(unapplied_balance(p) == p.amount for p in payments)
    assert max(len(p.reference) for p in payments) <= 100, "as the import keeps them"

    response = client.post(
        url("payment_apply", payments[-1].pk),
        {"notice": notice.pk, "together": [p.pk for p in payments[:-1]]},
    )

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert Receipt.objects.get().total == notice.total


def test_five_cash_payments_at_the_counter_pooled_are_applied(make_notice, staff_user):  # noqa: F811
    """At the counter a cash payment's reference is «ΤΑΜ-» and 32 hex digits: five pooled (the
    most allowed) made a cause of 204 characters. Each change records the cause cut short."""
    from payments.forms import new_cash_reference

    officer = staff_user(FINANCE)
    notice = make_notice("100.00")
    parts = [
        paid(
            new_cash_reference(),
            "20.00",
            days_ago=5 - n,
            channel=Payment.Channel.COUNTER,
            tender="cash",
            notice=notice,
        )
        for n in range(5)
    ]

    receipt = apply_unapplied(parts[-1], notice, actor=officer, together=tuple(parts[:-1]))

    assert receipt.total == notice.total
    (change,) = NoticeChange.objects.filter(notice=notice, to_status=PaymentNotice.Status.PAID)
    assert len(change.cause) == 200 and change.cause.endswith("…")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_a_double_click_on_apply_tells_the_second_click_it_is_done(
    django_user_model,
    debtor,
    debts,
    monkeypatch,
):
    """Two requests at once, each past the look for a receipt before either holds a lock: the
    second waits for the first's locks and is refused; it asks again then, and is told what
    the first did (it was shown «…έχει ήδη εξοφληθεί» about money that was applied)."""
    from payments import selectors
    from tests.test_concurrency import run_together

    # A transactional test empties the groups the migrations made: finance's permissions all.
    officer = django_user_model.objects.create_superuser("finance-officer", password="x")
    TOTP.activate(officer, generate_totp_secret())
    payment = paid("DIAS-HELD", "500.00", rf="RF18539007547034")
    notice = build_notice(debtor, debts=debts)
    both_checked = threading.Barrier(2)
    receipt_paying = selectors.receipt_paying

    asked = threading.local()

    def checked_together(notice, payment):  # the two requests, each past its first look
        found = receipt_paying(notice, payment)
        if not getattr(asked, "before", False):
            asked.before = True
            both_checked.wait(timeout=5)
        return found

    monkeypatch.setattr(selectors, "receipt_paying", checked_together)

    def click():
        client = Client()
        client.force_login(officer)
        response = client.post(url("payment_apply", payment.pk), {"notice": notice.pk})
        error = response.context["error"] if response.status_code == 200 else None
        return response.status_code, " ".join(error.messages) if error else ""

    outcomes = run_together(click, click)

    assert Receipt.objects.count() == 1, "applied once, as it should"
    assert outcomes == [(302, "")] * 2, outcomes
    assert PaymentNotice.objects.get().status == PaymentNotice.Status.PAID


def test_picked_debts_applied_sent_twice_tell_the_second_click_it_is_done(
    client,
    finance,  # noqa: F811
    debtor,
    debts,
):
    """«Διάθεση σε οφειλές» sent again was refused as if it had failed («Η οφειλή … δεν είναι
    ανοικτή (Εξοφλημένη).»)."""
    payment = paid("DIAS-HELD", "500.00", rf="RF18539007547034")
    action = url("payment_apply_lines", payment.pk) + f"?debtor={debtor.pk}"
    picked = {"debts": [debt.pk for debt in debts]}
    draft = client.post(action, picked).context["draft"]
    confirm = {**picked, "total": str(draft.total), "confirm": "1"}
    assert client.post(action, confirm).status_code == 302

    again = client.post(action, confirm)

    assert Receipt.objects.count() == 1, "applied once, as it should"
    told = messages_of(again)[-1]
    assert again.status_code == 302, told
    assert Receipt.objects.get().display_number in told


def test_a_return_recorded_twice_tells_the_second_click_it_is_done(
    client,
    finance,  # noqa: F811
):
    """«Επιστράφηκε» sent again answered 404: the return was looked up only among those still
    to record."""
    from payments.services import mark_for_return

    payment = paid("DIAS-HELD", "500.00", rf="RF18539007547034")
    payment_return = mark_for_return(
        payment, Decimal("500.00"), expected_balance=Decimal("500.00"), reason="x", actor=finance
    )
    posted = {"reference": "SEPA-42"}
    assert client.post(url("payment_returned", payment_return.pk), posted).status_code == 302

    again = client.post(url("payment_returned", payment_return.pk), posted)

    assert again.status_code == 302
    assert messages_of(again)[-1] == "Η επιστροφή έχει ήδη καταγραφεί."


def test_pooled_picked_debts_sent_twice_from_the_older_payments_page_are_told_done(
    client,
    finance,  # noqa: F811
    debtor,
    debts,
):
    """Two transfers pooled from the older one's page: the older pays the first debt's lines
    alone, the newer the rest; the receipt that paid them all is found from either."""
    first = paid("DIAS-T1", "100.00", days_ago=2, rf="RF18539007547034", payer="ΒΑΒΟΥΛΑ")
    second = paid("DIAS-T2", "100.00", rf="RF18539007547034", payer="ΒΑΒΟΥΛΑ")
    action = url("payment_apply_lines", first.pk) + f"?debtor={debtor.pk}"
    picked = {"debts": [debt.pk for debt in debts]}
    review = client.post(action, picked)
    draft = review.context["draft"]
    assert list(review.context["pool"].fields["together"].queryset) == [second]
    confirm = {**picked, "total": str(draft.total), "confirm": "1", "together": [second.pk]}
    assert client.post(action, confirm).status_code == 302
    receipt = Receipt.objects.get()
    assert unapplied_balance(first) == 0

    again = client.post(action, confirm)

    assert Receipt.objects.count() == 1, "applied once, as it should"
    told = " ".join(messages_of(again))
    assert again.status_code == 302, told
    assert receipt.display_number in told


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_a_double_click_on_returned_tells_the_second_click_it_is_done(
    django_user_model, monkeypatch
):
    """«Επιστράφηκε» clicked twice at once: the second, past its look at the status, waits for
    the first's lock and is refused; it looks again then, and is told the return is recorded
    (it was shown «… είναι «Επιστράφηκε» και δεν μπορεί να γίνει «Επιστράφηκε»»)."""
    from payments import services
    from payments.models import PaymentReturn
    from payments.services import mark_for_return
    from tests.test_concurrency import run_together

    officer = django_user_model.objects.create_superuser("finance-officer", password="x")
    TOTP.activate(officer, generate_totp_secret())
    payment = paid("DIAS-HELD", "500.00", rf="RF18539007547034")
    payment_return = mark_for_return(
        payment, Decimal("500.00"), expected_balance=Decimal("500.00"), reason="x", actor=officer
    )
    both_checked = threading.Barrier(2)
    record_returned = services.record_returned

    def recorded_together(*args, **kwargs):  # each request past its look at the status
        both_checked.wait(timeout=5)
        return record_returned(*args, **kwargs)

    monkeypatch.setattr(services, "record_returned", recorded_together)

    def click():
        client = Client()
        client.force_login(officer)
        response = client.post(url("payment_returned", payment_return.pk), {"reference": "S-1"})
        form = response.context["form"] if response.status_code == 200 else None
        return response.status_code, " ".join(form.non_field_errors()) if form else ""

    outcomes = run_together(click, click)

    assert PaymentReturn.objects.get().status == PaymentReturn.Status.RETURNED
    assert outcomes == [(302, "")] * 2, outcomes
