"""The cashier's counter in the admin: a debtor found, a notice (or lines made into one on the
spot) paid in cash or by POS card, the receipt printed at once; money that cannot be applied is
recorded all the same, and said to be on finance's queue."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from debts.models import Debt, PaymentNotice
from debts.services import build_notice, expire_notices
from payments import ledger
from payments.models import Payment, Tender, UnappliedEntry
from payments.services import reverse_receipt, settle
from receipts.models import Receipt
from receipts.pdf import stored_pdf

CASHIER, REVENUE, FINANCE = "Ταμείο", "Τμήμα Εσόδων", "Οικονομική Διεύθυνση"


@pytest.fixture
def staff_user(django_user_model):
    """A member of a staff group, with the second factor the admin requires of staff."""

    def make(group_name: str, username: str | None = None):
        user = django_user_model.objects.create_user(
            username=username or f"staff-{group_name}", password="x", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group_name))
        TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def cashier(client, staff_user):
    user = staff_user(CASHIER)
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def _ledger_stays_clean(db, settings, tmp_path):
    """Receipt PDFs are kept in a folder of the test's own; no cent goes missing."""
    settings.MEDIA_ROOT = tmp_path
    yield
    assert ledger.check().breaches == []


@pytest.fixture
def notice(debtor, debts):
    return build_notice(debtor, debts=debts[:1])


def counter_url(name: str = "counter", *args) -> str:
    return reverse(f"admin:payments_payment_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def shown_form(client, url: str) -> dict:
    """The payment form as the page shows it: cash chosen, its reference as generated."""
    form = client.get(url).context["form"]
    return {"tender": Tender.CASH, "cash_reference": form["cash_reference"].value()}


def test_the_cashier_finds_the_debtor_by_afm_name_or_rf(client, cashier, debtor, notice):
    response = client.get(counter_url(), {"q": "068933130"})
    assert response["Location"] == counter_url("counter_debtor", debtor.pk)
    response = client.get(counter_url(), {"q": "Βαβούλα"})
    assert response["Location"] == counter_url("counter_debtor", debtor.pk)
    response = client.get(counter_url(), {"q": notice.formatted_rf.lower()})
    assert response["Location"] == counter_url("counter_notice", notice.pk)

    page = client.get(counter_url("counter_debtor", debtor.pk)).content.decode()
    assert notice.formatted_rf in strip_tags(page)  # shown in groups of four
    assert "Λογαριασμός νερού" in page, "the line not on a notice is offered"


def test_a_cashier_pays_a_notice_in_cash_and_prints_the_receipt(client, cashier, notice):
    url = counter_url("counter_notice", notice.pk)
    data = shown_form(client, url)
    assert data["cash_reference"].startswith("ΤΑΜ-")

    response = client.post(url, data)

    payment = Payment.objects.get()
    assert response["Location"] == counter_url("counter_done", payment.pk)
    assert (payment.channel, payment.tender, payment.amount) == ("counter", "cash", notice.total)
    assert payment.reference == data["cash_reference"]
    assert payment.recorded_by == cashier
    receipt = Receipt.objects.get()
    assert receipt.series == Receipt.Series.COUNTER
    assert receipt.cashier == cashier
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID

    page = client.get(response["Location"]).content.decode()
    assert receipt.display_number in page
    pdf_url = reverse("admin:receipts_receipt_pdf", args=[receipt.pk])
    assert pdf_url in page
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_pos_payment_needs_the_slip_and_is_recorded_under_it(client, cashier, notice):
    url = counter_url("counter_notice", notice.pk)
    data = shown_form(client, url) | {"tender": Tender.POS}

    response = client.post(url, data)
    assert response.status_code == 200
    assert "αριθμό της απόδειξης του POS" in response.content.decode()
    assert not Payment.objects.exists()

    client.post(url, data | {"pos_slip": " 123456789012 "})
    payment = Payment.objects.get()
    assert (payment.tender, payment.reference) == (Tender.POS, "123456789012")
    assert Receipt.objects.get().channel_reference == "123456789012"


def test_picked_debts_are_reviewed_then_made_a_notice_and_paid(client, cashier, debtor, debts):
    url = counter_url("counter_debtor", debtor.pk)
    review = client.post(url, {"debts": [debts[0].pk, debts[1].pk]})

    assert review.status_code == 200
    draft = review.context["draft"]
    page = review.content.decode()
    assert "ΤΚΦ 2024" in page and "Λογαριασμός νερού" in page
    assert "Καταχώριση είσπραξης" in page
    assert not PaymentNotice.objects.exists(), "nothing is made before the cashier confirms"

    data = {
        "debts": [debts[0].pk, debts[1].pk],
        "total": str(draft.total),
        "tender": Tender.CASH,
        "cash_reference": review.context["form"]["cash_reference"].value(),
        "confirm": "1",
    }
    response = client.post(url, data)

    notice = PaymentNotice.objects.get()
    payment = Payment.objects.get()
    assert response["Location"] == counter_url("counter_done", payment.pk)
    assert notice.origin == PaymentNotice.Origin.MUNICIPALITY
    assert notice.created_by == cashier
    assert notice.total == draft.total == payment.amount
    assert notice.status == PaymentNotice.Status.PAID
    assert set(Debt.objects.values_list("status", flat=True)) == {Debt.Status.PAID}
    assert Receipt.objects.get().total == draft.total

    # Sent again (a double click, the browser's back and resend): recorded once.
    again = client.post(url, data)
    assert again["Location"] == response["Location"]
    assert Payment.objects.count() == 1 and PaymentNotice.objects.count() == 1
    assert any("είχε ήδη καταχωριστεί" in message for message in messages_of(again))


def test_a_double_submitted_form_records_one_payment(client, cashier, notice):
    url = counter_url("counter_notice", notice.pk)
    data = shown_form(client, url)

    first = client.post(url, data)
    second = client.post(url, data)

    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert second["Location"] == first["Location"]
    assert any("δεν καταχωρίστηκε ξανά" in message for message in messages_of(second))


def test_the_same_pos_slip_for_another_amount_is_refused(client, cashier, notice, debtor, debts):
    url = counter_url("counter_notice", notice.pk)
    client.post(url, shown_form(client, url) | {"tender": Tender.POS, "pos_slip": "SLIP-1"})
    other = build_notice(debtor, debts=debts[1:])

    url = counter_url("counter_notice", other.pk)
    response = client.post(url, shown_form(client, url) | {"tender": "pos", "pos_slip": "SLIP-1"})

    assert response.status_code == 200
    assert "έχει ήδη καταχωριστεί για άλλο ποσό" in response.content.decode()
    assert Payment.objects.count() == 1


def test_the_same_pos_slip_for_another_payers_money_is_refused(
    client, cashier, notice, make_debtor, make_debt
):
    url = counter_url("counter_notice", notice.pk)
    client.post(url, shown_form(client, url) | {"tender": Tender.POS, "pos_slip": "SLIP-2"})
    someone_else = make_debtor()
    other = build_notice(someone_else, debts=[make_debt(someone_else, str(notice.total))])
    assert other.total == notice.total

    url = counter_url("counter_notice", other.pk)
    response = client.post(url, shown_form(client, url) | {"tender": "pos", "pos_slip": "SLIP-2"})

    assert response.status_code == 200
    assert "«SLIP-2» έχει ήδη καταχωριστεί για άλλη πληρωμή" in response.content.decode()
    assert Payment.objects.count() == 1
    other.refresh_from_db()
    assert other.status == PaymentNotice.Status.OPEN


def test_a_notice_paid_meanwhile_is_recorded_unapplied_for_finance(client, cashier, notice):
    url = counter_url("counter_notice", notice.pk)
    data = shown_form(client, url)
    settle(
        channel=Payment.Channel.BANK,
        reference="DIAS-1",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    )

    response = client.post(url, data, follow=True)

    payment = Payment.objects.get(channel=Payment.Channel.COUNTER)
    assert payment.recorded_by == cashier
    assert not Receipt.objects.filter(series=Receipt.Series.COUNTER).exists()
    entry = UnappliedEntry.objects.get(payment=payment)
    assert entry.reason == UnappliedEntry.Reason.NOTICE_PAID
    page = response.content.decode()
    assert "καταχωρίστηκε ως αδιάθετο" in page
    assert str(UnappliedEntry.Reason.NOTICE_PAID.label) in page
    assert "Οικονομικής Διεύθυνσης" in page


def test_a_notice_no_longer_open_is_not_offered_for_payment(client, cashier, notice):
    settle(
        channel=Payment.Channel.BANK,
        reference="DIAS-2",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    )
    response = client.get(counter_url("counter_notice", notice.pk))
    assert response.context["form"] is None
    assert "δεν είναι προς πληρωμή" in response.content.decode()


@pytest.mark.parametrize("swept", [False, True], ids=["before the sweep", "swept"])
def test_cash_sent_after_the_notice_expired_records_nothing(client, cashier, notice, swept):
    """Opened while the notice held, sent once it had lapsed: its frozen amounts no longer hold
    at the counter, where the debts are taken at today's (the cash is still in hand)."""
    url = counter_url("counter_notice", notice.pk)
    data = shown_form(client, url)
    PaymentNotice.objects.filter(pk=notice.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    if swept:
        expire_notices()

    response = client.post(url, data)

    assert response.status_code == 200
    said = strip_tags(response.content.decode())
    assert f"Το ειδοποιητήριο {notice.formatted_rf} έληξε" in said
    assert "δεν καταχωρίστηκε τίποτα" in said
    assert not Payment.objects.exists()
    assert not Receipt.objects.exists()
    assert Debt.objects.get(pk=notice.items.get().debt_id).status == Debt.Status.OPEN


def test_a_pos_card_charged_after_the_notice_expired_is_recorded(client, cashier, notice):
    """The card was charged at the terminal before the slip was typed: that money arrived, and
    is settled as a bank's late transfer is, never refused."""
    url = counter_url("counter_notice", notice.pk)
    data = shown_form(client, url) | {"tender": Tender.POS, "pos_slip": "998877665544"}
    PaymentNotice.objects.filter(pk=notice.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )

    client.post(url, data)

    payment = Payment.objects.get()
    assert (payment.tender, payment.reference, payment.amount) == (
        Tender.POS,
        "998877665544",
        notice.total,
    )
    assert Receipt.objects.get().channel_reference == "998877665544"
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID


@pytest.mark.parametrize("group", [REVENUE, FINANCE])
def test_staff_without_the_permission_get_403(client, staff_user, group, debtor, notice):
    client.force_login(staff_user(group))
    for url in (
        counter_url(),
        counter_url("counter_debtor", debtor.pk),
        counter_url("counter_notice", notice.pk),
        reverse("admin:payments_payment_add"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        counter_url("counter_notice", notice.pk),
        {"tender": "cash", "cash_reference": "ΤΑΜ-" + "0" * 32},
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()
    debtor_page = client.get(reverse("admin:debts_debtor_change", args=[debtor.pk]))
    assert counter_url("counter_debtor", debtor.pk) not in debtor_page.content.decode()


def test_the_counter_is_where_the_cashier_finds_it(client, cashier, debtor, notice):
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:payments_payment_add") in index
    assert client.get(reverse("admin:payments_payment_add"))["Location"] == counter_url()
    payments = client.get(reverse("admin:payments_payment_changelist")).content.decode()
    assert counter_url() in payments and counter_url("cash_day") in payments
    debtor_page = client.get(reverse("admin:debts_debtor_change", args=[debtor.pk]))
    assert counter_url("counter_debtor", debtor.pk) in debtor_page.content.decode()
    notice_page = client.get(reverse("admin:debts_paymentnotice_change", args=[notice.pk]))
    assert counter_url("counter_notice", notice.pk) in notice_page.content.decode()


def test_a_notice_issued_in_the_admin_leads_to_its_page_and_pdf(client, cashier, debts):
    response = client.post(
        reverse("admin:debts_debt_changelist"),
        {"action": "issue_notice", "_selected_action": [debts[1].pk]},
    )

    notice = PaymentNotice.objects.get()
    assert response["Location"] == reverse("admin:debts_paymentnotice_change", args=[notice.pk])
    pdf_url = reverse("admin:debts_paymentnotice_pdf", args=[notice.pk])
    assert pdf_url in client.get(response["Location"]).content.decode()
    assert pdf_url in client.get(reverse("admin:debts_paymentnotice_changelist")).content.decode()
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_english_admin_speaks_english(client, cashier, notice):
    page = client.get("/en" + counter_url("counter_notice", notice.pk)).content.decode()
    assert "Take payment" in page and "Καταχώριση είσπραξης" not in page


def test_the_citizen_sees_each_payment_with_its_receipt(citizen_client, make_debt, staff_user):
    debtor = citizen_client.debtor
    notice = build_notice(debtor, debts=[make_debt(debtor, "45.00")])
    settled = settle(
        channel=Payment.Channel.COUNTER,
        reference="ΤΑΜ-1",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
        tender=Tender.CASH,
        recorded_by=staff_user(CASHIER),
    )
    receipt = settled.receipt
    pdf_url = reverse("receipts:pdf", args=[receipt.pk])

    page = citizen_client.get(reverse("payments:history")).content.decode()
    assert receipt.display_number in page
    assert "σε επεξεργασία" in page and pdf_url not in page, "the worker has not rendered it"

    stored_pdf(receipt.pk)  # as the worker does
    page = citizen_client.get(reverse("payments:history")).content.decode()
    assert pdf_url in page and "σε επεξεργασία" not in page

    reversal = reverse_receipt(receipt, reason="Λάθος", actor=staff_user(FINANCE))
    page = citizen_client.get(reverse("payments:history")).content.decode()
    assert receipt.display_number in page and reversal.display_number in page
    english = citizen_client.get("/en" + reverse("payments:history")).content.decode()
    assert "being prepared" in english and reversal.display_number in english


def test_a_notice_past_its_validity_reads_expired_in_the_admin_before_the_sweep(
    client, cashier, debtor, notice
):
    """The lists, the notice's page and the debtor's page say what the counter says of it."""
    PaymentNotice.objects.filter(pk=notice.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    for url in (
        reverse("admin:debts_paymentnotice_changelist"),
        reverse("admin:debts_paymentnotice_change", args=[notice.pk]),
        reverse("admin:debts_debtor_change", args=[debtor.pk]),
    ):
        html = client.get(url).content.decode()
        shown = re.findall(r'class="[^"]*field-notice_status[^"]*">(.*?)</(?:td|div)>', html, re.S)
        assert [strip_tags(status).split()[-1] for status in shown] == ["Έληξε"], url
