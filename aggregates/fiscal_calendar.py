"""The fiscal year (年度, 1 April - 31 March) and the periods built on it, SPEC §3.

Pure date arithmetic: every function takes the business date it needs, never the clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

CYCLE_FISCAL_YEARS = 3
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A certification period (認定期間), both ends inclusive."""

    valid_from: date
    valid_until: date

    def __post_init__(self) -> None:
        if self.valid_until < self.valid_from:
            raise ValueError(f"period ends {self.valid_until} before it starts {self.valid_from}")

    def contains(self, d: date) -> bool:
        return self.valid_from <= d <= self.valid_until

    def to_dict(self) -> dict[str, str]:
        return {
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
        }


@dataclass(frozen=True)
class Window:
    """The renewal window (更新申請期間), both ends inclusive."""

    opens_on: date
    closes_on: date

    def __post_init__(self) -> None:
        if self.closes_on < self.opens_on:
            raise ValueError(f"window closes {self.closes_on} before it opens {self.opens_on}")

    def contains(self, d: date) -> bool:
        return self.opens_on <= d <= self.closes_on

    def to_dict(self) -> dict[str, str]:
        return {"opens_on": self.opens_on.isoformat(), "closes_on": self.closes_on.isoformat()}


def fiscal_year(d: date) -> int:
    """年度: the year in which the fiscal year containing `d` began."""
    return d.year if d.month >= 4 else d.year - 1


@lru_cache(maxsize=4096)
def add_months(d: date, months: int) -> date:
    """The same day `months` calendar months away, clamped to the end of a shorter month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def pass_report_valid_until(issued_on: date) -> date:
    """Last day the exam result report (試験結果レポート) may be used: its 3rd anniversary.

    Civil Code arts. 140/143: the issue day is not counted, and a period ending on a day the
    month lacks (29 February) ends on that month's last day - add_months clamps exactly so.
    """
    return add_months(issued_on, 12 * CYCLE_FISCAL_YEARS)


def _three_fiscal_years_from(valid_from: date) -> Period:
    last_fiscal_year = fiscal_year(valid_from) + CYCLE_FISCAL_YEARS - 1
    return Period(valid_from, date(last_fiscal_year + 1, 3, 31))


def first_period(issued_on: date) -> Period:
    """First certification period: from the first 1 April strictly after the pass report's
    issue date, for 3 fiscal years - whenever the application itself is filed."""
    return _three_fiscal_years_from(date(fiscal_year(issued_on) + 1, 4, 1))


@lru_cache(maxsize=4096)  # few distinct expiry dates; read models ask for each many times
def renewal_window(valid_until: date) -> Window:
    """更新申請期間: from 3 months to 1 month before expiry (1 January - end of February)."""
    expiry = valid_until + ONE_DAY
    return Window(add_months(expiry, -3), add_months(expiry, -1) - ONE_DAY)


def renewed_period(valid_until: date) -> Period:
    """The period after a renewal: from the renewal date (認定更新日) for 3 fiscal years."""
    return _three_fiscal_years_from(valid_until + ONE_DAY)


def lapse_date(valid_until: date) -> date:
    """First day on which an unrenewed certification is lapsed (失効)."""
    return valid_until + ONE_DAY
