"""Money in the staff admin: the cashier's counter and day, finance's queue of unapplied money,
receipts reversed by staff correction, and every payment with its history, read-only.

Every change of money is made by ``payments.services``: the pages here ask for it, show what the
services answer (or refuse, with their own ``ValidationError`` message), and check who may ask.
A payment is "added" only at the counter, so the admin's «add» of a payment opens the counter.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from debts.admin import AfmSearchMixin, ReadOnlyInline, ReadOnlyMixin, RfSearchMixin
from debts.models import Debtor, PaymentNotice
from debts.money import euros
from debts.selectors import debtor_overview, notice_lines
from debts.services import issue_paravolo, preview_notice, register_payer
from debts.validators import afm_typed
from receipts.models import Receipt
from receipts.selectors import certificates_issued_with

from . import selectors, services
from .forms import (
    CameBackForm,
    CashDayForm,
    CounterParavoloForm,
    CounterPayerForm,
    CounterPaymentForm,
    DebtorSearchForm,
    LinesForm,
    NoticePickForm,
    NoticeRfForm,
    OwnTransferForm,
    PoolForm,
    ReturnedForm,
    ReturnForm,
    ReverseReceiptForm,
)
from .models import (
    Allocation,
    Channel,
    OwnTransfer,
    Payment,
    PaymentReturn,
    UnappliedEntry,
    UnappliedPayment,
    UnappliedReason,
)

TAKE_COUNTER_PAYMENT = "payments.take_counter_payment"
RESOLVE_UNAPPLIED = "payments.resolve_unapplied"
REVERSE_RECEIPT = "payments.reverse_receipt"
#: Who may look at any cashier's day, not only their own.
VIEW_ANY_CASH_DAY = "receipts.view_cash_day"
#: How many debtors a search lists; a cashier narrows a longer list by typing more.
SEARCH_LIMIT = 20


class FoundDebtors(list):
    """The debtors a search lists, at most ``SEARCH_LIMIT``; ``more``: whether others matched
    too, which the page says, so a list cut short is not read as every debtor of that name."""

    more = False


def require(request, *permissions: str) -> None:
    """403 unless the user has one of ``permissions``."""
    if not any(request.user.has_perm(permission) for permission in permissions):
        raise PermissionDenied


def receipt_links(receipt: Receipt):
    """The receipt's number, to its admin page, and its PDF."""
    return format_html(
        '<a href="{}">{}</a> (<a href="{}" target="_blank" rel="noopener">PDF</a>)',
        reverse("admin:receipts_receipt_change", args=[receipt.pk]),
        receipt.display_number,
        reverse("admin:receipts_receipt_pdf", args=[receipt.pk]),
    )


def reason_label(reason: str | None) -> str:
    return UnappliedReason(reason).label if reason else ""


# --- A payment's history, read-only ---------------------------------------------------------


class AllocationInline(ReadOnlyInline):
    model = Allocation
    verbose_name_plural = _("εφαρμογή σε οφειλές")
    fields = ("at", "receipt_link", "notice", "line", "principal", "surcharge")
    readonly_fields = fields
    show_change_link = False
    select_related = ("receipt", "notice", "debt", "installment__settlement")

    @admin.display(description=_("απόδειξη"))
    def receipt_link(self, allocation):
        return receipt_links(allocation.receipt)

    @admin.display(description=_("οφειλή ή δόση"))
    def line(self, allocation):
        return allocation.debt or allocation.installment


class UnappliedEntryInline(ReadOnlyInline):
    model = UnappliedEntry
    fields = ("at", "amount", "reason", "notice", "note", "actor")
    readonly_fields = fields
    show_change_link = False
    select_related = ("notice", "actor")


class OwnTransferInline(ReadOnlyInline):
    model = OwnTransfer
    fields = ("at", "amount", "kind", "note", "actor")
    readonly_fields = fields
    show_change_link = False
    select_related = ("actor",)


class PaymentReturnInline(ReadOnlyInline):
    model = PaymentReturn
    fields = (
        "requested_at",
        "amount",
        "reason",
        "requested_by",
        "status",
        "return_reference",
        "status_history",
    )
    readonly_fields = fields
    show_change_link = False
    select_related = ("requested_by",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("status_changes__actor")

    @admin.display(description=_("ιστορικό"))
    def status_history(self, payment_return):
        labels = dict(PaymentReturn.Status.choices)
        return (
            format_html_join(
                mark_safe("<br>"),
                "{}: {} ({}), {}",
                (
                    (
                        date_format(timezone.localtime(change.at), "SHORT_DATETIME_FORMAT"),
                        labels.get(change.to_status, change.to_status),
                        change.actor or "—",
                        change.cause,  # why: the gateway's refusal, the transfer's reference
                    )
                    for change in payment_return.status_changes.all()
                ),
            )
            or "—"
        )


class HeldFilter(admin.SimpleListFilter):
    """Payments that still hold money for a person to resolve."""

    title = _("αδιάθετα")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return (("yes", _("Αδιάθετα")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return selectors.holding(queryset)
        return queryset


class PaidInPartsFilter(admin.SimpleListFilter):
    """Held payments that, with others naming the same notice, pay it together
    (``selectors.paid_in_parts``): each is applied with the others on the notice's page."""

    title = _("σε μέρη")
    parameter_name = "parts"

    def lookups(self, request, model_admin):
        return (("yes", _("Μαζί καλύπτουν το ειδοποιητήριό τους")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.paid_in_parts().values("pk"))
        return queryset


class PaymentHistoryAdmin(ReadOnlyMixin, AfmSearchMixin, RfSearchMixin, admin.ModelAdmin):
    """A payment with everything that became of its money; the actions on it are offered on its
    page to those who may take them."""

    afm_lookup = "debtor__afm"

    rf_lookup = "notice__rf_code"
    change_form_template = "admin/payments/payment/change_form.html"
    list_select_related = ("notice", "debtor")
    search_fields = ("reference", "named_reference", "payer", "=debtor__afm")
    search_help_text = _("Αναφορά συναλλαγής, RF, πληρωτής ή ΑΦΜ")
    date_hierarchy = "received_at"
    fields = (
        "debtor",
        "notice",
        "channel",
        "tender",
        "amount",
        "held_amount",
        "received_at",
        "reference",
        "named_reference",
        "payer",
        "recorded_at",
        "recorded_by",
    )
    readonly_fields = fields
    inlines = (AllocationInline, UnappliedEntryInline, PaymentReturnInline, OwnTransferInline)

    def get_queryset(self, request):
        return selectors.with_unapplied_balance(super().get_queryset(request))

    @admin.display(description=_("αδιάθετο υπόλοιπο"), ordering="held")
    def held_amount(self, payment):
        return euros(payment.held)

    @admin.display(description=_("αιτία"))
    def held_reason(self, payment):
        return reason_label(payment.held_reason)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, object_id)
        if payment is None:
            return super().change_view(request, object_id, form_url, extra_context)
        user = request.user
        receipts = selectors.payment_receipts(payment)
        may_reverse = user.has_perm(REVERSE_RECEIPT)
        for receipt in receipts:
            receipt.reversible = may_reverse and receipt.reversible
        may_resolve = user.has_perm(RESOLVE_UNAPPLIED)
        context = {
            "payment_receipts": receipts,
            "may_resolve": may_resolve and payment.held > 0,
            "may_be_own": may_resolve and services.may_be_own_transfer(payment),
            "returns_to_record": payment.returns.to_record_by_hand() if may_resolve else (),
            "returns_may_come_back": payment.returns.may_come_back() if may_resolve else (),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)


@admin.register(Payment)
class PaymentAdmin(PaymentHistoryAdmin):
    list_display = (
        "received_at",
        "channel",
        "tender",
        "amount",
        "held_amount",
        "notice",
        "debtor",
        "reference",
    )
    list_filter = ("channel", "tender", HeldFilter)
    change_list_template = "admin/payments/payment/change_list.html"

    def has_add_permission(self, request):
        return request.user.has_perm(TAKE_COUNTER_PAYMENT)

    def add_view(self, request, form_url="", extra_context=None):
        require(request, TAKE_COUNTER_PAYMENT)
        return redirect("admin:payments_payment_counter")

    def changelist_view(self, request, extra_context=None):
        user = request.user
        context = {
            "may_take": user.has_perm(TAKE_COUNTER_PAYMENT),
            "may_see_cash_day": user.has_perm(TAKE_COUNTER_PAYMENT)
            or user.has_perm(VIEW_ANY_CASH_DAY),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "payments_payment"
        return [
            path("counter/", view(self.counter_view), name=f"{name}_counter"),
            path(
                "counter/debtor/<int:debtor_id>/",
                view(self.counter_debtor_view),
                name=f"{name}_counter_debtor",
            ),
            path("counter/payer/", view(self.counter_payer_view), name=f"{name}_counter_payer"),
            path(
                "counter/debtor/<int:debtor_id>/paravolo/",
                view(self.counter_paravolo_view),
                name=f"{name}_counter_paravolo",
            ),
            path(
                "counter/notice/<int:notice_id>/",
                view(self.counter_notice_view),
                name=f"{name}_counter_notice",
            ),
            path(
                "counter/done/<int:payment_id>/",
                view(self.counter_done_view),
                name=f"{name}_counter_done",
            ),
            path("cash-day/", view(self.cash_day_view), name=f"{name}_cash_day"),
            path("<int:payment_id>/apply/", view(self.apply_view), name=f"{name}_apply"),
            path(
                "<int:payment_id>/apply-lines/",
                view(self.apply_lines_view),
                name=f"{name}_apply_lines",
            ),
            path("<int:payment_id>/return/", view(self.return_view), name=f"{name}_return"),
            path(
                "<int:payment_id>/own-transfer/",
                view(self.own_transfer_view),
                name=f"{name}_own_transfer",
            ),
            path(
                "returns/<int:return_id>/came-back/",
                view(self.came_back_view),
                name=f"{name}_came_back",
            ),
            path(
                "returns/<int:return_id>/returned/",
                view(self.returned_view),
                name=f"{name}_returned",
            ),
            path(
                "receipts/<int:receipt_id>/reverse/",
                view(self.reverse_receipt_view),
                name=f"{name}_reverse_receipt",
            ),
            *super().get_urls(),
        ]

    def page(self, request, template: str, title, **context):
        return TemplateResponse(
            request,
            f"admin/payments/{template}",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                **context,
            },
        )

    # --- Finding a debtor and their lines, for the counter and for finance ---------------

    def find_debtors(self, request, term: str, pick_url=None) -> FoundDebtors:
        """Debtors as the debtors' list finds them: by ΑΦΜ, name (accents and case aside) or
        the RF of one of their notices; each with ``pick_url(debtor)``, where picking it leads."""
        debtor_admin = self.admin_site.get_model_admin(Debtor)
        found, may_repeat = debtor_admin.get_search_results(request, Debtor.objects.all(), term)
        if may_repeat:
            found = found.distinct()
        listed = list(found.order_by("last_name", "first_name", "afm")[: SEARCH_LIMIT + 1])
        debtors = FoundDebtors(listed[:SEARCH_LIMIT])
        debtors.more = len(listed) > SEARCH_LIMIT
        for debtor in debtors:
            debtor.pick_url = pick_url(debtor) if pick_url else ""
        return debtors

    @staticmethod
    def open_lines(debtor: Debtor) -> dict:
        """The debtor's open debts and installments that no payable notice holds: what a new
        notice may be made of."""
        overview = debtor_overview(debtor)
        return {
            "debt_lines": [
                line for group in overview.debt_groups for line in group.lines if not line.notice
            ],
            "installment_lines": [
                line
                for view in overview.settlements
                for line in view.open_installments
                if not line.notice
            ],
        }

    # --- The counter ---------------------------------------------------------------------

    def counter_view(self, request):
        """The cashier finds the debtor: by ΑΦΜ, name, or the RF of a notice the payer brought
        (an open one leads straight to its payment)."""
        require(request, TAKE_COUNTER_PAYMENT)
        form = DebtorSearchForm(request.GET or None)
        debtors = None
        if form.is_valid():
            term = form.cleaned_data["q"]
            notice = selectors.notice_by_rf(term)
            if (
                notice is not None
                and selectors.open_notices(notice.debtor).filter(pk=notice.pk).exists()
            ):
                return redirect("admin:payments_payment_counter_notice", notice.pk)
            debtors = self.find_debtors(
                request,
                term,
                lambda debtor: reverse("admin:payments_payment_counter_debtor", args=[debtor.pk]),
            )
            if len(debtors) == 1:
                return redirect(debtors[0].pick_url)
        return self.page(
            request,
            "counter_find.html",
            _("Είσπραξη στο ταμείο"),
            form=form,
            debtors=debtors,
            new_payer=debtors is not None,  # those found may all be others (a common name)
            typed_afm=afm_typed(form.cleaned_data["q"]) if form.is_valid() else "",
        )

    def counter_payer_view(self, request):
        """A payer the registry does not know, registered to pay a παράβολο at the counter;
        one whose ΑΦΜ is known meanwhile (the form sent twice, a colleague at the next desk) is
        that debtor, not a second card."""
        require(request, TAKE_COUNTER_PAYMENT)
        typed = afm_typed(request.GET.get("afm", ""))
        if request.method != "POST" and typed:
            known = Debtor.objects.filter(afm=typed).first()
            if known is not None:
                return redirect("admin:payments_payment_counter_debtor", known.pk)
        # Posted, the ΑΦΜ counts only once the form found it typed the same twice: a slip may
        # be another debtor's, whose card it must never lead to.
        form = CounterPayerForm(request.POST or None, initial={"afm": typed})
        if request.method == "POST" and form.is_valid():
            registered = register_payer(form.save(commit=False))
            if registered.created:
                messages.success(
                    request,
                    gettext("Καταχωρίστηκε ο πληρωτής %(debtor)s.") % {"debtor": registered.debtor},
                )
            else:
                messages.info(request, gettext("Ο πληρωτής είναι ήδη καταχωρισμένος."))
            return redirect("admin:payments_payment_counter_debtor", registered.debtor.pk)
        return self.page(
            request,
            "counter_payer.html",
            _("Νέος πληρωτής"),
            form=form,
        )

    def counter_debtor_view(self, request, debtor_id):
        """The debtor's open notices, each to be paid; or their open lines, to be put on a notice
        made on the spot: reviewed first, then paid."""
        require(request, TAKE_COUNTER_PAYMENT)
        debtor = get_object_or_404(Debtor, pk=debtor_id)
        lines = LinesForm(request.POST or None)
        if lines.is_bound and not lines.is_valid():
            messages.error(request, " ".join(e for errors in lines.errors.values() for e in errors))
        elif lines.is_bound:
            confirm = lines.confirmed()
            pay_form = CounterPaymentForm(request.POST if confirm else None)
            if confirm and pay_form.is_valid():
                try:
                    return self.pay_lines(request, debtor, lines, pay_form)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
            try:
                draft = preview_notice(debtor, **lines.selection())
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                return self.page(
                    request,
                    "counter_pay.html",
                    _("Έλεγχος και είσπραξη"),
                    debtor=debtor,
                    draft=draft,
                    form=pay_form,
                )
        return self.page(
            request,
            "counter_debtor.html",
            format_html("{}: {}", _("Είσπραξη στο ταμείο"), debtor),
            debtor=debtor,
            notices=selectors.open_notices(debtor),
            paravolo_form=CounterParavoloForm.offered(),
            **self.open_lines(debtor),
        )

    def counter_paravolo_view(self, request, debtor_id):
        """A παράβολο the payer asks for at the counter: issued with its notice, as online
        (asked again while one of its kind is unpaid, that one), then paid as any notice."""
        require(request, TAKE_COUNTER_PAYMENT)
        debtor = get_object_or_404(Debtor, pk=debtor_id)
        form = CounterParavoloForm(request.POST or None)
        if request.method != "POST":
            return redirect("admin:payments_payment_counter_debtor", debtor.pk)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect("admin:payments_payment_counter_debtor", debtor.pk)
        try:
            issued = issue_paravolo(
                debtor,
                form.cleaned_data["paravolo_type"],
                created_by=request.user,
                origin=PaymentNotice.Origin.MUNICIPALITY,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("admin:payments_payment_counter_debtor", debtor.pk)
        if not issued.created:
            messages.info(
                request,
                gettext("Ο οφειλέτης έχει ήδη ανεξόφλητο αυτό το παράβολο: εισπράξτε εκείνο."),
            )
        return redirect("admin:payments_payment_counter_notice", issued.notice.pk)

    def pay_lines(self, request, debtor, lines: LinesForm, pay_form: CounterPaymentForm):
        """A notice for the reviewed lines and its payment, in one transaction; a form sent twice
        gets what the first recorded."""
        settled = services.settle_at_counter(
            debtor,
            **lines.selection(),
            expected_total=lines.cleaned_data["total"],
            tender=pay_form.cleaned_data["tender"],
            reference=pay_form.reference,
            cashier=request.user,
        )
        return self.done(request, settled)

    def counter_notice_view(self, request, notice_id):
        """A notice's lines and total, and how the payer pays it."""
        require(request, TAKE_COUNTER_PAYMENT)
        notice = get_object_or_404(PaymentNotice.objects.select_related("debtor"), pk=notice_id)
        form = CounterPaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                settled = services.pay_notice_at_counter(
                    notice,
                    tender=form.cleaned_data["tender"],
                    reference=form.reference,
                    cashier=request.user,
                )
                return self.done(request, settled)
            except ValidationError as error:
                form.add_error(None, error)
        payable = notice.current_status == PaymentNotice.Status.OPEN
        return self.page(
            request,
            "counter_pay.html",
            format_html("{} {}", _("Είσπραξη ειδοποιητηρίου"), notice.formatted_rf),
            debtor=notice.debtor,
            notice=notice,
            lines=notice_lines(notice),
            payable=payable,
            form=form if payable or form.is_bound else None,
        )

    def done(self, request, settled: services.Settled):
        if settled.repeated:
            messages.warning(
                request,
                gettext("Η πληρωμή αυτή είχε ήδη καταχωριστεί στις %(at)s: δεν καταχωρίστηκε ξανά.")
                % {
                    "at": date_format(
                        timezone.localtime(settled.payment.recorded_at), "SHORT_DATETIME_FORMAT"
                    )
                },
            )
        return redirect("admin:payments_payment_counter_done", settled.payment.pk)

    def counter_done_view(self, request, payment_id):
        """What became of the money: applied, with its receipt to print; or held for finance."""
        require(request, TAKE_COUNTER_PAYMENT)
        payment = get_object_or_404(
            selectors.with_unapplied_balance(Payment.objects.select_related("notice", "debtor")),
            pk=payment_id,
            channel=Channel.COUNTER,
        )
        receipts = [r for r in selectors.payment_receipts(payment) if not r.is_reversal]
        return self.page(
            request,
            "counter_done.html",
            _("Αποτέλεσμα είσπραξης"),
            payment=payment,
            receipt=receipts[0] if receipts else None,
            reason=reason_label(payment.held_reason),
            # The certificate a cashier asked for, issued by this payment, to hand over with
            # the receipt.
            certificates=certificates_issued_with(payment.notice_id) if receipts else [],
        )

    # --- The cashier's day ---------------------------------------------------------------

    def cash_day_view(self, request):
        """The cashier's own day at the counter (another's, for those who oversee the tills)."""
        require(request, TAKE_COUNTER_PAYMENT, VIEW_ANY_CASH_DAY)
        may_pick = request.user.has_perm(VIEW_ANY_CASH_DAY)
        day, cashier = timezone.localdate(), request.user
        form = CashDayForm(
            request.GET or None,
            initial={"day": day, "cashier": cashier},
            cashiers=selectors.counter_cashiers() if may_pick else None,
        )
        if form.is_valid():
            day = form.cleaned_data["day"] or day
            cashier = form.cleaned_data.get("cashier") or cashier
        return self.page(
            request,
            "cash_day.html",
            _("Το ταμείο μου σήμερα")
            if (day, cashier) == (timezone.localdate(), request.user)
            else _("Ημέρα ταμείου"),
            form=form,
            cash_day=selectors.cash_day(cashier, day),
        )

    # --- Finance's queue: resolving unapplied money ----------------------------------------

    def held_payment(self, request, payment_id) -> Payment:
        require(request, RESOLVE_UNAPPLIED)
        return get_object_or_404(
            selectors.with_unapplied_balance(Payment.objects.select_related("debtor", "notice")),
            pk=payment_id,
        )

    def back_to(self, payment) -> str:
        return reverse("admin:payments_payment_change", args=[payment.pk])

    def act_on_payment(self, request, payment, form, act, *, done, title, submit):
        """A form page of an action on ``payment``: sent valid, ``act(cleaned_data)`` (a
        service) runs; its refusal is shown on the form, its success (``done(result)``) back on
        the payment's page."""
        if request.method == "POST" and form.is_valid():
            try:
                result = act(form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, done(result))
                return redirect(self.back_to(payment))
        return self.page(
            request, "form_page.html", title, payment=payment, form=form, submit=submit
        )

    def applied(self, request, payment, receipt: Receipt):
        messages.success(
            request,
            format_html(
                "{} {}",
                gettext("Το ποσό διατέθηκε: εκδόθηκε η απόδειξη"),
                receipt_links(receipt),
            ),
        )
        return redirect(self.back_to(payment))

    def apply_view(self, request, payment_id):
        """Held money to a notice, named by its RF or picked among a debtor's open notices;
        reviewed, then applied."""
        payment = self.held_payment(request, payment_id)
        notice, error = None, None
        rf_form = NoticeRfForm(request.GET if "rf" in request.GET else None)
        search = DebtorSearchForm(request.GET if "q" in request.GET else None)
        if rf_form.is_valid():
            notice = selectors.notice_by_rf(rf_form.cleaned_data["rf"])
            if notice is None:
                rf_form.add_error("rf", _("Δεν βρέθηκε ειδοποιητήριο με αυτόν τον κωδικό RF."))
        picked = NoticePickForm(request.POST if request.method == "POST" else request.GET)
        if "notice" in picked.data:
            if picked.is_valid():
                notice = picked.cleaned_data["notice"]
            else:
                error = ValidationError(picked.errors["notice"])
        pool = None
        if notice is not None:
            pool = PoolForm(
                request.POST if request.method == "POST" else None,
                candidates=selectors.poolable_with(payment, debtor=notice.debtor, notice=notice),
            )
        if pool is not None and pool.is_bound:
            done = selectors.receipt_paying(notice, payment)
            if done is None:
                try:
                    receipt = services.apply_unapplied(
                        payment, notice, actor=request.user, together=pool.picked()
                    )
                except ValidationError as refused:
                    # A second click that waited for the first's locks: refused, as the
                    # first paid the notice meanwhile.
                    notice.refresh_from_db(fields=["status"])
                    done, error = selectors.receipt_paying(notice, payment), refused
                else:
                    return self.applied(request, payment, receipt)
            if done is not None:  # the form sent again, a second click: not a refusal
                return self.already_applied(request, payment, done)
        debtors = []
        if search.is_valid():
            debtors = self.find_debtors(request, search.cleaned_data["q"])
        if payment.debtor and not debtors:
            debtors = [payment.debtor]
        return self.page(
            request,
            "apply_notice.html",
            _("Διάθεση σε ειδοποιητήριο"),
            payment=payment,
            rf_form=rf_form,
            search=search,
            notice=notice,
            lines=notice_lines(notice) if notice else None,
            pool=pool,
            error=error,
            debtor_notices=[(debtor, selectors.open_notices(debtor)) for debtor in debtors],
        )

    def already_applied(self, request, payment, receipt):
        """The answer to a form sent again after it applied the money: what it did."""
        messages.info(
            request,
            format_html(
                "{} {}",
                gettext("Η πληρωμή έχει ήδη διατεθεί με την απόδειξη:"),
                receipt_links(receipt),
            ),
        )
        return redirect(self.back_to(payment))

    def apply_lines_view(self, request, payment_id):
        """Held money to debts and installments of a debtor, picked, reviewed, then applied
        (a notice for them is made on the spot)."""
        payment = self.held_payment(request, payment_id)
        search = DebtorSearchForm(request.GET if "q" in request.GET else None)
        debtor_id = request.GET.get("debtor", "")
        if debtor_id.isdigit():
            debtor = get_object_or_404(Debtor, pk=debtor_id)
        else:
            debtor = None if search.is_bound else payment.debtor
        context = {"payment": payment, "search": search, "debtor": debtor}
        if debtor is None:
            if search.is_valid():
                context["debtors"] = self.find_debtors(
                    request, search.cleaned_data["q"], lambda debtor: f"?debtor={debtor.pk}"
                )
            return self.page(request, "apply_lines.html", _("Διάθεση σε οφειλές"), **context)
        if request.method == "POST":
            lines = LinesForm(request.POST)
            pool = PoolForm(
                request.POST if "confirm" in request.POST else None,
                candidates=selectors.poolable_with(payment, debtor=debtor),
            )
            if lines.is_valid():
                try:
                    if lines.confirmed():
                        receipt = services.apply_unapplied_to_debts(
                            payment,
                            debtor,
                            **lines.selection(),
                            expected_total=lines.cleaned_data["total"],
                            together=pool.picked(),
                            actor=request.user,
                        )
                        return self.applied(request, payment, receipt)
                    context["draft"] = preview_notice(debtor, **lines.selection())
                    context["pool"] = pool
                except ValidationError as error:
                    done = lines.confirmed() and selectors.receipt_paying_lines(
                        payment, **lines.selection()
                    )
                    if done:  # the form sent again: the first applied the money
                        return self.already_applied(request, payment, done)
                    messages.error(request, " ".join(error.messages))
            else:
                messages.error(request, " ".join(e for es in lines.errors.values() for e in es))
        if "draft" not in context:
            context.update(self.open_lines(debtor))
        return self.page(request, "apply_lines.html", _("Διάθεση σε οφειλές"), **context)

    def return_view(self, request, payment_id):
        """Held money set aside to be returned to the payer, with the reason."""
        payment = self.held_payment(request, payment_id)
        form = ReturnForm(
            request.POST or None, initial={"amount": payment.held, "balance": payment.held}
        )
        return self.act_on_payment(
            request,
            payment,
            form,
            lambda data: services.mark_for_return(
                payment,
                data["amount"],
                expected_balance=data["balance"],
                reason=data["reason"],
                actor=request.user,
            ),
            done=lambda payment_return: (
                gettext("Το ποσό %(amount)s σημειώθηκε προς επιστροφή.")
                % {"amount": euros(payment_return.amount)}
            ),
            title=_("Επιστροφή αδιάθετου ποσού"),
            submit=_("Σήμανση προς επιστροφή"),
        )

    def own_transfer_view(self, request, payment_id):
        """A bank credit taken off the queue as the municipality's own money, saying what it
        was (the card gateway's payout, the counter's cash deposited)."""
        payment = self.held_payment(request, payment_id)
        if hasattr(payment, "own_transfer"):  # the form sent again
            messages.info(request, gettext("Η μεταφορά του Δήμου έχει ήδη καταγραφεί."))
            return redirect(self.back_to(payment))
        form = OwnTransferForm(request.POST or None, initial={"balance": payment.held})
        return self.act_on_payment(
            request,
            payment,
            form,
            lambda data: services.record_own_transfer(
                payment,
                kind=data["kind"],
                note=data["note"],
                expected_balance=data["balance"],
                actor=request.user,
            ),
            done=lambda transfer: (
                gettext("Το ποσό %(amount)s καταγράφηκε ως «%(kind)s».")
                % {"amount": euros(transfer.amount), "kind": transfer.get_kind_display()}
            ),
            title=_("Χρήματα του Δήμου, όχι πληρωμή"),
            submit=_("Καταγραφή ως μεταφορά του Δήμου"),
        )

    def returned_view(self, request, return_id):
        """Money set aside for return recorded as gone back to the payer."""
        require(request, RESOLVE_UNAPPLIED)
        payment_return = get_object_or_404(  # a card's still the gateway's: the form says so
            PaymentReturn.objects.select_related("payment"), pk=return_id
        )
        if payment_return.status == PaymentReturn.Status.RETURNED:  # the form sent again
            return self.already_returned(request, payment_return.payment)
        payment = selectors.with_unapplied_balance(Payment.objects.all()).get(
            pk=payment_return.payment_id
        )
        form = ReturnedForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.record_returned(
                    payment_return, reference=form.cleaned_data["reference"], actor=request.user
                )
            except ValidationError as error:
                payment_return.refresh_from_db(fields=["status"])
                if payment_return.status == PaymentReturn.Status.RETURNED:  # a double click
                    return self.already_returned(request, payment)
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    gettext("Καταγράφηκε η επιστροφή %(amount)s στον πληρωτή.")
                    % {"amount": euros(payment_return.amount)},
                )
                return redirect(self.back_to(payment))
        return self.page(
            request,
            "form_page.html",
            _("Καταγραφή επιστροφής"),
            payment=payment,
            payment_return=payment_return,
            form=form,
            submit=_("Επιστράφηκε"),
        )

    def came_back_view(self, request, return_id):
        """Money returned by hand recorded as come back (the transfer bounced): to return
        again."""
        require(request, RESOLVE_UNAPPLIED)
        payment_return = get_object_or_404(
            PaymentReturn.objects.select_related("payment"), pk=return_id
        )
        payment = selectors.with_unapplied_balance(Payment.objects.all()).get(
            pk=payment_return.payment_id
        )
        if payment_return.status != PaymentReturn.Status.RETURNED:  # the form sent again
            messages.info(request, gettext("Η επιστροφή δεν είναι πια καταγεγραμμένη ως γενόμενη."))
            return redirect(self.back_to(payment))
        form = CameBackForm(
            request.POST or None, initial={"reference": payment_return.return_reference}
        )
        return self.act_on_payment(
            request,
            payment,
            form,
            lambda data: services.record_came_back(
                payment_return,
                reason=data["reason"],
                expected_reference=data["reference"],
                actor=request.user,
            ),
            done=lambda came_back: (
                gettext(
                    "Η επιστροφή %(amount)s καταγράφηκε ότι γύρισε πίσω: είναι ξανά προς επιστροφή."
                )
                % {"amount": euros(came_back.amount)}
            ),
            title=gettext("Η επιστροφή %(amount)s (%(reference)s) γύρισε πίσω")
            % {
                "amount": euros(payment_return.amount),
                "reference": payment_return.return_reference,
            },
            submit=_("Καταγραφή ότι γύρισε πίσω"),
        )

    def already_returned(self, request, payment):
        """The answer to «Επιστράφηκε» sent again after it recorded the return."""
        messages.info(request, gettext("Η επιστροφή έχει ήδη καταγραφεί."))
        return redirect(self.back_to(payment))

    # --- Staff correction: reversing a receipt ---------------------------------------------

    def reverse_receipt_view(self, request, receipt_id):
        """A receipt reversed, with the reason, after the person has seen what it reverses."""
        require(request, REVERSE_RECEIPT)
        receipt = get_object_or_404(Receipt, pk=receipt_id)
        allocation = receipt.allocations.select_related("payment").first()
        if allocation is None:
            raise Http404
        payment = allocation.payment
        form = ReverseReceiptForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                reversal = services.reverse_receipt(
                    receipt, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    format_html(
                        "{} {}",
                        gettext("Η απόδειξη %(number)s ακυρώθηκε με την ακυρωτική")
                        % {"number": receipt.display_number},
                        receipt_links(reversal),
                    ),
                )
                return redirect(self.back_to(payment))
        return self.page(
            request,
            "form_page.html",
            format_html("{} {}", _("Ακύρωση απόδειξης"), receipt.display_number),
            payment=selectors.with_unapplied_balance(Payment.objects.all()).get(pk=payment.pk),
            receipt=receipt,
            form=form,
            submit=_("Ακύρωση απόδειξης"),
            warning=_(
                "Εκδίδεται ακυρωτική απόδειξη· οι οφειλές ανοίγουν ξανά, το ειδοποιητήριο "
                "ακυρώνεται και το ποσό μένει αδιάθετο, για διάθεση ή επιστροφή."
            ),
        )


@admin.register(UnappliedPayment)
class UnappliedPaymentAdmin(PaymentHistoryAdmin):
    """Finance's queue: money received that a person must apply or return, until the return is
    recorded (a transfer's, or a card refund's the gateway refused)."""

    list_display = (
        "received_at",
        "channel",
        "reference",
        "amount",
        "held_amount",
        "held_reason",
        "to_return_amount",
        "named_reference",
        "payer",
        "debtor",
    )
    list_filter = ("channel", PaidInPartsFilter)

    def get_queryset(self, request):
        return selectors.finance_queue(super().get_queryset(request))

    @admin.display(description=_("προς επιστροφή από υπάλληλο"), ordering="to_return")
    def to_return_amount(self, payment):
        return euros(payment.to_return) if payment.to_return else "—"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(RESOLVE_UNAPPLIED)


# Registered in the admin: the card payments, and the bank statements imported.
from . import card_admin, statement_admin  # noqa: E402, F401
