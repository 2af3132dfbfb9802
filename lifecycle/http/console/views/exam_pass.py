"""Recording an exam pass (検定試験合格) by hand: record_exam_pass, as an exam-results file's
row would; a new holder needs the name and its kana."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from lifecycle.http.console import rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.views.commanding import Kept, run, text

router = APIRouter()


@router.get("/exam-pass")
def exam_pass_form(request: Request, session: Viewer, holder: str = ""):
    security.require(session, "key_in")
    return rendering.page(request, "exam_pass.html", kept=Kept(holder=holder,
                                                               qualification="CAP"))


@router.post("/exam-pass")
async def record_exam_pass(request: Request):
    session, form = await security.posted(request, "key_in")
    raw = {"type": "record_exam_pass", "holder": text(form, "holder"),
           "qualification": text(form, "qualification"),
           "pass_number": text(form, "pass_number"), "issued_on": text(form, "issued_on"),
           "name": text(form, "name"), "name_kana": text(form, "name_kana"),
           "email": text(form, "email")}
    result = await run(request, raw, session)
    if result["ok"]:
        return RedirectResponse(f"/console/holders/{raw['holder']}?done=record_exam_pass",
                                status_code=303)
    return rendering.page(request, "exam_pass.html", 422, kept=Kept(form),
                          error=result["error"])
