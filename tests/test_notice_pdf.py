"""The printed payment notice: what a citizen reads on it, and what a bank app scans."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import dateformat, timezone, translation
from pypdf import PdfReader

from debts.epc_qr import PIXELS_PER_MODULE, notice_transfer
from debts.models import PaymentNotice
from debts.notice_pdf import render_notice_pdf
from debts.services import build_notice, cancel_notice, expire_notices


@pytest.fixture
def citizen(make_debtor):
    return make_debtor(
        afm="068933130",
        last_name="ΒΑΒΟΥΛΑ",
        first_name="ΕΥΤΥΧΙΑ",
        street="Εγνατίας 12",
        postal_code="57001",
        city="Θέρμη",
    )


@pytest.fixture
def notice(citizen, make_debt):
    """Over a thousand euros, so the amount shows its thousands separator."""
    debts = [
        make_debt(citizen, "1200.00", due_date=date(2023, 6, 30), description="Τέλη 2023"),
        make_debt(citizen, "35.50", kind="paravolo", description="Παράβολο ένστασης"),
    ]
    return build_notice(citizen, debts=debts)


def pdf_pages(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).pages


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pdf_pages(pdf))


def flat(text: str) -> str:
    """The text with table cells and paragraphs unwrapped, to find what a line break split."""
    return " ".join(text.split())


def greek_amount(amount: Decimal) -> str:
    """1234.5 → "1.234,50 €", written out here rather than by the code under test."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + " €"


def qr_modules(pdf: bytes) -> list[list[bool]]:
    """The dark modules of the one picture in the PDF, read at each module's centre."""
    (picture,) = pdf_pages(pdf)[0].images
    pixels = picture.image.convert("L")
    size = pixels.width // PIXELS_PER_MODULE
    centre = PIXELS_PER_MODULE // 2
    return [
        [
            pixels.getpixel((x * PIXELS_PER_MODULE + centre, y * PIXELS_PER_MODULE + centre)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def test_an_open_notice(notice):
    pdf = render_notice_pdf(notice)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf_pages(pdf)) == 1
    text = pdf_text(pdf)
    lines = text.splitlines()
    assert "Δήμος Θέρμης" in lines
    assert "Ειδοποιητήριο πληρωμής" in lines
    # Greek read back as Greek: the glyphs are there, not boxes.
    assert "ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ" in lines
    assert "Εγνατίας 12" in lines
    assert "ΑΦΜ: 068933130" in lines
    assert notice.formatted_rf in lines
    assert notice.rf_code in text
    assert notice.total > 1000
    assert greek_amount(notice.total) in lines
    assert f"Ισχύει έως: {notice.valid_until:%d/%m/%Y}" in lines
    assert "Σαρώστε με την εφαρμογή της τράπεζάς σας" in flat(text)
    assert "δικαιούχος Δήμος Θέρμης, IBAN GR16 0110 1250 0000 0001" in flat(text)
    for item in notice.items.all():
        assert item.debt.description in flat(text)
        assert greek_amount(item.amount) in text
    assert "ΕΛΗΞΕ" not in text


def test_the_pdf_is_tagged_for_screen_readers(notice):
    """A tagged PDF gives a screen reader the headings and the table, in reading order."""
    catalog = PdfReader(io.BytesIO(render_notice_pdf(notice))).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]


def test_greek_is_set_in_dejavu(notice):
    fonts = pdf_pages(render_notice_pdf(notice))[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]).split("+")[-1] for font in fonts.values()}
    assert "DejaVu-Sans" in names
    assert all(name.startswith("DejaVu") for name in names), names


def test_the_qr_code_printed_is_the_notices_transfer(notice):
    expected = notice_transfer(notice).qr()
    quiet_zone = 4
    assert qr_modules(render_notice_pdf(notice)) == [
        [bool(module) for module in row] for row in expected.matrix_iter(border=quiet_zone)
    ]


def test_an_installment_on_the_notice(citizen, make_debt, make_settlement):
    debt = make_debt(citizen, "400.00", due_date=date(2023, 6, 30))
    settlement = make_settlement(citizen, [debt])
    first = settlement.installments.get(number=1)
    notice = build_notice(citizen, installments=[first])

    text = flat(pdf_text(render_notice_pdf(notice)))
    assert "Δόση ρύθμισης" in text
    assert f"Δόση 1 της ρύθμισης {settlement.number}" in text
    assert f"{first.due_date:%d/%m/%Y}" in text


def test_a_fixed_number_of_queries_whatever_the_items(
    citizen, make_debt, make_settlement, django_assert_max_num_queries
):
    debts = [make_debt(citizen, f"{10 + n}.00", due_date=date(2024, 1, 31)) for n in range(8)]
    settlement = make_settlement(
        citizen, [make_debt(citizen, "300.00", due_date=date(2023, 1, 31))]
    )
    notice = build_notice(citizen, debts=debts, installments=settlement.installments.all())
    notice = PaymentNotice.objects.get(pk=notice.pk)

    # The items with their debts' revenue types or installments' settlements; the debtor.
    with django_assert_max_num_queries(2):
        pdf = render_notice_pdf(notice)
    assert pdf_text(pdf).count("Δόση ρύθμισης") == 2


def expire(notice):
    expire_notices(today=notice.valid_until + timedelta(days=1))


def outlive(notice):
    """Past its validity, before the nightly sweep records it expired."""
    PaymentNotice.objects.filter(pk=notice.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )


def pay(notice):
    PaymentNotice.states.advance(notice, PaymentNotice.Status.PAID, cause="test")


def cancel(notice):
    cancel_notice(notice, cause="test")


@pytest.mark.parametrize(
    ("close", "mark"),
    [(expire, "ΕΛΗΞΕ"), (outlive, "ΕΛΗΞΕ"), (pay, "ΕΞΟΦΛΗΘΗΚΕ"), (cancel, "ΑΚΥΡΩΘΗΚΕ")],
)
def test_a_notice_no_longer_open_is_marked_and_invites_no_payment(notice, close, mark):
    close(notice)
    notice.refresh_from_db()

    pdf = render_notice_pdf(notice)
    text = pdf_text(pdf)
    assert mark in text.splitlines()
    assert "Αυτό το ειδοποιητήριο δεν πληρώνεται πια." in text
    assert not pdf_pages(pdf)[0].images
    assert "Σαρώστε" not in text
    assert "Πώς πληρώνετε" not in text
    # Still the record of what it asked for.
    assert notice.formatted_rf in text
    assert greek_amount(notice.total) in text


def test_in_english(notice):
    expire(notice)
    notice.refresh_from_db()
    with translation.override("en"):
        text = pdf_text(render_notice_pdf(notice))
        valid_until = dateformat.format(notice.valid_until, "j M Y")  # day first: 9 Dec 2026
    lines = text.splitlines()
    assert "Municipality of Thermi" in lines
    assert "Δήμος Θέρμης" not in text
    assert "EXPIRED" in lines
    assert "Tax ID (AFM): 068933130" in lines
    assert "Cleaning and lighting fees" in flat(text)
    assert "Administrative fees" in flat(text)
    assert "Description" in text and "Due date" in text and "Principal" in text
    assert f"{notice.total:,.2f} €" in lines
    assert valid_until in text
    # The debtor's name is theirs in any language.
    assert "ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ" in lines
