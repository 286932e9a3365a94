"""RF codes: the published ISO 11649 vectors, the DIAS layout, and properties of every code."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debts import rf

PUBLISHED = ["RF18539007547034", "RF60ISO11649", "RF96TU06FX", "RF14X2HU4TC28XTYLHASYWT91"]

identifiers = st.integers(min_value=0, max_value=10**15 - 1)
creditor_codes = st.from_regex(r"\A[0-9]{4}\Z")
amounts = st.integers(min_value=1, max_value=10**10).map(lambda cents: Decimal(cents) / 100)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_vectors_validate(code):
    assert rf.validate_rf(code) == code


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_vectors_are_not_municipal_layout(code):
    with pytest.raises(rf.InvalidRF, match="not one a municipality issues"):
        rf.parse_rf(code)


def test_printed_form_is_read_case_insensitively_with_spaces():
    assert rf.validate_rf("rf18 5390 0754 7034") == "RF18539007547034"
    assert rf.format_rf("RF18539007547034") == "RF18 5390 0754 7034"


@pytest.mark.parametrize(
    "value",
    ["", "RF", "RF00539007547034", "RF18539007547035", "XX18539007547034", "RF18 5390 0754 7O34"],
)
def test_malformed_codes_are_refused(value):
    with pytest.raises(rf.InvalidRF):
        rf.validate_rf(value)


def test_layout_of_a_municipal_code():
    code = rf.make_rf(42, creditor_code="0460", amount=Decimal("123.45"))
    assert len(code) == 25
    assert code[4:] == "9" + "0460" + str(rf.amount_check_digit(Decimal("123.45"))) + f"{42:015d}"
    assert rf.parse_rf(code) == rf.RFParts(
        "0460", rf.amount_check_digit(Decimal("123.45")), f"{42:015d}"
    )


@pytest.mark.parametrize(
    ("amount", "digit"),
    [
        # cents 12345, read from the right with weights 1,7,3,1,7: 5+28+9+2+7 = 51 → 51 mod 8 = 3
        (Decimal("123.45"), 3),
        # cents 1: 1 → 1
        (Decimal("0.01"), 1),
        # cents 4500: 0+0+15+4 = 19 → 3
        (Decimal("45.00"), 3),
        # cents 100000: five zeros, then 1 at the sixth place from the right, weight 3 → 3
        (Decimal("1000.00"), 3),
        # cents 98765: 5·1 + 6·7 + 7·3 + 8·1 + 9·7 = 139 → 3
        (Decimal("987.65"), 3),
    ],
)
def test_amount_check_digit_worked_examples(amount, digit):
    assert rf.amount_check_digit(amount) == digit


def test_amount_check_ties_the_code_to_its_amount():
    code = rf.make_rf(7, creditor_code="0460", amount=Decimal("45.00"))
    assert rf.accepts_amount(code, Decimal("45.00"))
    assert not rf.accepts_amount(code, Decimal("45.01"))
    open_code = rf.make_rf(7, creditor_code="0460")
    assert rf.parse_rf(open_code).amount_check == rf.NO_AMOUNT_CHECK
    assert rf.accepts_amount(open_code, Decimal("45.01"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"identifier": 1, "creditor_code": "46", "amount": None}, "four digits"),
        ({"identifier": 10**15, "creditor_code": "0460", "amount": None}, "15 digits"),
        ({"identifier": -1, "creditor_code": "0460", "amount": None}, "15 digits"),
        ({"identifier": 1, "creditor_code": "0460", "amount": Decimal("0")}, "positive"),
        ({"identifier": 1, "creditor_code": "0460", "amount": Decimal("1.005")}, "cents"),
    ],
)
def test_make_rf_refuses_bad_input(kwargs, message):
    identifier = kwargs.pop("identifier")
    with pytest.raises(ValueError, match=message):
        rf.make_rf(identifier, **kwargs)


@given(identifiers, creditor_codes, st.none() | amounts)
def test_every_generated_code_validates(identifier, creditor_code, amount):
    code = rf.make_rf(identifier, creditor_code=creditor_code, amount=amount)
    assert len(code) == 25
    assert rf.validate_rf(code) == code
    parts = rf.parse_rf(code)
    assert (parts.creditor_code, int(parts.identifier)) == (creditor_code, identifier)
    assert rf.validate_rf(rf.format_rf(code).lower()) == code


@given(identifiers, amounts, st.integers(min_value=2, max_value=24), st.integers(1, 9))
def test_one_changed_digit_never_validates(identifier, amount, position, delta):
    code = rf.make_rf(identifier, creditor_code="0460", amount=amount)
    digit = (int(code[position]) + delta) % 10
    changed = code[:position] + str(digit) + code[position + 1 :]
    with pytest.raises(rf.InvalidRF):
        rf.validate_rf(changed)
