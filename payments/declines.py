"""Why a card was refused, in words a citizen understands (the gateway's codes are for staff)."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "card_declined": _("Η τράπεζά σας απέρριψε την κάρτα."),
    "generic_decline": _("Η τράπεζά σας απέρριψε την κάρτα."),
    "insufficient_funds": _("Το διαθέσιμο υπόλοιπο της κάρτας δεν αρκεί."),
    "expired_card": _("Η κάρτα έχει λήξει."),
    "incorrect_cvc": _("Ο κωδικός ασφαλείας (CVC) δεν είναι σωστός."),
    "incorrect_number": _("Ο αριθμός της κάρτας δεν είναι σωστός."),
    "lost_card": _("Η τράπεζά σας απέρριψε την κάρτα."),
    "stolen_card": _("Η τράπεζά σας απέρριψε την κάρτα."),
    "processing_error": _("Η πληρωμή δεν ολοκληρώθηκε από σφάλμα της τράπεζας."),
    "payment_intent_authentication_failure": _(
        "Η ταυτοποίηση στην τράπεζά σας (3-D Secure) δεν ολοκληρώθηκε."
    ),
}
GENERIC = _("Η πληρωμή δεν έγινε δεκτή από την τράπεζά σας.")


def decline_reason(code: str) -> str:
    return str(REASONS.get(code, GENERIC))
