"""The certificate of no ΤΑΠ debt as a PDF, rendered by WeasyPrint through
``debts.pdf.render_pdf`` as receipts are, and the one copy of it the portal keeps."""

from django.template.loader import render_to_string

from debts.municipality import municipality_name
from debts.pdf import render_pdf
from debts.tap import TAP_RULE

from . import documents
from .models import Certificate
from .pdf import STYLESHEET
from .verification import grouped_code, verification_url

TEMPLATE = "receipts/certificate_pdf.html"


def certificate_html(certificate: Certificate) -> str:
    url = verification_url(certificate)
    issuer = certificate.issued_by
    return render_to_string(
        TEMPLATE,
        {
            "certificate": certificate,
            "municipality_name": municipality_name(),
            "rule": TAP_RULE,
            "issuer_name": (issuer.get_full_name() or issuer.get_username()) if issuer else "",
            "code": grouped_code(certificate.verification_code),
            "verification_url": url,
            "qr_code": documents.verification_qr(certificate),
        },
    )


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF in the active language (load ``issued_by`` with it)."""
    return render_pdf(certificate_html(certificate), STYLESHEET)


def stored_pdf(certificate_id: int) -> Certificate:
    """The certificate with its PDF kept, rendered now if it has none yet."""
    return documents.stored_pdf(
        Certificate, certificate_id, related=("issued_by",), render=render_certificate_pdf
    )


def pdf_response(certificate: Certificate, *, as_attachment: bool = False):
    """The certificate's kept PDF, rendered now (and kept) if the worker has not yet."""
    return documents.pdf_response(certificate, stored_pdf, as_attachment=as_attachment)
