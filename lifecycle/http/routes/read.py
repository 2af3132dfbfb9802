"""Lists and reports from the read models: /credentials, /windows, /reports/fiscal-years.

Keyset paging (projections.paging): a cursor names the last row of a page, so rows written
between two requests never shift or repeat the rest. Statuses are computed on `as_of` with
what the office knows now (projections.queries explains why).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from aggregates import qualifications
from aggregates.errors import invalid
from lifecycle.http import models, params
from lifecycle.http.auth import reader
from projections import queries, report
from projections.paging import Page, decode_cursor, encode_cursor
from projections.status_sql import STATUSES

router = APIRouter(tags=["read models"], dependencies=[Depends(reader)])

Qualification = Literal[qualifications.ALL]  # type: ignore[valid-type]
StatusName = Literal[STATUSES]  # type: ignore[valid-type]
# How many pages' worth of rows one request may read to fill a page filtered by
# expiring_fiscal_year (see `_expiring`); beyond it the page comes back short.
SCAN_PAGES = 20


def check_cursor(cursor: str | None, kinds: tuple[type, ...]) -> str | None:
    """A cursor must be a key this list produced: decodable, with one value of the right
    type per key column (anything else would reach the SQL as a malformed comparison)."""
    if cursor is None:
        return None
    try:
        key = decode_cursor(cursor)
    except ValueError:
        key = None
    if key is None or len(key) != len(kinds) or not all(
            type(value) is kind for value, kind in zip(key, kinds, strict=True)):
        raise invalid("cursor is not a next_cursor of this list")
    return cursor


@router.get("/credentials", response_model=models.CredentialsPage,
            responses=models.errors(400, 401))
def credentials(
    request: Request, qualification: Qualification | None = None,
    status: StatusName | None = None, as_of: params.DateParam = None,
    expiring_fiscal_year: Annotated[int | None, Query(
        ge=1, le=9998, description="Only credentials whose shown period ends in this "
        "fiscal year (1 April - 31 March).")] = None,
    cursor: params.Cursor = None, limit: params.Limit = 100,
) -> JSONResponse:
    """One item per holder x qualification with its status on `as_of`, by holder number."""
    services = request.app.state.services
    on = params.day(as_of, "as_of", services.today())
    after = check_cursor(cursor, (str, str))

    def fetch(position: str | None, size: int) -> Page:
        return queries.credentials(services.engine, as_of=on, qualification=qualification,
                                   status=status, after=position, limit=size)

    if expiring_fiscal_year is None:
        page = fetch(after, limit)
        items, next_cursor = page.items, page.next_after
    else:
        items, next_cursor = _expiring(fetch, expiring_fiscal_year, after, limit)
    return JSONResponse({"items": items, "next_cursor": next_cursor})


def _expiring(fetch, fiscal_year: int, after: str | None, limit: int):
    """Credentials filtered on the shown period's end, page by page of the keyset.

    The read-model query has no such filter, so rows are read in keyset order and kept
    when `valid_until` falls in the year. A request reads at most SCAN_PAGES pages; then
    it answers the items found (maybe fewer than `limit`, maybe none) and a cursor where
    the scan stopped. The caller pages on while `next_cursor` is not null.
    """
    first, last = (d.isoformat() for d in queries.fiscal_year_bounds(fiscal_year))
    items: list[dict] = []
    for _ in range(SCAN_PAGES):
        page = fetch(after, limit)
        for item in page.items:
            if item["valid_until"] is None or not first <= item["valid_until"] <= last:
                continue
            items.append(item)
            if len(items) == limit:
                at_end = item is page.items[-1] and page.next_after is None
                return items, None if at_end else encode_cursor(
                    [item["holder"], item["qualification"]])
        if page.next_after is None:
            return items, None
        after = page.next_after
    return items, after


@router.get("/windows", response_model=models.WindowsPage, responses=models.errors(400, 401))
def windows(
    request: Request,
    opens_from: Annotated[str, Query(json_schema_extra={"format": "date"})],
    opens_to: Annotated[str, Query(json_schema_extra={"format": "date"})],
    as_of: params.DateParam = None, cursor: params.Cursor = None,
    limit: params.Limit = 100,
) -> JSONResponse:
    """Renewal windows opening between two dates (inclusive), each period's outcome on
    `as_of`."""
    services = request.app.state.services
    today = services.today()
    first = params.day(opens_from, "opens_from", today)
    last = params.day(opens_to, "opens_to", today)
    on = params.day(as_of, "as_of", today)
    page = queries.windows(services.engine, opens_from=first, opens_to=last, as_of=on,
                           after=check_cursor(cursor, (str, str, int)), limit=limit)
    return JSONResponse({"items": page.items, "next_cursor": page.next_after})


@router.get("/reports/fiscal-years/{year}", response_model=models.FiscalYearReport,
            responses=models.errors(400, 401))
def fiscal_year_report(
    request: Request, year: Annotated[int, Path(ge=1, le=9998)],
    as_of: Annotated[str | None, Query(
        description="Date statuses are counted on (default: the year's last day, or today "
                    "if that is earlier).", json_schema_extra={"format": "date"})] = None,
) -> JSONResponse:
    """Counts per qualification x status, renewals due, renewed, lapsed, new certifications."""
    services = request.app.state.services
    year_end: date = queries.fiscal_year_bounds(year)[1]
    on = params.day(as_of, "as_of", min(services.today(), year_end))
    return JSONResponse(report.fiscal_year_report(services.engine, year, on))
