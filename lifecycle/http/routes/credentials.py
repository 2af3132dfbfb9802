"""The public routes of verifiable credentials, no token (docs/credentials.md):

GET /credentials/{certification_number}/credential   the Open Badges 3.0 credential (vc+jwt)
GET /credentials/status/{list}                       a Bitstring Status List (vc+jwt)
GET /credentials/issuer                              the body's public keys, to pin
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lifecycle.credentials.jose import MEDIA_TYPE
from lifecycle.http import models
from lifecycle.http.errors import ApiError
from lifecycle.keys import KeyRingError

router = APIRouter(tags=["credentials"])
log = structlog.get_logger("lifecycle.http")

SIGNED = {200: {"content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
                "description": "A compact JWS whose payload is the credential (VC-JOSE)."}}
NO_KEY = "credentials cannot be signed now; the office has been told"


def _signing(work):
    """The signed answer, or 503 when the body's key directory is not usable (the reason,
    a path, goes to the server log only)."""
    try:
        return Response(work(), media_type=MEDIA_TYPE)
    except KeyRingError as error:
        log.error("credentials.no_signing_key", reason=str(error))
        raise ApiError("UNAVAILABLE", NO_KEY) from None


@router.get("/credentials/issuer", response_model=models.IssuerKeys,
            responses=models.errors(503))
async def issuer(request: Request) -> JSONResponse:
    """The body's public keys as did:keys: what a verifier pins."""
    services = request.app.state.services
    try:
        return JSONResponse(services.issuer.keys_document())
    except KeyRingError as error:
        log.error("credentials.no_signing_key", reason=str(error))
        raise ApiError("UNAVAILABLE", NO_KEY) from None


@router.get("/credentials/status/{status_list}", response_class=Response,
            responses={**SIGNED, **models.errors(404, 503)})
def status_list_credential(request: Request, status_list: str) -> Response:
    """The status list of a qualification and fiscal year (`CAP-2027`) for today (Asia/Tokyo):
    entry N is the certification `CAP-2027-N`; 1 = suspended, revoked or lapsed."""
    # In the thread pool, not on the event loop: one query over a qualification's rows of
    # the read models, longer than the hot paths' primary-key reads.
    services = request.app.state.services
    return _signing(lambda: services.issuer.status_list(status_list, services.today()))


@router.get("/credentials/{certification_number}/credential", response_class=Response,
            responses={**SIGNED, **models.errors(404, 422, 503)})
async def credential(request: Request, certification_number: str) -> Response:
    """The certification as an Open Badges 3.0 AchievementCredential, signed by the body.
    Refused (422 SUSPENDED, REVOKED, LAPSED) for a certification not in good standing."""
    services = request.app.state.services
    return _signing(lambda: services.issuer.credential(certification_number,
                                                       services.today()))
