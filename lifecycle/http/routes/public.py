"""The public routes, no token: GET /verify/{certification_number} and GET /healthz.

A GET /verify is usually answered before this route (lifecycle.http.hot_paths), with the
same function; this route answers the rest (HEAD) and documents it.
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lifecycle.http import models
from lifecycle.http.errors import error_response
from lifecycle.http.verify import verification

router = APIRouter(tags=["public"])
log = structlog.get_logger("lifecycle.http")


# One route per method: a route with two methods gives both the same OpenAPI operation id.
@router.head("/verify/{certification_number}", response_model=models.Verification,
             responses=models.errors(404))
@router.get("/verify/{certification_number}", response_model=models.Verification,
            responses=models.errors(404))
async def verify(  # on the event loop, like the status route (see routes_holders)
        request: Request, certification_number: str) -> JSONResponse:
    """Is this certification valid today? Qualification, status, period, family name."""
    services = request.app.state.services
    return JSONResponse(verification(services.reads, certification_number, services.today()))


@router.head("/healthz", response_model=models.Health, responses=models.errors(503))
@router.get("/healthz", response_model=models.Health, responses=models.errors(503))
def healthz(request: Request) -> JSONResponse:
    """Both databases answer; how far the read models are behind the event log."""
    services = request.app.state.services
    try:
        progress = services.progress()
    except Exception as error:  # any failure to read either database means "not healthy"
        if services.availability.noticed(error) is None:
            log.exception("api.unhealthy")
        return error_response("UNAVAILABLE", "the database does not answer")
    return JSONResponse({"status": "ok", "database": "ok", "projection": {
        "position": progress.position, "head": progress.head, "lag": progress.lag,
        "updated_at": progress.updated_at.isoformat() if progress.updated_at else None}})
