"""Imports (exam results, applications, CPD, bank statements) with their rejected-rows
report, and the credentials export as a download: UTF-8 with a BOM (Excel reads it as it
is) or CP932, CSV-injection-safe (lifecycle.exports, lifecycle.csv_out)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from aggregates import qualifications
from lifecycle import csv_out, exports
from lifecycle.http.console import rendering, security
from lifecycle.http.console.security import Viewer
from lifecycle.http.console.views.importing import import_file, safe_name
from lifecycle.imports import KINDS
from projections.status_sql import STATUSES

router = APIRouter()
KIND_NAMES = {"exam-results": "試験結果（合格者）CSV", "applications": "認定申請 JSON",
              "cpd": "CPD CSV", "bank-statement": "入金明細 CSV"}
ENCODINGS = {"utf-8-sig": "UTF-8（BOM付き・Excel向け）", "cp932": "Shift_JIS（CP932）"}
CHUNK = 64 * 1024


def _page(request: Request, status_code: int = 200, **context):
    return rendering.page(request, "imports.html", status_code, kinds=KIND_NAMES,
                          encodings=ENCODINGS, statuses=STATUSES,
                          qualifications=qualifications.ALL, **context)


@router.get("/imports")
def imports_page(request: Request, session: Viewer):
    if not security.roles.allows(session.role, "export"):
        security.require(session, "key_in")  # the page is for those who import or export
    return _page(request)


@router.post("/imports")
async def post_import(request: Request):
    session, form = await security.posted(request, "key_in")
    kind = form.get("kind")
    upload = form.get("file")
    if kind not in KINDS or upload is None or isinstance(upload, str) or not upload.filename:
        return _page(request, 422, error={"code": "INVALID_INPUT",
                                          "message": "choose the kind of file and the file"})
    data = await upload.read()
    report = await run_in_threadpool(
        import_file, request.app.state.services, kind, safe_name(upload.filename, "import"),
        data, session, dry_run=form.get("dry_run") == "yes")
    return _page(request, report=report)


def _csv(rows: Iterator[dict], encoding: str) -> Iterator[bytes]:
    codec = "utf-8" if encoding == "utf-8-sig" else "cp932"
    if encoding == "utf-8-sig":
        yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv_out.DictWriter(buffer, fieldnames=exports.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode(codec, errors="replace")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode(codec, errors="replace")


@router.get("/exports/credentials.csv")
def export_credentials(request: Request, session: Viewer, encoding: str = "utf-8-sig",
                       status: str = "", qualification: str = ""):
    security.require(session, "export")
    services = request.app.state.services
    today = services.today()
    if encoding not in ENCODINGS or (status and status not in STATUSES) or (
            qualification and qualification not in qualifications.ALL):
        return _page(request, 422, error={"code": "INVALID_INPUT",
                                          "message": "choose an encoding, status and "
                                                     "qualification from the lists"})
    rows = exports.credential_rows(services.engine, as_of=today, status=status or None,
                                   qualification=qualification or None)
    name = f"credentials-{today.isoformat()}{'-' + status if status else ''}.csv"
    media = "text/csv; charset=" + ("utf-8" if encoding == "utf-8-sig" else "shift_jis")
    return StreamingResponse(_csv(rows, encoding), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
