"""GET /holders/{holder}/status and /history: the event store's own answers, as the CLI's.

Both read the holder's events (snapshot + the rest), not the read model, so the objects are
exactly `lifecycle status --json` and `lifecycle history --json`, for any as-of date and
any known-at moment. A status with a valid token is usually answered before these routes
(lifecycle.http.hot_paths); this route answers the rest, with the same function.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from lifecycle.http import models, params
from lifecycle.http.auth import reader
from lifecycle.http.status import status

router = APIRouter(tags=["holders"], dependencies=[Depends(reader)])


# `async` on purpose, here and for /verify: a status is one primary-key read of one holder
# (a snapshot every 50 events bounds it, well under a millisecond of work), cheaper run on
# the event loop than handed to a thread, where the GIL would make it no faster. Routes
# whose work grows with the data (history, lists, commands) stay in the thread pool.
@router.get("/holders/{holder}/status", response_model=models.HolderStatus,
            responses=models.errors(400, 401, 404))
async def holder_status(
    request: Request, holder: str, as_of: params.DateParam = None,
    known_at: Annotated[str | None, Query(
        description="Ignore events recorded after this ISO date-time (no offset: "
                    "Asia/Tokyo): what the records showed then.",
        json_schema_extra={"format": "date-time"})] = None,
) -> JSONResponse:
    """SPEC §8 status on `as_of`, as `lifecycle status HOLDER --json`."""
    services = request.app.state.services
    on = params.day(as_of, "as_of", services.today())
    moment = params.moment(known_at)
    return JSONResponse(status(services.reads, holder, on, known_at=moment))


@router.get("/holders/{holder}/history", response_model=models.History,
            responses=models.errors(401, 404))
def holder_history(request: Request, holder: str) -> JSONResponse:
    """Every event of the holder, oldest first, as `lifecycle history HOLDER --json`."""
    return JSONResponse(request.app.state.services.app.history(holder))
