"""What receipts and certificates share as documents the municipality issues: a verification QR
code, the one PDF copy the portal keeps, and the email that carries it to the citizen once.

Each step locks the document's row while it works, so the worker and a citizen asking at the
same moment render once between them, and a second delivery waits and then finds it sent. The
kept copy is the document as issued, in the portal's language whoever asked first.
"""

from collections.abc import Callable, Sequence
from typing import BinaryIO

import segno
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from debts.models import Debtor
from debts.municipality import municipality_name

from .verification import grouped_code, verification_url

# Each module of the QR code is this many pixels, with the quiet zone the standard asks for.
QR_SCALE = 4
QR_BORDER = 4


def verification_qr(document) -> str:
    """A QR code of the document's verification page, as a PNG data URI for the PDF's HTML."""
    return segno.make(verification_url(document), error="m").png_data_uri(
        scale=QR_SCALE, border=QR_BORDER
    )


def pdf_filename(document) -> str:
    """«ΚΡ-2026-000123.pdf»: the document's number, without the slash no file name may hold."""
    return document.display_number.replace("/", "-") + ".pdf"


def stored_pdf(
    model: type[models.Model],
    pk: int,
    *,
    related: Sequence[str],
    render: Callable[[models.Model], bytes],
):
    """The document with its PDF kept in storage, rendered now by ``render`` (with ``related``
    loaded) if it has none yet."""
    with transaction.atomic():
        document = model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)
        if not document.pdf:
            with translation.override(settings.LANGUAGE_CODE):
                pdf = render(document)
            document.pdf.save(pdf_filename(document), ContentFile(pdf), save=False)
            document.pdf_rendered_at = timezone.now()
            document.save(update_fields=["pdf", "pdf_rendered_at"])
    return document


def pdf_response(document, store: Callable[[int], models.Model], *, as_attachment=False):
    """The document's kept PDF, for the citizen's and the staff's views; rendered now (and kept,
    through ``store``) if the worker has not yet, so asking twice never renders a second PDF."""
    if not document.pdf:
        document = store(document.pk)
    return pdf_file_response(document, document.pdf.open("rb"), as_attachment=as_attachment)


def pdf_file_response(document, pdf: BinaryIO, *, as_attachment=False) -> FileResponse:
    """``pdf``, a rendering of ``document``, served under the document's file name."""
    return FileResponse(
        pdf,
        as_attachment=as_attachment,
        filename=pdf_filename(document),
        content_type="application/pdf",
    )


def verified_email(debtor: Debtor) -> str | None:
    """The address a document goes to: the debtor's account's verified one, the primary first.

    An address given but never confirmed may be mistyped, or someone else's: it gets nothing.
    """
    if debtor.user_id is None:
        return None
    return (
        EmailAddress.objects.filter(user_id=debtor.user_id, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )


def message(document, to: str, *, kind: str) -> EmailMessage:
    """The email carrying the document's stored PDF, in the portal's language, from the
    templates ``receipts/email/<kind>_subject.txt`` and ``<kind>_message.txt``."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            kind: document,
            "code": grouped_code(document.verification_code),
            "verification_url": verification_url(document),
            "municipality_name": municipality_name(),
        }
        subject = render_to_string(f"receipts/email/{kind}_subject.txt", context)
        body = render_to_string(f"receipts/email/{kind}_message.txt", context)
    email = EmailMessage(" ".join(subject.split()), body, to=[to])
    with document.pdf.open("rb") as pdf:
        email.attach(pdf_filename(document), pdf.read(), "application/pdf")
    return email


def email_once(
    model: type[models.Model],
    pk: int,
    *,
    related: Sequence[str],
    kind: str,
    withheld: Callable[[models.Model], bool] | None = None,
) -> None:
    """Email the document, with its PDF, unless it was emailed already, has nowhere to go, or
    is ``withheld`` (asked once the row is locked, so a change that locks it too, a revocation,
    is either seen or comes after the mail).

    The row stays locked while the message is sent. A document without a verified address is not
    an error: the citizen finds it in the portal, and the sweep does not look for it again.
    """
    with transaction.atomic():
        document = (
            model.objects.select_for_update(of=("self",))
            .select_related("debtor", *related)
            .get(pk=pk)
        )
        if document.emailed_at is not None or (withheld is not None and withheld(document)):
            return
        address = verified_email(document.debtor)
        if address is None:
            return
        message(document, address, kind=kind).send()
        document.emailed_to = address
        document.emailed_at = timezone.now()
        document.save(update_fields=["emailed_to", "emailed_at"])
