"""Receipts (διπλότυπα είσπραξης): numbered, immutable snapshots of money applied to debts; and
certificates of no ΤΑΠ debt, numbered from the same counters, with the requests that await them.

A receipt holds its own copy of what was paid (payer, lines, amounts, channel), handed to it by
``payments.services``, so it reads the same whatever happens to the debts afterwards. It is never
edited nor deleted: a cancellation is a new reversing receipt in its own series. Only its
delivery (the rendered PDF, the email) is filled in later, by ``receipts.tasks``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debts.indexes import where_set
from debts.models import MONEY, Debtor, PaymentNotice, Property
from debts.states import StateMachine, StatusChange


class Series(models.TextChoices):
    """A numbering series: one per channel money comes through, and one for reversals.

    The channel values are ``payments.Channel``'s, so a payment's channel names its series.
    """

    BANK = "bank", _("Τράπεζα (RF μέσω ΔΙΑΣ)")
    CARD = "card", _("Κάρτα")
    COUNTER = "counter", _("Ταμείο του Δήμου")
    REVERSAL = "reversal", _("Ακυρωτικό")


class Tender(models.TextChoices):
    """What the payer handed over at the municipality's counter: the receipt says it, and the
    accounts office keeps the two apart (the cash box, the card acquirer's transfer)."""

    CASH = "cash", _("Μετρητά")
    POS = "pos", _("Κάρτα (POS)")


def payment_way(channel: str, tender: str = "") -> str:
    """How money came, as a receipt and the collections report name it: its channel, and at the
    counter what was handed over."""
    label = Series(channel).label
    return f"{label} — {Tender(tender).label}" if tender else str(label)


# What a receipt number is printed with, per series: «ΤΜ-2026/000123».
SERIES_PREFIX = {
    Series.BANK: "ΤΡ",
    Series.CARD: "ΚΡ",
    Series.COUNTER: "ΤΜ",
    Series.REVERSAL: "ΑΚ",
}


# The numbering series of certificates of no ΤΑΠ debt, beside the receipts' in the counters.
CERTIFICATE_SERIES = "tap"
CERTIFICATE_PREFIX = "ΒΤ"
COUNTER_SERIES = [*Series.choices, (CERTIFICATE_SERIES, _("Βεβαιώσεις μη οφειλής ΤΑΠ"))]


class ReceiptCounter(models.Model):
    """The last number taken in a series and year (of receipts, or of certificates).

    Taken and incremented in the transaction that issues the receipt (``receipts.services``), so
    the row lock serialises concurrent receipts of one series and a rolled-back receipt gives its
    number back: numbers are gapless and never repeat.
    """

    series = models.CharField(_("σειρά"), max_length=16, choices=COUNTER_SERIES)
    year = models.PositiveSmallIntegerField(_("έτος"))
    last_number = models.PositiveIntegerField(_("τελευταίος αριθμός"))

    class Meta:
        verbose_name = _("αρίθμηση αποδείξεων")
        verbose_name_plural = _("αριθμήσεις αποδείξεων")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="receiptcounter_series_year"),
        ]

    def __str__(self):
        prefix = SERIES_PREFIX.get(self.series, CERTIFICATE_PREFIX)
        return f"{prefix}-{self.year}: {self.last_number}"


class IssuedDocument(models.Model):
    """A document the municipality issued (a receipt, a certificate): what it says never changes
    and it is never deleted; only its delivery (PDF, email) is filled in later."""

    DELIVERY_FIELDS = frozenset(
        {"pdf", "pdf_rendered_at", "emailed_to", "emailed_at", "delivery_requeued_at"}
    )
    # What staff are told when they try: each kind says how it is corrected instead.
    refused_change: str
    refused_deletion: str

    # When the sweep last queued its delivery again (``receipts.tasks.sweep_undelivered``).
    delivery_requeued_at = models.DateTimeField(
        _("αποστολή ξανά σε αναμονή"), null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            changed = kwargs.get("update_fields")
            if changed is None or not set(changed) <= self.DELIVERY_FIELDS:
                raise ValidationError(self.refused_change, "append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.refused_deletion, "append_only")


class Receipt(IssuedDocument):
    """A collection receipt, or a reversing one (series «reversal», negative amounts).

    ``lines`` is the snapshot of what was paid, one entry per debt, and per installment (or per
    revenue code of an installment whose settlement holds several): revenue code (ΚΑΕ) and name,
    description, period, principal and surcharge (amounts as decimal strings).
    """

    refused_change = _("Μια απόδειξη που εκδόθηκε δεν αλλάζει: εκδώστε ακυρωτική.")
    refused_deletion = _("Μια απόδειξη δεν διαγράφεται: εκδώστε ακυρωτική.")

    Series = Series

    series = models.CharField(_("σειρά"), max_length=16, choices=Series, editable=False)
    year = models.PositiveSmallIntegerField(_("έτος"), editable=False)
    number = models.PositiveIntegerField(_("αριθμός"), editable=False)
    verification_code = models.CharField(
        _("κωδικός επαλήθευσης"), max_length=16, unique=True, editable=False
    )
    debtor = models.ForeignKey(
        Debtor,
        models.PROTECT,
        related_name="receipts",
        verbose_name=_("οφειλέτης"),
        db_index=False,  # the index on (debtor, issued_at) serves it: one index fewer to write
    )
    payer_afm = models.CharField(_("ΑΦΜ"), max_length=9)
    payer_name = models.CharField(_("ονοματεπώνυμο ή επωνυμία"), max_length=300)
    channel = models.CharField(_("τρόπος πληρωμής"), max_length=16)
    channel_label = models.CharField(_("τρόπος πληρωμής (κείμενο)"), max_length=100)
    # At the counter, what was handed over; blank elsewhere, and for pooled payments of both.
    tender = models.CharField(
        _("μέσο στο ταμείο"), max_length=8, choices=Tender, blank=True, editable=False
    )
    # A payment's reference, or those of pooled payments joined (at most five of 100).
    channel_reference = models.CharField(_("αναφορά συναλλαγής"), max_length=520)
    received_at = models.DateTimeField(_("ημερομηνία είσπραξης"))
    issued_at = models.DateTimeField(_("εκδόθηκε"), default=timezone.now)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ταμίας"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    notice_rf = models.CharField(_("κωδικός RF"), max_length=25, blank=True)
    total = models.DecimalField(_("σύνολο"), **MONEY)
    lines = models.JSONField(_("γραμμές"))
    reverses = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("ακυρώνει την απόδειξη"),
    )
    reason = models.TextField(_("αιτιολογία"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="receipts/%Y/", blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF δημιουργήθηκε"), null=True, blank=True)
    emailed_to = models.EmailField(_("στάλθηκε στο"), blank=True)
    emailed_at = models.DateTimeField(_("στάλθηκε με email"), null=True, blank=True)

    class Meta:
        verbose_name = _("απόδειξη είσπραξης")
        verbose_name_plural = _("αποδείξεις είσπραξης")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["debtor", "issued_at"], name="receipt_debtor_issued"),
            # The delivery sweep, the day's receipts and the admin's dates read by issue time.
            models.Index(fields=["issued_at"], name="receipt_issued"),
            where_set("cashier", "receipt_cashier"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "number"], name="receipt_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="receipt_number_positive"),
            # A receipt takes money in; a reversing receipt gives exactly that back.
            models.CheckConstraint(
                condition=Q(series="reversal", reverses__isnull=False, total__lt=0)
                | (~Q(series="reversal") & Q(reverses__isnull=True, total__gt=0)),
                name="receipt_reversal_consistent",
            ),
            models.CheckConstraint(
                condition=Q(tender="") | Q(channel="counter", tender__in=Tender.values),
                name="receipt_tender_at_counter",
            ),
        ]
        permissions = [("view_cash_day", _("Μπορεί να δει το ταμείο της ημέρας"))]

    def __str__(self):
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{SERIES_PREFIX[self.series]}-{self.year}/{self.number:06d}"

    @property
    def is_reversal(self) -> bool:
        return self.series == Series.REVERSAL

    @property
    def masked_payer(self) -> str:
        """What the public verification page shows of the payer: initials only."""
        return masked_name(self.payer_name)

    @property
    def line_amounts(self) -> list[dict]:
        """The lines with their amounts as ``Decimal``; ``interest``, a settlement's, is 0 on a
        line that has none (``receipts.services.ReceiptLine``)."""
        return [line_amounts(line) for line in self.lines]

    @property
    def has_interest(self) -> bool:
        return any("interest" in line for line in self.lines)


def line_amounts(line: dict) -> dict:
    """A receipt's line with its amounts as ``Decimal`` and their sum as ``amount``."""
    principal, surcharge = Decimal(line["principal"]), Decimal(line["surcharge"])
    interest = Decimal(line.get("interest", "0.00"))
    return {
        **line,
        "principal": principal,
        "surcharge": surcharge,
        "interest": interest,
        "amount": principal + surcharge + interest,
    }


def masked_name(name: str) -> str:
    """What a public verification page shows of a person: initials only."""
    return " ".join(f"{word[0]}{'*' * (len(word) - 1)}" for word in name.split())


class CertificateRequestChange(StatusChange):
    request = models.ForeignKey("CertificateRequest", models.PROTECT, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης αίτησης βεβαίωσης")
        verbose_name_plural = _("αλλαγές κατάστασης αιτήσεων βεβαίωσης")


class CertificateRequest(models.Model):
    """A request for a certificate of no ΤΑΠ debt for a property that still owes some: it waits
    on the notice that pays what is owed, and becomes a certificate when that notice is paid,
    through any channel (``receipts.certificates.issue_awaiting_certificates``)."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Αναμένει πληρωμή")
        ISSUED = "issued", _("Εκδόθηκε")
        # Its notice expired or was cancelled and the request was made again, or it was paid
        # while the property came to owe more ΤΑΠ meanwhile.
        LAPSED = "lapsed", _("Έπαυσε")

    states = StateMachine(
        {Status.AWAITING: {Status.ISSUED, Status.LAPSED}},
        record=CertificateRequestChange,
        owner_field="request",
    )

    debtor = models.ForeignKey(
        Debtor, models.PROTECT, related_name="certificate_requests", verbose_name=_("οφειλέτης")
    )
    tap_property = models.ForeignKey(
        Property, models.PROTECT, related_name="certificate_requests", verbose_name=_("ακίνητο")
    )
    notice = models.ForeignKey(
        PaymentNotice,
        models.PROTECT,
        related_name="certificate_requests",
        verbose_name=_("ειδοποιητήριο"),
    )
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.AWAITING, editable=False
    )
    requested_at = models.DateTimeField(_("υποβλήθηκε"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("από"),
    )
    # The one-time token of the form that made it: that form sent again gets this request.
    form_token = models.UUIDField(_("κωδικός φόρμας"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("αίτηση βεβαίωσης μη οφειλής ΤΑΠ")
        verbose_name_plural = _("αιτήσεις βεβαίωσης μη οφειλής ΤΑΠ")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "tap_property"],
                condition=Q(status="awaiting"),
                name="certificaterequest_one_awaiting_per_property",
            ),
            models.UniqueConstraint(
                fields=["form_token"],
                condition=Q(form_token__isnull=False),
                name="certificaterequest_form_token_unique",
            ),
        ]

    def __str__(self):
        return f"{self.tap_property} · {self.get_status_display()}"


class Certificate(IssuedDocument):
    """A certificate of no ΤΑΠ debt (βεβαίωση μη οφειλής ΤΑΠ): numbered per year without gaps,
    an immutable snapshot of holder and property on the day of issue. Never edited nor deleted;
    one issued in error is revoked by a ``CertificateRevocation``, which its verification page
    shows. Only its delivery (PDF, email) is filled in later, by ``receipts.tasks``."""

    refused_change = _("Μια βεβαίωση που εκδόθηκε δεν αλλάζει: ανακαλέστε την.")
    refused_deletion = _("Μια βεβαίωση δεν διαγράφεται: ανακαλέστε την.")

    year = models.PositiveSmallIntegerField(_("έτος"), editable=False)
    number = models.PositiveIntegerField(_("αριθμός"), editable=False)
    verification_code = models.CharField(
        _("κωδικός επαλήθευσης"), max_length=16, unique=True, editable=False
    )
    debtor = models.ForeignKey(
        Debtor, models.PROTECT, related_name="certificates", verbose_name=_("οφειλέτης")
    )
    tap_property = models.ForeignKey(
        Property, models.PROTECT, related_name="certificates", verbose_name=_("ακίνητο")
    )
    # The request it answers, when the property owed at first: one certificate per request,
    # however many payments of its notice race (the database refuses a second).
    request = models.OneToOneField(
        CertificateRequest,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate",
        verbose_name=_("αίτηση"),
    )
    holder_afm = models.CharField(_("ΑΦΜ"), max_length=9)
    holder_name = models.CharField(_("ονοματεπώνυμο ή επωνυμία"), max_length=300)
    property_address = models.CharField(_("διεύθυνση ακινήτου"), max_length=300)
    property_kaek = models.CharField(_("ΚΑΕΚ"), max_length=24, blank=True)
    property_supply_number = models.CharField(_("αριθμός παροχής ρεύματος"), max_length=12)
    property_area = models.DecimalField(_("επιφάνεια (τ.μ.)"), max_digits=9, decimal_places=2)
    property_share = models.DecimalField(
        _("ποσοστό συνιδιοκτησίας (%)"), max_digits=5, decimal_places=2
    )
    issued_at = models.DateTimeField(_("εκδόθηκε"), default=timezone.now)
    valid_until = models.DateField(_("ισχύει έως"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("εκδόθηκε από"),
    )
    # The one-time token of the form that asked for it, when issued at once: that form sent
    # again (a double click) gets this certificate, not the next number.
    form_token = models.UUIDField(_("κωδικός φόρμας"), null=True, blank=True, editable=False)
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/", blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF δημιουργήθηκε"), null=True, blank=True)
    emailed_to = models.EmailField(_("στάλθηκε στο"), blank=True)
    emailed_at = models.DateTimeField(_("στάλθηκε με email"), null=True, blank=True)

    class Meta:
        verbose_name = _("βεβαίωση μη οφειλής ΤΑΠ")
        verbose_name_plural = _("βεβαιώσεις μη οφειλής ΤΑΠ")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["debtor", "issued_at"], name="certificate_debtor_issued"),
            models.Index(fields=["issued_at"], name="certificate_issued"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="certificate_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="certificate_number_positive"),
            models.UniqueConstraint(
                fields=["form_token"],
                condition=Q(form_token__isnull=False),
                name="certificate_form_token_unique",
            ),
        ]
        # Staff never add one as a form would: they issue by the rule, or revoke with a reason.
        permissions = [
            ("issue_certificate", _("Μπορεί να εκδώσει βεβαίωση μη οφειλής ΤΑΠ")),
            ("revoke_certificate", _("Μπορεί να ανακαλέσει βεβαίωση μη οφειλής ΤΑΠ")),
        ]

    def __str__(self):
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{CERTIFICATE_PREFIX}-{self.year}/{self.number:06d}"

    @property
    def masked_holder(self) -> str:
        return masked_name(self.holder_name)

    @property
    def revocation_or_none(self):
        try:
            return self.revocation
        except CertificateRevocation.DoesNotExist:
            return None


class CertificateRevocation(models.Model):
    """The revocation of a certificate issued in error: who, when and why. Never edited."""

    certificate = models.OneToOneField(
        Certificate, models.PROTECT, related_name="revocation", verbose_name=_("βεβαίωση")
    )
    revoked_at = models.DateTimeField(_("ανακλήθηκε"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("ανακλήθηκε από"),
    )
    reason = models.TextField(_("αιτιολογία"))

    class Meta:
        verbose_name = _("ανάκληση βεβαίωσης")
        verbose_name_plural = _("ανακλήσεις βεβαιώσεων")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="revocation_has_reason"),
        ]

    def __str__(self):
        return f"{self.certificate}: {self.reason}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Μια ανάκληση δεν αλλάζει."), "append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Μια ανάκληση δεν διαγράφεται."), "append_only")
