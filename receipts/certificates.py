"""Certificates of no ΤΑΠ debt: asked for, issued at once or when the payment of what the
property owed is applied, and revoked when issued in error.

The rule is ``debts.tap``'s. A property that owes nothing gets its certificate at once; one that
owes gets a notice of exactly what it owes (its open ΤΑΠ debts and the open installments of the
settlements holding the rest) and a request waiting on it, which ``issue_awaiting_certificates``
turns into the certificate in the transaction that applies that notice's payment, whatever the
channel. Certificates are numbered from the receipts' counters (``reserve_numbers``), in their own
series, gapless per year; their PDF and email follow the commit, as a receipt's do.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from debts.models import Debtor, PaymentNotice, Property
from debts.selectors import open_notice_holding
from debts.services import build_notice, lock_debtor
from debts.tap import TapOwed, properties_owing_tap, tap_owed

from . import tasks
from .models import (
    CERTIFICATE_SERIES,
    Certificate,
    CertificateRequest,
    CertificateRevocation,
)
from .services import new_verification_code, reserve_numbers

Status = CertificateRequest.Status


@dataclass(frozen=True)
class Asked:
    """What asking gave: the certificate (issued at once, or since for the request), or the
    request waiting on its notice."""

    owed: TapOwed
    certificate: Certificate | None = None
    request: CertificateRequest | None = None


def request_certificate(
    debtor: Debtor,
    property_id: int,
    *,
    requested_by=None,
    origin=PaymentNotice.Origin.CITIZEN,
    form_token: UUID | None = None,
) -> Asked:
    """Ask for the certificate of one of ``debtor``'s properties, as the citizen or (``origin``
    municipality) a cashier: issued now if it owes no ΤΑΠ,
    else a request waiting on a notice of what it owes (the same one when asked again while it is
    payable). Refused, changing nothing, when the property is not the debtor's or what it owes
    cannot be paid by a notice (a settlement lost or cancelled: a person must look at it).

    ``form_token`` is the one-time token of the form that asked: that form sent again (a double
    click, a page sent again) gets what it got the first time, never a second number; asking
    again takes a new form."""
    with transaction.atomic():
        debtor = lock_debtor(debtor.pk)
        property = Property.objects.filter(debtor=debtor, pk=property_id).first()
        if property is None:
            raise ValidationError(_("Το ακίνητο δεν βρέθηκε στην καρτέλα σας."), "unknown_property")
        owed = tap_owed(property)
        if form_token is not None:
            answered = _answered(form_token, property, owed)
            if answered is not None:
                return answered
        if owed.is_clear:
            # A cashier is named on the certificate as its issuer; a citizen is its holder.
            issuer = requested_by if origin == PaymentNotice.Origin.MUNICIPALITY else None
            [certificate] = _issue(
                [(property, None)], debtor=debtor, issued_by=issuer, form_token=form_token
            )
            return Asked(owed=owed, certificate=certificate)
        waiting = (
            CertificateRequest.objects.select_for_update(of=("self",))
            .select_related("notice")
            .filter(debtor=debtor, tap_property=property, status=Status.AWAITING)
            .first()
        )
        if waiting is not None and waiting.notice.current_status == PaymentNotice.Status.OPEN:
            return Asked(owed=owed, request=waiting)
        if not owed.payable:
            raise ValidationError(
                _(
                    "Για το ακίνητο υπάρχει οφειλή ΤΑΠ σε ρύθμιση που δεν είναι σε ισχύ: "
                    "επικοινωνήστε με το Ταμείο του Δήμου."
                ),
                "settlement_not_running",
            )
        if waiting is not None:
            CertificateRequest.states.advance(
                waiting, Status.LAPSED, cause="asked again, its notice no longer payable"
            )
        notice = _notice_of(debtor, owed, created_by=requested_by, origin=origin)
        PaymentNotice.objects.filter(pk=notice.pk).update(awaited_by_certificate=True)
        notice.awaited_by_certificate = True
        request = CertificateRequest.objects.create(
            debtor=debtor,
            tap_property=property,
            notice=notice,
            requested_by=requested_by,
            form_token=form_token,
        )
        return Asked(owed=owed, request=request)


def _answered(form_token: UUID, property: Property, owed: TapOwed) -> Asked | None:
    """What the form of ``form_token`` got when it was sent before, or None if it was not: its
    certificate (issued at once, or since by the payment of its request's notice), else its
    request. Read under the debtor's lock, so a form sent twice at once is answered once; the
    same form sent for another property (its page gone back to and changed) is refused."""
    certificate = (
        Certificate.objects.filter(Q(form_token=form_token) | Q(request__form_token=form_token))
        .select_related("request")
        .first()
    )
    request = (
        certificate.request
        if certificate is not None
        else CertificateRequest.objects.filter(form_token=form_token).first()
    )
    earlier = certificate or request
    if earlier is None:
        return None
    if earlier.tap_property_id != property.pk:
        raise ValidationError(
            _("Η φόρμα αυτή υποβλήθηκε ήδη για άλλο ακίνητο: ζητήστε τη βεβαίωση από νέα φόρμα."),
            "form_used",
        )
    return Asked(owed=owed, certificate=certificate, request=request)


def _notice_of(debtor: Debtor, owed: TapOwed, *, created_by, origin) -> PaymentNotice:
    """A new notice of what the property owes, or the open one that holds it: exactly that, or
    that among the debtor's other debts (a roll's notice, sent by post, holds them until they
    fall due); the certificate then waits for that notice to be paid."""
    try:
        return build_notice(
            debtor,
            debts=owed.debts,
            installments=owed.installments,
            origin=origin,
            created_by=created_by,
        )
    except ValidationError as error:
        if error.code != "already_on_notice":
            raise
        held = open_notice_holding(
            debtor,
            debt_ids=[debt.pk for debt in owed.debts],
            installment_ids=[installment.pk for installment in owed.installments],
            exactly=False,
        )
        if held is None:
            raise
        return held


def issue_awaiting_certificates(notices: list[PaymentNotice]) -> list[Certificate]:
    """Issue the certificate of every request waiting on these notices, just paid, in the
    transaction that paid them; a request whose property still owes ΤΑΠ (a debt added since)
    lapses. A constant number of queries whatever the number of notices, and none when no
    request waits on them (``awaited_by_certificate``)."""
    awaited = [notice.pk for notice in notices if notice.awaited_by_certificate]
    if not awaited:
        return []
    requests = list(
        CertificateRequest.objects.select_for_update(of=("self",))
        .filter(notice__in=awaited, status=Status.AWAITING)
        .select_related("debtor", "tap_property")
        .order_by("pk")
    )
    if not requests:
        return []
    owing = properties_owing_tap({request.tap_property_id for request in requests})
    lapsed = [request for request in requests if request.tap_property_id in owing]
    clear = [request for request in requests if request.tap_property_id not in owing]
    CertificateRequest.states.advance_all(
        lapsed, Status.LAPSED, cause="its notice paid, but the property owes ΤΑΠ still"
    )
    CertificateRequest.states.advance_all(clear, Status.ISSUED, cause="its notice paid")
    return _issue([(request.tap_property, request) for request in clear], issued_by=None)


def _issue(
    pairs: list[tuple[Property, CertificateRequest | None]],
    *,
    debtor=None,
    issued_by,
    form_token: UUID | None = None,
) -> list[Certificate]:
    """Certificates for these properties, numbered next in the year, in the caller's
    transaction; their delivery queued for the commit. Each property's debtor is ``debtor``, or
    its request's; ``form_token`` is the asking form's, for one certificate issued at once."""
    if not pairs:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("certificates are numbered inside the issuing transaction")
    issued_at = timezone.now()
    today = timezone.localdate(issued_at)
    numbers = reserve_numbers(CERTIFICATE_SERIES, today.year, len(pairs))
    valid_until = today + timedelta(days=settings.TAP_CERTIFICATE_VALIDITY_DAYS)
    certificates = []
    for number, (property, request) in zip(numbers, pairs, strict=True):
        holder = debtor or request.debtor
        certificates.append(
            Certificate(
                year=today.year,
                number=number,
                verification_code=new_verification_code(),
                debtor=holder,
                tap_property=property,
                request=request,
                holder_afm=holder.afm,
                holder_name=holder.full_name,
                property_address=property.address,
                property_kaek=property.kaek,
                property_supply_number=property.supply_number,
                property_area=property.area,
                property_share=property.share,
                issued_at=issued_at,
                valid_until=valid_until,
                issued_by=issued_by,
                form_token=form_token,
            )
        )
    certificates = Certificate.objects.bulk_create(certificates)
    for certificate in certificates:
        tasks.deliver_certificate_on_commit(certificate.pk)
    return certificates


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, reason: str, actor) -> CertificateRevocation:
    """Record that ``certificate`` was issued in error: who, when, why. It stays kept, and its
    verification page says it is revoked."""
    if not reason.strip():
        raise ValidationError(_("Γράψτε την αιτιολογία της ανάκλησης."), "no_reason")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if CertificateRevocation.objects.filter(certificate=certificate).exists():
        raise ValidationError(
            _("Η βεβαίωση %(number)s έχει ήδη ανακληθεί.") % {"number": certificate},
            "revoked",
        )
    return CertificateRevocation.objects.create(
        certificate=certificate, reason=reason.strip(), revoked_by=actor
    )


def revoke_certificates_since(property_ids, since, *, reason: str, actor) -> list[Certificate]:
    """Revoke the certificates of these properties issued from ``since`` on and not revoked yet:
    a payment undone (its receipt reversed, a card refunded) leaves their ΤΑΠ owed again, so what
    they state stopped being true. They stay kept, and their verification page says so."""
    certificates = list(
        Certificate.objects.select_for_update(of=("self",))
        .filter(tap_property__in=property_ids, issued_at__gte=since, revocation__isnull=True)
        .order_by("pk")
    )
    CertificateRevocation.objects.bulk_create(
        CertificateRevocation(certificate=certificate, reason=reason, revoked_by=actor)
        for certificate in certificates
    )
    return certificates
