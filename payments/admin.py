"""Payments in the staff admin: read by everyone with the right, written only by services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from debts.admin import ReadOnlyMixin, RfSearchMixin

from .models import Payment


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, RfSearchMixin, admin.ModelAdmin):
    rf_lookup = "notice__rf_code"

    list_display = ("received_at", "channel", "amount", "notice", "debtor", "reference")
    list_filter = ("channel",)
    list_select_related = ("notice__debtor",)
    search_fields = ("reference", "=notice__debtor__afm")
    date_hierarchy = "received_at"
    fields = (
        "notice",
        "channel",
        "amount",
        "received_at",
        "reference",
        "recorded_at",
        "recorded_by",
    )

    @admin.display(description=_("οφειλέτης"))
    def debtor(self, payment):
        return payment.notice.debtor
