"""The dashboard: today's counts per qualification and status, what needs doing (windows
open, applications waiting for a decision, unmatched transfers), what falls due in the
next 90 days, and a chart per fiscal year drawn on the server as SVG."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lifecycle.http.console import rendering
from lifecycle.http.console.chart import bar_chart
from lifecycle.http.console.security import Viewer
from projections import dashboard

router = APIRouter()
AHEAD_DAYS = 90
SHOWN_STATUSES = ("passed", "applied", "accepted", "certified", "renewal_window_open",
                  "renewal_requested", "renewal_accepted", "renewal_audit",
                  "renewal_under_review", "suspended", "lapsed", "rejected", "pass_expired",
                  "revoked", "qualified")


@router.get("/")
def home(request: Request, session: Viewer):
    services = request.app.state.services
    engine, today = services.engine, services.today()
    counts = dashboard.status_counts(engine, today)
    qualifications = sorted(counts)
    statuses = [s for s in SHOWN_STATUSES if any(s in counts[q] for q in qualifications)]
    totals = {s: sum(counts[q].get(s, 0) for q in qualifications) for s in SHOWN_STATUSES}
    lapses_total, lapses = dashboard.lapses_coming(engine, today, AHEAD_DAYS)
    reports_total, reports = dashboard.pass_reports_ending(engine, today, AHEAD_DAYS)
    years = dashboard.per_fiscal_year(engine, today)
    return rendering.page(
        request, "dashboard.html", counts=counts, qualifications=qualifications,
        statuses=statuses, totals=totals, unmatched=dashboard.unmatched_count(engine),
        lapses_total=lapses_total, lapses=lapses, reports_total=reports_total,
        reports=reports, ahead=AHEAD_DAYS,
        chart=bar_chart(years, (("certifications", "新規認定"), ("renewals", "更新"),
                                ("lapses", "失効"))))
