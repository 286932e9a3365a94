"""The citizen's card payment pages: start (or resume) paying a notice, the card form, the page
they come back to, the "in progress" page that polls, and the outcome. Each attempt is looked up
among the logged-in citizen's own (404 otherwise); the rules live in ``payments.card``."""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from debts.access import CitizenRequiredMixin
from debts.selectors import debtor_notices, notice_lines

from . import card, gateway
from .declines import decline_reason
from .models import CardAttempt

# Lazy: translated when a response says it, in that request's language, not once at import.
GATEWAY_DOWN = gettext_lazy("Η υπηρεσία πληρωμών με κάρτα δεν απαντά. Δοκιμάστε ξανά σε λίγο.")


class OwnNoticeMixin:
    """After ``CitizenRequiredMixin``: the URL's notice among the citizen's own, looked up
    before any method runs."""

    def dispatch(self, request, *args, **kwargs):
        self.notice = get_object_or_404(debtor_notices(self.debtor), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class CardStartView(CitizenRequiredMixin, OwnNoticeMixin, View):
    """The «Πληρωμή με κάρτα» button of a notice: its live attempt, or a new one."""

    def post(self, request, *args, **kwargs):
        notice = self.notice
        try:
            attempt = card.live_attempt(notice, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("citizen:notice", pk=notice.pk)
        return redirect("payments:card", attempt.public_id)


class OwnAttemptMixin:
    """After ``CitizenRequiredMixin``: the URL's attempt among the citizen's own, looked up
    before any method runs, so another's id is 404 whatever the method."""

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            CardAttempt.objects.filter(debtor=self.debtor).select_related("notice", "payment"),
            public_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def attempt(self) -> CardAttempt:
        return self.object


class CardAttemptView(CitizenRequiredMixin, OwnAttemptMixin, TemplateView):
    """One page per attempt, showing where it stands: the card form while created, «σε
    επεξεργασία» while the gateway decides, then the confirmation or the refusal."""

    def get(self, request, *args, **kwargs):
        attempt = self.attempt()
        context = self.get_context_data(attempt=attempt, notice=attempt.notice)
        closed = attempt.status == CardAttempt.Status.CREATED and card.not_payable(attempt.notice)
        if closed:
            # No card form for a notice paid or expired since the attempt began: the card would
            # be refused (``card.submit_card``); the page says so now, and changes nothing.
            context["closed"] = closed
        elif attempt.status == CardAttempt.Status.CREATED:
            context.update(
                lines=notice_lines(attempt.notice),
                stripe_js=gateway.stripe_js_url(),
                publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
                browser_flow=gateway.browser_flow(),
            )
            response = self.response_class(request, ["payments/card_pay.html"], context)
            response._csp_update = gateway.csp_origins()
            return response
        if attempt.status == CardAttempt.Status.SUCCEEDED:
            context["receipt"] = card.applied_receipt(attempt.payment, attempt.notice)
            context["refunded"] = attempt.payment.returns.exists()
        elif attempt.status == CardAttempt.Status.FAILED:
            context["reason"] = decline_reason(attempt.failure_code)
        return self.response_class(request, ["payments/card_outcome.html"], context)


class CardSubmitView(CitizenRequiredMixin, OwnAttemptMixin, View):
    """The card's id from the browser: the server charges it, and says what the browser does
    next (3-D Secure with the client secret, or the attempt's page)."""

    def post(self, request, *args, **kwargs):
        attempt = self.attempt()
        payment_method = request.POST.get("payment_method", "").strip()
        page = reverse("payments:card", args=[attempt.public_id])
        if not payment_method.startswith(("pm_", "card_")):
            return JsonResponse({"error": _("Τα στοιχεία της κάρτας δεν διαβάστηκαν.")}, status=400)
        try:
            submitted = card.submit_card(attempt, payment_method)
        except ValidationError as error:
            # The browser goes on to the attempt's page: it says why there too.
            messages.error(request, " ".join(error.messages))
            return JsonResponse({"error": " ".join(error.messages), "next": page}, status=409)
        except gateway.GatewayError:
            return JsonResponse({"error": str(GATEWAY_DOWN)}, status=502)
        intent = submitted.intent
        answer = {"status": submitted.attempt.status, "next": page}
        if intent is not None and intent.needs_action:
            answer["client_secret"] = intent.client_secret
            answer["next"] = reverse("payments:card_return", args=[attempt.public_id])
        return JsonResponse(answer)


class CardReturnView(CitizenRequiredMixin, OwnAttemptMixin, View):
    """Where the browser comes back after 3-D Secure: the intent is asked about and its outcome
    recorded (the webhook may have done it first; either way once)."""

    def get(self, request, *args, **kwargs):
        attempt = self.attempt()
        # The gateway down: the page polls, and the webhook or the sweep settle it.
        with contextlib.suppress(gateway.GatewayError):
            card.refresh_attempt(attempt, via="return page")
        return redirect("payments:card", attempt.public_id)


class CardStatusView(CitizenRequiredMixin, OwnAttemptMixin, View):
    """What the «σε επεξεργασία» page polls: the attempt's status, asked of the gateway while
    pending."""

    def get(self, request, *args, **kwargs):
        attempt = self.attempt()
        if attempt.status == CardAttempt.Status.PENDING:
            with contextlib.suppress(gateway.GatewayError):
                attempt = card.refresh_attempt(attempt, via="status page")
        return JsonResponse({"status": attempt.status, "done": not attempt.is_live})


class CardCancelView(CitizenRequiredMixin, OwnAttemptMixin, View):
    def post(self, request, *args, **kwargs):
        attempt = self.attempt()
        try:
            attempt = card.cancel_attempt(attempt, cause="cancelled by the citizen")
        except gateway.GatewayError:
            messages.error(request, GATEWAY_DOWN)
            return redirect("payments:card", attempt.public_id)
        if attempt.status == CardAttempt.Status.CANCELLED:
            messages.info(request, _("Η πληρωμή με κάρτα ακυρώθηκε. Δεν χρεώθηκε τίποτα."))
            return redirect("citizen:notice", pk=attempt.notice_id)
        return redirect("payments:card", attempt.public_id)
