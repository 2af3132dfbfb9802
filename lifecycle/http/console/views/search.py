"""Search: a holder number, a certification number (認定番号), a pass number (合格者番号),
or the start of a name or its kana (folded as payer names are). A number found goes
straight to its holder; names are listed, 20 to a page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from aggregates import registers
from aggregates.errors import DomainError
from lifecycle.credentials.lookup import parse
from lifecycle.http.console import rendering
from lifecycle.http.console.security import Viewer
from projections.search import holders_named
from projections.tables import holders as h

router = APIRouter()
PAGE = 20


def holder_by_number(services, text: str) -> str | None:
    """The holder a holder, certification or pass number names, or None."""
    with services.engine.connect() as conn:
        if conn.execute(h.select().with_only_columns(h.c.holder_number)
                        .where(h.c.holder_number == text)).first() is not None:
            return text
    try:
        number = parse(text)
    except DomainError:  # not shaped like a certification number
        pass
    else:
        issued = services.reads.event(registers.certification_numbers_id(
            number.qualification, number.fiscal_year), number.sequence)
        if issued is not None and issued.certification_number == text:
            return issued.holder
    claim = services.reads.event(registers.pass_number_id(text), 1)
    return None if claim is None else claim.holder


@router.get("/search")
def search(request: Request, session: Viewer, q: str = "", after: str | None = None):
    services = request.app.state.services
    text = q.strip()[:100]
    if not text:
        return rendering.page(request, "search.html", q="", items=[], next_after=None)
    if after is None and text.isascii() and " " not in text:  # numbers are ASCII, names rarely
        number = holder_by_number(services, text)
        if number is not None:
            return RedirectResponse(f"/console/holders/{number}", status_code=303)
    try:
        page = holders_named(services.engine, text, after=after, limit=PAGE)
    except ValueError:  # a cursor from elsewhere: start again from the first page
        page = holders_named(services.engine, text, limit=PAGE)
    return rendering.page(request, "search.html", q=text, items=page.items,
                          next_after=page.next_after, paged=after is not None)
