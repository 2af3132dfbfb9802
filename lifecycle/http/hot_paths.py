"""The hot GETs, answered straight from ASGI ahead of FastAPI's routing.

`GET /holders/{holder}/status` (with a known token), `GET /verify/{number}` and
`GET /credentials/{number}/credential` are what downstream systems, the public and
verifiers call all day. Through FastAPI's router, dependencies and
middleware they cost as much CPU again as the store read itself, so `LifecycleAPI` answers
them here, with the routes' own functions (lifecycle.http.status, lifecycle.http.verify), the
same parameter parsing (lifecycle.http.params), the same bodies and the same error objects.
Anything else, and anything unusual about these (another method, a missing or unknown
token, a path the router would not match), goes on to FastAPI, whose routes stay the
documented (OpenAPI) contract and answer exactly as before. Middleware added to the app
does not see the hot GETs: add it here too, or leave them to the routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import structlog
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from aggregates.errors import DomainError
from lifecycle.credentials.jose import MEDIA_TYPE
from lifecycle.http import params
from lifecycle.http.availability import gate_message, needs_database
from lifecycle.http.errors import CRASHED, error_response, unavailable_response
from lifecycle.http.privacy import redacting
from lifecycle.http.read_retry import READS, with_one_retry
from lifecycle.http.routes.credentials import NO_KEY
from lifecycle.http.status import status
from lifecycle.http.verify import verification
from lifecycle.keys import KeyRingError

log = structlog.get_logger("lifecycle.http")

Answer = Callable[[], "dict | Signed"]  # Signed: a credential, answered as it is signed
STATUS_PREFIX, STATUS_SUFFIX, VERIFY_PREFIX = "/holders/", "/status", "/verify/"
CREDENTIAL_PREFIX, CREDENTIAL_SUFFIX = "/credentials/", "/credential"
JSON_HEADER = (b"content-type", b"application/json")
SIGNED_HEADER = (b"content-type", MEDIA_TYPE.encode("latin-1"))


class Signed(str):
    """An answer that is a compact JWS (application/vc+jwt), not a JSON object."""


def render(content: Any) -> bytes:
    """As starlette's JSONResponse renders it."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


class LifecycleAPI(FastAPI):
    """FastAPI, with the hot GETs answered before the middleware stack."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = _with_safety_headers(send)
            if self.state.tokens.has_system_tokens and _role(self, scope) == "system":
                send = redacting(send)
        services = getattr(self.state, "services", None)
        if scope["type"] == "http" and scope["method"] in READS and services is not None:
            await with_one_retry(self._handle, services.availability.try_recover, scope,
                                 receive, send)
            return
        await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if await _still_down(self, scope):
                fault = self.state.services.availability.fault
                message = gate_message(fault, scope["method"])
                await error_response("UNAVAILABLE", message)(scope, receive, send)
                return
            answer = hot_answer(self, scope)
            if answer is not None:
                await respond(self, answer, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


SAFETY_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))


def _with_safety_headers(send: Send) -> Send:
    """Every answer may carry personal data or a holder's status of the day: no cache keeps
    it, and no browser guesses another content type than the one given."""
    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            names = {name.lower() for name, _ in message.get("headers", [])}
            extra = [h for h in SAFETY_HEADERS if h[0] not in names]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _still_down(app: FastAPI, scope: Scope) -> bool:
    """While the database is known to be down, True at once for a request that needs it,
    unless this request's probe finds it back (lifecycle.http.availability)."""
    services = getattr(app.state, "services", None)
    if services is None or not services.availability.down:
        return False
    if not needs_database(scope["path"]):
        return False
    return not await run_in_threadpool(services.availability.try_recover)


def hot_answer(app: FastAPI, scope: Scope) -> Answer | None:
    """The work of this request if it is one of the hot GETs, else None (FastAPI's)."""
    if scope["method"] != "GET" or scope.get("root_path"):
        return None
    path: str = scope["path"]
    services = app.state.services
    if path.startswith(VERIFY_PREFIX):
        number = path[len(VERIFY_PREFIX):]
        if not number or "/" in number:
            return None
        return lambda: verification(services.reads, number, services.today())
    if path.startswith(CREDENTIAL_PREFIX) and path.endswith(CREDENTIAL_SUFFIX):
        number = path[len(CREDENTIAL_PREFIX):-len(CREDENTIAL_SUFFIX)]
        if not number or "/" in number or number == "status":  # /credentials/status/…: a list
            return None
        return lambda: Signed(services.issuer.credential(number, services.today()))
    if path.startswith(STATUS_PREFIX) and path.endswith(STATUS_SUFFIX):
        holder = path[len(STATUS_PREFIX):-len(STATUS_SUFFIX)]
        if not holder or "/" in holder or not _known_token(app, scope):
            return None
        # As starlette's QueryParams: latin-1, blanks kept, the last of repeated names.
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"),
                               keep_blank_values=True))

        def answer() -> dict:
            on = params.day(query.get("as_of"), "as_of", services.today())
            return status(services.reads, holder, on, known_at=params.moment(
                query.get("known_at")))

        return answer
    return None


def _role(app: FastAPI, scope: Scope) -> str | None:
    value = next((v for k, v in scope["headers"] if k == b"authorization"), None)
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    principal = app.state.tokens.identify(token.strip()) if scheme.lower() == "bearer" else None
    return principal.role if principal else None


def _known_token(app: FastAPI, scope: Scope) -> bool:
    """`Authorization: Bearer <token>` naming a configured token, read as FastAPI's
    HTTPBearer reads it (the first such header, latin-1, scheme in any case)."""
    value = next((v for k, v in scope["headers"] if k == b"authorization"), None)
    if value is None:
        return False
    scheme, _, token = value.decode("latin-1").partition(" ")
    token = token.strip()
    return bool(scheme and token and scheme.lower() == "bearer"
                and app.state.tokens.identify(token) is not None)


async def respond(app: FastAPI, answer: Answer, scope: Scope, receive: Receive,
                  send: Callable[[dict], Awaitable[None]]) -> None:
    try:
        result = answer()
        signed = isinstance(result, Signed)
        body = result.encode("ascii") if signed else render(result)
    except DomainError as error:
        await error_response(error.code, error.message)(scope, receive, send)
        return
    except KeyRingError as error:  # as the credential route answers it
        log.error("credentials.no_signing_key", reason=str(error))
        await error_response("UNAVAILABLE", NO_KEY)(scope, receive, send)
        return
    except Exception as error:
        response = unavailable_response(app, error, scope)
        if response is None:
            log.exception("api.crashed", method=scope["method"], path=scope["path"])
            response = error_response("INTERNAL_ERROR", CRASHED)
        await response(scope, receive, send)
        return
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-length", str(len(body)).encode("latin-1")),
        SIGNED_HEADER if signed else JSON_HEADER]})
    await send({"type": "http.response.body", "body": body})
