"""Staff accounts for an administrator: list, add, change role, disable, enable, set a
password (lifecycle.staff.Accounts, as `lifecycle users` does; each change is logged with
the administrator's name)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from lifecycle.http.console import rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.views.commanding import Kept, text
from lifecycle.staff import ROLES, AccountError

router = APIRouter()


def _page(request: Request, status_code: int = 200, **context):
    accounts = request.app.state.console.accounts
    return rendering.page(request, "users.html", status_code, accounts=accounts.list(),
                          log=accounts.log()[-30:][::-1], roles=ROLES, **context)


@router.get("/users")
def users_page(request: Request, session: Viewer):
    security.require(session, "manage_users")
    return _page(request, kept=Kept(), done=request.query_params.get("done"))


@router.post("/users")
async def change(request: Request):
    session, form = await security.posted(request, "manage_users")
    accounts = request.app.state.console.accounts
    name, action = text(form, "name") or "", text(form, "action")
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    by = session.actor

    def apply() -> None:
        if action == "add":
            accounts.add(name, text(form, "role") or "", password, by=by)
        elif action == "role":
            accounts.set_role(name, text(form, "role") or "", by=by)
        elif action == "password":
            accounts.set_password(name, password, by=by)
        elif action == "disable":
            if name == session.account:
                raise AccountError("an administrator cannot disable their own account here")
            accounts.disable(name, by=by)
        elif action == "enable":
            accounts.enable(name, by=by)
        else:
            raise AccountError("unknown change")

    try:
        await run_in_threadpool(apply)
    except AccountError as refused:
        kept, error = Kept(form), {"code": "INVALID_INPUT", "message": str(refused)}
        return await run_in_threadpool(lambda: _page(request, 422, kept=kept, error=error))
    return RedirectResponse("/console/users?done=1", status_code=303)
