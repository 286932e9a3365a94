"""Money is Decimal euros with two places, rounded half-up; never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The ledger's money fields: twelve digits, two of them cents; and the largest amount they hold.
MONEY = {"max_digits": 12, "decimal_places": 2}
LARGEST = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT


def round_money(amount: Decimal) -> Decimal:
    """Round to cents, half-up, as Greek public accounting does."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def euros(amount: Decimal) -> str:
    """An amount as people read it, in the language active: «1.234,50 €»."""
    return f"{number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


def to_cents(amount: Decimal) -> int:
    """Whole cents of an amount that must already be in cents (refuses 12.345)."""
    if amount != amount.quantize(CENT):
        raise ValueError(f"{amount} is not a whole number of cents.")
    return int(amount * 100)


class LineSums:
    """The sums of ``self.items`` (notice lines, frozen or drafted) as their receipts post them
    (``NoticeItem.posted``): principal, surcharges, a settlement's interest; and their total."""

    items: list

    @property
    def principal(self) -> Decimal:
        return sum((item.posted.principal for item in self.items), ZERO)

    @property
    def surcharge(self) -> Decimal:
        return sum((item.posted.surcharge for item in self.items), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((item.posted.interest for item in self.items), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), ZERO)
