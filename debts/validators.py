"""Validation of Greek tax ids (ΑΦΜ), RF codes and property identifiers for fields and forms."""

import re

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


def afm_typed(term: str) -> str:
    """The ΑΦΜ a search term is, as stored ("EL 068 933 130" is 068933130), else ""."""
    afm = normalize_afm(term.strip())
    return afm if len(afm) == 9 and afm.isdigit() else ""


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


KAEK = re.compile(r"[0-9]{12}(/[0-9]+/[0-9]+)?")
SUPPLY_NUMBER = re.compile(r"[0-9]{8,12}")


def validate_kaek(value: str) -> None:
    """The cadastral code (ΚΑΕΚ): 12 digits, and /floor/number for a horizontal property."""
    if not KAEK.fullmatch(value):
        raise ValidationError(
            _(
                "Ο ΚΑΕΚ «%(value)s» δεν είναι έγκυρος: 12 ψηφία, π.χ. 190451816008 ή 190451816008/0/2."
            ),
            code="invalid_kaek",
            params={"value": value},
        )


def validate_supply_number(value: str) -> None:
    """The electricity supply number (αριθμός παροχής), digits only as stored."""
    if not SUPPLY_NUMBER.fullmatch(value):
        raise ValidationError(
            _("Ο αριθμός παροχής «%(value)s» δεν είναι έγκυρος: 8 έως 12 ψηφία."),
            code="invalid_supply_number",
            params={"value": value},
        )
