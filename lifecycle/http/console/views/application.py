"""The application for first certification (認定申請), forms (A)-(D) of the manual: (A) the
application, (B) the experience entries, (C) the supervisors' signatures, (D) the ethics
pledge, and the copy of the pass report.

"評価する" runs the very command that filing runs, in a unit of work that is never saved, and
shows the evaluation it would record (aggregates.eligibility: months counted, fields,
required-field months, substitution used, fee, warnings), or its refusal; "提出する" files it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from aggregates.errors import DomainError
from lifecycle import contract
from lifecycle.commands import parse_command
from lifecycle.http.console import rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.views.commanding import Kept, integer, run, text
from lifecycle.unit_of_work import UnitOfWork

router = APIRouter()
EXPERIENCE_ROWS = 6
SUBSTITUTION_ROWS = 3


def entry_rows(form: FormData) -> list[int]:
    """The form row (from 1) of each experience entry sent, for the evaluation's notes."""
    return [i + 1 for i in range(EXPERIENCE_ROWS) if _filled(form, i)]


def _filled(form: FormData, i: int) -> bool:
    return any((text(form, f"exp{i}_organization"), text(form, f"exp{i}_from"),
                text(form, f"exp{i}_to"), form.getlist(f"exp{i}_fields")))


def _experience(form: FormData) -> list[dict]:
    entries = []
    for i in range(EXPERIENCE_ROWS):
        organization = text(form, f"exp{i}_organization")
        start, end = text(form, f"exp{i}_from"), text(form, f"exp{i}_to")
        fields = [int(f) for f in form.getlist(f"exp{i}_fields")
                  if isinstance(f, str) and f.isdigit()]
        if not _filled(form, i):
            continue  # a blank row of the form
        entry = {"organization": organization or "", "from": start or "", "to": end or "",
                 "fields": fields}
        supervisor = text(form, f"exp{i}_supervisor")
        if supervisor:
            entry["supervisor"] = {
                "name": supervisor,
                "organization": text(form, f"exp{i}_supervisor_organization") or "",
                "signed_on": text(form, f"exp{i}_signed_on")}
        entries.append(entry)
    return entries


def _substitutions(form: FormData) -> list[dict]:
    rows = []
    for i in range(SUBSTITUTION_ROWS):
        name, months = text(form, f"sub{i}_name"), integer(form, f"sub{i}_months")
        if name or months:
            rows.append({"kind": text(form, f"sub{i}_kind") or "", "name": name or "",
                         "months": months})
    return rows


def command(form: FormData) -> dict:
    return {"type": "file_application", "holder": text(form, "holder"),
            "qualification": text(form, "qualification"), "on": text(form, "on"),
            "experience": _experience(form), "substitutions": _substitutions(form),
            "ethics_pledge_signed_on": text(form, "ethics_pledge_signed_on"),
            "pass_report_copy": form.get("pass_report_copy") == "yes"}


def evaluate(services, raw: dict, actor: str) -> dict:
    """What filing would record (its evaluation) or its refusal; nothing is saved."""
    today = services.today()
    try:
        parsed = parse_command(raw, today)
    except DomainError as error:
        return contract.failed(error)
    return services.app.run(parsed, actor=actor, uow=UnitOfWork(services.app))


def _form_page(request: Request, kept: Kept, status_code: int = 200, **context):
    return rendering.page(request, "application.html", status_code, kept=kept,
                          rows=range(EXPERIENCE_ROWS), subs=range(SUBSTITUTION_ROWS),
                          **context)


@router.get("/applications/new")
def new_application(request: Request, session: Viewer, holder: str = "",
                    qualification: str = "CAP"):
    security.require(session, "key_in")
    today = request.app.state.services.today().isoformat()
    return _form_page(request, Kept(holder=holder, qualification=qualification, on=today,
                                    pass_report_copy="yes"))


@router.post("/applications")
async def post_application(request: Request):
    session, form = await security.posted(request, "key_in")
    raw = command(form)
    services = request.app.state.services
    if form.get("step") != "submit":
        result = await run_in_threadpool(evaluate, services, raw, session.actor)
        if not result["ok"]:
            return _form_page(request, Kept(form), 422, error=result["error"])
        filed = next(e for e in result["events"] if e["type"] == "ApplicationFiled")
        return _form_page(request, Kept(form), evaluation=filed["data"]["evaluation"],
                          rows_sent=entry_rows(form))
    result = await run(request, raw, session)
    if not result["ok"]:
        return _form_page(request, Kept(form), 422, error=result["error"])
    return RedirectResponse(f"/console/holders/{raw['holder']}?done=file_application",
                            status_code=303)
