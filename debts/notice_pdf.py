"""The printable payment notice (ειδοποιητήριο) as a PDF, rendered by WeasyPrint through
``debts.pdf`` (fonts and stylesheet built once per process)."""

from django.conf import settings
from django.template.loader import render_to_string
from stdnum import iban

from .epc_qr import notice_qr_data_uri
from .models import PaymentNotice, greek_capitals
from .municipality import municipality_name
from .pdf import render_pdf
from .selectors import NoticeLines, notice_lines

TEMPLATE = "debts/notice_pdf.html"
STYLESHEET = "pdf/notice.css"


def render_notice_pdf(notice: PaymentNotice) -> bytes:
    """The notice as a PDF, in the active language.

    Two queries whatever the number of items: the items with their debts (and revenue types) or
    installments (and settlements), and the debtor unless the caller has already loaded it.
    """
    return render_notice_pdf_of_lines(notice, notice_lines(notice))


def render_notice_pdf_of_lines(notice: PaymentNotice, lines: NoticeLines) -> bytes:
    """The rendering alone, for a notice whose lines are already at hand (the benchmark's)."""
    status = notice.current_status
    payable = status == PaymentNotice.Status.OPEN
    html = render_to_string(
        TEMPLATE,
        {
            "notice": notice,
            "debtor": notice.debtor,
            "items": lines.items,
            "principal": lines.principal,
            "surcharge": lines.surcharge,
            "interest": lines.interest,
            "municipality_name": municipality_name(),
            "iban": iban.format(settings.MUNICIPALITY_IBAN),
            # The account holder's registered name, as the QR code carries it, in any language.
            "beneficiary": settings.MUNICIPALITY_NAME,
            # A notice no longer open must not invite a payment: no code to scan, no instructions.
            "qr_code": notice_qr_data_uri(notice) if payable else None,
            "status_mark": None if payable else greek_capitals(PaymentNotice.Status(status).label),
        },
    )
    return render_pdf(html, STYLESHEET)
