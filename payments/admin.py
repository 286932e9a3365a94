"""Payments in the staff admin: read by everyone with the right, written only by services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from debts.admin import ReadOnlyMixin, rf_search_term

from .models import Payment


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
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

    def get_search_results(self, request, queryset, search_term):
        """Find a payment also by its notice's RF, however it was typed."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        rf = rf_search_term(search_term)
        if rf:
            results |= queryset.filter(notice__rf_code__startswith=rf)
        return results, may_have_duplicates
