"""The certificate of no ΤΑΠ debt: issued at once for a property that owes none, or the moment
the notice of what it owes is paid, through any channel; numbered, kept, revocable, verifiable."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from pypdf import PdfReader

from debts.models import Debt, PaymentNotice, Property
from debts.tap import properties_owing_tap, tap_owed
from payments.models import Channel
from payments.services import pay_notice_at_counter, reverse_receipt, settle
from receipts import certificate_pdf, documents
from receipts.certificates import (
    issue_awaiting_certificates,
    request_certificate,
    revoke_certificate,
)
from receipts.models import Certificate, CertificateRequest
from receipts.tasks import sweep_undelivered, undelivered
from tests.test_roll_files_as_made import csv_roll, row, run
from tests.test_tap_certificate_pages import ask


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def make_property(db):
    serial = iter(range(10_000_000, 99_999_999))

    def make(debtor, **fields) -> Property:
        fields.setdefault("address", "Κωνσταντινουπόλεως 12, Θέρμη")
        fields.setdefault("supply_number", f"{next(serial)}0")
        fields.setdefault("area", Decimal("85.00"))
        return Property.objects.create(debtor=debtor, **fields)

    return make


@pytest.fixture
def make_tap(make_debt):
    def make(property, principal="40.00", **fields) -> Debt:
        return make_debt(
            property.debtor,
            principal,
            kind="tap",
            tap_property=property,
            description=fields.pop("description", f"ΤΑΠ {principal}"),
            **fields,
        )

    return make


@pytest.fixture
def home(debtor, make_property):
    return make_property(debtor, kaek="190451816008/0/2")


def bank_payment(notice, reference="DIAS-1"):
    return settle(
        channel=Channel.BANK,
        reference=reference,
        amount=notice.total,
        received_at=timezone.now(),
        rf=notice.rf_code,
    )


# --- The rule ----------------------------------------------------------------------------------


def test_paid_and_cancelled_tap_do_not_count_open_and_settled_do(
    home, make_tap, make_property, debtor, make_settlement
):
    paid = make_tap(home, "10.00")
    Debt.states.advance(paid, Debt.Status.PAID, cause="test")
    cancelled = make_tap(home, "11.00")
    Debt.states.advance(cancelled, Debt.Status.CANCELLED, cause="test")
    assert tap_owed(home).is_clear

    uncertified = make_tap(home, "12.00")
    certified = make_tap(home, "300.00", due_date=date(2024, 12, 31))
    make_settlement(debtor, [certified], installments=3)
    owed = tap_owed(home)

    assert owed.debts == [uncertified]
    assert owed.settled_debts == [certified]
    assert len(owed.installments) == 3
    assert owed.payable
    other = make_property(debtor)
    assert properties_owing_tap({home.pk, other.pk}) == {home.pk}


def test_tap_naming_no_property_is_owed_for_each_of_the_debtors_properties(
    home, make_debt, make_property, debtor, make_debtor
):
    """A roll has no property column: its ΤΑΠ names none, and no certificate may say it is not
    owed. Another revenue naming no property, or another debtor's ΤΑΠ, does not count."""
    make_debt(debtor, "20.00", kind="cleaning")
    make_debt(make_debtor(), "30.00", kind="tap")
    other = make_property(debtor)
    assert tap_owed(home).is_clear and properties_owing_tap({home.pk, other.pk}) == set()

    rolled = make_debt(debtor, "300.00", kind="tap", due_date=date(2024, 12, 31))

    assert tap_owed(home).debts == [rolled]
    assert properties_owing_tap({home.pk, other.pk}) == {home.pk, other.pk}
    asked = request_certificate(debtor, home.pk)
    assert asked.certificate is None
    assert list(asked.request.notice.items.values_list("debt", flat=True)) == [rolled.pk]


def test_a_debt_of_another_revenue_names_no_property(home, make_debt, debtor):
    debt = make_debt(debtor, "20.00", kind="cleaning", tap_property=home)
    with pytest.raises(ValidationError) as error:
        debt.full_clean()
    assert "tap_property" in error.value.message_dict


def test_a_property_checks_its_kaek_and_supply_number(debtor):
    bad = Property(debtor=debtor, address="Οδός 1", kaek="12345", supply_number="12 34", area=10)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert set(error.value.message_dict) == {"kaek", "supply_number"}


# --- Issued at once --------------------------------------------------------------------------


def test_issued_at_once_when_nothing_is_owed(home, debtor, make_tap, settings):
    paid = make_tap(home, "10.00")
    Debt.states.advance(paid, Debt.Status.PAID, cause="test")

    asked = request_certificate(debtor, home.pk)

    certificate = asked.certificate
    assert asked.request is None
    assert certificate.display_number == f"ΒΤ-{timezone.localdate().year}/000001"
    assert (certificate.holder_afm, certificate.property_address) == (debtor.afm, home.address)
    assert certificate.property_kaek == "190451816008/0/2"
    validity = timedelta(days=settings.TAP_CERTIFICATE_VALIDITY_DAYS)
    assert certificate.valid_until == timezone.localdate() + validity
    second = request_certificate(debtor, home.pk).certificate
    assert second.number == 2


def test_another_debtors_property_is_not_found(home, make_debtor):
    with pytest.raises(ValidationError) as error:
        request_certificate(make_debtor(), home.pk)
    assert error.value.code == "unknown_property"
    assert not Certificate.objects.exists()


def test_a_certificate_is_never_edited_nor_deleted(home, debtor):
    certificate = request_certificate(debtor, home.pk).certificate
    certificate.holder_name = "ΑΛΛΟΣ"
    with pytest.raises(ValidationError):
        certificate.save()
    with pytest.raises(ValidationError):
        certificate.delete()


# --- Refused with what to pay, then issued by the payment ------------------------------------


def test_owed_gives_a_notice_of_exactly_that_and_asking_again_gives_the_same(
    home, debtor, make_tap, make_debt
):
    tap = [make_tap(home, "40.00"), make_tap(home, "25.50", due_date=date(2025, 6, 30))]
    make_debt(debtor, "99.00", kind="cleaning")  # owed, but not ΤΑΠ of this property

    asked = request_certificate(debtor, home.pk)

    assert asked.certificate is None
    notice = asked.request.notice
    assert {item.debt_id for item in notice.items.all()} == {debt.pk for debt in tap}
    assert notice.total == sum((d.principal + d.surcharge(notice.valid_until) for d in tap), 0)
    assert notice.awaited_by_certificate
    assert request_certificate(debtor, home.pk).request == asked.request
    assert CertificateRequest.objects.count() == 1


def test_issued_when_the_notice_is_paid_by_bank(home, debtor, make_tap, mailoutbox):
    make_tap(home, "40.00")
    notice = request_certificate(debtor, home.pk).request.notice

    settled = bank_payment(notice)

    assert settled.applied
    certificate = Certificate.objects.get()
    assert certificate.request.status == CertificateRequest.Status.ISSUED
    assert certificate.tap_property == home
    assert tap_owed(home).is_clear


def test_issued_when_the_notice_is_paid_at_the_counter(home, debtor, make_tap, admin_user):
    make_tap(home, "40.00")
    notice = request_certificate(debtor, home.pk).request.notice

    settled = pay_notice_at_counter(notice, tender="cash", reference="ΤΑΜ-1", cashier=admin_user)

    assert settled.applied
    assert Certificate.objects.get().request.notice == notice


def test_issued_when_the_last_installment_of_a_settlement_is_paid(
    home, debtor, make_tap, make_settlement
):
    settled_debt = make_tap(home, "300.00", due_date=date(2024, 12, 31))
    make_settlement(debtor, [settled_debt], installments=2)
    make_tap(home, "20.00")
    notice = request_certificate(debtor, home.pk).request.notice
    assert notice.items.filter(installment__isnull=False).count() == 2

    assert bank_payment(notice).applied

    settled_debt.refresh_from_db()
    assert settled_debt.status == Debt.Status.PAID
    assert Certificate.objects.count() == 1


def test_a_notice_paid_while_more_tap_came_due_lapses_the_request(home, debtor, make_tap):
    make_tap(home, "40.00")
    request = request_certificate(debtor, home.pk).request
    make_tap(home, "41.00", description="ΤΑΠ που προστέθηκε")

    assert bank_payment(request.notice).applied

    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.LAPSED
    assert not Certificate.objects.exists()


def test_an_expired_notice_is_replaced_when_asked_again(home, debtor, make_tap, today_is):
    make_tap(home, "40.00")
    first = request_certificate(debtor, home.pk).request
    today_is(first.notice.valid_until + timedelta(days=1))

    second = request_certificate(debtor, home.pk).request

    first.refresh_from_db()
    assert first.status == CertificateRequest.Status.LAPSED
    assert second.notice != first.notice
    assert second.status == CertificateRequest.Status.AWAITING


def test_a_notice_none_awaits_costs_no_query(home, debtor, make_tap, django_assert_num_queries):
    from debts.services import build_notice

    notice = build_notice(debtor, debts=[make_tap(home, "40.00")])
    with django_assert_num_queries(0):
        assert issue_awaiting_certificates([notice]) == []


def test_issuing_for_many_notices_costs_the_same_queries_as_for_one(
    make_debtor, make_property, make_tap, django_assert_num_queries
):
    def awaiting(count):
        notices = []
        for _ in range(count):
            debtor = make_debtor()
            home = make_property(debtor)
            make_tap(home, "15.00")
            notice = request_certificate(debtor, home.pk).request.notice
            Debt.objects.filter(tap_property=home).update(status=Debt.Status.PAID)
            notices.append(PaymentNotice.objects.get(pk=notice.pk))
        return notices

    one, five = awaiting(1), awaiting(5)
    with transaction.atomic(), django_assert_num_queries(6) as one_run:
        assert len(issue_awaiting_certificates(one)) == 1
    with transaction.atomic(), django_assert_num_queries(len(one_run.captured_queries)):
        certificates = issue_awaiting_certificates(five)
    assert sorted(c.number for c in certificates) == [2, 3, 4, 5, 6]


# --- PDF, delivery, revocation, verification ---------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_states_the_property_the_holder_and_the_verification(home, debtor):
    certificate = request_certificate(debtor, home.pk).certificate

    response = certificate_pdf.pdf_response(certificate)

    text = pdf_text(b"".join(response))
    for expected in (certificate.display_number, home.address, debtor.afm, home.supply_number):
        assert expected in text
    assert "δεν οφείλεται" in text
    assert certificate.verification_code[:4] in text


def test_the_sweep_queues_an_undelivered_certificate(home, debtor, settings, monkeypatch):
    certificate = request_certificate(debtor, home.pk).certificate
    later = certificate.issued_at + settings.RECEIPT_SWEEP_AFTER + timedelta(minutes=1)
    assert list(undelivered(later, Certificate)) == [certificate]

    queued = []
    monkeypatch.setattr("receipts.tasks.deliver_certificate.delay", queued.append)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert sweep_undelivered() == 1
    assert queued == [certificate.pk]


def test_delivery_renders_and_emails_the_certificate_once(home, make_citizen, debtor, mailoutbox):
    from receipts.tasks import deliver_certificate

    make_citizen(debtor)
    certificate = request_certificate(debtor, home.pk).certificate

    deliver_certificate(certificate.pk)
    deliver_certificate(certificate.pk)

    certificate.refresh_from_db()
    assert certificate.pdf and certificate.emailed_at
    assert len(mailoutbox) == 1
    assert certificate.display_number in mailoutbox[0].subject
    assert mailoutbox[0].attachments[0][0] == documents.pdf_filename(certificate)


def test_a_certificate_revoked_before_its_email_went_out_is_kept_not_mailed(
    home, make_citizen, debtor, admin_user, mailoutbox, settings
):
    """Its delivery delayed (the broker or the mail server down), then revoked: no mail carries
    it as a valid certificate, and the sweep does not try again."""
    from receipts.tasks import deliver_certificate

    make_citizen(debtor)
    certificate = request_certificate(debtor, home.pk).certificate
    revoke_certificate(certificate, reason="Λάθος ακίνητο", actor=admin_user)

    deliver_certificate(certificate.pk)

    certificate.refresh_from_db()
    assert certificate.pdf and not certificate.emailed_at
    assert mailoutbox == []
    later = certificate.issued_at + settings.RECEIPT_SWEEP_AFTER + timedelta(minutes=1)
    assert list(undelivered(later, Certificate)) == []


def test_a_genuine_certificate_verifies(client, home, debtor):
    certificate = request_certificate(debtor, home.pk).certificate

    response = client.get(f"/verify/{certificate.verification_code}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Η βεβαίωση μη οφειλής ΤΑΠ είναι γνήσια" in html
    assert certificate.display_number in html
    assert "Β****** Ε******" in html
    for private in (debtor.afm, "ΒΑΒΟΥΛΑ", home.address, home.supply_number, "190451816008"):
        assert private not in html


def test_a_revoked_certificate_says_so(client, home, debtor, admin_user):
    certificate = request_certificate(debtor, home.pk).certificate
    with pytest.raises(ValidationError):
        revoke_certificate(certificate, reason=" ", actor=admin_user)
    revoke_certificate(certificate, reason="Εκδόθηκε για λάθος ακίνητο", actor=admin_user)
    with pytest.raises(ValidationError):
        revoke_certificate(certificate, reason="ξανά", actor=admin_user)

    response = client.get(f"/verify/{certificate.verification_code}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Η βεβαίωση είναι γνήσια, αλλά ανακλήθηκε" in html
    assert "λάθος ακίνητο" not in html
    english = client.get(f"/en/verify/{certificate.verification_code}/").content.decode()
    assert "genuine, but revoked" in english


def test_a_revoked_certificates_pdf_says_so_and_the_kept_copy_stays_as_issued(
    home, debtor, admin_user
):
    """Downloaded or printed after its revocation, it looked valid."""
    certificate = request_certificate(debtor, home.pk).certificate
    issued = certificate_pdf.stored_pdf(certificate.pk)
    with issued.pdf.open("rb") as pdf:
        kept = pdf.read()
    revoke_certificate(certificate, reason="Λάθος ακίνητο", actor=admin_user)
    certificate = Certificate.objects.get(pk=certificate.pk)

    text = pdf_text(b"".join(certificate_pdf.pdf_response(certificate)))

    revoked_at = timezone.localtime(certificate.revocation.revoked_at)
    assert "ΑΝΑΚΛΗΘΗΚΕ" in text
    assert f"ανακλήθηκε από τον Δήμο στις {revoked_at:%d/%m/%Y %H:%M}: δεν ισχύει" in text
    assert "Αιτιολογία: Λάθος ακίνητο" in text
    assert certificate.display_number in text and home.address in text
    assert (certificate.pdf.name, certificate.pdf_rendered_at) == (
        issued.pdf.name,
        issued.pdf_rendered_at,
    )
    with certificate.pdf.open("rb") as pdf:
        assert pdf.read() == kept
    assert "ΑΝΑΚΛΗΘΗΚΕ" not in pdf_text(kept)


def test_a_certificate_revoked_before_its_pdf_was_kept_is_served_marked_and_kept_as_issued(
    home, debtor, admin_user
):
    from receipts.tasks import deliver_certificate

    certificate = request_certificate(debtor, home.pk).certificate
    revoke_certificate(certificate, reason="Λάθος ακίνητο", actor=admin_user)

    served = b"".join(certificate_pdf.pdf_response(certificate))

    assert "ΑΝΑΚΛΗΘΗΚΕ" in pdf_text(served)
    certificate.refresh_from_db()
    assert not certificate.pdf  # the marked copy is not the one kept
    deliver_certificate(certificate.pk)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as pdf:
        assert "ΑΝΑΚΛΗΘΗΚΕ" not in pdf_text(pdf.read())


def test_a_reversed_payment_revokes_the_certificate_it_issued(
    client, home, debtor, make_property, make_tap, admin_user
):
    """Its ΤΑΠ owed again, the certificate no longer holds; another property's is left alone."""
    other = make_property(debtor)
    untouched = request_certificate(debtor, other.pk).certificate
    make_tap(home, "40.00")
    notice = request_certificate(debtor, home.pk).request.notice
    receipt = bank_payment(notice).receipt
    certificate = Certificate.objects.get(tap_property=home)

    reverse_receipt(receipt, reason="Πιστώθηκε σε λάθος λογαριασμό", actor=admin_user)

    certificate.refresh_from_db()
    assert "Πιστώθηκε σε λάθος λογαριασμό" in certificate.revocation.reason
    assert not Certificate.objects.filter(pk=untouched.pk, revocation__isnull=False).exists()
    assert not tap_owed(home).is_clear
    html = client.get(f"/verify/{certificate.verification_code}/").content.decode()
    assert "Η βεβαίωση είναι γνήσια, αλλά ανακλήθηκε" in html


def test_a_revocation_from_the_english_admin_is_recorded_in_greek(
    home, debtor, make_tap, admin_user
):
    """The reason is kept, as the receipts are, in the portal's language."""
    make_tap(home, "40.00")
    notice = request_certificate(debtor, home.pk).request.notice
    receipt = bank_payment(notice).receipt

    with translation.override("en"):
        reverse_receipt(receipt, reason="Λάθος λογαριασμός", actor=admin_user)

    reason = Certificate.objects.get(tap_property=home).revocation.reason
    assert reason.startswith("Η πληρωμή της ακυρώθηκε με την απόδειξη ΑΚ-")


def test_a_reversed_payment_of_tap_naming_no_property_revokes_each_propertys_certificate(
    home, debtor, make_property, make_debt, admin_user
):
    other = make_property(debtor)
    make_debt(debtor, "40.00", kind="tap", due_date=date(2024, 12, 31))  # from a roll
    notice = request_certificate(debtor, home.pk).request.notice
    receipt = bank_payment(notice).receipt
    issued = [Certificate.objects.get(tap_property=home)]
    issued.append(request_certificate(debtor, other.pk).certificate)

    reverse_receipt(receipt, reason="Επιστροφή από την τράπεζα", actor=admin_user)

    standing = Certificate.objects.filter(pk__in=[c.pk for c in issued], revocation__isnull=True)
    assert not standing.exists()


def test_an_unknown_code_is_404(client, db):
    assert client.get("/verify/ABCDEFGHJKMN/").status_code == 404


def test_a_tap_certificate_can_be_asked_while_a_roll_notice_holds_the_tap_debt(
    citizen_client, revenue, write
):
    """A roll's notice holds the ΤΑΠ debt with the debtor's cleaning fee until they fall due
    (here two months): the request waits for that notice to be paid, where it was refused,
    «wait for it to expire» (found by a review)."""
    debtor = citizen_client.debtor
    home = Property.objects.create(
        debtor=debtor,
        address="Κωνσταντινουπόλεως 12, Θέρμη",
        supply_number="123456780",
        area=Decimal("80.00"),
    )
    today = timezone.localdate()
    due = (today + timedelta(days=60)).strftime("%d/%m/%Y")
    certified = today.strftime("%d/%m/%Y")
    run(
        csv_roll(
            write,
            [
                row(debtor.afm, name=debtor.last_name, code="0311", due=due, certified=certified),
                row(
                    debtor.afm,
                    name=debtor.last_name,
                    code="0313",
                    description="ΤΑΠ",
                    due=due,
                    certified=certified,
                ),
            ],
        )
    )
    roll_notice = PaymentNotice.objects.get(debtor=debtor)
    assert roll_notice.valid_until == today + timedelta(days=60)

    response = ask(citizen_client, home)

    said = [str(message) for message in get_messages(response.wsgi_request)]
    request = CertificateRequest.objects.filter(tap_property=home).first()
    assert request is not None, f"no request, the citizen was sent back with: {said}"
    assert request.notice == roll_notice
