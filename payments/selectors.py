"""Reads of payments shaped for pages."""

from django.db.models import QuerySet

from debts.models import Debtor

from .models import Payment


def debtor_payments(debtor: Debtor) -> QuerySet[Payment]:
    """Every payment of ``debtor``, newest first, with the notice each one settled."""
    return Payment.objects.filter(notice__debtor=debtor).select_related("notice")
