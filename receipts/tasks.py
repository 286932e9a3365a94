"""Rendering and emailing receipts after the commit that issued them, and the sweep that catches
what did not happen (the broker down at the commit, a worker gone with the task)."""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import certificate_pdf, documents, pdf
from .models import Certificate, Receipt

logger = logging.getLogger(__name__)

# Each step is done at most once whatever runs it (``receipts.documents``), so any failure (the
# mail server, the storage, the database) is retried, from about 5 s to 10 min apart; but not a
# document that is not there: it is queued only once committed, and never deleted.
RETRIED = {
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(dont_autoretry_for=(Receipt.DoesNotExist,), **RETRIED)
def deliver_receipt(receipt_id: int) -> None:
    """Render the receipt's PDF and email it; a repeat does neither twice.

    The PDF is committed before the email is sent: a mail server that fails does not cost the
    render, and the citizen can download the receipt meanwhile.
    """
    pdf.stored_pdf(receipt_id)
    documents.email_once(Receipt, receipt_id, related=("reverses",), kind="receipt")


def deliver_on_commit(receipt_ids: list[int]) -> None:
    """Queue the delivery of these receipts once the current transaction commits: one task for
    one receipt, one fan-out task for a batch (a bank file's thousands of receipts cost the
    commit one message, not one each). A broker down then loses nothing: the sweep finds
    receipts without a PDF or an email, and it is told in one line of the log (a bank file's
    fifty batches would otherwise bury the import's summary under fifty tracebacks).

    A function, not a ``functools.partial``: Django logs a failed robust hook by its
    ``__qualname__``, which a partial lacks, and the commit would raise after all.
    """
    receipt_ids = list(receipt_ids)

    def queue_delivery():
        try:
            if len(receipt_ids) == 1:
                deliver_receipt.delay(receipt_ids[0])
            else:
                deliver_receipts.delay(receipt_ids)
        except OperationalError as error:
            _not_queued(f"{len(receipt_ids)} receipt(s)", error)

    transaction.on_commit(queue_delivery, robust=True)


def _not_queued(what: str, error: OperationalError) -> None:
    logger.warning(
        "The delivery of %s was not queued, the broker unreachable (%s): the sweep will queue it.",
        what,
        error,
    )


@shared_task
def deliver_receipts(receipt_ids: list[int]) -> None:
    """Queue each receipt of a batch for its own delivery, retried on its own."""
    for receipt_id in receipt_ids:
        deliver_receipt.delay(receipt_id)


@shared_task(dont_autoretry_for=(Certificate.DoesNotExist,), **RETRIED)
def deliver_certificate(certificate_id: int) -> None:
    """Render the certificate's PDF and email it, as ``deliver_receipt`` does a receipt; one
    revoked before it went out (its mail delayed by an outage) is kept, not mailed: a revoked
    certificate must not reach anyone as a document that looks valid, and the portal shows it
    revoked."""
    certificate_pdf.stored_pdf(certificate_id)
    documents.email_once(
        Certificate, certificate_id, related=(), kind="certificate", withheld=_revoked
    )


def _revoked(certificate: Certificate) -> bool:
    """Read under the certificate's lock, which a revocation takes too: one revoked while the
    delivery ran is seen here, not mailed after."""
    return certificate.revocation_or_none is not None


def deliver_certificate_on_commit(certificate_id: int) -> None:
    """Queue the certificate's delivery once the current transaction commits."""

    def queue_delivery():
        try:
            deliver_certificate.delay(certificate_id)
        except OperationalError as error:
            _not_queued(f"certificate {certificate_id}", error)

    transaction.on_commit(queue_delivery, robust=True)


# The sweep looks back this far, no further: an outage is over long before, its scan stays
# small, and a citizen who verifies an address only now is not mailed years of receipts at once
# (they are in the portal).
SWEEP_WINDOW = timedelta(days=7)


def undelivered(now, model=Receipt):
    """Receipts (or certificates) issued between ``SWEEP_WINDOW`` and ``RECEIPT_SWEEP_AFTER``
    before ``now`` without a PDF, or not emailed though they have somewhere to go (a revoked
    certificate has none: ``deliver_certificate`` mails it no more)."""
    has_verified_address = Exists(
        EmailAddress.objects.filter(user_id=OuterRef("debtor__user_id"), verified=True)
    )
    to_mail = Q(has_verified_address, emailed_at__isnull=True)
    if model is Certificate:
        to_mail &= Q(revocation__isnull=True)
    return model.objects.filter(
        issued_at__lt=now - settings.RECEIPT_SWEEP_AFTER, issued_at__gte=now - SWEEP_WINDOW
    ).filter(Q(pdf="") | to_mail)


# A delivery queued is retried by its task for about 21 minutes (``RETRIED``'s backoffs): the
# sweep queues it again only once they are over. Queued again at every sweep (each 2 minutes),
# a mail server down for an hour would leave a bank file's thousands of receipts queued thirty
# times each, every copy retried eight times.
REQUEUE_AFTER = timedelta(minutes=30)


@shared_task
def sweep_undelivered() -> int:
    """Queue again each receipt and certificate left undelivered for ``RECEIPT_SWEEP_AFTER``,
    and not queued again by a sweep for ``REQUEUE_AFTER``; how many. Marked once queued: a
    broker down marks none, for the next sweep."""
    now = timezone.now()
    queued = 0
    for model, task in ((Receipt, deliver_receipt), (Certificate, deliver_certificate)):
        due = undelivered(now, model).exclude(delivery_requeued_at__gte=now - REQUEUE_AFTER)
        ids = list(due.order_by().values_list("pk", flat=True))
        for pk in ids:
            task.delay(pk)
        model.objects.filter(pk__in=ids).update(delivery_requeued_at=now)
        queued += len(ids)
    return queued
