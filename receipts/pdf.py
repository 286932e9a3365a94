"""The receipt as a PDF, rendered by WeasyPrint, and the one copy of it the portal keeps.

It renders through ``debts.pdf.render_pdf``, as the notice does: the fonts and the stylesheet
are built once per process.
"""

from decimal import Decimal

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from debts.municipality import municipality_name
from debts.pdf import render_pdf

from .models import Receipt
from .verification import grouped_code, verification_url
from .words import amount_in_words

TEMPLATE = "receipts/receipt_pdf.html"
STYLESHEET = "pdf/receipt.css"
# Each module of the QR code is this many pixels, with the quiet zone the standard asks for.
QR_SCALE = 4
QR_BORDER = 4


def receipt_qr_data_uri(receipt: Receipt) -> str:
    """A QR code of the verification page's address, as a PNG data URI for the PDF's HTML."""
    return segno.make(verification_url(receipt), error="m").png_data_uri(
        scale=QR_SCALE, border=QR_BORDER
    )


def receipt_html(receipt: Receipt) -> str:
    """The receipt's HTML in the active language; the amount in words is always Greek, the
    language in which the receipt is issued."""
    cashier = receipt.cashier
    lines = receipt.line_amounts
    return render_to_string(
        TEMPLATE,
        {
            "receipt": receipt,
            "lines": lines,
            "principal": sum((line["principal"] for line in lines), Decimal(0)),
            "surcharge": sum((line["surcharge"] for line in lines), Decimal(0)),
            "total_in_words": amount_in_words(receipt.total),
            "municipality_name": municipality_name(),
            "cashier_name": (cashier.get_full_name() or cashier.get_username()) if cashier else "",
            "code": grouped_code(receipt.verification_code),
            "verification_url": verification_url(receipt),
            "qr_code": receipt_qr_data_uri(receipt),
        },
    )


def render_html_pdf(html: str) -> bytes:
    """WeasyPrint's render of ``html`` with the process's fonts and the receipt's stylesheet."""
    return render_pdf(html, STYLESHEET)


def render_receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a PDF, in the active language.

    A reversing receipt names the one it reverses: load ``reverses`` with it (``select_related``)
    to spare the query, and ``cashier`` likewise.
    """
    return render_html_pdf(receipt_html(receipt))


def pdf_filename(receipt: Receipt) -> str:
    """«ΚΡ-2026-000123.pdf»: the receipt's number, without the slash no file name may hold."""
    return receipt.display_number.replace("/", "-") + ".pdf"


def stored_pdf(receipt_id: int) -> Receipt:
    """The receipt with its PDF kept in storage, rendered now if it has none yet.

    The row is locked while it is rendered, so the worker and a citizen asking for the PDF at the
    same moment render it once between them: the second finds the first one's file. The kept
    copy is the receipt as issued, in the portal's language whoever asked first.
    """
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("reverses", "cashier")
            .get(pk=receipt_id)
        )
        if not receipt.pdf:
            with translation.override(settings.LANGUAGE_CODE):
                pdf = render_receipt_pdf(receipt)
            receipt.pdf.save(pdf_filename(receipt), ContentFile(pdf), save=False)
            receipt.pdf_rendered_at = timezone.now()
            receipt.save(update_fields=["pdf", "pdf_rendered_at"])
    return receipt


def pdf_response(receipt: Receipt, *, as_attachment: bool = False) -> FileResponse:
    """The receipt's kept PDF, for the citizen's and the staff's views; rendered now (and kept)
    if the worker has not yet, so asking twice never renders a second PDF."""
    if not receipt.pdf:
        receipt = stored_pdf(receipt.pk)
    return FileResponse(
        receipt.pdf.open("rb"),
        as_attachment=as_attachment,
        filename=pdf_filename(receipt),
        content_type="application/pdf",
    )
