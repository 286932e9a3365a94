"""The verification code of a receipt as people read it, type it and scan it."""

import re

from django.conf import settings
from django.urls import reverse

from .models import Certificate, Receipt

GROUP = 4
# A code typed with the Greek keyboard layout on: each Greek letter read as the Latin letter of
# its key (α→A, κ→K, ψ→C, ς→W…). Only the Q key is lost: it types a semicolon.
GREEK_KEYS = str.maketrans(
    "αβψδεφγηιξκλμνοπρστθωςχυζΑΒΨΔΕΦΓΗΙΞΚΛΜΝΟΠΡΣΤΘΩΧΥΖ",
    "ABCDEFGHIJKLMNOPRSTUVWXYZABCDEFGHIJKLMNOPRSTUVXYZ",
)


def normalise_code(typed: str) -> str:
    """The code as stored, however it was typed: lower case, in groups, with hyphens, or with
    the Greek keyboard layout on."""
    return re.sub(r"[^0-9A-Z]", "", typed.translate(GREEK_KEYS).upper())


def grouped_code(code: str) -> str:
    """«ABCD EFGH JKMN»: groups of four are read off paper and typed without losing one's place."""
    return " ".join(code[start : start + GROUP] for start in range(0, len(code), GROUP))


def verification_url(document: Receipt | Certificate) -> str:
    """The absolute address of a receipt's or certificate's public verification page, in the
    active language."""
    path = reverse("receipts:verify", args=[document.verification_code])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def receipt_by_code(typed: str) -> Receipt | None:
    """The receipt whose code was typed, with the receipts it reverses or is reversed by."""
    try:
        return Receipt.objects.select_related("reverses", "reversed_by").get(
            verification_code=normalise_code(typed)
        )
    except Receipt.DoesNotExist:
        return None


def certificate_by_code(typed: str) -> Certificate | None:
    """The certificate whose code was typed, with its revocation if any."""
    return (
        Certificate.objects.select_related("revocation")
        .filter(verification_code=normalise_code(typed))
        .first()
    )
