"""Staff and certificates of no ΤΑΠ debt: the cashier issues one by the same rule as the
citizen, staff revoke one with a reason, and properties are kept on the debtor's page."""

from decimal import Decimal

import pytest

from debts.models import Property
from receipts.models import Certificate, CertificateRequest
from tests.test_admin import staff_user  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def home(debtor):
    return Property.objects.create(
        debtor=debtor, address="Κ. Καραμανλή 40", supply_number="55566677", area=Decimal(60)
    )


def test_issued_from_the_admin_when_nothing_is_owed(admin_client, debtor, home):
    response = admin_client.post(
        "/admin/receipts/certificate/issue/",
        {"afm": debtor.afm, "supply_number": "5556 6677"},
    )

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

    response = admin_client.post(
        "/admin/receipts/certificate/issue/", {"afm": debtor.afm, "supply_number": "55566677"}
    )

    request = CertificateRequest.objects.get()
    assert response.url.endswith(f"/payments/payment/counter/notice/{request.notice.pk}/")
    assert not Certificate.objects.exists()


def test_an_unknown_property_is_refused(admin_client, debtor, home):
    response = admin_client.post(
        "/admin/receipts/certificate/issue/", {"afm": debtor.afm, "supply_number": "1111111111"}
    )
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
    client.post(
        "/admin/receipts/certificate/issue/", {"afm": debtor.afm, "supply_number": "55566677"}
    )
    assert Certificate.objects.get().issued_by == cashier
