"""The dashboard: today's counts per qualification and status, what needs doing (windows
open, applications waiting for a decision, unmatched transfers), what falls due in the
next 90 days, and a chart per fiscal year drawn on the server as SVG.

The counts read every credential's status spans and every granted period (seconds at a
million holders), so one process computes them at most once a minute and says when.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from fastapi import APIRouter, Request

from lifecycle.clock import TOKYO
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


FRESH_SECONDS = 60


class Figures:
    """The dashboard's figures of one process, recomputed when a minute old or a new day."""

    def __init__(self, clock=time.monotonic, compute=None) -> None:
        self._lock = threading.Lock()
        self._made: tuple[float, object, dict] | None = None
        self._clock = clock
        self._compute = compute or _figures

    def get(self, services) -> dict:
        today = services.today()
        with self._lock:  # one computation at a time; the others wait for its result
            made = self._made
            now = self._clock()
            if made is None or made[1] != today or now - made[0] > FRESH_SECONDS:
                self._made = made = (now, today, self._compute(services.engine, today))
            return made[2]


def _figures(engine, today) -> dict:
    counts = dashboard.status_counts(engine, today)
    qualifications = sorted(counts)
    statuses = [s for s in SHOWN_STATUSES if any(s in counts[q] for q in qualifications)]
    totals = {s: sum(counts[q].get(s, 0) for q in qualifications) for s in SHOWN_STATUSES}
    lapses_total, lapses = dashboard.lapses_coming(engine, today, AHEAD_DAYS)
    reports_total, reports = dashboard.pass_reports_ending(engine, today, AHEAD_DAYS)
    years = dashboard.per_fiscal_year(engine, today)
    return dict(
        counts=counts, qualifications=qualifications, statuses=statuses, totals=totals,
        unmatched=dashboard.unmatched_count(engine), lapses_total=lapses_total, lapses=lapses,
        reports_total=reports_total, reports=reports, ahead=AHEAD_DAYS,
        counted_at=datetime.now(TOKYO).strftime("%H:%M:%S"),
        chart=bar_chart(years, (("certifications", "新規認定"), ("renewals", "更新"),
                                ("lapses", "失効"))))


@router.get("/")
def home(request: Request, session: Viewer):
    console = request.app.state.console
    return rendering.page(request, "dashboard.html",
                          **console.figures.get(request.app.state.services))
