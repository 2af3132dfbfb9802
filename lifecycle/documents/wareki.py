"""和暦 (Japanese era) dates for printed documents: 令和9年4月1日.

Certificates and letters show every date in both calendars; the era changes on the day
the new era began (令和 from 2019-05-01, 平成 until 2019-04-30). The first year of an
era prints as 元年, as official documents write it. Pure: no clock, no locale.
"""

from __future__ import annotations

from datetime import date

# (first day, era name), newest first.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1873, 1, 1), "明治"),  # the Gregorian calendar's adoption in Japan
)


def era_year(d: date) -> tuple[str, int]:
    """The era and the year within it: 2027-04-01 -> ("令和", 9)."""
    for first_day, name in ERAS:
        if d >= first_day:
            return name, d.year - first_day.year + 1
    raise ValueError(f"{d.isoformat()} is before the Gregorian calendar was used in Japan")


def wareki(d: date) -> str:
    """令和9年4月1日; 令和元年5月1日 for the era's first year."""
    name, year = era_year(d)
    return f"{name}{'元' if year == 1 else year}年{d.month}月{d.day}日"


def seireki(d: date) -> str:
    """The same date in the Western calendar, written the Japanese way: 2027年4月1日."""
    return f"{d.year}年{d.month}月{d.day}日"
