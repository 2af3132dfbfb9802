"""Payments (手数料の入金): record one transfer by hand, upload a bank statement (入金明細),
see what matched and the unmatched queue, and allocate a company's transfer across holders.
Each is the command the CLI and the API run (record_payment, record_transfer through the
bank-statement import, record_payment with `allocated_by`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from lifecycle.http.console import rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.views.commanding import Kept, integer, run, text
from lifecycle.http.console.views.importing import import_file, safe_name
from projections import queries

router = APIRouter()
LISTED = 50


def _lists(services, after: str | None = None) -> dict:
    unmatched = queries.payments(services.engine, unmatched_only=True, limit=200)
    try:
        recorded = queries.payments(services.engine, after=after, limit=LISTED)
    except ValueError:
        recorded = queries.payments(services.engine, limit=LISTED)
    return {"unmatched": unmatched.items, "recorded": recorded.items,
            "next_after": recorded.next_after}


def _page(request: Request, status_code: int = 200, *, after: str | None = None, **context):
    services = request.app.state.services
    context.setdefault("kept", Kept(paid_on=services.today().isoformat()))
    return rendering.page(request, "payments.html", status_code, **_lists(services, after),
                          **context)


@router.get("/payments")
def payments_page(request: Request, session: Viewer, holder: str = "",
                  qualification: str = "", purpose: str = "certification",
                  after: str | None = None):
    today = request.app.state.services.today().isoformat()
    return _page(request, after=after, kept=Kept(holder=holder, qualification=qualification,
                                                 purpose=purpose, paid_on=today))


@router.post("/payments/record")
async def record(request: Request):
    session, form = await security.posted(request, "key_in")
    raw = {"type": "record_payment", "holder": text(form, "holder"),
           "qualification": text(form, "qualification"), "purpose": text(form, "purpose"),
           "amount": integer(form, "amount"), "paid_on": text(form, "paid_on"),
           "payer_name": text(form, "payer_name"),
           "bank_reference": text(form, "bank_reference")}
    result = await run(request, raw, session)
    if result["ok"]:
        return RedirectResponse(f"/console/holders/{raw['holder']}?done=record_payment",
                                status_code=303)
    return await run_in_threadpool(lambda: _page(
        request, 422, kept=Kept(form), error=result["error"], failed="record"))


@router.post("/payments/statement")
async def statement(request: Request):
    session, form = await security.posted(request, "key_in")
    upload = form.get("statement")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return await run_in_threadpool(lambda: _page(
            request, 422, failed="statement",
            error={"code": "INVALID_INPUT", "message": "choose the bank statement's CSV file"}))
    data = await upload.read()
    name = safe_name(upload.filename, "statement.csv")
    result = await run_in_threadpool(import_file, request.app.state.services,
                                     "bank-statement", name, data, session)
    return await run_in_threadpool(lambda: _page(request, report=result))


@router.post("/payments/allocate")
async def allocate(request: Request):
    session, form = await security.posted(request, "key_in")
    services = request.app.state.services
    reference = text(form, "bank_reference") or ""
    transfer = await run_in_threadpool(services.app.unmatched_transfer, reference)
    if transfer is None:
        error = {"code": "INVALID_INPUT",
                 "message": f"bank reference {reference} is not in the unmatched queue"}
        return await run_in_threadpool(lambda: _page(request, 422, error=error,
                                                     failed="allocate", kept=Kept(form)))
    raw = {"type": "record_payment", "holder": text(form, "holder"),
           "qualification": text(form, "qualification"), "purpose": text(form, "purpose"),
           "amount": integer(form, "amount"), "paid_on": transfer.paid_on.isoformat(),
           "payer_name": transfer.payer_name, "bank_reference": reference,
           "allocated_by": session.actor, "transfer_amount": transfer.amount}
    result = await run(request, raw, session)
    if result["ok"]:
        return RedirectResponse("/console/payments?done=allocate", status_code=303)
    return await run_in_threadpool(lambda: _page(request, 422, error=result["error"],
                                                 failed="allocate", kept=Kept(form)))
