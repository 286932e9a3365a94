"""Emailing a receipt to its payer, or a certificate to its holder, once: the step after its PDF
(``receipts.pdf.stored_pdf``, ``receipts.certificate_pdf.stored_pdf``)."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from debts.models import Debtor
from debts.municipality import municipality_name

from . import certificate_pdf
from .models import Certificate, Receipt
from .pdf import pdf_filename
from .verification import grouped_code, verification_url


def verified_email(debtor: Debtor) -> str | None:
    """The address a receipt goes to: the debtor's account's verified one, the primary first.

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


def receipt_message(receipt: Receipt, to: str) -> EmailMessage:
    """The email carrying the receipt's stored PDF, in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "receipt": receipt,
            "code": grouped_code(receipt.verification_code),
            "verification_url": verification_url(receipt),
            "municipality_name": municipality_name(),
        }
        subject = render_to_string("receipts/email/receipt_subject.txt", context)
        body = render_to_string("receipts/email/receipt_message.txt", context)
    message = EmailMessage(" ".join(subject.split()), body, to=[to])
    with receipt.pdf.open("rb") as pdf:
        message.attach(pdf_filename(receipt), pdf.read(), "application/pdf")
    return message


def email_receipt(receipt_id: int) -> None:
    """Email the receipt, with its PDF, unless it was emailed already or has nowhere to go.

    The row stays locked while the message is sent, so a second delivery of the same receipt
    waits and then finds it sent. A receipt without a verified address is not an error: the
    citizen finds it in the portal, and the sweep does not look for it again.
    """
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("debtor", "reverses")
            .get(pk=receipt_id)
        )
        if receipt.emailed_at is not None:
            return
        address = verified_email(receipt.debtor)
        if address is None:
            return
        receipt_message(receipt, address).send()
        receipt.emailed_to = address
        receipt.emailed_at = timezone.now()
        receipt.save(update_fields=["emailed_to", "emailed_at"])


def certificate_message(certificate: Certificate, to: str) -> EmailMessage:
    """The email carrying the certificate's stored PDF, in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "certificate": certificate,
            "code": grouped_code(certificate.verification_code),
            "verification_url": verification_url(certificate),
            "municipality_name": municipality_name(),
        }
        subject = render_to_string("receipts/email/certificate_subject.txt", context)
        body = render_to_string("receipts/email/certificate_message.txt", context)
    message = EmailMessage(" ".join(subject.split()), body, to=[to])
    with certificate.pdf.open("rb") as pdf:
        message.attach(certificate_pdf.pdf_filename(certificate), pdf.read(), "application/pdf")
    return message


def email_certificate(certificate_id: int) -> None:
    """Email the certificate, with its PDF, once, as ``email_receipt`` emails a receipt."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("debtor")
            .get(pk=certificate_id)
        )
        if certificate.emailed_at is not None:
            return
        address = verified_email(certificate.debtor)
        if address is None:
            return
        certificate_message(certificate, address).send()
        certificate.emailed_to = address
        certificate.emailed_at = timezone.now()
        certificate.save(update_fields=["emailed_to", "emailed_at"])
