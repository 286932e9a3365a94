"""The receipt as a PDF, rendered by WeasyPrint, and the one copy of it the portal keeps.

As for the notice (``debts/notice_pdf.py``), the fonts and the parsed stylesheet cost several
times a render (docs/PERFORMANCE.md: about 200 ms a PDF against 27 ms), so both are built once per
process, on first use, and reused by every render.
"""

import threading
from decimal import Decimal
from functools import cache

import segno
import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint.text.fonts import FontConfiguration

from debts.municipality import municipality_name

from .models import Receipt
from .verification import grouped_code, verification_url
from .words import amount_in_words

TEMPLATE = "receipts/receipt_pdf.html"
STYLESHEET = "pdf/receipt.css"
# Each module of the QR code is this many pixels, with the quiet zone the standard asks for.
QR_SCALE = 4
QR_BORDER = 4

# WeasyPrint does not promise that threads may share a FontConfiguration at once. Rendering is
# Python work under the GIL anyway, so threads taking turns lose little.
_render_lock = threading.Lock()


@cache
def _fonts_and_stylesheet() -> tuple[FontConfiguration, weasyprint.CSS]:
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(filename=finders.find(STYLESHEET), font_config=font_config)
    return font_config, stylesheet


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
    """WeasyPrint's render of ``html`` with the process's fonts and stylesheet."""
    with _render_lock:
        font_config, stylesheet = _fonts_and_stylesheet()
        # Tagged, so a screen reader gets the headings and the table in reading order.
        return weasyprint.HTML(string=html).write_pdf(
            stylesheets=[stylesheet], font_config=font_config, pdf_tags=True
        )


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
