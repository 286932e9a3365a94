"""The citizen's pages of the receivables alone: their notices and their παράβολα; and the
public page that explains how surcharges are computed.

The pages that show what several apps hold (the overview, kept in the cache, and the card with its
payments) are the portal's (``thermi_portal.views``), which also puts these under the ``citizen``
namespace. Views stay thin: reads come from ``debts.selectors``, changes from ``debts.services``.
Every object is looked up among the logged-in citizen's own (``self.debtor``) before any method
runs, so another citizen's id is simply not found (404), whether it is read or posted to.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from . import selectors, services
from .access import CitizenRequiredMixin
from .forms import NoticeConfirmForm, NoticeSelectionForm
from .models import PaymentNotice
from .notice_pdf import render_notice_pdf


class NoticeListView(CitizenRequiredMixin, ListView):
    template_name = "debts/notice_list.html"
    context_object_name = "notices"
    paginate_by = 50

    def get_queryset(self):
        return selectors.debtor_notices(self.debtor)


class ObjectLookupMixin:
    """The object of the URL's ``pk``, looked up before any method runs.

    It comes after ``CitizenRequiredMixin`` in the bases, so ``lookup_queryset`` can filter by
    ``self.debtor``: an id outside it is 404 for GET and POST alike.
    """

    def lookup_queryset(self):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(self.lookup_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class OwnNoticeMixin(ObjectLookupMixin):
    def lookup_queryset(self):
        return selectors.debtor_notices(self.debtor).select_related("debtor")


class NoticeDetailView(CitizenRequiredMixin, OwnNoticeMixin, TemplateView):
    template_name = "debts/notice_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            notice=self.object,
            lines=selectors.notice_lines(self.object),
            payable=self.object.current_status == PaymentNotice.Status.OPEN,
            **kwargs,
        )


class NoticePdfView(CitizenRequiredMixin, OwnNoticeMixin, View):
    """The printable notice; ``?download=1`` saves it instead of opening it."""

    def get(self, request, *args, **kwargs):
        response = HttpResponse(render_notice_pdf(self.object), content_type="application/pdf")
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{self.object.rf_code}.pdf"'
        return response


def _selection_query(form) -> str:
    """The picked ids as a query string, to come back to the choice with them still ticked."""
    return urlencode(
        {"debts": form.cleaned_data["debts"], "installments": form.cleaned_data["installments"]},
        doseq=True,
    )


class NoticeNewView(CitizenRequiredMixin, TemplateView):
    """Step one, the choice of debts and installments; posting it shows step two, the review.

    Nothing is written before the citizen confirms the review (``NoticeConfirmView``).
    """

    template_name = "debts/notice_new.html"

    def get(self, request, *args, **kwargs):
        form = NoticeSelectionForm(request.GET or None)
        return self._choice(form if form.is_valid() else None)

    def post(self, request, *args, **kwargs):
        form = NoticeSelectionForm(request.POST)
        if form.is_valid():
            try:
                draft = services.preview_notice(self.debtor, **form.selection())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                change_url = f"{reverse('citizen:notice_new')}?{_selection_query(form)}"
                return TemplateResponse(
                    request,
                    "debts/notice_review.html",
                    self.get_context_data(draft=draft, form=form, change_url=change_url),
                )
        return self._choice(form)

    def _choice(self, form):
        # A refused choice comes back still ticked, as far as its ids could be read.
        picked = getattr(form, "cleaned_data", {})
        return self.render_to_response(
            self.get_context_data(
                overview=selectors.debtor_overview(self.debtor, timezone.localdate()),
                form=form,
                picked_debts=set(picked.get("debts", ())),
                picked_installments=set(picked.get("installments", ())),
            )
        )


class NoticeConfirmView(CitizenRequiredMixin, View):
    """Builds the reviewed notice; a confirmation sent twice shows the notice the first built."""

    def post(self, request, *args, **kwargs):
        form = NoticeConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect("citizen:notice_new")
        try:
            notice = services.build_notice(
                self.debtor,
                **form.selection(),
                created_by=request.user,
                expected_total=form.cleaned_data["total"],
            )
        except ValidationError as error:
            return self._refused(form, error)
        messages.success(
            request,
            _(
                "Δημιουργήθηκε το ειδοποιητήριο %(rf)s: %(total)s € έως %(date)s. Πληρώστε το με "
                "τον κωδικό RF σε οποιαδήποτε τράπεζα."
            )
            % {
                "rf": notice.formatted_rf,
                "total": number_format(notice.total, decimal_pos=2),
                "date": date_format(notice.valid_until, "SHORT_DATE_FORMAT"),
            },
        )
        return redirect("citizen:notice", pk=notice.pk)

    def _refused(self, form, error: ValidationError):
        if error.code == "already_on_notice":
            notice = selectors.open_notice_holding(
                self.debtor,
                debt_ids=form.cleaned_data["debts"],
                installment_ids=form.cleaned_data["installments"],
            )
            if notice is not None:
                messages.info(
                    self.request,
                    _("Το ειδοποιητήριο για αυτές τις οφειλές έχει ήδη δημιουργηθεί: είναι αυτό."),
                )
                return redirect("citizen:notice", pk=notice.pk)
        messages.error(self.request, " ".join(error.messages))
        return redirect(f"{reverse('citizen:notice_new')}?{_selection_query(form)}")


class ParavoloListView(CitizenRequiredMixin, ListView):
    template_name = "debts/paravolo_list.html"
    context_object_name = "paravolo_types"

    def get_queryset(self):
        return selectors.active_paravolo_types()


class ParavoloIssueView(CitizenRequiredMixin, ObjectLookupMixin, TemplateView):
    """Confirm, then issue a παράβολο with its notice; a type no longer issued is not found."""

    template_name = "debts/paravolo_issue.html"

    def lookup_queryset(self):
        return selectors.active_paravolo_types()

    def get_context_data(self, **kwargs):
        return super().get_context_data(paravolo_type=self.object, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            issued = services.issue_paravolo(self.debtor, self.object, created_by=request.user)
        except ValidationError as error:  # withdrawn between the page and the click
            messages.error(request, " ".join(error.messages))
            return redirect("citizen:paravola")
        notice = issued.notice
        if issued.created:
            messages.success(
                request,
                _("Εκδόθηκε το παράβολο «%(name)s». Πληρώστε το με τον κωδικό %(rf)s.")
                % {"name": self.object.display_name, "rf": notice.formatted_rf},
            )
        else:
            messages.info(
                request,
                _(
                    "Έχετε ήδη απλήρωτο παράβολο «%(name)s»: πληρώστε αυτό, με τον κωδικό RF "
                    "%(rf)s. Μετά την πληρωμή του μπορείτε να εκδώσετε νέο."
                )
                % {"name": self.object.display_name, "rf": notice.formatted_rf},
            )
        return redirect("citizen:notice", pk=notice.pk)


class SurchargesView(TemplateView):
    """How surcharges are computed: the same for everyone, so public, and apart from the overview
    that links it, which stays the citizen's own figures."""

    template_name = "debts/surcharges.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(surcharges=selectors.surcharge_explanation(), **kwargs)
