"""GET /events?after=POSITION&limit=: the ordered holder-event feed (see lifecycle.http.feed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from lifecycle.http import models, params
from lifecycle.http.auth import reader

router = APIRouter(tags=["events"], dependencies=[Depends(reader)])
# Below both stores' 64-bit ids with room for `after + 1`.
MAX_POSITION = 2**62


@router.get("/events", response_model=models.Feed, responses=models.errors(400, 401))
def events(
    request: Request,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION,
                                description="Last position already read (0: from the start).")] = 0,
    limit: params.Limit = 100,
) -> JSONResponse:
    """Holder events after `after`, oldest first: position, holder, type, business date,
    recorded time, actor, version, data."""
    return JSONResponse(request.app.state.services.feed.page(after, limit))
