"""POST /commands: one SPEC §8 command object, or a list of them, run as `lifecycle apply`
runs a batch: each command alone, in order, a bad one failing alone.

The body is read as raw JSON so that a malformed command gets the contract's own
INVALID_INPUT result (from lifecycle.commands), not a framework validation error. Every
command is recorded with the actor `api:<token name>`: a command's own `actor` field is
dropped, so a token cannot record under another identity. After the commands, the read
models are caught up before the response (read-your-writes, as `apply` does).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from aggregates.errors import invalid
from lifecycle import contract
from lifecycle.commands import parse_json
from lifecycle.faults import StoreFault
from lifecycle.http import models
from lifecycle.http.auth import Principal, clerk
from lifecycle.http.availability import write_message
from lifecycle.http.command_schema import commands_schema
from lifecycle.http.errors import ApiError, http_status
from lifecycle.http.services import Services

router = APIRouter(tags=["commands"])
log = structlog.get_logger("lifecycle.http")
MAX_BATCH = 500
MAX_BODY_BYTES = 2 * 1024 * 1024  # 500 commands of 4 KB each

COMMAND_SCHEMA = commands_schema()
REQUEST_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [COMMAND_SCHEMA, {"type": "array", "items": COMMAND_SCHEMA,
                               "maxItems": MAX_BATCH}]}}}}}


class _StoreFailed(Exception):
    """The database failed under a command: the batch stops there (503)."""

    def __init__(self, fault: StoreFault):
        super().__init__(fault.kind)
        self.fault = fault


def _run(services: Services, raw: object, actor: str) -> dict:
    if isinstance(raw, dict) and raw.get("type") == "sweep":
        # The scheduler owns sweeps: it holds the leader lock and batches by the read
        # model; a sweep inside an HTTP request would bypass both.
        return contract.failed(invalid("sweep is not accepted over HTTP: the scheduler "
                                       "runs it (`lifecycle sweep` by hand)"))
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != "actor"}
    try:
        return services.app.execute(raw, actor=actor, today=services.today())
    except Exception as error:  # a bug must not take the rest of the batch with it
        fault = services.availability.noticed(error)
        if fault is not None:  # but the database failing stops it
            raise _StoreFailed(fault) from error
        log.exception("api.command_crashed", actor=actor)
        return {"ok": False, "error": {"code": "INTERNAL_ERROR",
                                       "message": "the command could not be processed; "
                                                  "the server log has the details"}}


def _run_all(services: Services, commands: list, actor: str) -> tuple[list[dict], dict]:
    """The results, and the response headers: `X-Read-Models: behind` when the read
    models could not be caught up (the writes stand; lists may not show them yet)."""
    results: list[dict] = []
    for raw in commands:
        try:
            results.append(_run(services, raw, actor))
        except _StoreFailed as stopped:
            log.warning("api.command_unavailable", actor=actor, kind=stopped.fault.kind,
                        run=len(results), of=len(commands))
            raise ApiError("UNAVAILABLE", write_message(
                stopped.fault, done=len(results), total=len(commands))) from None
    if any(r["ok"] and r["events"] for r in results) and not services.catch_up():
        return results, {"X-Read-Models": "behind"}
    return results, {}


async def _body(request: Request) -> bytes:
    """The request body, refused (413) past MAX_BODY_BYTES without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError("PAYLOAD_TOO_LARGE", f"the body is over {MAX_BODY_BYTES:,} bytes")
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BODY_BYTES:
            raise ApiError("PAYLOAD_TOO_LARGE", f"the body is over {MAX_BODY_BYTES:,} bytes")
    return bytes(body)


@router.post("/commands", openapi_extra=REQUEST_BODY,
             response_model=models.CommandResult | list[models.CommandResult],
             responses=models.errors(400, 401, 403, 404, 409, 413, 422, 503))
async def post_commands(request: Request,
                        principal: Annotated[Principal, Depends(clerk)]) -> JSONResponse:
    """One command: its result, with status 200 when ok and otherwise the status of its
    error code. A list (at most 500): the list of results, status 200, each ok or not."""
    payload = parse_json(await _body(request), "the body")
    services = request.app.state.services
    if isinstance(payload, list):
        if len(payload) > MAX_BATCH:
            raise invalid(f"at most {MAX_BATCH} commands per request, not {len(payload)}")
        results, headers = await run_in_threadpool(
            _run_all, services, payload, principal.actor)
        return JSONResponse(results, headers=headers)
    [result], headers = await run_in_threadpool(_run_all, services, [payload],
                                                principal.actor)
    status = 200 if result["ok"] else http_status(result["error"]["code"])
    return JSONResponse(result, status_code=status, headers=headers)
