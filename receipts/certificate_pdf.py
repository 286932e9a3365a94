"""The certificate of no ΤΑΠ debt as a PDF, rendered by WeasyPrint through
``debts.pdf.render_pdf`` as receipts are, and the one copy of it the portal keeps: the
certificate as issued. A revoked one is served marked as revoked, rendered when asked for."""

import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from debts.municipality import municipality_name
from debts.pdf import render_pdf
from debts.tap import TAP_RULE

from . import documents
from .models import Certificate, CertificateRevocation
from .pdf import STYLESHEET
from .verification import grouped_code, verification_url

TEMPLATE = "receipts/certificate_pdf.html"


def certificate_html(
    certificate: Certificate, revocation: CertificateRevocation | None = None
) -> str:
    """The certificate's HTML in the active language; with ``revocation``, marked on every page
    as revoked, with when and why."""
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
            "revocation": revocation,
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


def render_revoked_pdf(certificate: Certificate, revocation: CertificateRevocation) -> bytes:
    """The certificate as issued, in the portal's language as its kept copy, marked as revoked.
    Never kept: the kept copy stays the document as issued."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(certificate_html(certificate, revocation), STYLESHEET)


def pdf_response(certificate: Certificate, *, as_attachment: bool = False):
    """The certificate's kept PDF, rendered now (and kept) if the worker has not yet; once it is
    revoked, a copy marked so instead: downloaded or printed after its revocation, it must not
    pass for a valid certificate."""
    revocation = certificate.revocation_or_none
    if revocation is None:
        return documents.pdf_response(certificate, stored_pdf, as_attachment=as_attachment)
    pdf = io.BytesIO(render_revoked_pdf(certificate, revocation))
    return documents.pdf_file_response(certificate, pdf, as_attachment=as_attachment)
