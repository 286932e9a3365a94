"""The staff admin of the receivables: the cashier's, the revenue department's and finance's.

The admin shows and edits data; every change of state goes through ``debts.services``. Money
records (debts, notices, settlements, their lines and status changes) are never deleted here, and
what a service owns (a status, a notice, a settlement's terms) is read-only. Every model with
audit history is shown with its history, which can be read but not reverted: a revert would
write an old row back past the state machines.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.text import smart_split
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .forms import DebtorAdminForm, SettlementTermsForm
from .models import (
    MAY_TAKE_DIAERESIS,
    AssessmentNote,
    CertificationRoll,
    Debt,
    DebtChange,
    Debtor,
    Installment,
    NoticeChange,
    NoticeItem,
    ParavoloType,
    PaymentNotice,
    Property,
    RevenueType,
    Settlement,
    SettlementChange,
    SettlementScheme,
    principal_before,
    registry_name,
)
from .notice_pdf import render_notice_pdf
from .rf import compact_rf
from .selectors import owed_today
from .templatetags.rf_codes import rf_groups
from .validators import afm_typed

#: Recorded as the cause of a notice cancelled from the admin (the actor is recorded with it).
ADMIN_CANCEL_CAUSE = "cancelled by staff in the admin"


def rf_search_term(search_term: str) -> str | None:
    """The compact RF a person meant by ``search_term`` ("rf18 5390 0754"), or None if no RF."""
    term = search_term.strip()
    if term[:2].upper() != "RF":
        return None
    return compact_rf(term)


class RfSearchMixin:
    """Also find a row by the RF at ``rf_lookup`` however it was typed (lower case, in groups of
    four); ``rf_many`` when that lookup crosses to many notices, so rows may repeat."""

    rf_lookup = "rf_code"
    rf_many = False

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        rf = rf_search_term(search_term)
        if rf:
            results |= queryset.filter(**{f"{self.rf_lookup}__startswith": rf})
            may_have_duplicates = may_have_duplicates or self.rf_many
        return results, may_have_duplicates


_WITH_DIAERESIS = {"Ι": "Ϊ", "Υ": "Ϋ"}
# At most this many such places are varied in a word of a term (2³ spellings, one query all
# the same).
_MOST_PLACES = 3


def _with_diaereses(term: str) -> list[str]:
    """The spellings of ``term`` (in capitals, a word of a search) with a diaeresis on any of its
    first places that may take one, the term as it is aside."""
    places = [found.start() for found in MAY_TAKE_DIAERESIS.finditer(term)][:_MOST_PLACES]
    spellings = []
    for chosen in range(1, 2 ** len(places)):
        letters = list(term)
        for bit, place in enumerate(places):
            if chosen >> bit & 1:
                letters[place] = _WITH_DIAERESIS[letters[place]]
        spellings.append("".join(letters))
    return spellings


class NameSearchMixin:
    """Search also in the registry form of the term (``registry_name``): SQLite folds only ASCII
    case, and no database folds Greek accents, while the names are kept in capitals without
    them, a word typed partly on the Latin keyboard in Greek letters, as the term is folded; and
    with the diaeresis a registry may write where the term has none (``_with_diaereses``)."""

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        registry_term = registry_name(search_term)
        # Each word with its own spellings, every word found (as the admin's search asks):
        # spellings of the whole term varied only its first places, which the ΟΥ and ΕΥ of
        # other words took («ΠΟΥΛΟΠΟΥΛΟΥ ΡΑΙΣΑ» never tried ΡΑΪΣΑ).
        words = [(word, _with_diaereses(word)) for word in smart_split(registry_term)]
        if registry_term == search_term and not any(spellings for _word, spellings in words):
            return results, may_have_duplicates
        found = None
        for word, spellings in words:
            of_word, may_repeat = super().get_search_results(request, queryset, word)
            for spelling in spellings:
                more, more_duplicates = super().get_search_results(request, queryset, spelling)
                of_word |= more
                may_repeat |= more_duplicates
            found = of_word if found is None else found & of_word
            may_have_duplicates |= may_repeat
        if found is not None:
            results |= found
        return results, may_have_duplicates


class AfmSearchMixin:
    """Also find a row by the ΑΦΜ at ``afm_lookup`` as people write it, and as the debtor's form
    takes it: with the EL prefix of a VAT number («EL 068933130»), with dashes or dots. The
    admin's search splits a term at spaces and wants every word matched, so «EL» found nothing."""

    afm_lookup = "afm"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        afm = afm_typed(search_term)
        if afm and afm != search_term.strip():
            results |= queryset.filter(**{self.afm_lookup: afm})
        return results, may_have_duplicates


class HistoryAdmin(SimpleHistoryAdmin):
    """Audit history that can be read, never reverted.

    simple-history's version page saves the whole old row on POST, status included, and checks
    only the view permission; so it is refused here whatever the settings say.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class LedgerTouchingMixin:
    """An admin whose saves change what debtors' overviews show: each save raises the ledger
    version of the debtors ``ledger_debtors`` names, as read before the save (a debt moved to
    another debtor bumps both), in the admin's transaction, so the change shows from its commit
    on. Deletes need no hook: every row an overview shows is protected while referenced, and a
    deleted debtor has no overview."""

    def ledger_debtors(self, obj) -> QuerySet:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        services.touch_ledgers(self.ledger_debtors(obj))
        super().save_model(request, obj, form, change)


class ReadOnlyMixin:
    """What the services own: shown here, never added, edited or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """Lines shown with their owner, never added, edited or deleted from it."""

    extra = 0
    can_delete = False
    show_change_link = True
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.select_related) if self.select_related else queryset


class StatusChangeInline(ReadOnlyInline):
    """The recorded transitions of an owner, oldest first, with the owner's status labels."""

    fields = ("at", "from_label", "to_label", "cause", "actor")
    readonly_fields = fields
    show_change_link = False
    select_related = ("actor",)
    status_choices: type = None  # the owner's Status choices

    def _label(self, value: str) -> str:
        return dict(self.status_choices.choices).get(value, value)

    @admin.display(description=_("από"))
    def from_label(self, change):
        return self._label(change.from_status)

    @admin.display(description=_("σε"))
    def to_label(self, change):
        return self._label(change.to_status)


class DebtChangeInline(StatusChangeInline):
    model = DebtChange
    status_choices = Debt.Status


class NoticeChangeInline(StatusChangeInline):
    model = NoticeChange
    status_choices = PaymentNotice.Status


class SettlementChangeInline(StatusChangeInline):
    model = SettlementChange
    status_choices = Settlement.Status


@admin.display(boolean=True, description=_("βεβαιωμένη"), ordering="certified_on")
def debt_is_certified(debt: Debt) -> bool:
    return debt.is_certified


@admin.display(description=_("κωδικός RF"), ordering="rf_code")
def notice_rf(notice: PaymentNotice) -> str:
    return format_html('<span class="portal-rf">{}</span>', rf_groups(notice.rf_code))


@admin.display(description=_("κατάσταση"), ordering="status_today")
def notice_status(notice: PaymentNotice) -> str:
    """Its status today: past its validity it is expired, before the nightly sweep records it.
    A list showing it is ordered by it (``status_today``, which ``NoticeStatusFilter`` adds)."""
    return notice.get_current_status_display()


class NoticeStatusFilter(admin.SimpleListFilter):
    """By the status the list shows, today's: by the stored one, «Προς πληρωμή» listed notices
    shown as «Έληξε» until the nightly sweep, and «Έληξε» missed them. Its parameter is the one
    the filter by field used, so a link kept from before picks the same notices."""

    title = _("κατάσταση")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return PaymentNotice.Status.choices

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(status_today=self.value())


def with_status_today(queryset: QuerySet) -> QuerySet:
    """Notices with ``status_today``, their status as ``notice_status`` shows it."""
    return queryset.annotate(status_today=PaymentNotice.status_on_expression(timezone.localdate()))


@admin.display(description=_("ποσό"))
def line_amount(line) -> str:
    # A computed value is not localised by the admin as a model field is.
    return number_format(line.amount, decimal_pos=2)


class DebtInline(ReadOnlyInline):
    model = Debt
    fields = ("revenue_type", "description", "principal", "due_date", debt_is_certified, "status")
    readonly_fields = fields
    select_related = ("revenue_type",)


class NoticeInline(ReadOnlyInline):
    model = PaymentNotice
    fields = (notice_rf, "origin", notice_status, "total", "valid_until")
    readonly_fields = fields


class SettlementInline(ReadOnlyInline):
    model = Settlement
    fields = ("number", "scheme", "approved_on", "principal", "surcharge", "status")
    readonly_fields = fields
    select_related = ("scheme",)


def _posted(part: str, label):
    """A column of a notice's line as its receipt posts it (``NoticeItem.posted``), localised
    as a field would be."""

    @admin.display(description=label)
    def column(item) -> str:
        return number_format(getattr(item.posted, part), decimal_pos=2)

    return column


posted_principal = _posted("principal", _("κεφάλαιο"))
posted_surcharge = _posted("surcharge", _("προσαυξήσεις"))
posted_interest = _posted("interest", _("τόκοι ρύθμισης"))


class NoticeItemInline(ReadOnlyInline):
    """A notice's lines as their receipts post them (``NoticeItem.posted``): an installment's
    interest apart, as the notice shows it to the citizen."""

    model = NoticeItem
    fields = (
        "debt",
        "installment",
        posted_principal,
        posted_surcharge,
        posted_interest,
        line_amount,
    )
    readonly_fields = fields
    show_change_link = False
    select_related = ("debt__revenue_type", "installment__settlement")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(principal_before=principal_before("installment__"))
        )


class InstallmentInline(ReadOnlyInline):
    model = Installment
    select_related = ("settlement",)  # each row's title names it
    fields = ("number", "due_date", "principal", "interest", line_amount, "status")
    readonly_fields = fields
    show_change_link = False


# --- Debtors ----------------------------------------------------------------------------------


class PropertyInline(admin.TabularInline):
    """The debtor's properties, kept by staff on the debtor's page; one a ΤΑΠ debt names is
    not deleted (the database protects it)."""

    model = Property
    extra = 0
    fields = ("address", "supply_number", "kaek", "area", "share")


@admin.register(Property)
class PropertyAdmin(HistoryAdmin):
    list_display = ("address", "supply_number", "kaek", "debtor", "area", "share")
    list_select_related = ("debtor",)
    search_fields = ("=supply_number", "kaek", "address", "=debtor__afm", "debtor__last_name")
    autocomplete_fields = ("debtor",)


@admin.register(Debtor)
class DebtorAdmin(
    LedgerTouchingMixin, AfmSearchMixin, RfSearchMixin, NameSearchMixin, HistoryAdmin
):
    rf_lookup, rf_many = "notices__rf_code", True

    form = DebtorAdminForm
    list_display = ("afm", "full_name", "kind", "city")
    list_filter = ("kind",)
    search_fields = ("afm", "last_name", "first_name")
    readonly_fields = ("created_at", "updated_at")
    inlines = (PropertyInline, DebtInline, NoticeInline, SettlementInline)
    fieldsets = (
        (None, {"fields": ("afm", "kind", "last_name", "first_name", "father_name", "tax_office")}),
        (
            _("Στοιχεία επικοινωνίας"),
            {"fields": ("street", "postal_code", "city", "email", "phone")},
        ),
        (_("Καταχώριση"), {"fields": ("created_at", "updated_at")}),
    )
    #: What identifies a debtor; only staff who may register debtors may correct it.
    identity_fields = ("afm", "kind", "last_name", "first_name", "father_name", "tax_office")

    @admin.display(description=_("ονοματεπώνυμο ή επωνυμία"), ordering="last_name")
    def full_name(self, debtor):
        return debtor.full_name

    def ledger_debtors(self, debtor):
        return Debtor.objects.filter(pk=debtor.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The debts below show their principal; above them, what the debtor owes today with the
        surcharges, read as the citizen's own page reads it, so staff and citizen see one sum."""
        debtor = self.get_object(request, unquote(object_id))
        if debtor is not None:
            extra_context = {**(extra_context or {}), "owed_today": owed_today(debtor)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        add_debtor = f"debts.{get_permission_codename('add', self.opts)}"
        if obj is not None and not request.user.has_perm(add_debtor):
            # The cashier keeps contact details up to date; identity is the revenue department's.
            return (*self.identity_fields, *readonly)
        if obj is not None and obj.user_id is not None:
            return ("afm", *readonly)  # confirmed by TaxisNet for the citizen's account
        return readonly


# --- Reference data ---------------------------------------------------------------------------


@admin.register(RevenueType)
class RevenueTypeAdmin(LedgerTouchingMixin, HistoryAdmin):
    list_display = ("code", "name", "name_en", "kind", "surchargeable", "active")
    list_filter = ("kind", "surchargeable", "active")
    search_fields = ("code", "name", "name_en")

    def ledger_debtors(self, revenue_type):
        return Debtor.objects.filter(
            pk__in=Debt.objects.filter(revenue_type=revenue_type.pk).values("debtor_id")
        )


@admin.register(CertificationRoll)
class CertificationRollAdmin(HistoryAdmin):
    list_display = ("number", "title", "certified_on")
    search_fields = ("number", "title")
    date_hierarchy = "certified_on"
    readonly_fields = ("created_at",)


@admin.register(AssessmentNote)
class AssessmentNoteAdmin(LedgerTouchingMixin, HistoryAdmin):
    list_display = ("number", "issued_on", "reason")
    search_fields = ("number", "reason")
    date_hierarchy = "issued_on"

    def ledger_debtors(self, note):
        return Debtor.objects.filter(
            pk__in=Debt.objects.filter(assessment_note=note.pk).values("debtor_id")
        )


@admin.register(SettlementScheme)
class SettlementSchemeAdmin(LedgerTouchingMixin, HistoryAdmin):
    list_display = (
        "name",
        "legal_basis",
        "min_installments",
        "max_installments",
        "min_installment_amount",
        "annual_interest_rate",
        "surcharge_writeoff",
        "misses_before_loss",
        "active",
    )
    list_filter = ("active",)
    search_fields = ("name", "name_en", "legal_basis")

    def ledger_debtors(self, scheme):
        return Debtor.objects.filter(
            pk__in=Settlement.objects.filter(scheme=scheme.pk).values("debtor_id")
        )


@admin.register(ParavoloType)
class ParavoloTypeAdmin(HistoryAdmin):
    list_display = ("name", "revenue_type", "amount", "legal_basis", "active")
    list_filter = ("active",)
    list_select_related = ("revenue_type",)
    search_fields = ("name", "name_en", "legal_basis")


# --- Debts ------------------------------------------------------------------------------------


class CertificationFilter(admin.SimpleListFilter):
    title = _("βεβαίωση")
    parameter_name = "certified"

    def lookups(self, request, model_admin):
        return (("yes", _("Βεβαιωμένες")), ("no", _("Αβεβαίωτες")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(certified_on__isnull=False)
        if self.value() == "no":
            return queryset.filter(certified_on__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """Open certified debts whose due date has passed: the ones bearing surcharges."""

    title = _("ληξιπρόθεσμες")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Ληξιπρόθεσμες")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                status=Debt.Status.OPEN,
                certified_on__isnull=False,
                due_date__lt=timezone.localdate(),
            )
        return queryset


@admin.register(Debt)
class DebtAdmin(LedgerTouchingMixin, AfmSearchMixin, NameSearchMixin, HistoryAdmin):
    afm_lookup = "debtor__afm"
    list_display = (
        "debtor",
        "revenue_type",
        "description",
        "principal",
        "due_date",
        debt_is_certified,
        "status",
    )
    list_filter = (
        "status",
        "revenue_type",
        CertificationFilter,
        OverdueFilter,
        ("tap_property", admin.EmptyFieldListFilter),
    )
    list_select_related = ("debtor", "revenue_type")
    search_fields = (
        "debtor__afm",
        "debtor__last_name",
        "debtor__first_name",
        "description",
        "reference",
        "=tap_property__supply_number",
        "tap_property__kaek",
    )
    autocomplete_fields = ("debtor", "roll", "assessment_note", "tap_property")
    readonly_fields = ("status", "settlement", "created_at")
    inlines = (DebtChangeInline,)
    fieldsets = (
        (None, {"fields": ("debtor", "revenue_type", "description", "reference", "tap_property")}),
        (_("Ποσό και περίοδος"), {"fields": ("principal", "period_start", "period_end")}),
        (_("Βεβαίωση"), {"fields": ("certified_on", "due_date", "roll", "assessment_note")}),
        (_("Κατάσταση"), {"fields": ("status", "settlement", "created_at")}),
    )

    actions = ("issue_notice", "settle_in_installments")

    def ledger_debtors(self, debt):
        """The debt's debtor, and the one it had before when staff move it to another."""
        return Debtor.objects.filter(
            Q(pk=debt.debtor_id) | Q(pk__in=Debt.objects.filter(pk=debt.pk).values("debtor_id"))
        )

    def has_issue_notice_permission(self, request):
        return request.user.has_perm("debts.add_paymentnotice")

    def has_settle_permission(self, request):
        return request.user.has_perm("debts.add_settlement")

    def _one_debtor(self, request, queryset) -> Debtor | None:
        debtors = {debt.debtor for debt in queryset}
        if len(debtors) == 1:
            return debtors.pop()
        self.message_user(request, _("Επιλέξτε οφειλές ενός μόνο οφειλέτη."), messages.ERROR)
        return None

    @admin.action(
        description=_("Ρύθμιση των επιλεγμένων οφειλών σε δόσεις"), permissions=["settle"]
    )
    def settle_in_installments(self, request, queryset):
        """Ask for the terms on a page of its own, then settle through the service."""
        debtor = self._one_debtor(request, queryset)
        if debtor is None:
            return None
        today = timezone.localdate()
        if "apply" in request.POST:
            form = SettlementTermsForm(request.POST)
            if form.is_valid():
                try:
                    settlement = services.create_settlement(
                        debtor, list(queryset), actor=request.user, **form.cleaned_data
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request,
                        _("Εγκρίθηκε η ρύθμιση %(number)s σε %(count)s δόσεις.")
                        % {"number": settlement.number, "count": settlement.installments.count()},
                        messages.SUCCESS,
                    )
                    return None
        else:
            form = SettlementTermsForm(initial={"approved_on": today, "first_due_date": today})
        return TemplateResponse(
            request,
            "admin/debts/debt/settle_in_installments.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ρύθμιση οφειλών σε δόσεις"),
                "opts": self.opts,
                "debtor": debtor,
                "debts": queryset.select_related("revenue_type"),
                "form": form,
                "media": self.media + form.media,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=_("Έκδοση ειδοποιητηρίου για τις επιλεγμένες οφειλές"),
        permissions=["issue_notice"],
    )
    def issue_notice(self, request, queryset):
        """A notice issued by the municipality, e.g. at the counter for a debtor to take away."""
        debtor = self._one_debtor(request, queryset)
        if debtor is None:
            return
        try:
            notice = services.build_notice(
                debtor,
                debts=list(queryset),
                origin=PaymentNotice.Origin.MUNICIPALITY,
                created_by=request.user,
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            _("Εκδόθηκε το ειδοποιητήριο %(rf)s, %(total)s €, με ισχύ έως %(date)s.")
            % {
                "rf": notice.formatted_rf,
                "total": number_format(notice.total, decimal_pos=2),
                "date": date_format(notice.valid_until, "SHORT_DATE_FORMAT"),
            },
            messages.SUCCESS,
        )
        # On to the new notice: its PDF to print for the debtor, or its payment at the counter.
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:debts_paymentnotice_change", args=[notice.pk])
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.accepts_edits:
            # Paid, settled or cancelled: a closed money record, shown as it stands.
            return tuple(name for _title, options in self.fieldsets for name in options["fields"])
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


# --- Notices ----------------------------------------------------------------------------------


@admin.register(PaymentNotice)
class PaymentNoticeAdmin(ReadOnlyMixin, AfmSearchMixin, RfSearchMixin, HistoryAdmin):
    """Notices are issued and closed by the services; here they are read and, if open, cancelled."""

    afm_lookup = "debtor__afm"

    list_display = (
        notice_rf,
        "debtor",
        "origin",
        notice_status,
        "total",
        "valid_until",
        "pdf_link",
    )
    list_filter = (NoticeStatusFilter, "origin")
    list_select_related = ("debtor",)
    search_fields = ("rf_code", "debtor__afm")
    fields = (
        notice_rf,
        "debtor",
        "origin",
        notice_status,
        "total",
        "issued_at",
        "valid_until",
        "created_by",
        "pdf_link",
    )
    readonly_fields = fields
    inlines = (NoticeItemInline, NoticeChangeInline)
    actions = ("cancel_notices",)

    def get_queryset(self, request):
        return with_status_today(super().get_queryset(request))

    @admin.display(description=_("PDF"))
    def pdf_link(self, notice):
        url = reverse(f"{self.admin_site.name}:debts_paymentnotice_pdf", args=[notice.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">PDF</a>', url)

    def get_urls(self):
        pdf = path(
            "<int:pk>/pdf/",
            self.admin_site.admin_view(self.pdf_view),
            name="debts_paymentnotice_pdf",
        )
        return [pdf, *super().get_urls()]

    def pdf_view(self, request, pk):
        """The notice as the debtor gets it, to print at the counter."""
        notice = get_object_or_404(PaymentNotice.objects.select_related("debtor"), pk=pk)
        if not self.has_view_permission(request, notice):
            raise PermissionDenied
        response = HttpResponse(render_notice_pdf(notice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{notice.rf_code}.pdf"'
        return response

    def has_cancel_permission(self, request):
        """Cancelling is the one change staff make to a notice."""
        return request.user.has_perm(f"debts.{get_permission_codename('change', self.opts)}")

    @admin.action(description=_("Ακύρωση ειδοποιητηρίου"), permissions=["cancel"])
    def cancel_notices(self, request, queryset):
        cancelled = 0
        for notice in queryset.order_by("pk"):
            try:
                services.cancel_notice(notice, cause=ADMIN_CANCEL_CAUSE, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request,
                    _("Το ειδοποιητήριο %(rf)s δεν ακυρώθηκε: %(reason)s")
                    % {"rf": notice.formatted_rf, "reason": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                ngettext(
                    "Ακυρώθηκε %(count)d ειδοποιητήριο.",
                    "Ακυρώθηκαν %(count)d ειδοποιητήρια.",
                    cancelled,
                )
                % {"count": cancelled},
                messages.SUCCESS,
            )


# --- Settlements ------------------------------------------------------------------------------


class SettledDebtInline(DebtInline):
    fk_name = "settlement"
    verbose_name_plural = _("οφειλές της ρύθμισης")


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyMixin, AfmSearchMixin, NameSearchMixin, HistoryAdmin):
    """Settlements are made by ``services.create_settlement`` with their terms frozen: read here."""

    afm_lookup = "debtor__afm"

    fields = (
        "number",
        "debtor",
        "scheme",
        "approved_on",
        "principal",
        "surcharge",
        "annual_interest_rate",
        "late_installment_monthly_rate",
        "misses_before_loss",
        "status",
    )
    list_display = fields
    readonly_fields = fields
    list_filter = ("status", "scheme")
    list_select_related = ("debtor", "scheme")
    search_fields = ("number", "debtor__afm", "debtor__last_name")
    inlines = (InstallmentInline, SettledDebtInline, SettlementChangeInline)
