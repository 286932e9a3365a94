"""The EPC QR code on a notice: what a banking app reads when it scans it (EPC069-12)."""

from decimal import Decimal

import pytest
import segno
from django.utils import translation

from debts.epc_qr import (
    MAX_NAME_LENGTH,
    CreditTransfer,
    EPCQRError,
    beneficiary_name,
    notice_qr_data_uri,
    notice_transfer,
)
from debts.models import PaymentNotice

IBAN = "GR1601101250000000012300695"
RF = "RF18539007547034"


def encodes(qr: segno.QRCode, *lines: str) -> bool:
    """Whether ``qr`` carries exactly ``lines``: the same UTF-8 text at level M draws the same
    modules, so equal matrices mean equal payloads."""
    expected = segno.make_qr("\n".join(lines).encode("utf-8"), error="m", boost_error=False)
    return qr.matrix == expected.matrix


def transfer(**fields) -> CreditTransfer:
    values = {"name": "Δήμος Θέρμης", "iban": IBAN, "amount": Decimal("12.34"), "reference": RF}
    return CreditTransfer(**(values | fields))


def test_the_payload_line_by_line():
    qr = transfer(iban="GR16 0110 1250 0000 0001 2300 695", reference="rf18 5390 0754 7034").qr()
    assert encodes(
        qr,
        "BCD",  # service tag
        "002",  # version: no BIC needed inside the EEA
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        "",  # no BIC
        "Δήμος Θέρμης",
        IBAN,  # compact, as the IBAN is written in a transfer
        "EUR12.34",
        "",  # no purpose code
        RF,  # the structured creditor reference: the RF, compact and upper case
        # and nothing after it: no unstructured remittance text
    )
    assert qr.error == "M"
    assert qr.version <= 13


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("12.34", "EUR12.34"),
        ("0.01", "EUR0.01"),
        ("1234.56", "EUR1234.56"),
        # EPC069-12 writes no trailing zeros: "EUR12.3", "EUR100".
        ("12.30", "EUR12.3"),
        ("100.00", "EUR100"),
        ("999999999.99", "EUR999999999.99"),
    ],
)
def test_amount_format(amount, written):
    qr = transfer(amount=Decimal(amount)).qr()
    assert encodes(qr, "BCD", "002", "1", "SCT", "", "Δήμος Θέρμης", IBAN, written, "", RF)


def test_a_notice_pays_the_municipality_its_total_with_its_rf(settings):
    settings.MUNICIPALITY_NAME = "Δήμος Θέρμης"
    settings.MUNICIPALITY_IBAN = IBAN
    notice = PaymentNotice(rf_code="RF45904604000000000123456", total=Decimal("1235.50"))
    assert notice_transfer(notice) == CreditTransfer(
        name="Δήμος Θέρμης",
        iban=IBAN,
        amount=Decimal("1235.50"),
        reference="RF45904604000000000123456",
    )
    assert notice_qr_data_uri(notice).startswith("data:image/png;base64,")


def test_the_beneficiary_keeps_its_greek_name_in_english(settings):
    """The bank knows the account by its holder's registered name, whatever the reader reads."""
    notice = PaymentNotice(rf_code=RF, total=Decimal("10.00"))
    with translation.override("en"):
        assert notice_transfer(notice).name == settings.MUNICIPALITY_NAME


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0.00"), "outside"),
        (Decimal("-5.00"), "outside"),
        (Decimal("1000000000.00"), "outside"),
        (Decimal("12.345"), "whole cents"),
        (12.34, "Decimal"),
    ],
)
def test_amounts_the_standard_refuses(amount, message):
    with pytest.raises(EPCQRError, match=message):
        transfer(amount=amount)


def test_an_invalid_iban_is_refused():
    with pytest.raises(EPCQRError, match="not a valid IBAN"):
        transfer(iban="GR1601101250000000012300696")


def test_a_reference_that_is_not_an_rf_is_refused():
    with pytest.raises(EPCQRError, match="not a valid RF"):
        transfer(reference="RF19539007547034")


def test_an_empty_name_is_refused():
    with pytest.raises(EPCQRError, match="empty"):
        transfer(name="  ")


def test_a_long_name_is_cut_at_a_word():
    name = "Νομικό Πρόσωπο Δημοσίου Δικαίου Κοινωφελής Επιχείρηση Ύδρευσης Αποχέτευσης Δήμου Θέρμης"
    short = beneficiary_name(name)
    assert len(short) <= MAX_NAME_LENGTH
    assert name.startswith(short) and name[len(short)] == " "
    assert transfer(name=name).name == short


def test_a_long_name_without_spaces_is_cut_at_the_limit():
    assert beneficiary_name("Θ" * 80) == "Θ" * MAX_NAME_LENGTH


def test_spaces_in_a_name_are_tidied():
    assert beneficiary_name("  Δήμος   Θέρμης ") == "Δήμος Θέρμης"
