"""Who is asking, and may they: the session cookie, the CSRF token, the role check.

The cookie `lc_session` carries a random session id signed with the database's key
(itsdangerous); the session itself lives on the server (lifecycle.staff.sessions). It is
HttpOnly, SameSite=Lax, and Secure whenever the request came over TLS. Every POST must send
back its session's CSRF token in the form field `csrf`; the login form, which has no session
yet, carries a token of its own that must match the `lc_login` cookie (double submit).
A refusal raises `LoginRequired` (to the login page) or `Forbidden` (403), answered as
pages by the handlers in lifecycle.http.console.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, Signer
from starlette.datastructures import FormData
from starlette.responses import Response

from lifecycle.http.console import roles
from lifecycle.staff import Session

COOKIE = "lc_session"
LOGIN_COOKIE = "lc_login"
PATH = "/console"


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    status = 403

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooLarge(Forbidden):
    status = 413


def _signer(request: Request) -> Signer:
    return request.app.state.console.signer


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    value = _signer(request).sign(session_id).decode("ascii")
    response.set_cookie(COOKIE, value, httponly=True, samesite="lax", path=PATH,
                        secure=request.url.scheme == "https")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")


def session_id(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        return _signer(request).unsign(raw).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None


def find_session(request: Request) -> Session | None:
    found = session_id(request)
    return None if found is None else request.app.state.console.sessions.find(found)


def viewer(request: Request) -> Session:
    """The logged-in staff member (sync: a primary-key read, in the thread pool)."""
    session = find_session(request)
    if session is None:
        raise LoginRequired()
    request.state.console_session = session
    return session


Viewer = Annotated[Session, Depends(viewer)]


def require(session: Session, permission: str) -> None:
    if not roles.allows(session.role, permission):
        raise Forbidden(f"役割「{session.role}」にはこの操作の権限がありません "
                        f"(FORBIDDEN: the role {session.role!r} may not {permission})")


async def posted(request: Request, permission: str) -> tuple[Session, FormData]:
    """The form of a POST that writes, after the checks: a live session, its CSRF token,
    and a role that allows `permission`."""
    session = await run_in_threadpool(find_session, request)
    if session is None:
        raise LoginRequired()
    request.state.console_session = session
    declared = request.headers.get("content-length", "")
    if not (declared.isascii() and declared.isdigit()) or int(declared) > MAX_REQUEST:
        # Starlette spools uploaded files without a bound: refuse before reading any.
        raise TooLarge(f"送信できるファイルは{MAX_UPLOAD // 1024 // 1024}MBまでです "
                       f"(PAYLOAD_TOO_LARGE: at most {MAX_REQUEST:,} bytes with a length)")
    form = await request.form(max_part_size=MAX_UPLOAD)
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise Forbidden("フォームの有効期限が切れたか、不正な送信です。ページを開き直してください "
                        "(CSRF token missing or wrong)")
    require(session, permission)
    return session, form


MAX_UPLOAD = 5 * 1024 * 1024  # a bank statement or an import file
MAX_REQUEST = MAX_UPLOAD + 64 * 1024  # and the form's other fields


def login_token() -> str:
    return secrets.token_urlsafe(32)


def login_token_ok(request: Request, sent: object) -> bool:
    expected = request.cookies.get(LOGIN_COOKIE)
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(sent, expected)
