"""Money received, and where every cent of it went.

A ``Payment`` records money that reached the municipality, whatever the channel; it is never
changed nor deleted (the database refuses it too: migration 0003). What became of the money is
told by append-only rows beside it, so that for every payment

    amount = Σ allocations + Σ unapplied entries + Σ returns + its own transfer

- ``Allocation``: money applied to a debt or an installment, principal and surcharge apart, each
  on the receipt that was issued for it (a reversal adds negative rows on the reversing receipt);
- ``UnappliedEntry``: money held for a person to resolve, with the reason (positive when it
  arrives or an application is reversed; negative when staff apply it or mark it for return);
- ``PaymentReturn``: money marked for return to the payer, and whether it has been returned;
- ``OwnTransfer``: a bank credit that was the municipality's own money moved into the account
  (the card gateway's payout, the counter's cash deposited), taken off the queue.

``manage.py check_ledger`` verifies this for every payment.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debts.indexes import where_set
from debts.models import MONEY, Debt, Debtor, Installment, PaymentNotice
from debts.money import euros, figures
from debts.states import StateMachine, StatusChange
from receipts.models import Tender


class Channel(models.TextChoices):
    """The ways money reaches the municipality (their values name the receipt series)."""

    BANK = "bank", _("Τράπεζα (RF μέσω ΔΙΑΣ)")
    CARD = "card", _("Κάρτα")
    COUNTER = "counter", _("Ταμείο του Δήμου")


class UnappliedReason(models.TextChoices):
    """Why money is held instead of applied, or what moved it in or out of the queue."""

    MALFORMED_REFERENCE = "malformed_reference", _("Μη έγκυρος κωδικός RF")
    NO_NOTICE = "no_notice", _("Δεν βρέθηκε ειδοποιητήριο")
    AMOUNT_SHORT = "amount_short", _("Ποσό μικρότερο από το σύνολο του ειδοποιητηρίου")
    AMOUNT_OVER = "amount_over", _("Ποσό μεγαλύτερο από το σύνολο του ειδοποιητηρίου")
    NOTICE_CANCELLED = "notice_cancelled", _("Το ειδοποιητήριο έχει ακυρωθεί")
    NOTICE_PAID = "notice_paid", _("Το ειδοποιητήριο έχει ήδη εξοφληθεί")
    LINE_CLOSED = "line_closed", _("Οφειλή του ειδοποιητηρίου εξοφλήθηκε ή ρυθμίστηκε στο μεταξύ")
    LINE_CORRECTED = "line_corrected", _("Οφειλή του ειδοποιητηρίου διορθώθηκε μετά την έκδοσή του")
    REVERSED = "reversed", _("Ακύρωση εξόφλησης")
    APPLIED = "applied", _("Εφαρμόστηκε από υπάλληλο")
    FOR_RETURN = "for_return", _("Προς επιστροφή")
    OWN_TRANSFER = "own_transfer", _("Χρήματα του Δήμου (δική του μεταφορά)")

    @classmethod
    def on_arrival(cls) -> list[str]:
        """The reasons money is held when it arrives (a list: a constraint's order is fixed)."""
        return [
            cls.MALFORMED_REFERENCE,
            cls.NO_NOTICE,
            cls.AMOUNT_SHORT,
            cls.AMOUNT_OVER,
            cls.NOTICE_CANCELLED,
            cls.NOTICE_PAID,
            cls.LINE_CLOSED,
            cls.LINE_CORRECTED,
        ]


class AppendOnly(models.Model):
    """A money record: written once, never changed nor deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Μια εγγραφή χρημάτων δεν αλλάζει."), "append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Μια εγγραφή χρημάτων δεν διαγράφεται."), "append_only")


class Payment(AppendOnly):
    """Money received, applied or not (the rows beside it say).

    ``reference`` is the channel's own id for the money (the bank's transaction reference, the
    card gateway's payment id, the counter slip number); with the channel it is unique, which
    makes recording the same money twice impossible, whichever entry point sees it again.
    ``named_reference`` is what the payer named (an RF, or the remittance text), kept as given.
    """

    Channel = Channel

    notice = models.ForeignKey(
        PaymentNotice,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("ειδοποιητήριο"),
    )
    debtor = models.ForeignKey(
        Debtor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("οφειλέτης"),
        db_index=False,  # the index on (debtor, received_at) serves it: one index fewer to write
    )
    channel = models.CharField(_("τρόπος πληρωμής"), max_length=16, choices=Channel)
    tender = models.CharField(_("μέσο στο ταμείο"), max_length=8, choices=Tender, blank=True)
    amount = models.DecimalField(_("ποσό"), **MONEY)
    received_at = models.DateTimeField(_("ημερομηνία πληρωμής"))
    reference = models.CharField(_("αναφορά συναλλαγής"), max_length=100)
    named_reference = models.CharField(_("αναφορά του πληρωτή"), max_length=140, blank=True)
    payer = models.CharField(_("πληρωτής (κατά το κανάλι)"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("καταχωρίστηκε"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("καταχωρίστηκε από"),
        db_index=False,  # indexed where set (Meta.indexes)
    )

    class Meta:
        verbose_name = _("πληρωμή")
        verbose_name_plural = _("πληρωμές")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["debtor", "received_at"], name="payment_debtor_received"),
            where_set("recorded_by", "payment_recorded_by"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="payment_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(tender="") | Q(channel="counter", tender__in=Tender.values),
                name="payment_tender_at_counter",
            ),
            models.UniqueConstraint(
                fields=["channel", "reference"], name="payment_reference_unique_per_channel"
            ),
        ]
        permissions = [
            ("take_counter_payment", _("Μπορεί να εισπράττει στο ταμείο")),
            ("resolve_unapplied", _("Μπορεί να διαθέτει ή να επιστρέφει αδιάθετα ποσά")),
            ("reverse_receipt", _("Μπορεί να ακυρώνει είσπραξη με ακυρωτική απόδειξη")),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {euros(self.amount)} ({self.reference})"


class Allocation(AppendOnly):
    """Money of a payment applied to one debt or installment, on the receipt issued for it.

    The amounts are the notice's frozen ones; a reversal is a negative row on the reversing
    receipt, never an edit.
    """

    payment = models.ForeignKey(
        Payment, models.PROTECT, related_name="allocations", verbose_name=_("πληρωμή")
    )
    receipt = models.ForeignKey(
        "receipts.Receipt",
        models.PROTECT,
        related_name="allocations",
        verbose_name=_("απόδειξη"),
    )
    notice = models.ForeignKey(
        PaymentNotice, models.PROTECT, related_name="+", verbose_name=_("ειδοποιητήριο")
    )
    debt = models.ForeignKey(
        Debt,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("οφειλή"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    installment = models.ForeignKey(
        Installment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("δόση"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    principal = models.DecimalField(_("κεφάλαιο"), **MONEY)
    surcharge = models.DecimalField(_("προσαυξήσεις"), **MONEY)
    at = models.DateTimeField(_("χρονική στιγμή"), default=timezone.now)

    class Meta:
        verbose_name = _("κατανομή πληρωμής")
        verbose_name_plural = _("κατανομές πληρωμών")
        ordering = ["at", "id"]
        indexes = [
            where_set("debt", "allocation_debt"),
            where_set("installment", "allocation_installment"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(debt__isnull=False, installment__isnull=True)
                | Q(debt__isnull=True, installment__isnull=False),
                name="allocation_debt_or_installment",
            ),
            # A line that pooled payments share (``services.Pooled``) may leave one of them
            # a part of its surcharge alone.
            models.CheckConstraint(
                condition=(
                    Q(principal__gte=0, surcharge__gte=0) | Q(principal__lte=0, surcharge__lte=0)
                )
                & ~Q(principal=0, surcharge=0),
                name="allocation_amounts_one_sign",
            ),
        ]

    def __str__(self):
        return (
            f"{figures(self.principal)} + {euros(self.surcharge)} → {self.debt or self.installment}"
        )

    @property
    def amount(self):
        return self.principal + self.surcharge


class UnappliedEntry(AppendOnly):
    """Money of a payment entering (positive) or leaving (negative) the queue of money that a
    person must resolve (applied, set aside for return, or known as the municipality's own
    transfer); the balance of a payment's entries is what it still holds."""

    Reason = UnappliedReason

    payment = models.ForeignKey(
        Payment, models.PROTECT, related_name="unapplied_entries", verbose_name=_("πληρωμή")
    )
    amount = models.DecimalField(_("ποσό"), **MONEY)
    reason = models.CharField(_("αιτία"), max_length=24, choices=UnappliedReason)
    notice = models.ForeignKey(
        PaymentNotice,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ειδοποιητήριο"),
    )
    note = models.TextField(_("σημείωση"), blank=True)
    at = models.DateTimeField(_("χρονική στιγμή"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("χρήστης"),
    )

    class Meta:
        verbose_name = _("κίνηση αδιάθετου ποσού")
        verbose_name_plural = _("κινήσεις αδιάθετων ποσών")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="unapplied_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, reason__in=[*UnappliedReason.on_arrival(), "reversed"])
                | Q(amount__lt=0, reason__in=["applied", "for_return", "own_transfer"]),
                name="unapplied_sign_matches_reason",
            ),
        ]

    def __str__(self):
        return f"{euros(self.amount)} ({self.get_reason_display()})"


class ReturnChange(StatusChange):
    payment_return = models.ForeignKey(
        "PaymentReturn", models.PROTECT, related_name="status_changes"
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης επιστροφής")
        verbose_name_plural = _("αλλαγές κατάστασης επιστροφών")


class PaymentReturnQuerySet(models.QuerySet):
    def to_record_by_hand(self):
        """Those a person records returned, with the transfer's or slip's reference: a card
        payment's only once the gateway refused it; the gateway refunds and records the rest."""
        card = Q(payment__channel=Channel.CARD)
        return self.filter(
            (Q(status=PaymentReturn.Status.REQUESTED) & ~card)
            | (Q(status=PaymentReturn.Status.REFUSED) & card)
        )

    def may_come_back(self):
        """Those recorded returned by a person (``to_record_by_hand``), whose money may come
        back: a transfer to a closed or mistyped account is credited back to the municipality.
        A card's refund that the gateway made is the gateway's to follow, not these."""
        refused = ReturnChange.objects.filter(
            payment_return=OuterRef("pk"), to_status=PaymentReturn.Status.REFUSED
        )
        return self.filter(status=PaymentReturn.Status.RETURNED).filter(
            ~Q(payment__channel=Channel.CARD) | Exists(refused)
        )


class PaymentReturn(models.Model):
    """Money marked for return to the payer: by hand for a bank transfer or cash, through the
    gateway for a card. Its amount never changes; only its status moves, and each move is
    recorded.

    A card's return the gateway refuses to refund (a disputed charge, a closed card), or whose
    refund fails after it was recorded, is ``REFUSED``: no longer sent, it waits for a person to
    return the money otherwise and record it, as for a bank transfer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Προς επιστροφή")
        REFUSED = "refused", _("Δεν επιστράφηκε στην κάρτα")
        RETURNED = "returned", _("Επιστράφηκε")

    states = StateMachine(
        {
            Status.REQUESTED: {Status.RETURNED, Status.REFUSED},
            Status.REFUSED: {Status.RETURNED},
            # A card's refund that failed after it was recorded; a return made by hand that came
            # back (a transfer to a closed or mistyped account): to return again.
            Status.RETURNED: {Status.REFUSED, Status.REQUESTED},
        },
        record=ReturnChange,
        owner_field="payment_return",
    )

    payment = models.ForeignKey(
        Payment, models.PROTECT, related_name="returns", verbose_name=_("πληρωμή")
    )
    amount = models.DecimalField(_("ποσό"), **MONEY)
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.REQUESTED, editable=False
    )
    reason = models.TextField(_("αιτιολογία"))
    requested_at = models.DateTimeField(_("ζητήθηκε"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ζητήθηκε από"),
    )
    return_reference = models.CharField(_("αναφορά επιστροφής"), max_length=100, blank=True)

    objects = PaymentReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("επιστροφή χρημάτων")
        verbose_name_plural = _("επιστροφές χρημάτων")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="return_amount_positive"),
        ]

    def __str__(self):
        return f"{euros(self.amount)} ({self.get_status_display()})"


class OwnTransfer(AppendOnly):
    """A bank credit that was the municipality's own money moving into the account it imports:
    the card gateway's payout of card payments, the counter's cash deposited at the bank, a
    transfer from another of its accounts. Their money is on receipts already (or is no one's
    debt): such a credit pays no notice and is returned to no one, so finance takes it off the
    queue, saying what it was. One per payment, the whole of it."""

    class Kind(models.TextChoices):
        GATEWAY_PAYOUT = "gateway_payout", _("Εκκαθάριση πληρωμών με κάρτα")
        CASH_DEPOSIT = "cash_deposit", _("Κατάθεση μετρητών του ταμείου")
        OWN_ACCOUNT = "own_account", _("Μεταφορά από άλλο λογαριασμό του Δήμου")

    payment = models.OneToOneField(
        Payment, models.PROTECT, related_name="own_transfer", verbose_name=_("πληρωμή")
    )
    amount = models.DecimalField(_("ποσό"), **MONEY)
    kind = models.CharField(_("είδος"), max_length=16, choices=Kind)
    note = models.TextField(_("σημείωση"))
    at = models.DateTimeField(_("χρονική στιγμή"), default=timezone.now)
    # Who said so; none when the import knew a card payout by the account it came from
    # (``CARD_PAYOUT_ACCOUNTS``).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("χρήστης"),
    )

    class Meta:
        verbose_name = _("μεταφορά χρημάτων του Δήμου")
        verbose_name_plural = _("μεταφορές χρημάτων του Δήμου")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="own_transfer_amount_positive"),
        ]

    def __str__(self):
        return f"{euros(self.amount)} ({self.get_kind_display()})"


class UnappliedPayment(Payment):
    """Finance's queue in the admin: the payments that still hold money for a person to
    resolve (apply, return, or know as the municipality's own transfer). A view of
    ``Payment``, with no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("αδιάθετο ποσό")
        verbose_name_plural = _("αδιάθετα ποσά")


# --- Card payments --------------------------------------------------------------------------


class CardAttemptChange(StatusChange):
    attempt = models.ForeignKey("CardAttempt", models.PROTECT, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης πληρωμής με κάρτα")
        verbose_name_plural = _("αλλαγές κατάστασης πληρωμών με κάρτα")


class CardAttempt(models.Model):
    """One try of a citizen to pay a notice by card: changeable, unlike the money it may bring
    (a ``Payment``, once the gateway says the card was charged).

    ``public_id`` is ours: in the citizen's URLs, the gateway's idempotency key and its metadata.
    ``intent_id`` is the gateway's PaymentIntent, unique, set when the card is submitted. At most
    one attempt per notice is live (created or pending): a second tab gets the same one.
    """

    class Status(models.TextChoices):
        CREATED = "created", _("Δημιουργήθηκε")
        PENDING = "pending", _("Σε επεξεργασία")
        SUCCEEDED = "succeeded", _("Πληρώθηκε")
        FAILED = "failed", _("Απορρίφθηκε")
        CANCELLED = "cancelled", _("Ακυρώθηκε")
        EXPIRED = "expired", _("Έληξε")

    LIVE = (Status.CREATED, Status.PENDING)
    # Money received wins (pretix's lesson): the gateway may report a charge after the portal
    # gave up on the attempt (declined then retried in the same intent, expired while 3-D Secure
    # was finishing); it is recorded, and refunded if the notice was paid meanwhile.
    states = StateMachine(
        {
            Status.CREATED: {Status.PENDING, Status.CANCELLED, Status.EXPIRED},
            Status.PENDING: {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.EXPIRED},
            Status.FAILED: {Status.SUCCEEDED},
            Status.CANCELLED: {Status.SUCCEEDED},
            Status.EXPIRED: {Status.SUCCEEDED},
        },
        record=CardAttemptChange,
        owner_field="attempt",
    )

    public_id = models.UUIDField(
        _("αναγνωριστικό"), default=uuid.uuid4, unique=True, editable=False
    )
    notice = models.ForeignKey(
        PaymentNotice,
        models.PROTECT,
        related_name="card_attempts",
        verbose_name=_("ειδοποιητήριο"),
    )
    debtor = models.ForeignKey(
        Debtor, models.PROTECT, related_name="card_attempts", verbose_name=_("οφειλέτης")
    )
    amount = models.DecimalField(_("ποσό"), **MONEY)
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.CREATED, editable=False
    )
    intent_id = models.CharField(
        _("αναγνωριστικό πληρωμής στην Stripe"), max_length=100, unique=True, null=True, blank=True
    )
    failure_code = models.CharField(_("κωδικός απόρριψης"), max_length=64, blank=True)
    # The gateway's fee for the charge, as reconcile_gateway found it in its balance.
    fee = models.DecimalField(_("προμήθεια"), null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(_("δημιουργήθηκε"), default=timezone.now)
    submitted_at = models.DateTimeField(_("υποβλήθηκε"), null=True, blank=True)
    payment = models.OneToOneField(
        Payment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="card_attempt",
        verbose_name=_("πληρωμή"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("χρήστης"),
    )

    class Meta:
        verbose_name = _("πληρωμή με κάρτα")
        verbose_name_plural = _("πληρωμές με κάρτα")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice"],
                condition=Q(status__in=["created", "pending"]),
                name="card_attempt_one_live_per_notice",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_attempt_amount_positive"),
            models.CheckConstraint(
                condition=Q(intent_id__isnull=False)
                | Q(status__in=["created", "cancelled", "expired"]),
                name="card_attempt_submitted_has_intent",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(payment__isnull=False),
                name="card_attempt_succeeded_has_payment",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="card_attempt_status")]
        permissions = [("refund_card_payment", _("Μπορεί να επιστρέφει πληρωμές με κάρτα"))]

    def __str__(self):
        return f"{self.notice.formatted_rf} {euros(self.amount)} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class GatewayEvent(models.Model):
    """Every event the gateway sent to the webhook, as received: the raw body, whether its
    signature held, and what processing it did. A signed event is processed once (its id is
    unique); an unsigned or forged one is kept with no id, never processed."""

    event_id = models.CharField(
        _("αναγνωριστικό συμβάντος"), max_length=100, unique=True, null=True
    )
    type = models.CharField(_("είδος"), max_length=100, blank=True)
    body = models.TextField(_("σώμα όπως ελήφθη"))
    signature_valid = models.BooleanField(_("έγκυρη υπογραφή"))
    received_at = models.DateTimeField(_("ελήφθη"), default=timezone.now)
    processed_at = models.DateTimeField(_("επεξεργάστηκε"), null=True, blank=True)
    result = models.CharField(_("αποτέλεσμα"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("συμβάν της Stripe")
        verbose_name_plural = _("συμβάντα της Stripe")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signature_valid=True, event_id__isnull=False)
                | Q(signature_valid=False, event_id__isnull=True, processed_at__isnull=True),
                name="gateway_event_processed_only_if_signed",
            ),
        ]

    def __str__(self):
        return f"{self.type or '?'} {self.event_id or ''}".strip()


# Bank statements live in their own module; imported here so Django registers them.
from .statement_models import BankStatement, StatementEntry  # noqa: E402, F401
