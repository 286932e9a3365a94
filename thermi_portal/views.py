"""Pages that belong to no single app: the home page, the health check, and the citizen's pages
that show what several apps hold (the overview, kept in the cache, and the card)."""

from datetime import date

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.generic import TemplateView, View

from debts import selectors
from debts.access import CitizenRequiredMixin, debtor_of
from debts.tap import debtor_properties
from payments.selectors import debtor_payments, paid_with

from . import ledger_cache


class HomeView(TemplateView):
    """What the portal does and how to log in; a citizen already logged in goes to their debts."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if debtor_of(request.user) is not None:
            return redirect("citizen:overview")
        return super().get(request, *args, **kwargs)


def health(request):
    """Liveness and database readiness, for the load balancer and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class OverviewView(CitizenRequiredMixin, View):
    """What the citizen owes today, grouped as the municipality presents it.

    The page is kept rendered under the version of the debtor's ledger, the day and the language
    (``thermi_portal.ledger_cache``); a request with messages to show, or a query string, gets it
    rendered afresh.
    """

    template_name = "portal/overview.html"

    def get(self, request, *args, **kwargs):
        as_of = timezone.localdate()
        if not ledger_cache.can_be_kept(request):
            return TemplateResponse(request, self.template_name, self._context(as_of))
        return ledger_cache.kept_page(
            request, self.debtor, as_of, self.template_name, lambda: self._context(as_of)
        )

    def _context(self, as_of: date) -> dict:
        return {"overview": selectors.debtor_overview(self.debtor, as_of)}


class DebtorCardView(CitizenRequiredMixin, TemplateView):
    """The ledger card the municipality keeps: identity, every debt ever, settlements, payments."""

    template_name = "portal/card.html"

    def get_context_data(self, **kwargs):
        card = selectors.debtor_card(self.debtor)
        allocations = paid_with(self.debtor)
        # Each debt and installment carries the allocations (and receipts) that paid it.
        for row in card.debts:
            row.debt.paid_with = allocations.debts.get(row.debt.pk, [])
        for settlement in card.settlements:
            for installment in settlement.installments.all():
                installment.paid_with = allocations.installments.get(installment.pk, [])
        return super().get_context_data(
            card=card,
            payments=debtor_payments(self.debtor),
            properties=debtor_properties(self.debtor),
            **kwargs,
        )
