"""Pages from the Jinja2 templates shipped with the package, with the labels as filters.

Every page goes out with a strict Content-Security-Policy (no script, no asset from
anywhere but this server), may not be framed, and is not cached (lifecycle.http.hot_paths
adds no-store to every answer).
"""

from __future__ import annotations

import json

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from lifecycle.http.console import labels, roles

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

environment = Environment(loader=PackageLoader("lifecycle.http.console", "templates"),
                          autoescape=select_autoescape(default=True), trim_blocks=True,
                          lstrip_blocks=True)
environment.filters.update(
    day=labels.day, yen=labels.yen,
    status=lambda code: labels.STATUSES.get(code, code or ""),
    qualification=lambda code: labels.QUALIFICATIONS.get(code, code),
    event=lambda name: labels.EVENTS.get(name, name),
    field=lambda n: labels.FIELDS.get(int(n), str(n)) if str(n).isdigit() else n,
    failure=lambda code: labels.FAILURES.get(code, code),
    role=lambda code: labels.ROLES.get(code, code),
    pretty=lambda value: json.dumps(value, ensure_ascii=False, indent=1),
)
environment.globals.update(labels=labels)


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    session = getattr(request.state, "console_session", None)
    can = (lambda p: roles.allows(session.role, p)) if session else (lambda _p: False)
    body = environment.get_template(template).render(
        request=request, session=session, can=can, today=request.app.state.services.today(),
        **context)
    return HTMLResponse(body, status_code=status_code, headers=HEADERS)
