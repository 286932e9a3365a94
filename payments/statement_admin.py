"""The bank statements in the admin, read only: each file imported, and each of its entries with
the payment it became, so finance can trace a line of the bank's statement to its receipt or to
the queue of unapplied money, and back; and the credits known as the municipality's own
transfers, to match against the card gateway's payouts and the counter's deposits."""

from django.contrib import admin
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from debts.admin import ReadOnlyMixin

from .models import OwnTransfer
from .statement_models import BankStatement, StatementEntry


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "imported_at",
        "file_name",
        "format",
        "version",
        "entry_count",
        "credited",
        "opening_balance",
        "closing_balance",
        "entries_link",
    )
    list_filter = ("format",)
    search_fields = ("file_name", "message_id", "file_sha256")
    date_hierarchy = "imported_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                entry_count=Count("entries"),
                credited=Sum("entries__amount", filter=Q(entries__credit=True)),
            )
        )

    @admin.display(description=_("κινήσεις"), ordering="entry_count")
    def entry_count(self, statement):
        return statement.entry_count

    @admin.display(description=_("πιστώσεις (€)"), ordering="credited")
    def credited(self, statement):
        return statement.credited

    @admin.display(description="")
    def entries_link(self, statement):
        url = reverse("admin:payments_statemententry_changelist")
        return format_html(
            '<a href="{}?statement__id__exact={}">{}</a>', url, statement.pk, _("Κινήσεις")
        )


@admin.register(StatementEntry)
class StatementEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "booked_on",
        "kind",
        "amount",
        "named_reference",
        "payer",
        "bank_reference",
        "payment_link",
    )
    list_filter = ("kind", "credit", "booked_on")
    list_select_related = ("payment",)
    search_fields = ("named_reference", "bank_reference", "transaction_id", "payer", "remittance")
    search_help_text = _("RF, αναφορά τράπεζας, αναγνωριστικό συναλλαγής, πληρωτής ή αιτιολογία")

    @admin.display(description=_("πληρωμή"), ordering="payment")
    def payment_link(self, entry):
        if entry.payment_id is None:
            return "—"
        url = reverse("admin:payments_payment_change", args=[entry.payment_id])
        return format_html('<a href="{}">{}</a>', url, entry.payment)


@admin.register(OwnTransfer)
class OwnTransferAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The credits finance took off the queue as the municipality's own money, by kind and day:
    a month's card payouts add up against the gateway's, the cash deposits against the cash
    days."""

    list_display = ("at", "kind", "amount", "note", "actor", "payment_link")
    list_filter = ("kind",)
    list_select_related = ("payment", "actor")
    search_fields = ("note", "payment__reference", "payment__payer")
    search_help_text = _("Σημείωση, αναφορά τράπεζας ή πληρωτής")
    date_hierarchy = "at"

    @admin.display(description=_("πληρωμή"), ordering="payment")
    def payment_link(self, transfer):
        url = reverse("admin:payments_payment_change", args=[transfer.payment_id])
        return format_html('<a href="{}">{}</a>', url, transfer.payment)
