"""Receipts in the staff admin: found by number, ΑΦΜ or verification code, read, never changed.

A receipt is issued by ``receipts.services`` in the payment's transaction and cancelled only by a
reversing receipt, so the admin neither adds, edits nor deletes one. Its PDF is served by a view
of the admin, to staff who may view receipts: the files are not published under a media URL.
"""

import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from debts.admin import NameSearchMixin, ReadOnlyMixin

from .models import SERIES_PREFIX, Receipt
from .pdf import pdf_filename, pdf_response
from .services import CODE_LENGTH
from .verification import grouped_code, normalise_code

# «ΚΡ-2026/000123», «2026/123» or «123», the prefix also typed in Latin look-alikes (KP, TM).
DISPLAY_NUMBER = re.compile(r"(?:(?P<prefix>\w{2})-)?(?:(?P<year>\d{4})/)?(?P<number>\d{1,9})")
LATIN_LOOK_ALIKES = str.maketrans("ATKMP", "ΑΤΚΜΡ")
SERIES_OF_PREFIX = {prefix: series for series, prefix in SERIES_PREFIX.items()}


def number_lookup(term: str) -> dict | None:
    """The fields a receipt number typed as ``term`` names, or None if it names none."""
    match = DISPLAY_NUMBER.fullmatch(term)
    if not match:
        return None
    lookup = {"number": int(match["number"])}
    if match["year"]:
        lookup["year"] = int(match["year"])
    if match["prefix"]:
        series = SERIES_OF_PREFIX.get(match["prefix"].upper().translate(LATIN_LOOK_ALIKES))
        if series is None:
            return None
        lookup["series"] = series
    return lookup


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, NameSearchMixin, admin.ModelAdmin):
    list_display = ("display_number", "issued_at", "payer", "channel_label", "total", "pdf_link")
    list_filter = ("series", "year", "channel")
    search_fields = ("=payer_afm", "payer_name")
    search_help_text = _("Αριθμός απόδειξης, ΑΦΜ, ονοματεπώνυμο ή κωδικός επαλήθευσης")
    date_hierarchy = "issued_at"
    fields = (
        "display_number",
        "issued_at",
        "payer_name",
        "payer_afm",
        "debtor",
        "channel_label",
        "channel_reference",
        "notice_rf",
        "received_at",
        "cashier",
        "total",
        "lines_table",
        "reverses",
        "reversed_by_link",
        "reason",
        "verification",
        "pdf_link",
        "pdf_rendered_at",
        "emailed_to",
        "emailed_at",
    )
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        lookup = number_lookup(term)
        if lookup:
            results |= queryset.filter(**lookup)
        code = normalise_code(term)
        if len(code) == CODE_LENGTH:
            results |= queryset.filter(verification_code=code)
        return results, may_have_duplicates

    @admin.display(description=_("αριθμός"), ordering="number")
    def display_number(self, receipt):
        return receipt.display_number

    @admin.display(description=_("πληρωτής"), ordering="payer_name")
    def payer(self, receipt):
        return f"{receipt.payer_name} ({receipt.payer_afm})"

    @admin.display(description=_("PDF"))
    def pdf_link(self, receipt):
        url = reverse(f"{self.admin_site.name}:receipts_receipt_pdf", args=[receipt.pk])
        return format_html('<a href="{}">{}</a>', url, pdf_filename(receipt))

    @admin.display(description=_("γραμμές"))
    def lines_table(self, receipt):
        """What was paid, one row a line, as the printed receipt lists it."""
        headers = (_("ΚΑΕ"), _("Είδος εσόδου"), _("Περιγραφή"), _("Περίοδος"))
        amounts = (_("Κεφάλαιο"), _("Προσαυξήσεις"), _("Ποσό"))
        right = ' style="text-align: right"'
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            + f"<td{right}>{{}}</td>" * 3
            + "</tr>",
            (
                (
                    line["revenue_code"],
                    line["revenue_name"],
                    line["description"],
                    line["period"],
                    *(number_format(line[key], 2) for key in ("principal", "surcharge", "amount")),
                )
                for line in receipt.line_amounts
            ),
        )
        return format_html(
            "<table><thead><tr>{}{}</tr></thead><tbody>{}</tbody></table>",
            format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers)),
            format_html_join("", f'<th scope="col"{right}>{{}}</th>', ((h,) for h in amounts)),
            rows,
        )

    @admin.display(description=_("ακυρώθηκε με"))
    def reversed_by_link(self, receipt):
        try:
            reversal = receipt.reversed_by
        except Receipt.reversed_by.RelatedObjectDoesNotExist:
            return "-"
        url = reverse(f"{self.admin_site.name}:receipts_receipt_change", args=[reversal.pk])
        return format_html('<a href="{}">{}</a>', url, reversal.display_number)

    @admin.display(description=_("κωδικός επαλήθευσης"))
    def verification(self, receipt):
        url = reverse("receipts:verify", args=[receipt.verification_code])
        return format_html('<a href="{}">{}</a>', url, grouped_code(receipt.verification_code))

    def get_urls(self):
        pdf = path(
            "<int:pk>/pdf/",
            self.admin_site.admin_view(self.pdf_view),
            name="receipts_receipt_pdf",
        )
        return [pdf, *super().get_urls()]

    def pdf_view(self, request, pk):
        """The receipt's kept PDF, rendered now if the worker has not yet."""
        receipt = get_object_or_404(Receipt, pk=pk)
        if not self.has_view_permission(request, receipt):
            raise PermissionDenied
        return pdf_response(receipt)
