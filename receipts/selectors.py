"""Reads shaped for the certificate pages, in a fixed number of queries."""

from django.utils import timezone

from debts.models import Debtor, PaymentNotice, Property
from debts.tap import debtor_properties, properties_owing_tap

from .models import Certificate, CertificateRequest


def properties_with_standing(debtor: Debtor) -> list[Property]:
    """The debtor's properties, each with ``owes_tap`` (the rule of ``debts.tap``) and
    ``awaiting``, its request waiting on a payment if there is one: on a notice still payable
    (one past its validity, swept or not, no longer waits on anything; asking again makes a new
    notice)."""
    properties = list(debtor_properties(debtor))
    owing = properties_owing_tap({p.pk for p in properties})
    awaiting = {
        request.tap_property_id: request
        for request in debtor.certificate_requests.filter(
            status=CertificateRequest.Status.AWAITING,
            notice__status=PaymentNotice.Status.OPEN,
            notice__valid_until__gte=timezone.localdate(),
        )
    }
    for property in properties:
        property.owes_tap = property.pk in owing
        property.awaiting = awaiting.get(property.pk)
    return properties


def certificates_issued_with(notice_id: int | None) -> list[Certificate]:
    """The certificates of no ΤΑΠ debt the payment of this notice issued: those of the requests
    that waited on it (``certificates.issue_awaiting_certificates``)."""
    if notice_id is None:
        return []
    return list(Certificate.objects.filter(request__notice=notice_id).order_by("pk"))
