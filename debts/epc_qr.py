"""The EPC QR code (EPC069-12, "SEPA credit transfer") printed on a payment notice.

A banking app that scans it fills in a transfer to the municipality's account for the notice's
exact total, with the notice's RF as the structured creditor reference. The payload is version 002
(no BIC needed inside the EEA) and always UTF-8 (character set 1; segno would otherwise pick the
smallest set that fits, ISO 8859-7 for Greek), and carries no unstructured text: the standard
allows a reference or a text, never both.
"""

from dataclasses import dataclass
from decimal import Decimal

import segno
from django.conf import settings
from segno.helpers import make_epc_qr
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumValidationError

from .models import PaymentNotice
from .money import CENT
from .rf import InvalidRF, validate_rf

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
MAX_NAME_LENGTH = 70
# Each module of the code is this many pixels: sharp enough on paper even where a PDF viewer
# smooths the picture it enlarges.
PIXELS_PER_MODULE = 4


class EPCQRError(ValueError):
    """A transfer the EPC QR standard cannot carry."""


def beneficiary_name(name: str) -> str:
    """``name`` within the standard's 70 characters, cut at a word boundary when it is longer."""
    name = " ".join(name.split())
    if not name:
        raise EPCQRError("The beneficiary name is empty.")
    if len(name) <= MAX_NAME_LENGTH:
        return name
    cut = name[: MAX_NAME_LENGTH + 1].rsplit(" ", 1)[0]
    return cut if len(cut) <= MAX_NAME_LENGTH else name[:MAX_NAME_LENGTH]


@dataclass(frozen=True)
class CreditTransfer:
    """A SEPA credit transfer as EPC069-12 carries it, validated on creation."""

    name: str
    iban: str
    amount: Decimal
    reference: str

    def __post_init__(self):
        try:
            iban = stdnum_iban.validate(self.iban)
        except StdnumValidationError as error:
            raise EPCQRError(f"«{self.iban}» is not a valid IBAN: {error}") from error
        if not isinstance(self.amount, Decimal) or self.amount != self.amount.quantize(CENT):
            raise EPCQRError(f"The amount {self.amount!r} is not a Decimal of whole cents.")
        if not MIN_AMOUNT <= self.amount <= MAX_AMOUNT:
            raise EPCQRError(
                f"The amount {self.amount} € is outside what an EPC QR code carries "
                f"({MIN_AMOUNT} to {MAX_AMOUNT} €)."
            )
        try:
            reference = validate_rf(self.reference)
        except InvalidRF as error:
            raise EPCQRError(str(error)) from error
        object.__setattr__(self, "name", beneficiary_name(self.name))
        object.__setattr__(self, "iban", iban)
        object.__setattr__(self, "reference", reference)

    def qr(self) -> segno.QRCode:
        """The QR code, built by segno at the error correction level the standard requires."""
        return make_epc_qr(
            name=self.name,
            iban=self.iban,
            amount=self.amount,
            reference=self.reference,
            encoding="utf-8",
        )


def notice_transfer(notice: PaymentNotice) -> CreditTransfer:
    """The transfer that pays ``notice``: its total, its RF, to the municipality's account.

    The beneficiary is the account holder's registered (Greek) name whatever the reader's
    language, as the bank knows the account by it.
    """
    return CreditTransfer(
        name=settings.MUNICIPALITY_NAME,
        iban=settings.MUNICIPALITY_IBAN,
        amount=notice.total,
        reference=notice.rf_code,
    )


def notice_qr_data_uri(notice: PaymentNotice) -> str:
    """The notice's EPC QR code as a PNG data URI, with its quiet zone, for the PDF's HTML."""
    return notice_transfer(notice).qr().png_data_uri(scale=PIXELS_PER_MODULE, border=4)
