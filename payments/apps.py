from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Πληρωμές")

    def ready(self):
        from debts import ledger_cache

        from .models import Payment

        # A payment marks its notice and debts paid, which bump too; this keeps the rule whole.
        ledger_cache.watch(Payment, lambda payment: payment.notice.debtor_id)
