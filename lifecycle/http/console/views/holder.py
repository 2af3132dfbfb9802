"""A holder's page: each qualification's status on an as-of date (and, for an auditor, as
the records stood at a known-at moment), the CPD table per period, the full event timeline,
and the forms of the actions the viewer's role allows. An action is the same command the
API runs; a refusal shows its SPEC code and sentence beside the form, the input kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from aggregates.errors import DomainError
from aggregates.events import fold
from lifecycle import contract
from lifecycle.clock import TOKYO
from lifecycle.commands import parse_date
from lifecycle.http.console import labels, rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.views.commanding import Kept, integer, run, text
from lifecycle.http.console.views.cpd_table import cpd_table, entries

router = APIRouter()


@dataclass(frozen=True)
class Action:
    permission: str
    build: Callable[[str, FormData], dict]
    done: str  # what the page says once it is recorded


def _lines(form: FormData, name: str) -> list[str]:
    return [line.strip() for line in (text(form, name) or "").splitlines() if line.strip()]


ACTIONS: dict[str, Action] = {
    "log_cpd": Action("key_in", lambda n, f: {
        "type": "log_cpd", "holder": n, "entry_id": text(f, "entry_id"),
        "category": text(f, "category"), "field": integer(f, "field"),
        "activity_on": text(f, "activity_on"), "hours": text(f, "hours"),
        "title": text(f, "title"), "provider": text(f, "provider"), "on": text(f, "on")},
        "CPDを登録しました"),
    "withdraw_cpd": Action("key_in", lambda n, f: {
        "type": "withdraw_cpd", "holder": n, "entry_id": text(f, "entry_id"),
        "reason": text(f, "reason"), "on": text(f, "on")}, "CPDを取り下げました"),
    "request_renewal": Action("key_in", lambda n, f: {
        "type": "request_renewal", "holder": n, "qualification": text(f, "qualification"),
        "on": text(f, "on"), "ethics_pledge_signed_on": text(f, "ethics_pledge_signed_on")},
        "更新申請を登録しました"),
    "decide_application": Action("decide", lambda n, f: {
        "type": "decide_application", "holder": n, "qualification": text(f, "qualification"),
        "on": text(f, "on"), "decision": text(f, "decision"), "reasons": _lines(f, "reasons")},
        "認定審査の結果を記録しました"),
    "complete_audit": Action("decide", lambda n, f: {
        "type": "complete_audit", "holder": n, "qualification": text(f, "qualification"),
        "on": text(f, "on"), "disallowed_entries": f.getlist("disallowed_entries")},
        "CPD監査の完了を記録しました"),
    "decide_renewal": Action("decide", lambda n, f: {
        "type": "decide_renewal", "holder": n, "qualification": text(f, "qualification"),
        "on": text(f, "on"), "decision": text(f, "decision"), "reasons": _lines(f, "reasons")},
        "更新審査の結果を記録しました"),
    **{kind: Action("decide", lambda n, f, kind=kind: {
        "type": f"{kind}_certification", "holder": n, "qualification": text(f, "qualification"),
        "on": text(f, "on"), "reason": text(f, "reason")}, done)
       for kind, done in (("suspend", "認定を停止しました"), ("reinstate", "停止を解除しました"),
                          ("revoke", "認定を取り消しました"))},
}


DONE = {**{name: action.done for name, action in ACTIONS.items()},
        "file_application": "認定申請を登録しました",
        "record_exam_pass": "検定試験の合格を登録しました",
        "record_payment": "入金を登録しました"}


def _source(actor: str | None) -> str:
    """Where an event came from, told from its actor (SPEC §7)."""
    actor = actor or ""
    if actor.startswith("console:"):
        return "取込ファイル（コンソール）" if "/" in actor else "コンソール"
    if actor.startswith("api:"):
        return "API"
    if actor == "scheduler":
        return "スケジューラ"
    if re.search(r":\d+$", actor):  # file:line
        return "取込ファイル"
    return "コマンド"


def _moment(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TOKYO)


def holder_view(services, number: str, as_of: date, known_at: datetime | None,
                with_timeline: bool) -> dict:
    loaded = services.reads.holder(number)
    if loaded is None:
        raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
    holder = loaded.holder
    status = contract.status_object(holder, lambda: services.reads.history(loaded), as_of,
                                    known_at)
    last = holder.state.last_business_date
    if known_at is None and (last is None or as_of >= last):
        state = holder.state
    else:
        state = fold(services.reads.history(loaded), as_of, known_at)
    periods = {}
    for code, shown in status["qualifications"].items():
        if shown["valid_from"] and shown["valid_until"] and shown["cpd"] is not None:
            periods[code] = cpd_table(state, date.fromisoformat(shown["valid_from"]),
                                      date.fromisoformat(shown["valid_until"]))
    pending = {code: _pending(state, code, as_of, lambda: services.reads.history(loaded))
               for code in status["qualifications"]}
    timeline = []
    if with_timeline:
        for event in services.reads.history(loaded):
            entry = contract.event_entry(event)
            entry["source"] = _source(entry["actor"])
            entry["recorded_local"] = event.timestamp.astimezone(TOKYO).strftime(
                "%Y-%m-%d %H:%M:%S")
            entry["unknown_then"] = known_at is not None and event.timestamp > known_at
            entry["after_as_of"] = event.business_date > as_of
            timeline.append(entry)
    return {"status": status, "periods": periods, "cpd_entries": entries(state),
            "timeline": timeline, "pending": pending}


def _pending(state, code: str, as_of: date, history) -> dict | None:
    """What a reviewer decides on: the open application (its fee and the evaluation filed
    with it) or the open renewal request (its fee and audit), as the fold on `as_of` has
    them."""
    record = state.qualifications.get(code)
    if record is None:
        return None
    application = record.open_application()
    if application is not None:
        filed = [e for e in history() if e.type_name == "ApplicationFiled"
                 and e.qualification == code and e.business_date == application.filed_on]
        return {"kind": "application", "filed_on": application.filed_on,
                "accepted_on": application.accepted_on, "fee": application.fee(as_of),
                "evaluation": filed[-1].evaluation if filed else None}
    certification = record.certification
    request = certification.open_request() if certification is not None else None
    if request is not None:
        return {"kind": "renewal", "filed_on": request.requested_on,
                "accepted_on": request.accepted_on, "fee": request.fee(as_of),
                "audit_selected": request.audit_selected,
                "audit_completed_on": request.audit_completed_on}
    return None


def _page(request: Request, session, number: str, *, as_of: str | None = None,
          known_at: str | None = None, error: dict | None = None, action: str | None = None,
          kept: Kept | None = None, done: str | None = None, status_code: int = 200):
    services = request.app.state.services
    today = services.today()
    problems = []
    try:
        on = parse_date(as_of, "as_of") if as_of else today
    except DomainError as refused:
        problems.append(refused.to_dict())
        on = today
    moment = None
    if known_at:
        security.require(session, "known_at")
        try:
            moment = _moment(known_at)
        except ValueError:
            problems.append({"code": "INVALID_INPUT",
                             "message": f"known_at must be an ISO date-time, not {known_at!r}"})
    try:
        view = holder_view(services, number, on, moment,
                           with_timeline=security.roles.allows(session.role, "timeline"))
    except DomainError as unknown:
        return rendering.page(request, "not_found.html", 404, error=unknown.to_dict(),
                              number=number)
    return rendering.page(
        request, "holder.html", status_code, number=number, as_of=on, known_at=known_at or "",
        problems=problems, error=error, action=action, kept=kept or Kept(on=today.isoformat()),
        done=done, professional=labels.PROFESSIONAL, **view)


@router.get("/holders/{number}")
def holder_page(request: Request, session: Viewer, number: str, as_of: str | None = None,
                known_at: str | None = None, done: str | None = None):
    message = DONE.get(done or "")
    return _page(request, session, number, as_of=as_of, known_at=known_at, done=message)


@router.post("/holders/{number}/act/{action}")
async def holder_action(request: Request, number: str, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise security.Forbidden(f"unknown action {action!r}")
    session, form = await security.posted(request, spec.permission)
    result = await run(request, spec.build(number, form), session)
    # The page comes back on the date it was viewed on, whose status offered this form.
    viewed = text(form, "view_as_of")
    if result["ok"]:
        query = urlencode({"done": action, **({"as_of": viewed} if viewed else {})})
        return RedirectResponse(f"/console/holders/{number}?{query}", status_code=303)
    return await run_in_threadpool(
        lambda: _page(request, session, number, as_of=viewed, error=result["error"],
                      action=action, kept=Kept(form), status_code=422))
