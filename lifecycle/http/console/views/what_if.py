"""規程改定の影響試算 (what-if): a proposed policy file, pasted or uploaded, is checked at
once (a bad file is refused with the parser's line, nothing run), then replayed over the
whole register in the background (lifecycle.http.console.what_if_runs) while its page
refreshes itself. The result is `lifecycle what-if`'s report: the header, the counts, the
differing holders a page at a time, and the same rows as the CLI's --csv as a download.
Nothing is recorded."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.datastructures import FormData

from aggregates.errors import DomainError
from lifecycle import csv_out
from lifecycle.commands import parse_date
from lifecycle.http.console import rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.what_if_runs import Run
from lifecycle.policy import loading, report
from lifecycle.policy.replay import Report

router = APIRouter()
log = structlog.get_logger("lifecycle.console")
PAGE = 200  # differing rows shown at once; the CSV has them all
REFRESH_SECONDS = 3
CHUNK = 64 * 1024


def _form(request: Request, status_code: int = 200, **context):
    runs = request.app.state.console.what_if
    if not context.get("as_of"):
        context["as_of"] = request.app.state.services.today().isoformat()
    return rendering.page(request, "what_if.html", status_code, runs=runs.recent(), **context)


@router.get("/what-if")
def what_if_page(request: Request, session: Viewer):
    security.require(session, "what_if")
    return _form(request)


@router.post("/what-if")
async def start(request: Request):
    session, form = await security.posted(request, "what_if")
    runs = request.app.state.console.what_if
    current = runs.running()
    if current is not None:  # one at a time: show the one that runs
        return RedirectResponse(f"/console/what-if/runs/{current.id}?busy=1", status_code=303)
    text, as_of = None, _field(form, "as_of")
    try:
        text = await _proposal(form)
        on = parse_date(as_of, "as_of") if as_of else request.app.state.services.today()
        proposal = await run_in_threadpool(loading.parse, text)
    except (DomainError, loading.PolicyFileError) as refused:
        return _form(request, 422, proposal=text or "", as_of=as_of, **_refusal(refused, text))
    run, started = await run_in_threadpool(
        runs.start, request.app.state.services.app.settings, text, on, proposal.version,
        session.account)
    if started:  # the role, not the account: logs carry no names
        log.info("console.what_if_started", run=run.id, as_of=on.isoformat(),
                 proposal=proposal.version, role=session.role)
    busy = "" if started else "?busy=1"
    return RedirectResponse(f"/console/what-if/runs/{run.id}{busy}", status_code=303)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _proposal(form: FormData) -> str:
    """The uploaded file when one was chosen, else the pasted text."""
    upload = form.get("file")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        try:
            return (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("INVALID_INPUT", "the policy file must be UTF-8 text") from None
    pasted = form.get("proposal")
    if isinstance(pasted, str) and pasted.strip():
        return pasted.replace("\r\n", "\n")
    raise DomainError("INVALID_INPUT", "paste the proposed policy file or choose it")


def _refusal(refused: Exception, text: str | None) -> dict:
    if isinstance(refused, DomainError):
        return {"error": refused.to_dict()}
    line = refused.line
    lines = (text or "").splitlines()
    return {"error": {"code": "INVALID_INPUT", "message": f"the policy file is refused: "
                                                           f"{refused}"},
            "fault_line": line,
            "fault_text": lines[line - 1] if line and line <= len(lines) else None}


def _run(request: Request, run_id: str) -> Run:
    run = request.app.state.console.what_if.get(run_id)
    if run is None:
        raise DomainError("NOT_FOUND", f"no what-if run {run_id!r} on this server: the last "
                                       "few runs are kept until the server stops")
    return run


@router.get("/what-if/runs/{run_id}.csv")
def run_csv(request: Request, session: Viewer, run_id: str):
    security.require(session, "what_if")
    run = _run(request, run_id)
    outcome = run.outcome()
    if not isinstance(outcome, Report):
        return RedirectResponse(f"/console/what-if/runs/{run.id}", status_code=303)
    name = f"what-if-{outcome.as_of.isoformat()}-{outcome.proposal_version}.csv"
    return StreamingResponse(_csv(outcome), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


def _csv(outcome: Report) -> Iterator[bytes]:
    """UTF-8 with a BOM, as the console's other CSVs, so that Excel reads it as it is."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv_out.Writer(buffer, lineterminator="\r\n")
    for row in report.csv_rows(outcome):
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


@router.get("/what-if/runs/{run_id}")
def run_page(request: Request, session: Viewer, run_id: str, page: str = "1", busy: str = ""):
    security.require(session, "what_if")
    run = _run(request, run_id)
    outcome = run.outcome()
    context = {"run": run, "busy": bool(busy), "refresh": REFRESH_SECONDS}
    if isinstance(outcome, Report):
        pages = max(1, math.ceil(outcome.differing / PAGE))
        number = min(max(int(page) if page.isdigit() else 1, 1), pages)
        start = (number - 1) * PAGE
        context.update(report=outcome, counts=report.counts(outcome), page=number,
                       pages=pages, first=start + 1, cpd=report.cpd,
                       rows=list(outcome.rows(start, start + PAGE)))
    elif outcome is not None:
        context["failure"] = outcome
    return rendering.page(request, "what_if_run.html", **context)
