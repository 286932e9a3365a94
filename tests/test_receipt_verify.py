"""Anyone holding a receipt checks it is genuine, without logging in and learning nothing more
of the payer than the paper shows; a citizen gets their own receipt's PDF, and no one else's."""

import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.utils import timezone
from pypdf import PdfReader

from receipts import pdf as receipt_pdf
from receipts.services import ReceiptLine, issue_receipt, issue_reversal
from receipts.verification import grouped_code
from tests.browser import assert_accessible

LINE = ReceiptLine(
    revenue_code="0311",
    revenue_name="Τέλη καθαριότητας και φωτισμού",
    description="ΤΚΦ 2024",
    period="2024",
    principal=Decimal("100.00"),
    surcharge=Decimal("23.50"),
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def issue(debtor):
    with transaction.atomic():
        return issue_receipt(
            series="bank",
            debtor=debtor,
            lines=[LINE],
            channel="bank",
            channel_label="Τράπεζα (RF μέσω ΔΙΑΣ)",
            channel_reference="ΔΙΑΣ 2026-000123",
            received_at=timezone.now(),
        )


def reverse_it(receipt):
    with transaction.atomic():
        return issue_reversal(receipt, reason="Επιστροφή από την τράπεζα")


@pytest.fixture
def citizen(make_debtor):
    return make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")


@pytest.fixture
def receipt(citizen):
    return issue(citizen)


def page(client, code: str, language: str = ""):
    return client.get(f"{language}/verify/{quote(code)}/")


def test_a_genuine_receipt(client, receipt):
    response = page(client, receipt.verification_code)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Η απόδειξη είναι γνήσια" in html
    assert receipt.display_number in html
    assert timezone.localtime(receipt.issued_at).strftime("%d/%m/%Y %H:%M") in html
    assert "123,50&nbsp;€" in html
    assert "Β****** Ε******" in html
    # Nothing more of the payer than the initials: no ΑΦΜ, no name, no payment details.
    for private in ("068933130", "ΒΑΒΟΥΛΑ", "ΕΥΤΥΧΙΑ", "ΔΙΑΣ 2026-000123", "ΤΚΦ 2024"):
        assert private not in html
    assert "ακυρώθηκε" not in html


@pytest.mark.parametrize(
    "typed",
    [
        str.lower,
        grouped_code,
        lambda code: "-".join(grouped_code(code).lower().split()),
        lambda code: f" {grouped_code(code)} ",
        # Typed with the Greek keyboard layout on, each key gives its Greek letter (but Q's).
        lambda code: code.translate(
            str.maketrans("ABCDEFGHJKMNPRSTUVWXYZ", "αβψδεφγηξκμνπρστθωςχυζ")
        ),
    ],
)
def test_the_code_however_typed(client, receipt, typed):
    response = page(client, typed(receipt.verification_code))
    assert response.status_code == 200
    assert receipt.display_number in response.content.decode()


def test_the_form_leads_to_the_code_s_page(client, receipt):
    form = client.get("/verify/")
    assert form.status_code == 200
    assert 'name="code"' in form.content.decode()

    typed = grouped_code(receipt.verification_code).lower()
    response = client.get("/verify/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{receipt.verification_code}/"


def test_an_unknown_code_is_404(client, receipt):
    unknown = "".join(reversed(receipt.verification_code))
    response = page(client, unknown)

    assert response.status_code == 404
    html = response.content.decode()
    assert "Δεν βρέθηκε απόδειξη με αυτόν τον κωδικό" in html
    assert f'value="{unknown}"' in html  # to correct what was mistyped
    assert receipt.display_number not in html
    assert page(client, "----").status_code == 404


def test_a_reversed_receipt_says_so_and_its_reversal_names_it(client, receipt):
    reversal = reverse_it(receipt)

    html = page(client, receipt.verification_code).content.decode()
    assert "Η απόδειξη είναι γνήσια, αλλά ακυρώθηκε" in html
    assert f"Ακυρώθηκε με την ακυρωτική απόδειξη {reversal.display_number}" in html
    assert "Επιστροφή από την τράπεζα" not in html

    html = page(client, reversal.verification_code).content.decode()
    assert "Η ακυρωτική απόδειξη είναι γνήσια" in html
    assert reversal.display_number in html
    assert f"Ακυρώνει την απόδειξη {receipt.display_number}" in html
    assert "-123,50&nbsp;€" in html


def test_in_english(client, receipt):
    response = page(client, receipt.verification_code, "/en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The receipt is genuine" in html
    assert "Issued by: Municipality of Thermi" in html
    assert receipt.display_number in html
    assert "068933130" not in html
    assert page(client, "ZZZZ", "/en").status_code == 404


def pdf_url(receipt, **query) -> str:
    return f"/receipts/{receipt.pk}/pdf/" + ("?download=1" if query.get("download") else "")


def test_a_citizen_gets_their_own_receipt_rendered_once(citizen_client, monkeypatch):
    receipt = issue(citizen_client.debtor)
    renders = []
    render = receipt_pdf.render_receipt_pdf
    monkeypatch.setattr(
        receipt_pdf, "render_receipt_pdf", lambda r: renders.append(r.pk) or render(r)
    )

    response = citizen_client.get(pdf_url(receipt))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    pdf = b"".join(response.streaming_content)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert receipt.display_number in text

    download = citizen_client.get(pdf_url(receipt, download=True))
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in download["Content-Disposition"]  # the number in Greek letters
    assert b"".join(download.streaming_content) == pdf
    assert renders == [receipt.pk]


def test_another_citizen_s_receipt_is_not_found(citizen_client, receipt):
    assert citizen_client.get(pdf_url(receipt)).status_code == 404
    assert citizen_client.get(pdf_url(receipt, download=True)).status_code == 404


def test_the_pdf_needs_a_login(client, receipt):
    response = client.get(pdf_url(receipt))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_the_verification_pages_pass_axe(chromium, live_server, make_debtor, monkeypatch):
    # The live server's request threads close their connections, or the test database could
    # not be dropped at the end.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    receipt = issue(make_debtor(last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ"))
    reversal = reverse_it(issue(make_debtor()))
    browser = chromium.new_page()
    paths = [
        f"/verify/{receipt.verification_code}/",
        f"/verify/{reversal.reverses.verification_code}/",
        f"/verify/{reversal.verification_code}/",
        "/verify/ZZZZ/",
        "/verify/",
        f"/en/verify/{receipt.verification_code}/",
        "/en/verify/ZZZZ/",
    ]
    for path in paths:
        browser.goto(live_server.url + path)
        assert browser.locator("h1").count() == 1, path
        assert_accessible(browser)

    browser.goto(live_server.url + "/verify/")
    browser.get_by_label("Κωδικός επαλήθευσης").fill(grouped_code(receipt.verification_code))
    browser.get_by_role("button", name="Έλεγχος").click()
    assert browser.get_by_role("heading", name="Η απόδειξη είναι γνήσια").is_visible()
