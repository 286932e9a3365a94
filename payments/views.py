"""The citizen's payment history."""

from django.views.generic import ListView

from debts.access import CitizenRequiredMixin

from .selectors import debtor_payments


class PaymentHistoryView(CitizenRequiredMixin, ListView):
    template_name = "payments/history.html"
    context_object_name = "payments"
    paginate_by = 50

    def get_queryset(self):
        return debtor_payments(self.debtor)
