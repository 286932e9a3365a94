"""Recording money received against a notice, and the citizen's payment history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from debts.models import Debt, Installment, PaymentNotice, Settlement
from debts.services import build_notice, cancel_notice, expire_notices
from payments.models import Payment
from payments.services import record_notice_payment

BANK = Payment.Channel.BANK


@pytest.fixture
def notice(make_debtor, make_debt):
    debtor = make_debtor()
    debts = [make_debt(debtor, "120.00", due_date=date(2024, 6, 30)), make_debt(debtor, "35.50")]
    return build_notice(debtor, debts=debts)


def pay(notice, reference="DIAS-0001", amount=None, channel=BANK):
    return record_notice_payment(
        notice,
        channel=channel,
        amount=notice.total if amount is None else amount,
        reference=reference,
        received_at=timezone.now(),
    )


def test_a_payment_pays_the_notice_and_every_debt_on_it(notice):
    payment = pay(notice)

    notice.refresh_from_db()
    assert payment.amount == notice.total
    assert notice.status == PaymentNotice.Status.PAID
    assert not notice.items.filter(is_open=True).exists()
    for item in notice.items.select_related("debt"):
        assert item.debt.status == Debt.Status.PAID
        assert item.debt.status_changes.get().cause == "bank payment DIAS-0001"
    assert notice.status_changes.get().to_status == PaymentNotice.Status.PAID


def test_the_same_payment_seen_twice_is_recorded_once(notice):
    first = pay(notice)
    again = pay(notice)

    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert notice.status_changes.count() == 1


def test_a_reference_already_used_for_another_notice_is_refused(notice, make_debtor, make_debt):
    pay(notice, reference="DIAS-7")
    debtor = make_debtor()
    other = build_notice(debtor, debts=[make_debt(debtor, "10.00")])

    with pytest.raises(ValidationError, match="DIAS-7"):
        pay(other, reference="DIAS-7")
    other.refresh_from_db()
    assert other.status == PaymentNotice.Status.OPEN


@pytest.mark.parametrize("delta", ["-0.01", "0.01"])
def test_an_amount_other_than_the_total_is_refused_and_changes_nothing(notice, delta):
    with pytest.raises(ValidationError, match="δεν είναι το σύνολο"):
        pay(notice, amount=notice.total + Decimal(delta))

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.OPEN
    assert not Payment.objects.exists()
    assert not Debt.objects.filter(status=Debt.Status.PAID).exists()


def test_a_cancelled_notice_takes_no_payment(notice):
    cancel_notice(notice, cause="test")
    with pytest.raises(ValidationError, match="Ακυρώθηκε"):
        pay(notice)
    assert not Payment.objects.exists()


def test_money_received_after_expiry_still_pays(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED

    pay(notice)
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID


def test_a_blank_reference_is_refused(notice):
    with pytest.raises(ValidationError, match="αναφορά"):
        pay(notice, reference="  ")


def test_paying_the_last_installment_completes_the_settlement(
    make_debtor, make_debt, make_settlement
):
    debtor = make_debtor()
    debts = [make_debt(debtor, "300.00", due_date=date(2024, 1, 31))]
    settlement = make_settlement(debtor, debts, installments=2)
    first, second = settlement.installments.order_by("number")

    pay(build_notice(debtor, installments=[first]), reference="A")
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.ACTIVE
    assert Debt.objects.get().status == Debt.Status.IN_SETTLEMENT

    pay(build_notice(debtor, installments=[second]), reference="B")
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.COMPLETED
    assert Debt.objects.get().status == Debt.Status.PAID
    assert set(Installment.objects.values_list("status", flat=True)) == {Installment.Status.PAID}


def test_a_payment_is_never_changed_nor_deleted(notice):
    payment = pay(notice)
    payment.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        payment.save()
    with pytest.raises(ValidationError):
        payment.delete()
    assert Payment.objects.get().amount == notice.total


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigger")
def test_the_database_refuses_to_change_or_delete_a_payment_whatever_the_path(notice):
    """QuerySet.update(), .delete() and raw SQL skip the model's guards; the trigger does not."""
    pay(notice)
    attempts = [
        lambda: Payment.objects.update(amount=Decimal("1.00")),
        lambda: Payment.objects.all().delete(),
        lambda: connection.cursor().execute("DELETE FROM payments_payment"),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()
    assert Payment.objects.get().amount == notice.total


def test_the_database_refuses_an_unknown_channel(notice):
    """«Bank» beside «bank» would let the same reference be recorded twice."""
    pay(notice, reference="DIAS-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            notice=notice,
            channel="Bank",
            amount=notice.total,
            reference="DIAS-1",
            received_at=timezone.now(),
        )


def test_the_database_refuses_a_reference_twice_in_one_channel(notice):
    pay(notice, reference="X")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            notice=notice,
            channel=BANK,
            amount=notice.total,
            reference="X",
            received_at=timezone.now(),
        )


def test_history_lists_only_the_citizens_own_payments(citizen_client, make_debt, make_debtor):
    own = build_notice(citizen_client.debtor, debts=[make_debt(citizen_client.debtor, "42.00")])
    pay(own, reference="MINE")
    stranger = make_debtor()
    pay(build_notice(stranger, debts=[make_debt(stranger, "99.00")]), reference="THEIRS")

    page = citizen_client.get(reverse("payments:history"))

    assert page.status_code == 200
    html = page.content.decode()
    assert own.formatted_rf in html
    assert "42,00" in html
    assert "99,00" not in html
    english = citizen_client.get("/en" + reverse("payments:history"))
    assert "Payment history" in english.content.decode()


def test_history_needs_a_login(client):
    page = client.get(reverse("payments:history"))
    assert page.status_code == 302
    assert reverse("account_login") in page["Location"]


def test_history_of_a_citizen_who_never_paid(citizen_client):
    page = citizen_client.get(reverse("payments:history"))
    assert "Δεν έχει καταχωριστεί καμία πληρωμή" in page.content.decode()


def test_paying_an_expired_notice_cancels_the_newer_one_of_the_same_debts(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))
    debts = list(Debt.objects.filter(notice_items__notice=notice))
    newer = build_notice(notice.debtor, debts=debts)

    pay(notice, reference="DIAS-LATE")

    newer.refresh_from_db()
    assert newer.status == PaymentNotice.Status.CANCELLED
    assert "DIAS" not in newer.status_changes.get().cause
    assert {debt.status for debt in Debt.objects.filter(pk__in=[d.pk for d in debts])} == {
        Debt.Status.PAID
    }
    with pytest.raises(ValidationError, match="Ακυρώθηκε"):
        pay(newer, reference="DIAS-NEWER")


def test_late_money_for_debts_paid_meanwhile_is_refused_and_changes_nothing(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))
    newer = build_notice(
        notice.debtor, debts=list(Debt.objects.filter(notice_items__notice=notice))
    )
    pay(newer, reference="DIAS-NEWER")

    with pytest.raises(ValidationError, match="θέλει έλεγχο"):
        pay(notice, reference="DIAS-LATE")

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED
    assert list(Payment.objects.values_list("reference", flat=True)) == ["DIAS-NEWER"]


@pytest.mark.parametrize("correction", ["principal", "due_date", "debtor"])
def test_late_money_for_a_debt_corrected_since_is_refused_and_changes_nothing(
    notice, make_debtor, correction
):
    """Staff may correct a debt once its notice expired; the old notice's money then no longer
    pays it exactly (marking it paid would write off the difference), or pays another's debt."""
    expire_notices(today=notice.valid_until + timedelta(days=1))
    debt = Debt.objects.get(notice_items__notice=notice, certified_on__isnull=False)
    if correction == "principal":
        debt.principal += Decimal("100.00")
    elif correction == "due_date":
        debt.due_date -= timedelta(days=90)  # more months of surcharge than the notice froze
    else:
        debt.debtor = make_debtor()
    debt.full_clean()
    debt.save()

    with pytest.raises(ValidationError) as refusal:
        pay(notice, reference="DIAS-LATE")

    assert refusal.value.code == "items_corrected"
    notice.refresh_from_db()
    debt.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED
    assert debt.status == Debt.Status.OPEN
    assert not Payment.objects.exists()


def test_an_open_notice_is_paid_whatever_staff_changed_around_its_debts(notice, settings):
    """An open notice holds what it froze: a revenue made unsurcharged, or another month rule,
    changes nothing of the money it asks for."""
    revenue = Debt.objects.get(notice_items__notice=notice, certified_on__isnull=False).revenue_type
    revenue.surchargeable = False
    revenue.save()
    settings.SURCHARGE_MONTH_RULE = "completed"

    pay(notice)

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID


def test_the_cashier_finds_a_payment_by_its_notices_rf_however_typed(notice, admin_client):
    payment = pay(notice)
    changelist = reverse("admin:payments_payment_changelist")
    for typed in (notice.formatted_rf.lower(), notice.rf_code[:12]):
        response = admin_client.get(changelist, {"q": typed})
        assert list(response.context["cl"].result_list) == [payment]
