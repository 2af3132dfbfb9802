from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.fiscal_calendar import (
    Period,
    Window,
    add_months,
    first_period,
    fiscal_year,
    lapse_date,
    pass_report_valid_until,
    renewal_window,
    renewed_period,
)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
# Periods always end on 31 March: that is the expiry the rules are written for.
expiries = st.integers(min_value=1990, max_value=2200).map(lambda y: date(y, 3, 31))


@pytest.mark.parametrize(
    ("d", "year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2026, 1, 1), 2025),
        (date(2026, 12, 31), 2026),
    ],
)
def test_fiscal_year_runs_1_april_to_31_march(d, year):
    assert fiscal_year(d) == year


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 4, 1), -3, date(2026, 1, 1)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2026, 6, 15), 0, date(2026, 6, 15)),
        (date(2028, 2, 29), 36, date(2031, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(d, months, expected):
    assert add_months(d, months) == expected


@pytest.mark.parametrize(
    ("issued_on", "last_day"),
    [
        (date(2026, 6, 15), date(2029, 6, 15)),
        (date(2028, 2, 29), date(2031, 2, 28)),
        (date(2028, 2, 28), date(2031, 2, 28)),
        (date(2026, 3, 31), date(2029, 3, 31)),
        (date(2026, 4, 1), date(2029, 4, 1)),
    ],
)
def test_pass_report_is_usable_until_its_third_anniversary(issued_on, last_day):
    assert pass_report_valid_until(issued_on) == last_day


@pytest.mark.parametrize(
    ("issued_on", "valid_from", "valid_until"),
    [
        (date(2026, 6, 15), date(2027, 4, 1), date(2030, 3, 31)),
        (date(2026, 4, 1), date(2027, 4, 1), date(2030, 3, 31)),
        (date(2026, 3, 31), date(2026, 4, 1), date(2029, 3, 31)),
        (date(2028, 2, 29), date(2028, 4, 1), date(2031, 3, 31)),
        (date(2026, 12, 31), date(2027, 4, 1), date(2030, 3, 31)),
    ],
)
def test_first_period_starts_on_the_first_1_april_after_issue(issued_on, valid_from, valid_until):
    assert first_period(issued_on) == Period(valid_from, valid_until)


def test_renewal_manual_example_window_and_renewed_period():
    # SPEC §9 example 1
    assert renewal_window(date(2019, 3, 31)) == Window(date(2019, 1, 1), date(2019, 2, 28))
    assert renewed_period(date(2019, 3, 31)) == Period(date(2019, 4, 1), date(2022, 3, 31))
    assert lapse_date(date(2019, 3, 31)) == date(2019, 4, 1)


def test_pass_issued_mid_june_2026():
    # SPEC §9 example 2
    issued_on = date(2026, 6, 15)
    assert pass_report_valid_until(issued_on) == date(2029, 6, 15)
    period = first_period(issued_on)
    assert period == Period(date(2027, 4, 1), date(2030, 3, 31))
    assert renewal_window(period.valid_until) == Window(date(2030, 1, 1), date(2030, 2, 28))


def test_window_closes_on_29_february_in_a_leap_year():
    assert renewal_window(date(2028, 3, 31)) == Window(date(2028, 1, 1), date(2028, 2, 29))


def test_pass_issued_29_february_2028():
    period = first_period(date(2028, 2, 29))
    assert period == Period(date(2028, 4, 1), date(2031, 3, 31))
    assert renewal_window(period.valid_until) == Window(date(2031, 1, 1), date(2031, 2, 28))


def test_pass_issued_31_march_can_outlive_its_first_window():
    # SPEC §3 edge: a late application may be decided after the window has closed.
    issued_on = date(2026, 3, 31)
    window = renewal_window(first_period(issued_on).valid_until)
    assert window.closes_on == date(2029, 2, 28)
    assert pass_report_valid_until(issued_on) > window.closes_on


def test_lapse_is_the_day_after_expiry():
    assert lapse_date(date(2030, 3, 31)) == date(2030, 4, 1)


def test_period_and_window_contain_both_ends():
    period = Period(date(2027, 4, 1), date(2030, 3, 31))
    assert period.contains(date(2027, 4, 1))
    assert period.contains(date(2030, 3, 31))
    assert not period.contains(date(2027, 3, 31))
    assert not period.contains(date(2030, 4, 1))
    window = Window(date(2030, 1, 1), date(2030, 2, 28))
    assert window.contains(date(2030, 1, 1))
    assert window.contains(date(2030, 2, 28))
    assert not window.contains(date(2029, 12, 31))
    assert not window.contains(date(2030, 3, 1))


def test_period_and_window_serialise_as_iso_dates():
    assert Period(date(2027, 4, 1), date(2030, 3, 31)).to_dict() == {
        "valid_from": "2027-04-01",
        "valid_until": "2030-03-31",
    }
    assert Window(date(2030, 1, 1), date(2030, 2, 28)).to_dict() == {
        "opens_on": "2030-01-01",
        "closes_on": "2030-02-28",
    }


def test_a_period_or_window_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(date(2030, 3, 31), date(2027, 4, 1))
    with pytest.raises(ValueError):
        Window(date(2030, 2, 28), date(2030, 1, 1))


@given(dates, st.integers(min_value=-1200, max_value=1200))
def test_add_months_lands_in_the_right_month_and_never_moves_the_day_later(d, months):
    result = add_months(d, months)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    assert result.day <= d.day


@given(dates)
def test_fiscal_year_contains_the_date(d):
    year = fiscal_year(d)
    assert date(year, 4, 1) <= d <= date(year + 1, 3, 31)


@given(dates)
def test_first_period_starts_on_1_april_strictly_after_issue(issued_on):
    period = first_period(issued_on)
    assert (period.valid_from.month, period.valid_from.day) == (4, 1)
    assert issued_on < period.valid_from <= issued_on + timedelta(days=366)


@given(dates)
def test_first_period_spans_exactly_three_fiscal_years(issued_on):
    period = first_period(issued_on)
    assert (period.valid_until.month, period.valid_until.day) == (3, 31)
    assert fiscal_year(period.valid_until) - fiscal_year(period.valid_from) == 2


@given(dates)
def test_pass_report_is_usable_until_the_same_day_three_years_later(issued_on):
    last_day = pass_report_valid_until(issued_on)
    assert (last_day.year, last_day.month) == (issued_on.year + 3, issued_on.month)
    assert last_day.day == issued_on.day or (issued_on.month, issued_on.day) == (2, 29)


@given(expiries)
def test_renewed_period_follows_on_for_three_fiscal_years(valid_until):
    period = renewed_period(valid_until)
    assert period.valid_from == valid_until + timedelta(days=1) == lapse_date(valid_until)
    assert period.valid_until == date(valid_until.year + 3, 3, 31)
    assert fiscal_year(period.valid_until) - fiscal_year(period.valid_from) == 2


@given(expiries)
def test_window_is_1_january_to_end_of_february_of_the_expiry_year(valid_until):
    window = renewal_window(valid_until)
    assert window.opens_on == date(valid_until.year, 1, 1)
    assert window.closes_on == date(valid_until.year, 3, 1) - timedelta(days=1)


@given(dates)
def test_window_opens_before_it_closes_and_closes_a_month_before_expiry(valid_until):
    window = renewal_window(valid_until)
    assert window.opens_on < window.closes_on < valid_until
    assert 28 <= (valid_until - window.closes_on).days <= 31
    assert 89 <= (valid_until + timedelta(days=1) - window.opens_on).days <= 92
