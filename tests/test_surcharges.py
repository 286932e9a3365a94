"""ΚΕΔΕ surcharges: worked examples across rate changes and month ends, and their properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debts import surcharges
from debts.surcharges import (
    COMPLETED,
    STARTED,
    SurchargeRate,
    add_months,
    months_counted,
    surcharge,
)

D = Decimal


@pytest.mark.parametrize(
    ("principal", "due", "as_of", "rule", "expected"),
    [
        # Paid on the due date: nothing.
        ("100.00", date(2024, 1, 31), date(2024, 1, 31), STARTED, "0.00"),
        # The day after, a month has started and counts in full: 0.73 %.
        ("100.00", date(2024, 1, 31), date(2024, 2, 1), STARTED, "0.73"),
        ("100.00", date(2024, 1, 31), date(2024, 2, 1), COMPLETED, "0.00"),
        # 31 January + 1 month is 29 February (2024 is a leap year): still the first month.
        ("100.00", date(2024, 1, 31), date(2024, 2, 29), STARTED, "0.73"),
        ("100.00", date(2024, 1, 31), date(2024, 2, 29), COMPLETED, "0.73"),
        # 1 March starts the second month.
        ("100.00", date(2024, 1, 31), date(2024, 3, 1), STARTED, "1.46"),
        ("100.00", date(2024, 1, 31), date(2024, 3, 1), COMPLETED, "0.73"),
        # Due 29 February: a year later the twelfth month ends on 28 February 2025.
        ("100.00", date(2024, 2, 29), date(2025, 2, 28), STARTED, "8.76"),
        ("100.00", date(2024, 2, 29), date(2025, 3, 1), STARTED, "9.49"),
        # Two months at 1 % (2013), then one at 0.73 % (from 1 January 2014).
        ("1000.00", date(2013, 11, 15), date(2014, 2, 10), STARTED, "27.30"),
        # First month at 3 % (it starts in February 2005), then 1 % from 1 March 2005.
        ("200.00", date(2005, 1, 31), date(2005, 4, 5), STARTED, "10.00"),
        # Half a cent rounds up: 50 × 0.73 % = 0.365.
        ("50.00", date(2024, 5, 10), date(2024, 5, 11), STARTED, "0.37"),
        # Ten years at 0.73 %: 120 started months, no cap.
        ("100.00", date(2015, 6, 30), date(2025, 6, 30), STARTED, "87.60"),
        ("100.00", date(2015, 6, 30), date(2025, 7, 1), STARTED, "88.33"),
    ],
)
def test_worked_examples(principal, due, as_of, rule, expected):
    assert surcharge(D(principal), due, as_of, rule=rule) == D(expected)


def test_default_rule_comes_from_settings(settings):
    settings.SURCHARGE_MONTH_RULE = COMPLETED
    assert surcharge(D("100.00"), date(2024, 1, 31), date(2024, 2, 1)) == D("0.00")
    settings.SURCHARGE_MONTH_RULE = STARTED
    assert surcharge(D("100.00"), date(2024, 1, 31), date(2024, 2, 1)) == D("0.73")


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="Unknown surcharge month rule"):
        months_counted(date(2024, 1, 1), date(2024, 5, 1), "daily")


def test_cap_holds_while_its_rate_is_in_force(monkeypatch):
    """ν.1882/1990 capped the surcharge at the principal; the next rate lifted the cap."""
    monkeypatch.setattr(
        surcharges,
        "RATES",
        (
            SurchargeRate(date(2000, 1, 1), D("0.25"), D("1"), "capped"),
            SurchargeRate(date(2001, 1, 1), D("0.01"), None, "uncapped"),
        ),
    )
    assert surcharge(D("100.00"), date(2000, 1, 31), date(2000, 6, 30)) == D("100.00")
    # January 2001 starts on the 1st: one more month at 1 % on top of the capped 100.
    assert surcharge(D("100.00"), date(2000, 1, 31), date(2001, 1, 1)) == D("101.00")


def test_months_before_the_oldest_rate_are_refused():
    with pytest.raises(surcharges.NoRateKnown):
        surcharge(D("10.00"), date(1989, 12, 31), date(1990, 6, 1))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


dates = st.dates(min_value=date(2014, 1, 1), max_value=date(2040, 12, 31))
principals = st.integers(min_value=1, max_value=10**9).map(lambda cents: D(cents) / 100)
any_dates = st.dates(min_value=date(1990, 3, 23), max_value=date(2040, 12, 31))


def surcharge_month_by_month(principal, due_date, as_of, rule):
    """The definition, one month at a time: month k bears the rate in force on its first day,
    capped after each month while a capped rate is in force."""
    total = D(0)
    for k in range(1, months_counted(due_date, as_of, rule) + 1):
        first_day = add_months(due_date, k - 1) + timedelta(days=1)
        rate = [rate for rate in surcharges.RATES if rate.effective_from <= first_day][-1]
        total += principal * rate.monthly_rate
        if rate.cap is not None:
            total = min(total, principal * rate.cap)
    return total.quantize(D("0.01"), rounding="ROUND_HALF_UP")


@given(principals, any_dates, st.integers(0, 15000), st.sampled_from([STARTED, COMPLETED]))
def test_counted_per_rate_as_defined_month_by_month(principal, due, days, rule):
    """Across every rate change since 1990, the cap of 1990-1991 included."""
    as_of = due + timedelta(days=days)
    assert surcharge(principal, due, as_of, rule=rule) == surcharge_month_by_month(
        principal, due, as_of, rule
    )


@given(principals, dates, st.integers(0, 4000), st.integers(0, 400))
def test_surcharge_never_decreases_with_time(principal, due, days, more):
    as_of = due + timedelta(days=days)
    later = as_of + timedelta(days=more)
    assert surcharge(principal, due, as_of) <= surcharge(principal, due, later)


@given(principals, dates, st.integers(0, 4000))
def test_started_months_bear_at_least_completed_ones(principal, due, days):
    as_of = due + timedelta(days=days)
    started = months_counted(due, as_of, STARTED)
    completed = months_counted(due, as_of, COMPLETED)
    assert completed <= started <= completed + 1
    assert surcharge(principal, due, as_of, rule=COMPLETED) <= surcharge(principal, due, as_of)


@pytest.mark.parametrize(
    ("due", "as_of", "rule", "last_day"),
    [
        # Not yet due: the first month starts the day after the due date.
        (date(2024, 1, 31), date(2024, 1, 20), STARTED, date(2024, 1, 31)),
        # In the first month (1 to 29 February 2024): the second starts on 1 March.
        (date(2024, 1, 31), date(2024, 2, 10), STARTED, date(2024, 2, 29)),
        # Completed months: the first completes on 29 February, the second on 31 March.
        (date(2024, 1, 31), date(2024, 2, 10), COMPLETED, date(2024, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29), COMPLETED, date(2024, 3, 30)),
    ],
)
def test_last_day_before_the_surcharge_grows(due, as_of, rule, last_day):
    assert surcharges.last_day_before_increase(due, as_of, rule) == last_day


@given(dates, st.integers(-60, 4000), st.sampled_from([STARTED, COMPLETED]))
def test_the_surcharge_holds_until_that_day_and_grows_the_next(due, days, rule):
    as_of = due + timedelta(days=days)
    last_day = surcharges.last_day_before_increase(due, as_of, rule)
    assert last_day >= as_of
    assert months_counted(due, last_day, rule) == months_counted(due, as_of, rule)
    assert months_counted(due, last_day + timedelta(days=1), rule) > months_counted(
        due, as_of, rule
    )
