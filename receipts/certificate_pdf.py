"""The certificate of no ΤΑΠ debt as a PDF, rendered by WeasyPrint through
``debts.pdf.render_pdf`` as receipts are, and the one copy of it the portal keeps."""

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from debts.municipality import municipality_name
from debts.pdf import render_pdf
from debts.tap import TAP_RULE

from .models import Certificate
from .pdf import QR_BORDER, QR_SCALE, STYLESHEET
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
            "qr_code": segno.make(url, error="m").png_data_uri(scale=QR_SCALE, border=QR_BORDER),
        },
    )


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF in the active language (load ``issued_by`` with it)."""
    return render_pdf(certificate_html(certificate), STYLESHEET)


def pdf_filename(certificate: Certificate) -> str:
    """«ΒΤ-2026-000012.pdf»."""
    return certificate.display_number.replace("/", "-") + ".pdf"


def stored_pdf(certificate_id: int) -> Certificate:
    """The certificate with its PDF kept, rendered now (row locked, so once) if it has none."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("issued_by")
            .get(pk=certificate_id)
        )
        if not certificate.pdf:
            with translation.override(settings.LANGUAGE_CODE):
                pdf = render_certificate_pdf(certificate)
            certificate.pdf.save(pdf_filename(certificate), ContentFile(pdf), save=False)
            certificate.pdf_rendered_at = timezone.now()
            certificate.save(update_fields=["pdf", "pdf_rendered_at"])
    return certificate


def pdf_response(certificate: Certificate, *, as_attachment: bool = False) -> FileResponse:
    """The certificate's kept PDF, rendered now if the worker has not yet."""
    if not certificate.pdf:
        certificate = stored_pdf(certificate.pk)
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=as_attachment,
        filename=pdf_filename(certificate),
        content_type="application/pdf",
    )
