"""The FastAPI application: `create_app(settings)` wires the routes to one event store
application and one read database, closed when the server stops."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI

from lifecycle.clock import today_in_tokyo
from lifecycle.http import console, errors
from lifecycle.http.auth import Tokens
from lifecycle.http.hot_paths import LifecycleAPI
from lifecycle.http.routes import commands as routes_commands
from lifecycle.http.routes import credentials as routes_credentials
from lifecycle.http.routes import events as routes_events
from lifecycle.http.routes import holders as routes_holders
from lifecycle.http.routes import public as routes_public
from lifecycle.http.routes import read as routes_read
from lifecycle.http.services import Services
from lifecycle.settings import Settings

DESCRIPTION = """\
The certification lifecycle engine over HTTP, for downstream systems (mailing, the public
register, reporting) and the office's own tools.

Send `Authorization: Bearer <token>`: a `reader` token may GET, a `clerk` token may also
POST /commands. `/verify/{certification_number}`, `/healthz` and the verifiable credentials
(`/credentials/{certification_number}/credential`, `/credentials/status/{list}`,
`/credentials/issuer`) are public. Every error is
`{"error": {"code", "message"}}` with a SPEC.md code.
"""


def create_app(settings: Settings, *, tokens: Tokens | None = None,
               today: Callable[[], date] = today_in_tokyo) -> FastAPI:
    """`tokens`: default from the settings (LIFECYCLE_API_TOKENS(_FILE)); `today`: the business date
    that defaults stand for (Asia/Tokyo), replaceable in tests."""
    tokens = Tokens.from_settings(settings) if tokens is None else tokens
    services = Services.open(settings, today)
    try:
        office = console.Console.open(services)
    except BaseException:
        services.close()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        office.close()
        services.close()

    app = LifecycleAPI(title="Certification lifecycle API", version="1",
                       description=DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    app.state.tokens = tokens
    errors.install(app)
    for module in (routes_holders, routes_read, routes_events, routes_commands,
                   routes_public, routes_credentials):
        app.include_router(module.router)
    console.install(app, office)
    _document_errors_as_answered(app)
    return app


def _document_errors_as_answered(app: FastAPI) -> None:
    """FastAPI documents a 422 HTTPValidationError on every route, but validation errors
    are answered 400 INVALID_INPUT (lifecycle.http.errors): drop what never happens."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = build()
            for operations in doc.get("paths", {}).values():
                for operation in operations.values():
                    answer = operation.get("responses", {}).get("422", {})
                    if "HTTPValidationError" in str(answer):
                        del operation["responses"]["422"]
            schemas = doc.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
        return app.openapi_schema or doc

    app.openapi = openapi
