"""Every error the API answers is `{"error": {"code", "message"}}` (SPEC §8's error object).

Domain refusals keep their SPEC code; the HTTP status only says what kind of refusal it is.
The few codes no SPEC command can produce (authentication, unknown route, a crash, a
database that does not answer) are transport codes, listed in `TRANSPORT_CODES`.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aggregates.errors import DomainError
from lifecycle.http.availability import read_message
from lifecycle.http.read_retry import mark_retry

log = structlog.get_logger("lifecycle.http")

# SPEC §8 "Error codes": every code a command or a query of the API can answer with.
SPEC_CODES = frozenset({
    "INVALID_INPUT", "UNKNOWN_HOLDER", "NO_EXAM_PASS", "PASS_REPORT_EXPIRED", "NOT_ELIGIBLE",
    "NOT_ACCEPTED", "ALREADY_PENDING", "ALREADY_DECIDED", "DUPLICATE_PAYMENT",
    "DUPLICATE_PASS_NUMBER", "PAYMENT_MISMATCH", "NOT_CERTIFIED", "LAPSED",
    "OUTSIDE_RENEWAL_WINDOW", "CPD_IN_FUTURE", "CPD_OUTSIDE_CYCLE", "CPD_INSUFFICIENT",
    "DUPLICATE_ENTRY", "UNKNOWN_ENTRY", "AUDIT_PENDING", "NO_AUDIT", "CONFLICT",
})
TRANSPORT_CODES = {
    "UNAUTHORIZED": 401,  # no bearer token, or one we do not know
    "FORBIDDEN": 403,  # a known token whose role does not allow this
    "NOT_FOUND": 404,  # no such route
    "METHOD_NOT_ALLOWED": 405,
    "PAYLOAD_TOO_LARGE": 413,  # a request body over the limit
    "INTERNAL_ERROR": 500,  # a bug: logged, never shown
    "UNAVAILABLE": 503,  # the database does not answer
}
# Statuses of the SPEC codes; any other SPEC code is a business rule refusing the request.
STATUS_OF = {"INVALID_INPUT": 400, "UNKNOWN_HOLDER": 404, "NOT_CERTIFIED": 404,
             "CONFLICT": 409}
RULE_REFUSED = 422
CRASHED = "the request could not be processed; the server log has the details"


def http_status(code: str) -> int:
    return STATUS_OF.get(code) or TRANSPORT_CODES.get(code) or RULE_REFUSED


class ApiError(Exception):
    def __init__(self, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.headers = headers


def error_response(code: str, message: str, headers: dict[str, str] | None = None,
                   ) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}},
                        status_code=http_status(code), headers=headers)


def _validation_message(error: RequestValidationError) -> str:
    """FastAPI's list of problems as one sentence: where, and what was wrong."""
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.code, error.message, error.headers)

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError) -> JSONResponse:
        return error_response(error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default is 422 with its own body; the contract says INVALID_INPUT.
        return error_response("INVALID_INPUT", _validation_message(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(error.status_code)
        if code is None:
            code = "INVALID_INPUT" if error.status_code < 500 else "INTERNAL_ERROR"
        return error_response(code, str(error.detail), getattr(error, "headers", None))

    async def _crash(request: Request, error: Exception) -> JSONResponse:
        unavailable = unavailable_response(request.app, error, request.scope)
        if unavailable is not None:
            return unavailable
        log.exception("api.crashed", method=request.method, path=request.url.path)
        return error_response("INTERNAL_ERROR", CRASHED)

    # The drivers' errors get a handler of their own, so that the database failing is
    # answered here (503) and not re-raised to the server as a crash; anything else the
    # `Exception` handler answers (500, logged).
    for error_class in _store_errors():
        app.add_exception_handler(error_class, _crash)
    app.add_exception_handler(Exception, _crash)


def _store_errors() -> list[type[Exception]]:
    import sqlite3

    from eventsourcing.persistence import PersistenceError
    from sqlalchemy.exc import DBAPIError

    classes: list[type[Exception]] = [PersistenceError, DBAPIError, sqlite3.Error, OSError]
    try:
        import psycopg
    except ImportError:  # an SQLite-only installation
        return classes
    return [*classes, psycopg.Error]


def unavailable_response(app, error: BaseException, scope: dict | None = None
                         ) -> JSONResponse | None:
    """503 UNAVAILABLE when `error` is the database failing (a read: nothing was written,
    and POST /commands answers for its writes itself), else None. A read that met a lost
    connection is marked to be run once more (lifecycle.http.read_retry)."""
    services = getattr(app.state, "services", None)
    fault = services.availability.noticed(error) if services is not None else None
    if fault is None:
        return None
    if fault.kind == "connection_lost" and scope is not None:
        mark_retry(scope)
    log.warning("api.unavailable", kind=fault.kind, reason=fault.detail)
    return error_response("UNAVAILABLE", read_message(fault))
