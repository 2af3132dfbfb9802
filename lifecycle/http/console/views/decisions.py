"""What waits for a reviewer: accepted applications, accepted renewal requests (and those
under audit or review), and what still waits for its fee; from the read models' status
lists on today's date."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lifecycle.http.console import rendering
from lifecycle.http.console.security import Viewer
from projections import queries

router = APIRouter()
QUEUES = (
    ("accepted", "認定審査待ち（手数料入金済み）"),
    ("renewal_accepted", "更新審査待ち（手数料入金済み）"),
    ("renewal_audit", "CPD監査中"),
    ("renewal_under_review", "有効期限後も更新審査中"),
    ("applied", "認定申請・手数料の入金待ち"),
    ("renewal_requested", "更新申請・手数料の入金待ち"),
)
SHOWN = 100


@router.get("/decisions")
def decisions(request: Request, session: Viewer):
    services = request.app.state.services
    today = services.today()
    queues = []
    for status, title in QUEUES:
        page = queries.credentials(services.engine, as_of=today, status=status, limit=SHOWN)
        queues.append({"status": status, "title": title, "rows": page.items,
                       "more": page.next_after is not None})
    return rendering.page(request, "decisions.html", queues=queues)
