"""The office console: server-rendered pages for the clerks, reviewers and auditors, served
under /console by the same process and the same application as the JSON API.

Each page is a view module (`views/`) and a template (`templates/`); the views run the same
commands (LifecycleApplication.execute, the imports) and the same queries (projections) as
the API and the CLI, and implement no rule of their own. Staff accounts and sessions:
lifecycle.staff; who may do what: `roles`; cookies, CSRF and role checks: `security`;
the what-if runs a page started: `what_if_runs`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from itsdangerous import Signer
from starlette.staticfiles import StaticFiles

from lifecycle import bootstrap
from lifecycle.http.console import rendering
from lifecycle.http.console.security import Forbidden, LoginRequired
from lifecycle.http.console.views import (
    application,
    dashboard,
    decisions,
    exam_pass,
    holder,
    imports,
    payments,
    search,
    session,
    users,
    what_if,
)
from lifecycle.http.console.what_if_runs import Runs
from lifecycle.staff import Accounts, Sessions
from lifecycle.staff.sessions import cookie_secret

VIEWS = (session, dashboard, search, holder, exam_pass, application, payments, decisions,
         imports, users, what_if)


@dataclass
class Console:
    accounts: Accounts
    sessions: Sessions
    signer: Signer
    figures: dashboard.Figures = field(default_factory=dashboard.Figures)
    what_if: Runs = field(default_factory=Runs)

    @classmethod
    def open(cls, services) -> Console:
        engine = bootstrap.open_staff_engine(services.app.settings)
        accounts = Accounts(engine)  # creates the staff tables
        return cls(accounts, Sessions(engine),
                   Signer(cookie_secret(engine), salt="lifecycle.console.session"))

    def close(self) -> None:
        self.what_if.close()
        self.accounts.engine.dispose()


def install(app: FastAPI, console: Console) -> None:
    app.state.console = console
    for view in VIEWS:
        app.include_router(view.router, prefix="/console", include_in_schema=False)
    app.mount("/console/static", StaticFiles(packages=[("lifecycle.http.console", "static")]),
              name="console-static")

    @app.get("/console", include_in_schema=False)
    async def _console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=303)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _error: LoginRequired):
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/console/login?next={_quote(target)}", status_code=303)
        return rendering.page(request, "denied.html", 403,
                              message="ログインしていないか、セッションの有効期限が切れました。"
                                      "もう一度ログインしてください。何も記録していません。")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden):
        return rendering.page(request, "denied.html", error.status, message=error.message)

    _errors_as_pages(app)


def _errors_as_pages(app: FastAPI) -> None:
    """The API answers every error as SPEC's JSON object (lifecycle.http.errors); under
    /console the same code, sentence and status come back as a page."""
    for error_class, handler in list(app.exception_handlers.items()):
        if error_class not in (LoginRequired, Forbidden):
            app.add_exception_handler(error_class, _as_page(handler))


def _as_page(handler):
    async def answer(request: Request, error: Exception):
        response = await handler(request, error)
        if not request.url.path.startswith("/console") or not isinstance(response,
                                                                         JSONResponse):
            return response
        refused = json.loads(response.body).get("error") or {}
        return rendering.page(request, "error.html", response.status_code, error=refused)

    return answer


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
