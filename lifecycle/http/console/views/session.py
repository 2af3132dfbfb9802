"""Logging in and out. A login always starts a new session (a new id and CSRF token), so an
id planted in a browser before the login is never the one that gets the rights; a refused
login says the same sentence whatever was wrong, and nothing about the password is logged."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from lifecycle.http.console import rendering, security

router = APIRouter()
log = structlog.get_logger("lifecycle.console")
REFUSED = "アカウント名またはパスワードが違うか、このアカウントは現在ログインできません。"
EXPIRED = "フォームの有効期限が切れました。もう一度入力してください。"
LOCKED_HINT = "続けて間違えるとしばらくログインできなくなります。"


def _safe_next(target: str | None) -> str:
    """Only a path of the console itself (no open redirect to another site)."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return "/console/"


def _login_page(request: Request, status: int = 200, error: str | None = None,
                name: str = "", target: str | None = None):
    token = security.login_token()
    response = rendering.page(request, "login.html", status, error=error, name=name,
                              login_token=token, next=_safe_next(target))
    response.set_cookie(security.LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        path="/console/login", secure=request.url.scheme == "https")
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    return _login_page(request, target=next)


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    name = form.get("name") if isinstance(form.get("name"), str) else ""
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    target = form.get("next") if isinstance(form.get("next"), str) else None
    if not security.login_token_ok(request, form.get("login_token")):
        return _login_page(request, 403, EXPIRED, name, target)
    console = request.app.state.console
    account, why = await run_in_threadpool(console.accounts.authenticate, name, password)
    if account is None:
        log.info("console.login_refused", account=name[:64], reason=why)
        return _login_page(request, 401, f"{REFUSED}{LOCKED_HINT}", name, target)
    old = security.session_id(request)
    if old is not None:
        await run_in_threadpool(console.sessions.end, old)
    session_id, _csrf = await run_in_threadpool(console.sessions.start, account.name)
    log.info("console.login", account=account.name, role=account.role)
    response = RedirectResponse(_safe_next(target), status_code=303)
    security.set_session_cookie(request, response, session_id)
    response.delete_cookie(security.LOGIN_COOKIE, path="/console/login")
    return response


@router.post("/logout")
async def logout(request: Request):
    session, _form = await security.posted(request, "see")
    found = security.session_id(request)
    if found is not None:
        await run_in_threadpool(request.app.state.console.sessions.end, found)
    log.info("console.logout", account=session.account)
    response = RedirectResponse("/console/login", status_code=303)
    security.clear_session_cookie(request, response)
    return response
