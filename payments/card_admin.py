"""The card payments in the admin: the attempts with their recorded transitions, the gateway's
events as received (read only), and finance's refund to the card, an action on a paid attempt
whose form states the amount still refundable."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from debts.admin import ReadOnlyInline, ReadOnlyMixin
from debts.money import figures

from . import card
from .models import CardAttempt, CardAttemptChange, GatewayEvent
from .services import unapplied_balance

REFUND_CARD_PAYMENT = "payments.refund_card_payment"


class CardRefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Ποσό επιστροφής (€)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    reverse = forms.BooleanField(
        label=_("Ακύρωση της απόδειξης"),
        required=False,
        help_text=_(
            "Οι οφειλές που εξόφλησε η πληρωμή ανοίγουν ξανά· ό,τι δεν επιστραφεί μένει αδιάθετο, "
            "για να διατεθεί ξανά."
        ),
    )
    reason = forms.CharField(label=_("Αιτιολογία"), widget=forms.Textarea(attrs={"rows": 3}))
    # What the page showed as refundable: a second post, or one after another refund, is refused.
    refundable = forms.DecimalField(max_digits=12, decimal_places=2, widget=forms.HiddenInput)


class CardAttemptChangeInline(ReadOnlyInline):
    model = CardAttemptChange
    fields = ("at", "from_status", "to_status", "cause", "actor")
    show_change_link = False


@admin.register(CardAttempt)
class CardAttemptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "notice", "debtor", "amount", "status", "intent_id", "payment")
    list_filter = ("status",)
    search_fields = ("intent_id", "notice__rf_code", "debtor__afm")
    list_select_related = ("notice", "debtor", "payment")
    inlines = [CardAttemptChangeInline]
    actions = ["refund"]

    def has_refund_permission(self, request):
        return request.user.has_perm(REFUND_CARD_PAYMENT)

    @admin.action(description=_("Επιστροφή στην κάρτα"), permissions=["refund"])
    def refund(self, request, queryset):
        paid = list(queryset.filter(status=CardAttempt.Status.SUCCEEDED)[:2])
        if len(paid) != 1 or queryset.count() != 1:
            messages.error(request, gettext("Επιλέξτε μία πληρωμή με κάρτα που πληρώθηκε."))
            return None
        return redirect("admin:payments_cardattempt_refund", paid[0].pk)

    def get_urls(self):
        view = self.admin_site.admin_view(self.refund_view)
        return [
            path("<int:attempt_id>/refund/", view, name="payments_cardattempt_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request, attempt_id):
        if not self.has_refund_permission(request):
            raise PermissionDenied
        attempt = get_object_or_404(
            CardAttempt.objects.select_related("payment"),
            pk=attempt_id,
            status=CardAttempt.Status.SUCCEEDED,
        )
        payment = attempt.payment
        payment.held = unapplied_balance(payment)
        refundable = card.refundable(payment)
        form = CardRefundForm(
            request.POST or None,
            initial={"amount": refundable, "refundable": refundable, "reverse": payment.held == 0},
        )
        if request.method == "POST" and form.is_valid():
            try:
                card.refund_card_payment(
                    payment,
                    amount=form.cleaned_data["amount"],
                    expected_refundable=form.cleaned_data["refundable"],
                    reverse=form.cleaned_data["reverse"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "Η επιστροφή %(amount)s € στην κάρτα καταχωρίστηκε και στέλνεται στην "
                        "πύλη πληρωμών: η πληρωμή δείχνει πότε επιστράφηκε."
                    )
                    % {"amount": figures(form.cleaned_data["amount"])},
                )
                return redirect(reverse("admin:payments_payment_change", args=[payment.pk]))
        return TemplateResponse(
            request,
            "admin/payments/form_page.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Επιστροφή στην κάρτα"),
                "opts": self.opts,
                "payment": payment,
                "form": form,
                "warning": gettext("Μπορούν να επιστραφούν έως %(amount)s €.")
                % {"amount": figures(refundable)},
                "submit": _("Επιστροφή"),
            },
        )


@admin.register(GatewayEvent)
class GatewayEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "signature_valid", "processed_at", "result")
    list_filter = ("signature_valid", "type")
    search_fields = ("event_id", "result")
