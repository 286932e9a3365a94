"""The citizen's pages of the certificate of no ΤΑΠ debt: ask, see what to pay, download; and
nothing of another citizen's."""

import io
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from debts.models import Property
from debts.rf import format_rf
from payments.models import CardAttempt, Channel
from payments.services import settle
from receipts import certificate_pdf
from receipts.certificates import revoke_certificate
from receipts.models import Certificate
from tests.card_gateway import card_id
from tests.test_counter import messages_of


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_home(debtor, supply="112233445"):
    return Property.objects.create(
        debtor=debtor, address="Ολυμπιάδος 7, Θέρμη", supply_number=supply, area=Decimal(90)
    )


def ask(client, home, *, form_token=None):
    """Ask as the certificates page's form does: with a new form's token, unless given."""
    return client.post(
        "/certificates/request/", {"property": home.pk, "form_token": form_token or uuid.uuid4()}
    )


def test_the_page_lists_properties_with_the_rule(citizen_client, make_debt):
    home = make_home(citizen_client.debtor)
    make_debt(citizen_client.debtor, "30.00", kind="tap", tap_property=home)

    html = citizen_client.get("/certificates/").content.decode()

    assert home.address in html and home.supply_number in html
    assert "Οφείλεται" in html
    assert "ούτε οφειλή ΤΑΠ σε ρύθμιση" in html
    assert "/certificates/" in citizen_client.get("/card/").content.decode()


def test_nothing_owed_issues_at_once_and_downloads(citizen_client):
    home = make_home(citizen_client.debtor)

    response = ask(citizen_client, home)

    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.issued_by is None  # the citizen holds it; no one at the counter issued it
    page = citizen_client.get(response.url).content.decode()
    assert f"Εκδόθηκε η βεβαίωση μη οφειλής ΤΑΠ {certificate.display_number}" in page
    pdf = citizen_client.get(f"/certificates/{certificate.pk}/pdf/?download=1")
    assert pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]


def test_owed_shows_exactly_what_to_pay_then_the_certificate(citizen_client, make_debt):
    home = make_home(citizen_client.debtor)
    make_debt(citizen_client.debtor, "30.00", kind="tap", tap_property=home)

    response = ask(citizen_client, home)
    html = citizen_client.get(response.url).content.decode()

    notice = citizen_client.debtor.notices.get()
    assert format_rf(notice.rf_code).split()[1] in html
    assert "30,00&nbsp;€" in html or "30.00&nbsp;€" in html
    assert "data:image/png;base64," in html  # the EPC QR code
    settle(
        channel=Channel.BANK,
        reference="DIAS-9",
        amount=notice.total,
        received_at=timezone.now(),
        rf=notice.rf_code,
    )
    html = citizen_client.get(response.url).content.decode()
    assert "η βεβαίωση εκδόθηκε" in html
    assert Certificate.objects.get().display_number in html


def test_english_page(citizen_client):
    make_home(citizen_client.debtor)
    html = citizen_client.get("/en/certificates/").content.decode()
    assert "Certificate of no TAP debt" in html


def test_another_citizens_property_request_and_certificate_are_not_found(
    citizen_client, make_debtor, make_debt
):
    from receipts.certificates import request_certificate

    other = make_debtor()
    theirs = make_home(other, supply="998877665")
    certificate = request_certificate(other, theirs.pk).certificate
    make_debt(other, "12.00", kind="tap", tap_property=theirs)
    waiting = request_certificate(other, theirs.pk).request

    response = ask(citizen_client, theirs)
    assert "δεν βρέθηκε" in citizen_client.get(response.url).content.decode()
    assert citizen_client.get(f"/certificates/{certificate.pk}/pdf/").status_code == 404
    assert citizen_client.get(f"/certificates/requests/{waiting.pk}/").status_code == 404
    assert Certificate.objects.count() == 1


def test_owed_paid_by_card_issues_the_certificate(citizen_client, make_debt, stripe_gateway):
    """The request page's card button, through localstripe: the applied card payment issues it."""
    home = make_home(citizen_client.debtor)
    make_debt(citizen_client.debtor, "30.00", kind="tap", tap_property=home)
    request_page = ask(citizen_client, home).url
    notice = citizen_client.debtor.notices.get()
    start = reverse("payments:card_start", args=[notice.pk])
    assert f'action="{start}"' in citizen_client.get(request_page).content.decode()

    citizen_client.post(start)
    attempt = CardAttempt.objects.get(notice=notice)
    submitted = citizen_client.post(
        reverse("payments:card_submit", args=[attempt.public_id]),
        {"payment_method": card_id(stripe_gateway)},
    )

    assert submitted.json()["status"] == "succeeded"
    certificate = Certificate.objects.get()
    assert certificate.request.notice == notice
    assert certificate.display_number in citizen_client.get(request_page).content.decode()


def shown_form(client, home) -> dict:
    """What the certificates page's form asking for ``home``'s certificate sends: its hidden
    fields as rendered."""
    html = client.get("/certificates/").content.decode()
    [form] = [
        form
        for form in re.findall(r"<form .*?</form>", html, re.DOTALL)
        if f'name="property" value="{home.pk}"' in form
    ]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_the_request_form_sent_twice_issues_one_certificate(citizen_client):
    """A double click on «Αίτηση βεβαίωσης» gets the first certificate again; the page shown
    anew asks for another."""
    home = make_home(citizen_client.debtor)
    form = shown_form(citizen_client, home)

    first = citizen_client.post("/certificates/request/", form)
    again = citizen_client.post("/certificates/request/", form)

    certificate = Certificate.objects.get()
    said = f"Εκδόθηκε η βεβαίωση μη οφειλής ΤΑΠ {certificate.display_number}"
    assert said in " ".join(messages_of(first)) and said in " ".join(messages_of(again))
    citizen_client.post("/certificates/request/", shown_form(citizen_client, home))
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [1, 2]


def test_a_request_without_the_form_token_asks_again_on_a_new_page(citizen_client):
    home = make_home(citizen_client.debtor)

    response = citizen_client.post("/certificates/request/", {"property": home.pk})

    assert response.url == "/certificates/"
    assert "Η σελίδα δεν ισχύει πια" in " ".join(messages_of(response))
    assert not Certificate.objects.exists()


def test_a_revoked_certificate_downloads_marked_revoked_for_the_citizen_and_the_staff(
    citizen_client, admin_client, admin_user
):
    home = make_home(citizen_client.debtor)
    ask(citizen_client, home)
    certificate = Certificate.objects.get()
    revoke_certificate(certificate, reason="Εκδόθηκε για λάθος ακίνητο", actor=admin_user)

    downloads = [
        citizen_client.get(f"/certificates/{certificate.pk}/pdf/?download=1"),
        citizen_client.get(f"/en/certificates/{certificate.pk}/pdf/"),
        admin_client.get(f"/admin/receipts/certificate/{certificate.pk}/pdf/"),
    ]

    for response in downloads:
        assert response["Content-Type"] == "application/pdf"
        text = "".join(
            page.extract_text()
            for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
        )
        assert "ΑΝΑΚΛΗΘΗΚΕ" in text and "Εκδόθηκε για λάθος ακίνητο" in text

    # The kept copy stays the certificate as issued: the mark is rendered for each download,
    # never stored over it, nor stored as the copy were none kept yet.
    with certificate_pdf.stored_pdf(certificate.pk).pdf.open("rb") as kept:
        kept_text = "".join(page.extract_text() for page in PdfReader(kept).pages)
    assert certificate.display_number in kept_text and "ΑΝΑΚΛΗΘΗΚΕ" not in kept_text
