"""The certificate of no ΤΑΠ debt in a real browser: ask, see what to pay, the money arrives
through the bank, the certificate's PDF downloads; axe finds nothing, a phone needs no sideways
scrolling."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from debts.models import Property
from payments.models import Channel
from payments.services import settle
from receipts.models import Certificate
from tests.browser import assert_accessible
from tests.test_citizen_browser import PHONE, logged_in_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(monkeypatch, settings, tmp_path):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    settings.MEDIA_ROOT = tmp_path


def test_ask_pay_and_download_the_certificate(chromium, live_server, make_citizen, make_debt):
    user = make_citizen()
    home = Property.objects.create(
        debtor=user.debtor,
        address="Μεγάλου Αλεξάνδρου 14, Θέρμη",
        kaek="190451816008/0/2",
        supply_number="123456789",
        area=Decimal(96),
    )
    make_debt(user.debtor, "52.40", kind="tap", tap_property=home)
    page = logged_in_page(chromium, live_server, user, viewport=PHONE, accept_downloads=True)

    page.goto(live_server.url + "/card/")
    page.get_by_role("link", name="Βεβαίωση μη οφειλής ΤΑΠ για ακίνητό σας").click()
    assert_accessible(page)
    page.get_by_role("button", name="Αίτηση βεβαίωσης").click()

    page.get_by_role("heading", name="Τι πληρώνετε").wait_for()
    assert_accessible(page)
    assert (
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        <= 0
    )
    notice = user.debtor.notices.get()
    assert "52,40" in page.content()
    settle(
        channel=Channel.BANK,
        reference="DIAS-BROWSER-1",
        amount=notice.total,
        received_at=timezone.now(),
        rf=notice.rf_code,
    )

    page.reload()
    page.get_by_role("heading", name="Η πληρωμή καταχωρίστηκε και η βεβαίωση εκδόθηκε").wait_for()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Λήψη της βεβαίωσης (PDF)").click()
    certificate = Certificate.objects.get()
    assert download.value.suggested_filename == f"ΒΤ-{certificate.year}-000001.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF")

    page.goto(live_server.url + "/certificates/")
    assert certificate.display_number in page.content()
    assert_accessible(page)
    page.goto(live_server.url + f"/en/verify/{certificate.verification_code}/")
    assert "genuine" in page.content()
    assert_accessible(page)
