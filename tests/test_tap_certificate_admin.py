"""Staff and certificates of no ΤΑΠ debt: the cashier issues one by the same rule as the
citizen, staff revoke one with a reason, and properties are kept on the debtor's page."""

import re
import uuid
from decimal import Decimal

import pytest

from debts.models import Property
from payments.services import pay_notice_at_counter
from receipts.models import Certificate, CertificateRequest
from tests.test_admin import staff_user  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def issue(client, afm, supply_number, *, form_token=None):
    """Send the issuing form as a page shown anew would: with a new token, unless given."""
    return client.post(
        "/admin/receipts/certificate/issue/",
        {"afm": afm, "supply_number": supply_number, "form_token": form_token or uuid.uuid4()},
    )


@pytest.fixture
def home(debtor):
    return Property.objects.create(
        debtor=debtor, address="Κ. Καραμανλή 40", supply_number="55566677", area=Decimal(60)
    )


def test_issued_from_the_admin_when_nothing_is_owed(admin_client, debtor, home):
    response = issue(admin_client, debtor.afm, "5556 6677")

    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"/receipts/certificate/{certificate.pk}/change/")
    page = admin_client.get(response.url).content.decode()
    assert certificate.display_number in page
    assert admin_client.get(f"/admin/receipts/certificate/{certificate.pk}/pdf/").status_code == 200


def test_owed_sends_the_cashier_to_take_the_notice_at_the_counter(
    admin_client, debtor, home, make_debt
):
    make_debt(debtor, "35.00", kind="tap", tap_property=home)

    response = issue(admin_client, debtor.afm, "55566677")

    request = CertificateRequest.objects.get()
    assert response.url.endswith(f"/payments/payment/counter/notice/{request.notice.pk}/")
    assert not Certificate.objects.exists()


def test_an_unknown_property_is_refused(admin_client, debtor, home):
    response = issue(admin_client, debtor.afm, "1111111111")
    assert response.status_code == 200
    assert "Δεν βρέθηκε ακίνητο" in response.content.decode()


def test_revoked_from_the_admin_with_a_reason(admin_client, admin_user, debtor, home):
    from receipts.certificates import request_certificate

    certificate = request_certificate(debtor, home.pk).certificate
    url = f"/admin/receipts/certificate/{certificate.pk}/revoke/"

    admin_client.post(url, {"reason": "Λάθος ακίνητο"})

    revocation = Certificate.objects.get().revocation
    assert (revocation.reason, revocation.revoked_by) == ("Λάθος ακίνητο", admin_user)
    change = admin_client.get(f"/admin/receipts/certificate/{certificate.pk}/change/")
    assert "Λάθος ακίνητο" in change.content.decode()


def test_the_revoke_form_sent_twice_says_it_is_revoked_not_an_error(
    admin_client, admin_user, debtor, home
):
    from django.contrib.messages import get_messages

    from receipts.certificates import request_certificate

    certificate = request_certificate(debtor, home.pk).certificate
    url = f"/admin/receipts/certificate/{certificate.pk}/revoke/"
    admin_client.post(url, {"reason": "Λάθος ακίνητο"})

    again = admin_client.post(url, {"reason": "Λάθος ακίνητο"})

    change = f"/admin/receipts/certificate/{certificate.pk}/change/"
    assert again["Location"] == change
    said = [str(message) for message in get_messages(again.wsgi_request)]
    assert said[-1] == f"Η βεβαίωση {certificate} έχει ήδη ανακληθεί."
    assert admin_client.get(url)["Location"] == change
    assert Certificate.objects.get().revocation.reason == "Λάθος ακίνητο"


def test_the_debtor_page_keeps_properties_and_debts_filter_by_them(admin_client, debtor, home):
    page = admin_client.get(f"/admin/debts/debtor/{debtor.pk}/change/").content.decode()
    assert home.supply_number in page
    listing = admin_client.get("/admin/debts/debt/?tap_property__isempty=0")
    assert listing.status_code == 200


def test_cashier_issues_revenue_revokes(staff_user, client, debtor, home):  # noqa: F811
    cashier, revenue = staff_user("Ταμείο"), staff_user("Τμήμα Εσόδων")

    assert cashier.has_perms(["receipts.issue_certificate", "debts.view_property"])
    assert not cashier.has_perm("receipts.revoke_certificate")
    assert revenue.has_perms(
        ["receipts.revoke_certificate", "debts.add_property", "debts.change_property"]
    )
    assert not revenue.has_perm("receipts.issue_certificate")
    client.force_login(cashier)
    issue(client, debtor.afm, "55566677")
    assert Certificate.objects.get().issued_by == cashier


# --- The form sent twice ------------------------------------------------------------------------


def shown_form(client, afm, supply_number) -> dict:
    """The issuing form as its page renders it (its hidden fields), filled in."""
    html = client.get("/admin/receipts/certificate/issue/").content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return {**hidden, "afm": afm, "supply_number": supply_number}


def test_the_form_sent_twice_gives_the_first_certificate_a_new_form_the_next(
    admin_client, debtor, home
):
    """A double click on «Έκδοση» issued two numbered certificates."""
    form = shown_form(admin_client, debtor.afm, "55566677")

    first = admin_client.post("/admin/receipts/certificate/issue/", form)
    again = admin_client.post("/admin/receipts/certificate/issue/", form)

    certificate = Certificate.objects.get()
    assert first.url == again.url == f"/admin/receipts/certificate/{certificate.pk}/change/"
    assert "Εκδόθηκε η βεβαίωση" in admin_client.get(again.url).content.decode()
    another = shown_form(admin_client, debtor.afm, "55566677")
    admin_client.post("/admin/receipts/certificate/issue/", another)
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [1, 2]


def test_the_form_sent_again_after_the_notice_was_paid_gives_the_certificate(
    admin_client, admin_user, debtor, home, make_debt
):
    """The property owed: the form sent again once the notice was paid (and the property owes
    nothing) gives the certificate that payment issued, not another."""
    make_debt(debtor, "35.00", kind="tap", tap_property=home)
    form = shown_form(admin_client, debtor.afm, "55566677")
    admin_client.post("/admin/receipts/certificate/issue/", form)
    notice = CertificateRequest.objects.get().notice
    pay_notice_at_counter(notice, tender="cash", reference="ΤΑΜ-1", cashier=admin_user)

    again = admin_client.post("/admin/receipts/certificate/issue/", form)

    certificate = Certificate.objects.get()
    assert certificate.request.notice == notice
    assert again.url == f"/admin/receipts/certificate/{certificate.pk}/change/"


def test_the_form_sent_again_for_another_property_is_refused_and_shown_anew(
    admin_client, debtor, home
):
    """Its page gone back to and another property typed in: the token named the first; the
    page shown again is a new form, which issues."""
    Property.objects.create(
        debtor=debtor, address="Κ. Καραμανλή 42", supply_number="55566688", area=Decimal(40)
    )
    form = shown_form(admin_client, debtor.afm, "55566677")
    admin_client.post("/admin/receipts/certificate/issue/", form)

    refused = admin_client.post(
        "/admin/receipts/certificate/issue/", {**form, "supply_number": "55566688"}
    )

    html = refused.content.decode()
    assert refused.status_code == 200
    assert "υποβλήθηκε ήδη για άλλο ακίνητο" in html
    assert Certificate.objects.count() == 1
    new_token = re.search(r'name="form_token" value="([0-9a-f-]{36})"', html)[1]
    assert new_token != form["form_token"]
    issue(admin_client, debtor.afm, "55566688", form_token=new_token)
    assert Certificate.objects.filter(property_supply_number="55566688").count() == 1


def test_a_form_without_its_token_issues_nothing_and_is_shown_anew(admin_client, debtor, home):
    response = admin_client.post(
        "/admin/receipts/certificate/issue/", {"afm": debtor.afm, "supply_number": "55566677"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Η φόρμα δεν ισχύει πια" in html
    assert re.search(r'name="form_token" value="[0-9a-f-]{36}"', html)
    assert not Certificate.objects.exists()
