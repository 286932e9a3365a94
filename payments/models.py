"""Money received: one append-only record per payment, whatever the channel it came through."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from debts.models import MONEY, PaymentNotice


class Channel(models.TextChoices):
    """The ways money reaches the municipality."""

    BANK = "bank", _("Τράπεζα (RF μέσω ΔΙΑΣ)")
    CARD = "card", _("Κάρτα")
    COUNTER = "counter", _("Ταμείο του Δήμου")


class Payment(models.Model):
    """A payment that settled a notice; never changed nor deleted once written (the database
    refuses it too: migration 0003).

    ``reference`` is the channel's own id for the money (the bank's transaction reference, the
    card gateway's payment id, the counter slip number); with the channel it is unique, which
    makes recording the same payment twice impossible, whichever entry point sees it again.
    """

    Channel = Channel

    notice = models.ForeignKey(
        PaymentNotice, models.PROTECT, related_name="payments", verbose_name=_("ειδοποιητήριο")
    )
    channel = models.CharField(_("τρόπος πληρωμής"), max_length=16, choices=Channel)
    amount = models.DecimalField(_("ποσό"), **MONEY)
    received_at = models.DateTimeField(_("ημερομηνία πληρωμής"))
    reference = models.CharField(_("αναφορά συναλλαγής"), max_length=100)
    recorded_at = models.DateTimeField(_("καταχωρίστηκε"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("καταχωρίστηκε από"),
    )

    class Meta:
        verbose_name = _("πληρωμή")
        verbose_name_plural = _("πληρωμές")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="payment_channel_known"
            ),
            models.UniqueConstraint(
                fields=["channel", "reference"], name="payment_reference_unique_per_channel"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.amount} € ({self.reference})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Μια πληρωμή που καταχωρίστηκε δεν αλλάζει."), "append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Μια πληρωμή που καταχωρίστηκε δεν διαγράφεται."), "append_only")
