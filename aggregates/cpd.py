"""CPD points (継続教育・学習ポイント) and their caps (別紙1-1), SPEC §5.

1 hour of learning is 1 point. Categories B-D are capped per fiscal year and per cycle;
category A (courses certified or hosted by the body) only per cycle.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from aggregates.fiscal_calendar import fiscal_year


@dataclass(frozen=True)
class CategoryCap:
    per_cycle: Decimal
    per_fiscal_year: Decimal | None  # None: no annual cap


CATEGORIES: tuple[str, ...] = ("A", "B", "C", "D")
CAPS: dict[str, CategoryCap] = {
    "A": CategoryCap(per_cycle=Decimal(30), per_fiscal_year=None),
    "B": CategoryCap(per_cycle=Decimal(15), per_fiscal_year=Decimal(5)),
    "C": CategoryCap(per_cycle=Decimal(15), per_fiscal_year=Decimal(5)),
    "D": CategoryCap(per_cycle=Decimal(15), per_fiscal_year=Decimal(5)),
}
# B-D must name one of the 7 fields of work; A is the body's own course.
CATEGORIES_NEEDING_FIELD = frozenset("BCD")
REQUIRED_POINTS = Decimal(30)
MAX_HOURS_PER_ENTRY = Decimal(100)

_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_HUNDREDTH = Decimal("0.01")


def parse_hours(value: object) -> Decimal:
    """Hours of one CPD entry: a positive decimal, at most 2 decimal places, at most 100.

    Accepts a plain decimal string ("2.5", not "1e2"), an int, a Decimal, or a float as JSON
    numbers arrive; never a bool.
    """
    if isinstance(value, bool):
        raise ValueError(f"hours must be a number such as 3 or 2.5, got {value!r}")
    if isinstance(value, int | Decimal):
        hours = Decimal(value)
    elif isinstance(value, float):
        # str() gives the shortest repr, so 2.3 stays 2.3 rather than 2.29999...
        hours = Decimal(str(value))
    elif isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value):
        hours = Decimal(value)
    else:
        raise ValueError(f"hours must be a number such as 3 or 2.5, got {value!r}")
    if not hours.is_finite():
        raise ValueError(f"hours must be a number such as 3 or 2.5, got {value!r}")
    if hours <= 0:
        raise ValueError(f"hours must be more than 0, got {format_points(hours)}")
    if hours > MAX_HOURS_PER_ENTRY:
        raise ValueError(
            f"hours may be at most {format_points(MAX_HOURS_PER_ENTRY)} per entry,"
            f" got {format_points(hours)}"
        )
    try:
        exact = hours.quantize(_HUNDREDTH) == hours
    except InvalidOperation:
        exact = False
    if not exact:
        raise ValueError(f"hours may have at most 2 decimal places, got {format_points(hours)}")
    return _canonical(hours)


def _canonical(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to an exponent (100, not 1E+2)."""
    return Decimal(format_points(value))


def format_points(value: Decimal) -> str:
    """Points as the status shows them: "23", "2.5", "100", "0" - no exponent, no trailing 0."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class CPDCount:
    """Points that count toward renewal, in total and per category (each key A-D present)."""

    counted: Decimal
    by_category: dict[str, Decimal]


def count_points(entries: Iterable[tuple[str, date, Decimal]],
                 caps: Mapping[str, CategoryCap] = CAPS) -> CPDCount:
    """counted = Σ_category min(cycle cap, Σ_fiscal year min(annual cap, points that year)).

    `entries` are (category, activity_on, hours) of the entries that count: the caller has
    already kept those inside the cycle and dropped withdrawn or disallowed ones. `caps`:
    the cycle's caps (the rules in force for it; SPEC.md's by default).
    """
    points: dict[str, dict[int, Decimal]] = {c: defaultdict(Decimal) for c in CATEGORIES}
    for category, activity_on, hours in entries:
        if category not in caps:
            raise ValueError(f"unknown CPD category {category!r}; expected one of A, B, C, D")
        points[category][fiscal_year(activity_on)] += hours
    by_category = {c: _capped(caps[c], points[c].values()) for c in CATEGORIES}
    return CPDCount(counted=sum(by_category.values(), Decimal(0)), by_category=by_category)


def _capped(cap: CategoryCap, yearly: Iterable[Decimal]) -> Decimal:
    annual = cap.per_fiscal_year
    within_years = sum(
        (points if annual is None else min(annual, points) for points in yearly), Decimal(0)
    )
    return min(cap.per_cycle, within_years)
