"""RF payment references (ISO 11649) in the layout Greek banks carry through DIAS.

A municipality's RF is 25 characters, all digits after ``RF``::

    RF  cc  9  CCCC  a  iiiiiiiiiiiiiii
        |   |  |     |  the 15-digit payment identifier
        |   |  |     the amount-check digit (8: no amount check)
        |   |  the creditor code DIAS assigns to the municipality
        |   fixed
        ISO 7064 MOD 97-10 check digits

With an amount-check digit a bank refuses any other amount, so one RF stands for one amount.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.iso7064 import mod_97_10

from .money import to_cents

NO_AMOUNT_CHECK = 8
IDENTIFIER_DIGITS = 15
_AMOUNT_WEIGHTS = (1, 7, 3)


class InvalidRF(ValueError):
    """A value that is not an RF of the municipality's layout."""


@dataclass(frozen=True)
class RFParts:
    creditor_code: str
    amount_check: int
    identifier: str


def amount_check_digit(amount: Decimal | None) -> int:
    """DIAS's amount-check digit: cents read from the right, weighted 1, 7, 3, …, sum mod 8."""
    if amount is None:
        return NO_AMOUNT_CHECK
    if amount <= 0:
        raise ValueError("An RF amount must be positive.")
    digits = reversed(str(to_cents(amount)))
    return sum(int(d) * _AMOUNT_WEIGHTS[i % 3] for i, d in enumerate(digits)) % 8


def make_rf(identifier: int, *, creditor_code: str, amount: Decimal | None = None) -> str:
    """Build the compact RF for a payment identifier, tied to ``amount`` when one is given."""
    if not (len(creditor_code) == 4 and creditor_code.isdigit()):
        raise ValueError("The creditor code must be four digits.")
    if not 0 <= identifier < 10**IDENTIFIER_DIGITS:
        raise ValueError(f"The payment identifier must fit in {IDENTIFIER_DIGITS} digits.")
    payload = f"9{creditor_code}{amount_check_digit(amount)}{identifier:0{IDENTIFIER_DIGITS}d}"
    return "RF" + mod_97_10.calc_check_digits(payload + "RF") + payload


def compact_rf(value: str) -> str:
    """Upper-case ``value`` and drop spaces, as banks and people write RFs in groups of four."""
    return iso11649.compact(value)


# What ``stdnum.iso11649.compact`` drops, and the shape of an RF once compact.
_SEPARATORS = str.maketrans("", "", " -.,/:")
_COMPACT_RF = re.compile(r"RF[0-9A-Z]{3,23}")


def validate_rf(value: str) -> str:
    """Return the compact RF if ``value`` is a valid ISO 11649 reference, else raise InvalidRF.

    An RF in plain ASCII is checked here (a bank file carries thousands, and stdnum's cleaning of
    any Unicode costs several times the check); anything else goes to stdnum, which says why.
    """
    compact = value.translate(_SEPARATORS).upper().strip()
    if _COMPACT_RF.fullmatch(compact) and mod_97_10.checksum(compact[4:] + compact[:4]) == 1:
        return compact
    try:
        return iso11649.validate(value)
    except StdnumValidationError as error:
        raise InvalidRF(f"«{value}» is not a valid RF code: {error}") from error


def parse_rf(value: str) -> RFParts:
    """Split a municipality RF into its parts; any other valid RF is refused."""
    rf = validate_rf(value)
    payload = rf[4:]
    if len(rf) != 25 or not payload.isdigit() or payload[0] != "9":
        raise InvalidRF(f"«{value}» is a valid RF but not one a municipality issues through DIAS.")
    return RFParts(creditor_code=payload[1:5], amount_check=int(payload[5]), identifier=payload[6:])


def accepts_amount(value: str, amount: Decimal) -> bool:
    """Whether a bank would accept ``amount`` for this RF (always, with no amount check)."""
    check = parse_rf(value).amount_check
    return check == NO_AMOUNT_CHECK or (amount > 0 and check == amount_check_digit(amount))


def format_rf(value: str) -> str:
    """The RF in groups of four, as printed on notices."""
    return iso11649.format(value)
