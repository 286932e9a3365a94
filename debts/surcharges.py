"""Late-payment surcharges on certified municipal debts (ΚΕΔΕ, ν.δ. 356/1974 art. 6).

The surcharge is the overdue principal times the monthly rate of each month counted after the due
date, with no compounding, rounded half-up to cents. Rates changed over the years, so each month
bears the rate in force on its first day. Whether a started month counts in full is not settled in
any public source: ``settings.SURCHARGE_MONTH_RULE`` chooses ("started", the default, or
"completed").

Who bears surcharges at all (certified debts, not παράβολα, not debts in an active settlement) is
the debt's business: see ``Debt.surcharge``. This module only does the arithmetic.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .money import ZERO, round_money

STARTED = "started"
COMPLETED = "completed"
MONTH_RULES = (STARTED, COMPLETED)


@dataclass(frozen=True)
class SurchargeRate:
    effective_from: date
    monthly_rate: Decimal
    # The most the surcharge may reach while this rate is in force, as a fraction of the principal.
    cap: Decimal | None
    source: str


# Oldest first. The days of the two oldest rows are not confirmed by a public source; the year is.
RATES: tuple[SurchargeRate, ...] = (
    SurchargeRate(date(1990, 3, 23), Decimal("0.025"), Decimal("1"), "ν.1882/1990"),
    SurchargeRate(date(1992, 1, 1), Decimal("0.03"), None, "3 % a month, cap abolished"),
    SurchargeRate(date(2005, 3, 1), Decimal("0.01"), None, "1 % a month"),
    SurchargeRate(date(2014, 1, 1), Decimal("0.0073"), None, "ν.4224/2013 art. 7 §6"),
)


def unknown_rate(due: date) -> str | None:
    """Why a debt due on ``due`` cannot be entered (no surcharge rate is known before the first
    one), or None: said alike wherever a due date comes in."""
    if due >= RATES[0].effective_from:
        return None
    return _(
        "Για λήξη πριν από %(date)s δεν υπάρχει συντελεστής προσαυξήσεων: ελέγξτε την ημερομηνία."
    ) % {"date": date_format(RATES[0].effective_from, "SHORT_DATE_FORMAT")}


class NoRateKnown(ValueError):
    """A month older than the oldest rate in the table."""


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def months_counted(due_date: date, as_of: date, rule: str | None = None) -> int:
    """How many months after ``due_date`` bear a surcharge on ``as_of``.

    Month k runs from the day after ``due_date + (k-1) months`` to ``due_date + k months``, each
    step taken from the due date itself so that month ends do not drift.
    """
    rule = rule or settings.SURCHARGE_MONTH_RULE
    if rule not in MONTH_RULES:
        raise ValueError(f"Unknown surcharge month rule {rule!r}: use one of {MONTH_RULES}.")
    if as_of <= due_date:
        return 0
    months = (as_of.year - due_date.year) * 12 + as_of.month - due_date.month + 1
    while add_months(due_date, months - 1) >= as_of:
        months -= 1
    # ``months`` months have started; the last one is complete only if it ended by as_of.
    if rule == COMPLETED and add_months(due_date, months) > as_of:
        months -= 1
    return months


def last_day_before_increase(due_date: date, as_of: date, rule: str | None = None) -> date:
    """The last day, from ``as_of`` on, on which the months counted stay what they are."""
    rule = rule or settings.SURCHARGE_MONTH_RULE
    months = months_counted(due_date, as_of, rule)
    if rule == STARTED:
        return add_months(due_date, months)
    return add_months(due_date, months + 1) - timedelta(days=1)


def surcharge(
    principal: Decimal, due_date: date, as_of: date, *, rule: str | None = None
) -> Decimal:
    """The ΚΕΔΕ surcharge on ``principal`` overdue since ``due_date``, as of ``as_of``.

    Month k bears the rate in force on its first day. The months are counted per rate, not one by
    one: the months that started before a day are ``months_counted(…, STARTED)`` of the day
    before, so each rate's share is a difference of two counts. A cap applied after each month
    comes to the same as one cap after all that rate's months, since no month subtracts.
    """
    if principal <= 0:
        return ZERO
    months = months_counted(due_date, as_of, rule)

    def started_before(day: date) -> int:
        return min(months, months_counted(due_date, day - timedelta(days=1), STARTED))

    if started_before(RATES[0].effective_from):
        first = due_date + timedelta(days=1)
        raise NoRateKnown(f"No surcharge rate is known for {first.isoformat()}.")
    total = Decimal(0)
    for rate, following in zip(RATES, [*RATES[1:], None], strict=True):
        begun = started_before(rate.effective_from)
        if begun >= months:
            break
        until = started_before(following.effective_from) if following else months
        total += principal * rate.monthly_rate * (until - begun)
        if rate.cap is not None:
            total = min(total, principal * rate.cap)
    return round_money(total)
