"""The printable payment notice (ειδοποιητήριο) as a PDF, rendered by WeasyPrint.

Setting up the fonts and parsing the stylesheet cost several times the rendering itself
(docs/PERFORMANCE.md: about 200 ms a PDF against 27 ms), so both are built once per process, on
first use, and reused by every render.
"""

import threading
import unicodedata
from functools import cache

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from stdnum import iban
from weasyprint.text.fonts import FontConfiguration

from .epc_qr import notice_qr_data_uri
from .models import PaymentNotice
from .municipality import municipality_name
from .selectors import NoticeLines, notice_lines

TEMPLATE = "debts/notice_pdf.html"
STYLESHEET = "pdf/notice.css"

# WeasyPrint does not promise that threads may share a FontConfiguration at once. Rendering is
# Python work under the GIL anyway, so threads taking turns lose little.
_render_lock = threading.Lock()


@cache
def _fonts_and_stylesheet() -> tuple[FontConfiguration, weasyprint.CSS]:
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(filename=finders.find(STYLESHEET), font_config=font_config)
    return font_config, stylesheet


def _capitals(text: str) -> str:
    """Capitals as Greek is typeset, without the accent (Έληξε → ΕΛΗΞΕ); other scripts unchanged."""
    decomposed = unicodedata.normalize("NFD", text.upper())
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))


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
            "municipality_name": municipality_name(),
            "iban": iban.format(settings.MUNICIPALITY_IBAN),
            # The account holder's registered name, as the QR code carries it, in any language.
            "beneficiary": settings.MUNICIPALITY_NAME,
            # A notice no longer open must not invite a payment: no code to scan, no instructions.
            "qr_code": notice_qr_data_uri(notice) if payable else None,
            "status_mark": None if payable else _capitals(PaymentNotice.Status(status).label),
        },
    )
    with _render_lock:
        font_config, stylesheet = _fonts_and_stylesheet()
        # Tagged, so a screen reader gets the headings and the table in reading order.
        return weasyprint.HTML(string=html).write_pdf(
            stylesheets=[stylesheet], font_config=font_config, pdf_tags=True
        )
