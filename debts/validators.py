"""Validation of Greek tax ids (ΑΦΜ) and RF codes for model fields and forms."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.gr import vat

from . import rf


def normalize_afm(value: str) -> str:
    """The 9-digit ΑΦΜ from what people and systems send ("EL 068933130", "00068933130")."""
    afm = vat.compact(value or "")
    if len(afm) == 11 and afm.startswith("00"):
        afm = afm[2:]
    return afm


def validate_afm(value: str) -> None:
    """Nine digits with the mod-11 check digit; all zeros passes the check but is no one's ΑΦΜ."""
    try:
        afm = vat.validate(normalize_afm(value))
        if afm == "000000000":
            raise StdnumValidationError()
    except StdnumValidationError as error:
        raise ValidationError(
            _("Ο ΑΦΜ «%(value)s» δεν είναι έγκυρος: 9 ψηφία με σωστό ψηφίο ελέγχου."),
            code="invalid_afm",
            params={"value": value},
        ) from error


def validate_rf_code(value: str) -> None:
    try:
        rf.parse_rf(value)
    except rf.InvalidRF as error:
        raise ValidationError(
            _("Ο κωδικός RF «%(value)s» δεν είναι έγκυρος."),
            code="invalid_rf",
            params={"value": value},
        ) from error
