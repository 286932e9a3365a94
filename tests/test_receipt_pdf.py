"""The receipt as printed: what a citizen, an auditor and a screen reader find on it, and the one
copy of it the portal keeps."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import segno
from django.db import transaction
from django.utils import timezone, translation
from pypdf import PdfReader

from receipts import pdf as receipt_pdf
from receipts.documents import QR_BORDER, QR_SCALE
from receipts.pdf import render_receipt_pdf, stored_pdf
from receipts.services import ReceiptLine, issue_receipt, issue_reversal
from receipts.verification import grouped_code, verification_url

ATHENS = ZoneInfo("Europe/Athens")
LINES = [
    ReceiptLine(
        revenue_code="0311",
        revenue_name="Τέλη καθαριότητας και φωτισμού",
        description="ΤΚΦ 2024, Εγνατίας 12",
        period="01/01/2024 – 31/12/2024",
        principal=Decimal("100.00"),
        surcharge=Decimal("3.50"),
    ),
    ReceiptLine(
        revenue_code="1699",
        revenue_name="Παράβολα",
        description="Παράβολο ένστασης",
        period="",
        principal=Decimal("20.00"),
        surcharge=Decimal("0.00"),
    ),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def citizen(make_debtor):
    return make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")


@pytest.fixture
def receipt(citizen):
    with transaction.atomic():
        return issue_receipt(
            series="card",
            debtor=citizen,
            lines=LINES,
            channel="card",
            channel_label="Κάρτα",
            channel_reference="pi_3QxTest0001",
            received_at=datetime(2026, 3, 9, 17, 45, tzinfo=ATHENS),
            notice_rf="RF18539007547034",
        )


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """The text with table cells and paragraphs unwrapped, to find what a line break split."""
    return " ".join(text.split())


def test_a_receipt(receipt):
    pdf = render_receipt_pdf(receipt)

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata.title == f"Απόδειξη είσπραξης {receipt.display_number}"
    text = pdf_text(pdf)
    lines = text.splitlines()
    assert "Δήμος Θέρμης" in lines
    assert "Απόδειξη είσπραξης" in lines
    assert f"Αριθμός: {receipt.display_number}" in lines
    issued = timezone.localtime(receipt.issued_at)
    assert f"Εκδόθηκε: {issued:%d/%m/%Y %H:%M}" in lines
    assert "ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ" in lines
    assert "ΑΦΜ: 068933130" in lines
    assert "Τρόπος πληρωμής: Κάρτα" in lines
    assert "Αναφορά συναλλαγής: pi_3QxTest0001" in lines
    assert "Κωδικός RF: RF18 5390 0754 7034" in lines  # in groups of four, as on the notice
    assert "Εισπράχθηκε: 09/03/2026 17:45" in lines  # 24-hour clock, Athens time
    assert "Ταμίας" not in text
    for line in LINES:
        for cell in (line.revenue_code, line.revenue_name, line.description, line.period):
            assert cell in flat(text)
    assert "103,50 €" in text and "3,50 €" in text and "20,00 €" in text
    assert "Σύνολο: 123,50 €" in lines
    assert "Ολογράφως: Εκατόν είκοσι τρία ευρώ και πενήντα λεπτά" in flat(text)
    assert grouped_code(receipt.verification_code) in lines
    assert verification_url(receipt) in flat(text)
    assert "Ακυρωτική" not in text
    assert "Τόκοι ρύθμισης" not in text  # no installment: no interest column


def test_a_reversal_names_the_receipt_it_cancels_and_why(receipt, admin_user):
    with transaction.atomic():
        reversal = issue_reversal(receipt, reason="Διπλή χρέωση της κάρτας", actor=admin_user)
    admin_user.first_name, admin_user.last_name = "Μαρία", "Ταμία"
    admin_user.save()
    reversal.refresh_from_db()

    pdf = render_receipt_pdf(reversal)
    assert PdfReader(io.BytesIO(pdf)).metadata.title == (
        f"Ακυρωτική απόδειξη {reversal.display_number}"
    )
    text = pdf_text(pdf)
    lines = text.splitlines()
    assert "Ακυρωτική απόδειξη" in lines
    assert "Απόδειξη είσπραξης" not in lines
    assert f"Αριθμός: {reversal.display_number}" in lines
    assert reversal.display_number.startswith("ΑΚ-")
    issued = timezone.localtime(receipt.issued_at)
    assert f"Ακυρώνει την απόδειξη {receipt.display_number} της {issued:%d/%m/%Y %H:%M}." in flat(
        text
    )
    assert "Αιτιολογία: Διπλή χρέωση της κάρτας" in lines
    assert "Σύνολο: -123,50 €" in lines
    assert "Ολογράφως: Μείον εκατόν είκοσι τρία ευρώ και πενήντα λεπτά" in flat(text)
    # Finance reverses a receipt, not a cashier: the PDF says who did.
    assert "Ακυρώθηκε από: Μαρία Ταμία" in lines
    assert not any(line.startswith("Ταμίας") for line in lines)


def test_the_pdf_is_tagged_for_screen_readers(receipt):
    catalog = PdfReader(io.BytesIO(render_receipt_pdf(receipt))).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "el"


def test_greek_is_set_in_dejavu(receipt):
    page = PdfReader(io.BytesIO(render_receipt_pdf(receipt))).pages[0]
    names = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for font in page["/Resources"]["/Font"].values()
    }
    assert "DejaVu-Sans" in names
    assert all(name.startswith("DejaVu") for name in names), names


def test_the_qr_code_leads_to_the_verification_page(receipt, settings):
    settings.PORTAL_BASE_URL = "https://pay.thermi.gov.gr/"
    url = verification_url(receipt)
    assert url == f"https://pay.thermi.gov.gr/verify/{receipt.verification_code}/"

    (picture,) = PdfReader(io.BytesIO(render_receipt_pdf(receipt))).pages[0].images
    pixels = picture.image.convert("L")
    size = pixels.width // QR_SCALE
    centre = QR_SCALE // 2
    printed = [
        [pixels.getpixel((x * QR_SCALE + centre, y * QR_SCALE + centre)) < 128 for x in range(size)]
        for y in range(size)
    ]
    expected = segno.make(url, error="m").matrix_iter(border=QR_BORDER)
    assert printed == [[bool(module) for module in row] for row in expected]


def test_in_english(receipt):
    with translation.override("en"):
        text = pdf_text(render_receipt_pdf(receipt))
        url = verification_url(receipt)
    lines = text.splitlines()
    assert "Municipality of Thermi" in lines
    assert "Δήμος Θέρμης" not in text
    assert "Receipt" in lines
    assert "Tax ID (AFM): 068933130" in lines
    assert url.endswith(f"/en/verify/{receipt.verification_code}/")
    assert url in flat(text)
    # What the receipt says in words stays in the language it is issued in.
    assert "Εκατόν είκοσι τρία ευρώ και πενήντα λεπτά" in flat(text)


def test_the_pdf_is_kept_once_in_greek(receipt, monkeypatch):
    renders = []
    render = receipt_pdf.render_receipt_pdf

    def counted(receipt):
        renders.append(translation.get_language())
        return render(receipt)

    monkeypatch.setattr(receipt_pdf, "render_receipt_pdf", counted)
    with translation.override("en"):
        first = stored_pdf(receipt.pk)
    again = stored_pdf(receipt.pk)

    assert renders == ["el"]
    assert first.pdf.name == again.pdf.name
    assert first.pdf.name.endswith(f"{receipt.display_number.replace('/', '-')}.pdf")
    assert again.pdf_rendered_at == first.pdf_rendered_at
    with again.pdf.open("rb") as kept:
        text = pdf_text(kept.read())
    assert "Απόδειξη είσπραξης" in text.splitlines()
