from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.cpd import (
    CAPS,
    CATEGORIES,
    CATEGORIES_NEEDING_FIELD,
    MAX_HOURS_PER_ENTRY,
    REQUIRED_POINTS,
    CategoryCap,
    count_points,
    format_points,
    parse_hours,
)

D = Decimal
FY1 = date(2027, 5, 10)  # fiscal year 2027 of a 2027-04-01 ... 2030-03-31 cycle
FY2 = date(2028, 5, 10)
FY3 = date(2029, 5, 10)


def test_caps_of_appendix_1_1():
    assert CATEGORIES == ("A", "B", "C", "D")
    assert CAPS["A"] == CategoryCap(per_cycle=D(30), per_fiscal_year=None)
    for category in "BCD":
        assert CAPS[category] == CategoryCap(per_cycle=D(15), per_fiscal_year=D(5))
    assert CATEGORIES_NEEDING_FIELD == frozenset({"B", "C", "D"})
    assert REQUIRED_POINTS == D(30)
    assert MAX_HOURS_PER_ENTRY == D(100)


def test_worked_example_3_counts_23():
    # SPEC §9 example 3: A 10; B 8 in FY1 and 3 in FY2; C 20 in FY1; no D.
    result = count_points(
        [("A", FY1, D(10)), ("B", FY1, D(8)), ("B", FY2, D(3)), ("C", FY1, D(20))]
    )
    assert result.counted == D(23)
    assert result.by_category == {"A": D(10), "B": D(8), "C": D(5), "D": D(0)}
    assert result.counted < REQUIRED_POINTS


def test_no_entries_count_zero_in_every_category():
    result = count_points([])
    assert result.counted == 0
    assert result.by_category == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_annual_cap_applies_per_fiscal_year_not_calendar_year():
    # 31 March 2028 is still fiscal year 2027; 1 April 2028 starts fiscal year 2028.
    same_year = count_points([("B", date(2027, 4, 1), D(4)), ("B", date(2028, 3, 31), D(4))])
    assert same_year.counted == D(5)
    next_year = count_points([("B", date(2028, 3, 31), D(4)), ("B", date(2028, 4, 1), D(4))])
    assert next_year.counted == D(8)


def test_calendar_year_boundary_is_not_a_fiscal_year_boundary():
    result = count_points([("C", date(2027, 12, 31), D(4)), ("C", date(2028, 1, 1), D(4))])
    assert result.counted == D(5)


def test_category_b_c_d_reach_15_over_three_fiscal_years():
    entries = [(c, d, D(9)) for c in "BCD" for d in (FY1, FY2, FY3)]
    result = count_points(entries)
    assert result.by_category == {"A": D(0), "B": D(15), "C": D(15), "D": D(15)}
    assert result.counted == D(45)


def test_cycle_cap_of_15_bites_when_a_cycle_spans_more_fiscal_years():
    # The caller decides what is in the cycle; the cap still holds if given four years.
    entries = [("D", date(2027 + i, 6, 1), D(5)) for i in range(4)]
    assert count_points(entries).by_category["D"] == D(15)


def test_category_a_has_no_annual_cap_but_30_per_cycle():
    assert count_points([("A", FY1, D(25))]).counted == D(25)
    assert count_points([("A", FY1, D(25)), ("A", FY1, D(10))]).counted == D(30)
    assert count_points([("A", FY1, D(100))]).by_category["A"] == D(30)


def test_maximum_is_75():
    entries = [(c, d, D(100)) for c in CATEGORIES for d in (FY1, FY2, FY3)]
    assert count_points(entries).counted == D(75)


def test_fractional_hours_add_exactly():
    result = count_points([("B", FY1, D("2.25")), ("B", FY1, D("2.5")), ("A", FY1, D("0.01"))])
    assert result.by_category["B"] == D("4.75")
    assert result.counted == D("4.76")


def test_unknown_category_is_refused():
    with pytest.raises(ValueError, match="category"):
        count_points([("E", FY1, D(1))])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", D(3)),
        ("2.5", D("2.5")),
        ("2.50", D("2.5")),
        ("0.01", D("0.01")),
        ("100", D(100)),
        ("100.00", D(100)),
        (3, D(3)),
        (100, D(100)),
        (2.5, D("2.5")),
        (2.3, D("2.3")),
        (100.0, D(100)),
        (1e2, D(100)),
        (D("1.25"), D("1.25")),
    ],
)
def test_parse_hours_accepts_positive_decimals_up_to_100_with_2_places(value, expected):
    hours = parse_hours(value)
    assert hours == expected
    assert "E" not in str(hours)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "more than 0"),
        ("0", "more than 0"),
        ("0.00", "more than 0"),
        (-1, "more than 0"),
        ("-1", "more than 0"),
        (-0.5, "more than 0"),
        ("0.001", "2 decimal places"),
        (0.001, "2 decimal places"),
        ("1.005", "2 decimal places"),
        ("100.01", "at most 100"),
        (101, "at most 100"),
        (1e300, "at most 100"),
        ("abc", "a number"),
        ("1e2", "a number"),
        ("", "a number"),
        (" 3", "a number"),
        ("3.", "a number"),
        (".5", "a number"),
        ("NaN", "a number"),
        ("Infinity", "a number"),
        ("３", "a number"),
        (float("nan"), "a number"),
        (float("inf"), "a number"),
        (True, "a number"),
        (False, "a number"),
        (None, "a number"),
        ([3], "a number"),
    ],
)
def test_parse_hours_rejects_with_a_clerk_readable_message(value, message):
    with pytest.raises(ValueError, match=message):
        parse_hours(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D(23), "23"),
        (D("2.5"), "2.5"),
        (D("2.50"), "2.5"),
        (D(100), "100"),
        (D("1E+2"), "100"),
        (D(0), "0"),
        (D("0.00"), "0"),
        (D("0.01"), "0.01"),
        (D("75.00"), "75"),
    ],
)
def test_format_points_has_no_exponent_or_trailing_zeros(value, text):
    assert format_points(value) == text


hours = st.decimals(min_value=D("0.01"), max_value=D(100), places=2)
entries = st.lists(
    st.tuples(
        st.sampled_from(CATEGORIES),
        st.dates(min_value=date(2027, 4, 1), max_value=date(2030, 3, 31)),
        hours,
    ),
    max_size=30,
)


@given(entries)
def test_counted_never_exceeds_logged_nor_75(cpd):
    result = count_points(cpd)
    assert result.counted <= sum((h for _, _, h in cpd), D(0))
    assert result.counted <= D(75)
    assert result.counted == sum(result.by_category.values())
    for category, points in result.by_category.items():
        assert 0 <= points <= CAPS[category].per_cycle


@given(entries, st.tuples(st.sampled_from(CATEGORIES), st.dates(), hours))
def test_adding_an_entry_never_decreases_counted(cpd, extra):
    assert count_points([*cpd, extra]).counted >= count_points(cpd).counted


@given(entries)
def test_order_of_entries_does_not_matter(cpd):
    assert count_points(cpd) == count_points(list(reversed(cpd)))


@given(hours)
def test_parse_hours_round_trips_its_own_formatting(value):
    parsed = parse_hours(format_points(value))
    assert parsed == value
    assert format_points(parsed) == format_points(value)
