"""Receipts and certificates of no ΤΑΠ debt in the staff admin: found by number, ΑΦΜ or
verification code, read, never changed; certificates issued by the rule and revoked with a reason.

A receipt is issued by ``receipts.services`` in the payment's transaction and cancelled only by a
reversing receipt, so the admin neither adds, edits nor deletes one. Its PDF is served by a view
of the admin, to staff who may view receipts: the files are not published under a media URL.
"""

import re
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from debts.admin import AfmSearchMixin, NameSearchMixin, ReadOnlyMixin
from debts.models import PaymentNotice, Property
from debts.tap import TAP_RULE
from debts.validators import normalize_afm

from . import certificate_pdf
from .certificates import request_certificate, revoke_certificate
from .documents import pdf_filename
from .models import SERIES_PREFIX, Certificate, CertificateRequest, Receipt
from .pdf import pdf_response
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
class ReceiptAdmin(ReadOnlyMixin, AfmSearchMixin, NameSearchMixin, admin.ModelAdmin):
    afm_lookup = "payer_afm"
    list_display = ("display_number", "issued_at", "payer", "channel_label", "total", "pdf_link")
    list_filter = ("series", "year", "channel", "tender")
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
        keys = ["principal", "surcharge", "amount"]
        amounts = [_("Κεφάλαιο"), _("Προσαυξήσεις"), _("Ποσό")]
        if receipt.has_interest:
            keys.insert(2, "interest")
            amounts.insert(2, _("Τόκοι ρύθμισης"))
        right = ' style="text-align: right"'
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            + f"<td{right}>{{}}</td>" * len(keys)
            + "</tr>",
            (
                (
                    line["revenue_code"],
                    line["revenue_name"],
                    line["description"],
                    line["period"],
                    *(number_format(line[key], 2) for key in keys),
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


# --- Certificates of no ΤΑΠ debt ---------------------------------------------------------------

ISSUE_CERTIFICATE = "receipts.issue_certificate"
REVOKE_CERTIFICATE = "receipts.revoke_certificate"
# A form without its token: a page opened before tokens were rendered, or tampered with.
STALE_FORM = _("Η φόρμα δεν ισχύει πια: υποβάλετέ την ξανά.")


class CertificateIssueForm(forms.Form):
    """The debtor and property, and the one-time token of the page the form was sent from
    (``form_token``): that page sent twice gets the first certificate, not a second number.
    The page renders a new token each time it is shown (``CertificateAdmin.issue_view``)."""

    # As the debtor's own form takes it: «EL 068 933 130» too.
    afm = forms.CharField(label=_("ΑΦΜ οφειλέτη"), max_length=20)
    supply_number = forms.CharField(label=_("Αριθμός παροχής ρεύματος του ακινήτου"), max_length=20)
    form_token = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )

    def clean(self):
        """The debtor's property named by its supply number (spaces and hyphens aside)."""
        data = super().clean()
        afm, supply = data.get("afm", ""), data.get("supply_number", "")
        supply = "".join(ch for ch in supply if ch.isdigit())
        found = Property.objects.select_related("debtor").filter(
            debtor__afm=normalize_afm(afm), supply_number=supply
        )
        data["property"] = found.first()
        if data["property"] is None:
            raise forms.ValidationError(
                _("Δεν βρέθηκε ακίνητο με αυτή την παροχή στον οφειλέτη με αυτόν τον ΑΦΜ.")
            )
        return data


class CertificateRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Αιτιολογία ανάκλησης"), widget=forms.Textarea)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyMixin, AfmSearchMixin, NameSearchMixin, admin.ModelAdmin):
    """Certificates are issued by the rule (``receipts.certificates``), never typed in: the
    cashier's «issue» page asks for the debtor and property and applies it; a certificate issued
    in error is revoked, with the reason, never edited."""

    afm_lookup = "holder_afm"

    change_list_template = "admin/receipts/certificate/change_list.html"
    change_form_template = "admin/receipts/certificate/change_form.html"
    list_display = (
        "display_number",
        "issued_at",
        "holder",
        "property_address",
        "valid_until",
        "revoked",
    )
    list_filter = ("year", ("revocation", admin.EmptyFieldListFilter))
    list_select_related = ("revocation",)
    search_fields = ("=holder_afm", "holder_name", "=property_supply_number", "property_kaek")
    search_help_text = _("ΑΦΜ, ονοματεπώνυμο, παροχή, ΚΑΕΚ ή κωδικός επαλήθευσης")
    date_hierarchy = "issued_at"
    fields = (
        "display_number",
        "issued_at",
        "valid_until",
        "holder_name",
        "holder_afm",
        "debtor",
        "property_address",
        "property_supply_number",
        "property_kaek",
        "property_area",
        "property_share",
        "request",
        "issued_by",
        "revocation_text",
        "verification",
        "emailed_to",
        "emailed_at",
    )
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        code = normalise_code(search_term)
        if len(code) == CODE_LENGTH:
            results |= queryset.filter(verification_code=code)
        return results, may_have_duplicates

    @admin.display(description=_("αριθμός"), ordering="number")
    def display_number(self, certificate):
        return certificate.display_number

    @admin.display(description=_("δικαιούχος"), ordering="holder_name")
    def holder(self, certificate):
        return f"{certificate.holder_name} ({certificate.holder_afm})"

    @admin.display(description=_("ανακλήθηκε"), boolean=True)
    def revoked(self, certificate):
        return certificate.revocation_or_none is not None

    @admin.display(description=_("ανάκληση"))
    def revocation_text(self, certificate):
        revocation = certificate.revocation_or_none
        if revocation is None:
            return "-"
        return _("%(when)s από %(who)s: %(reason)s") % {
            "when": date_format(timezone.localtime(revocation.revoked_at), "SHORT_DATETIME_FORMAT"),
            "who": revocation.revoked_by,
            "reason": revocation.reason,
        }

    @admin.display(description=_("κωδικός επαλήθευσης"))
    def verification(self, certificate):
        url = reverse("receipts:verify", args=[certificate.verification_code])
        return format_html('<a href="{}">{}</a>', url, grouped_code(certificate.verification_code))

    def changelist_view(self, request, extra_context=None):
        context = {"may_issue": request.user.has_perm(ISSUE_CERTIFICATE), **(extra_context or {})}
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        certificate = self.get_object(request, unquote(object_id))
        context = {
            "may_revoke": certificate is not None
            and certificate.revocation_or_none is None
            and request.user.has_perm(REVOKE_CERTIFICATE),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "receipts_certificate"
        return [
            path("issue/", view(self.issue_view), name=f"{name}_issue"),
            path("<int:pk>/pdf/", view(self.pdf_view), name=f"{name}_pdf"),
            path("<int:pk>/revoke/", view(self.revoke_view), name=f"{name}_revoke"),
            *super().get_urls(),
        ]

    def page(self, request, title, **context):
        return TemplateResponse(
            request,
            "admin/receipts/certificate/form_page.html",
            {**self.admin_site.each_context(request), "title": title, "opts": self.opts, **context},
        )

    def issue_view(self, request):
        """A cashier issues the certificate of a debtor's property, by the same rule as the
        citizen: issued now, or a notice of what is owed, which issues it when paid.

        Each showing of the page is a new form, with a new token: the page sent twice gets what
        it got first, and the page shown again (after an error) asks anew."""
        if not request.user.has_perm(ISSUE_CERTIFICATE):
            raise PermissionDenied
        form = CertificateIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            property = form.cleaned_data["property"]
            try:
                asked = request_certificate(
                    property.debtor,
                    property.pk,
                    requested_by=request.user,
                    origin=PaymentNotice.Origin.MUNICIPALITY,
                    form_token=form.cleaned_data["form_token"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if asked.certificate is not None:
                    self.message_user(
                        request,
                        _("Εκδόθηκε η βεβαίωση %(number)s.")
                        % {"number": asked.certificate.display_number},
                        messages.SUCCESS,
                    )
                    return redirect(
                        f"{self.admin_site.name}:receipts_certificate_change", asked.certificate.pk
                    )
                notice = asked.request.notice
                self.message_user(
                    request,
                    _(
                        "Για το ακίνητο οφείλεται ΤΑΠ: εισπράξτε το ειδοποιητήριο %(rf)s "
                        "(%(total)s €) και η βεβαίωση εκδίδεται με την πληρωμή του."
                    )
                    % {"rf": notice.formatted_rf, "total": number_format(notice.total, 2)},
                    messages.WARNING,
                )
                return redirect(
                    f"{self.admin_site.name}:payments_payment_counter_notice", notice.pk
                )
        return self.page(
            request,
            _("Έκδοση βεβαίωσης μη οφειλής ΤΑΠ"),
            form=form,
            form_token=uuid.uuid4(),
            rule=TAP_RULE,
            submit=_("Έκδοση"),
        )

    def revoke_view(self, request, pk):
        if not request.user.has_perm(REVOKE_CERTIFICATE):
            raise PermissionDenied
        certificate = get_object_or_404(Certificate, pk=pk)
        change_page = f"{self.admin_site.name}:receipts_certificate_change"
        if certificate.revocation_or_none is not None:  # the form sent again, a second click
            self.message_user(
                request,
                _("Η βεβαίωση %(number)s έχει ήδη ανακληθεί.") % {"number": certificate},
                messages.INFO,
            )
            return redirect(change_page, pk)
        form = CertificateRevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                revoke_certificate(
                    certificate, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as error:
                if error.code == "revoked":  # two clicks at once: the first revoked it
                    return self.revoke_view(request, pk)
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("Η βεβαίωση %(number)s ανακλήθηκε.") % {"number": certificate},
                    messages.SUCCESS,
                )
                return redirect(change_page, pk)
        return self.page(
            request,
            _("Ανάκληση της βεβαίωσης %(number)s") % {"number": certificate},
            form=form,
            certificate=certificate,
            submit=_("Ανάκληση"),
        )

    def pdf_view(self, request, pk):
        certificate = get_object_or_404(Certificate, pk=pk)
        if not self.has_view_permission(request, certificate):
            raise PermissionDenied
        return certificate_pdf.pdf_response(certificate)


@admin.register(CertificateRequest)
class CertificateRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("requested_at", "debtor", "tap_property", "notice", "status")
    list_filter = ("status",)
    list_select_related = ("debtor", "tap_property", "notice")
    search_fields = ("=debtor__afm", "=tap_property__supply_number")
