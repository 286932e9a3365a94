"""Bank statements as imported: the file, and each booked transaction in it with what it became.

An entry is keyed by the account, the bank's reference and the transaction's id within it, with a
unique constraint: the same file imported again, or a camt.053 after the camt.054 that already
carried its credits, adds nothing. A credit becomes a ``Payment`` (linked here); debits and
returns are recorded apart and never become payments.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debts.models import MONEY
from debts.money import euros


class BankStatement(models.Model):
    """One imported file: its format, the bank's message id and the totals it declared."""

    class Format(models.TextChoices):
        CAMT053 = "camt.053", "camt.053"
        CAMT054 = "camt.054", "camt.054"
        MT940 = "mt940", "MT940"

    format = models.CharField(_("μορφή"), max_length=8, choices=Format)
    version = models.CharField(_("έκδοση"), max_length=4, blank=True)
    message_id = models.CharField(_("αναγνωριστικό μηνύματος"), max_length=100, blank=True)
    file_name = models.CharField(_("αρχείο"), max_length=255)
    file_sha256 = models.CharField(_("αποτύπωμα αρχείου (SHA-256)"), max_length=64, unique=True)
    opening_balance = models.DecimalField(_("αρχικό υπόλοιπο"), null=True, blank=True, **MONEY)
    closing_balance = models.DecimalField(_("τελικό υπόλοιπο"), null=True, blank=True, **MONEY)
    imported_at = models.DateTimeField(_("εισήχθη"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("εισήχθη από"),
    )

    class Meta:
        verbose_name = _("αρχείο κινήσεων τράπεζας")
        verbose_name_plural = _("αρχεία κινήσεων τράπεζας")
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return f"{self.get_format_display()} {self.message_id or self.file_name}"


class StatementEntry(models.Model):
    """A booked transaction of a statement, and the payment a credit became."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Πίστωση (πληρωμή)")
        DEBIT = "debit", _("Χρέωση")
        RETURN = "return", _("Αντιλογισμός ή επιστροφή")

    statement = models.ForeignKey(
        BankStatement, models.PROTECT, related_name="entries", verbose_name=_("αρχείο")
    )
    account = models.CharField(_("λογαριασμός"), max_length=34)
    bank_reference = models.CharField(_("αναφορά τράπεζας"), max_length=100)
    transaction_id = models.CharField(_("αναγνωριστικό συναλλαγής"), max_length=100)
    kind = models.CharField(_("είδος"), max_length=8, choices=Kind)
    credit = models.BooleanField(_("πίστωση του λογαριασμού"))
    amount = models.DecimalField(_("ποσό"), **MONEY)
    booked_on = models.DateField(_("ημερομηνία λογιστικοποίησης"))
    value_on = models.DateField(_("ημερομηνία αξίας"), null=True, blank=True)
    named_reference = models.CharField(_("κωδικός RF του πληρωτή"), max_length=140, blank=True)
    remittance = models.CharField(_("αιτιολογία"), max_length=500, blank=True)
    payer = models.CharField(_("πληρωτής"), max_length=200, blank=True)
    payer_account = models.CharField(_("λογαριασμός πληρωτή"), max_length=34, blank=True)
    # What a camt entry held, as a key whatever else alike its file held
    # (``Transaction.content_key``): how an import finds an entry recorded under the bank's
    # reference again in a file that gives it none, for the same money (a camt.054 and the
    # day's camt.053). An MT940's lines hold none.
    content_key = models.CharField(_("κλειδί περιεχομένου"), max_length=36, blank=True)
    payment = models.OneToOneField(
        "payments.Payment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_entry",
        verbose_name=_("πληρωμή"),
    )

    class Meta:
        verbose_name = _("κίνηση τράπεζας")
        verbose_name_plural = _("κινήσεις τράπεζας")
        ordering = ["booked_on", "id"]
        indexes = [
            # The look-up of a transaction by the banks' own id, under whatever entry it came.
            models.Index(fields=["account", "transaction_id"], name="statemententry_by_bank_id"),
            # …and of an entry by what it held. Not partial (without MT940's lines, which hold
            # none): PostgreSQL proves a partial index's condition for ``= ANY`` of at most 100
            # values, and a batch looks up 2,000; it would read every entry instead.
            models.Index(fields=["account", "content_key"], name="statemententry_by_content"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "bank_reference", "transaction_id"],
                name="statemententry_once_per_bank_transaction",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="statemententry_amount_positive"
            ),
            # A credit paid in is a payment; a debit or a return never is.
            models.CheckConstraint(
                condition=Q(kind="payment", credit=True, payment__isnull=False)
                | (~Q(kind="payment") & Q(payment__isnull=True)),
                name="statemententry_payment_only_for_credits",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {euros(self.amount)} ({self.bank_reference})"
