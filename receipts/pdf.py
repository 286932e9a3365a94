"""The receipt as a PDF, rendered by WeasyPrint, and the one copy of it the portal keeps
(``receipts.documents``, shared with the certificates).

It renders through ``debts.pdf.render_pdf``, as the notice does: the fonts and the stylesheet
are built once per process.
"""

from decimal import Decimal

from django.template.loader import render_to_string

from debts.municipality import municipality_name
from debts.pdf import render_pdf

from . import documents
from .models import Receipt
from .verification import grouped_code, verification_url
from .words import amount_in_words

TEMPLATE = "receipts/receipt_pdf.html"
STYLESHEET = "pdf/receipt.css"


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
            "interest": sum((line["interest"] for line in lines), Decimal(0)),
            "total_in_words": amount_in_words(receipt.total),
            "municipality_name": municipality_name(),
            "cashier_name": (cashier.get_full_name() or cashier.get_username()) if cashier else "",
            "code": grouped_code(receipt.verification_code),
            "verification_url": verification_url(receipt),
            "qr_code": documents.verification_qr(receipt),
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


def stored_pdf(receipt_id: int) -> Receipt:
    """The receipt with its PDF kept in storage, rendered now if it has none yet."""
    return documents.stored_pdf(
        Receipt, receipt_id, related=("reverses", "cashier"), render=render_receipt_pdf
    )


def pdf_response(receipt: Receipt, *, as_attachment: bool = False):
    """The receipt's kept PDF, rendered now (and kept) if the worker has not yet."""
    return documents.pdf_response(receipt, stored_pdf, as_attachment=as_attachment)
