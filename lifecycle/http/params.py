"""Query parameters shared by the routes, parsed exactly as the command line parses them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Query

from aggregates.errors import invalid
from lifecycle.clock import TOKYO
from lifecycle.commands import parse_date

MAX_LIMIT = 500  # a page is at most this many items, whatever the caller asks
# Periods, windows and index hints add up to three years to a date: later ones overflow
# Python's calendar (year 9999), so they are refused as bad dates.
LATEST = date(9998, 12, 31)

DateParam = Annotated[str | None, Query(
    description="YYYY-MM-DD (default: today in Asia/Tokyo)",
    json_schema_extra={"format": "date"})]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT}).")]
Cursor = Annotated[str | None, Query(
    max_length=512, description="`next_cursor` of the previous page.")]
FiscalYear = Annotated[int, Query(ge=1, le=9998)]


def day(value: str | None, what: str, default: date) -> date:
    """A date parameter (INVALID_INPUT when not YYYY-MM-DD), or the default."""
    if value is None:
        return default
    parsed = parse_date(value, what)
    if parsed > LATEST:
        raise invalid(f"{what} must be on or before {LATEST.isoformat()}, not {value}")
    return parsed


def moment(value: str | None) -> datetime | None:
    """`known_at`: an ISO date-time; without an offset it is Asia/Tokyo (as in the CLI)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"known_at must be an ISO date-time, not {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TOKYO)
