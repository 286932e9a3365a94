"""Money is Decimal euros with two places, rounded half-up; never float."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The ledger's money fields: twelve digits, two of them cents; and the largest amount they hold.
MONEY = {"max_digits": 12, "decimal_places": 2}
LARGEST = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT


def round_money(amount: Decimal) -> Decimal:
    """Round to cents, half-up, as Greek public accounting does."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def apportion(amount: Decimal, weights: list[Decimal], *, first: int = 0) -> list[Decimal]:
    """``amount`` in parts proportional to ``weights`` (money: whole cents), to the cent, adding
    up to it exactly, by the divisor method of Sainte-Laguë: cent after cent to the weight of the
    highest ``weight / (2 × its cents + 1)``, ties from the weight at ``first`` on. No part ever
    shrinks as the amount grows, so the parts of a running total less those of the total before
    are never negative, and the parts of the weights' own sum are the weights: an amount paid in
    instalments is apportioned exactly over them. (Rounding down and giving the cents left over
    to the largest remainders can take a cent back from a part as the amount grows.)"""
    cents = to_cents(amount)
    shares = [to_cents(weight) for weight in weights]
    if cents == 0 or not shares:
        return [ZERO] * len(shares)
    if not any(shares):
        shares = [1] * len(shares)
    count, total = len(shares), sum(shares)
    order = [(index - first) % count for index in range(count)]
    # Every cent whose priority is at least the one where the parts would add up; then the
    # next best cent added, or the least taken back, until they add up exactly.
    parts = [(2 * cents * share + total) // (2 * total) for share in shares]
    while sum(parts) < cents:
        best = max(
            (i for i in range(count) if shares[i]),
            key=lambda i: (Fraction(shares[i], 2 * parts[i] + 1), -order[i]),
        )
        parts[best] += 1
    while sum(parts) > cents:
        least = min(
            (i for i in range(count) if parts[i]),
            key=lambda i: (Fraction(shares[i], 2 * parts[i] - 1), -order[i]),
        )
        parts[least] -= 1
    return [Decimal(part).scaleb(-2) for part in parts]


def euros(amount: Decimal) -> str:
    """An amount as people read it, in the language active: «1.234,50 €»."""
    return f"{figures(amount)} €"


def figures(amount: Decimal) -> str:
    """An amount's figures as people read them, in the language active: «1.234,50», for a text
    that writes the € itself."""
    return number_format(amount, 2, use_l10n=True, force_grouping=True)


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
