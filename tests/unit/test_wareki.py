from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.documents.wareki import era_year, seireki, wareki


@pytest.mark.parametrize("day, expected", [
    (date(2027, 4, 1), "令和9年4月1日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(2020, 1, 1), "令和2年1月1日"),
    (date(1989, 1, 8), "平成元年1月8日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(2030, 3, 31), "令和12年3月31日"),
])
def test_wareki_switches_era_on_the_day_the_era_began(day, expected):
    assert wareki(day) == expected


def test_seireki_writes_the_western_year_the_japanese_way():
    assert seireki(date(2027, 4, 1)) == "2027年4月1日"


def test_a_date_before_the_gregorian_calendar_in_japan_is_refused():
    with pytest.raises(ValueError):
        wareki(date(1872, 12, 31))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 30)))
def test_the_era_year_never_decreases_within_an_era(day):
    name, year = era_year(day)
    next_name, next_year = era_year(day + timedelta(days=1))
    assert year >= 1
    assert next_year in (year, year + 1) if next_name == name else next_year == 1
