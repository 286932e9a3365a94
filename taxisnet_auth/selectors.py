"""What the TaxisNet login reads about accounts and cards."""

from debts.models import Debtor


def is_tied_to_an_account(afm: str) -> bool:
    """Whether the card of ``afm`` is already tied to a portal account."""
    return Debtor.objects.filter(afm=afm, user__isnull=False).exists()
