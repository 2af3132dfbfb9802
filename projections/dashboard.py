"""The office's day at a glance (the console's dashboard), from the read models.

Counts per qualification and status on a date (from the status spans); what falls due in
the coming days (lapses, pass reports' last days); the unmatched queue's size; and, per
fiscal year, the certifications, renewals and lapses that the granted periods record.
Current knowledge, like every read-model query.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Engine, and_, func, select

from aggregates.fiscal_calendar import fiscal_year
from projections.queries import as_of_param, period_outcome
from projections.tables import certification_periods as p
from projections.tables import credential_statuses as s
from projections.tables import credentials as c
from projections.tables import holders as h
from projections.tables import unmatched_payments as u


def status_counts(engine: Engine, on: date) -> dict[str, dict[str, int]]:
    """{qualification: {status: holders}} on `on`."""
    stmt = (select(s.c.qualification, s.c.status, func.count().label("n"))
            .where(s.c.from_on <= on, s.c.until_on >= on)
            .group_by(s.c.qualification, s.c.status))
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            counts.setdefault(row.qualification, {})[row.status] = row.n
    return counts


def unmatched_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(u)
                            .where(u.c.allocated < u.c.amount)).scalar_one()


def lapses_coming(engine: Engine, on: date, days: int, limit: int = 20
                  ) -> tuple[int, list[dict]]:
    """Periods that lapse (valid_until + 1) within `days` from `on` unless renewed: how
    many, and the first `limit` by date."""
    outcome = period_outcome(as_of_param(on))
    where = and_(p.c.valid_until >= on - timedelta(days=1),
                 p.c.valid_until < on + timedelta(days=days - 1), outcome == "current")
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(p).where(where)).scalar_one()
        rows = conn.execute(
            select(p.c.holder_number, p.c.qualification, p.c.certification_number,
                   p.c.valid_until, h.c.name)
            .join(h, h.c.holder_number == p.c.holder_number).where(where)
            .order_by(p.c.valid_until, p.c.holder_number).limit(limit)).all()
    return total, [{"holder": r.holder_number, "name": r.name,
                    "qualification": r.qualification,
                    "certification_number": r.certification_number,
                    "lapses_on": r.valid_until + timedelta(days=1)} for r in rows]


def pass_reports_ending(engine: Engine, on: date, days: int, limit: int = 20
                        ) -> tuple[int, list[dict]]:
    """Exam passes with no application whose report's last day is within `days`."""
    where = and_(c.c.attempt_stage == "passed",
                 c.c.attempt_pass_report_valid_until.between(on, on + timedelta(days=days)))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(c).where(where)).scalar_one()
        rows = conn.execute(
            select(c.c.holder_number, c.c.qualification, c.c.attempt_pass_report_valid_until,
                   h.c.name)
            .join(h, h.c.holder_number == c.c.holder_number).where(where)
            .order_by(c.c.attempt_pass_report_valid_until, c.c.holder_number)
            .limit(limit)).all()
    return total, [{"holder": r.holder_number, "name": r.name,
                    "qualification": r.qualification,
                    "last_day": r.attempt_pass_report_valid_until} for r in rows]


def per_fiscal_year(engine: Engine, on: date) -> dict[int, dict[str, int]]:
    """{fiscal year: {"certifications", "renewals", "lapses"}}: first periods and renewed
    periods by the fiscal year they were granted in; lapses by the fiscal year of the
    lapse date (valid_until + 1), as they stand on `on`."""
    years: dict[int, Counter] = {}

    def add(year: int, what: str, n: int) -> None:
        years.setdefault(year, Counter())[what] += n

    outcome = period_outcome(as_of_param(on))
    with engine.connect() as conn:
        for row in conn.execute(select(p.c.granted_on, p.c.period_no, func.count().label("n"))
                                .group_by(p.c.granted_on, p.c.period_no)):
            add(fiscal_year(row.granted_on),
                "certifications" if row.period_no == 0 else "renewals", row.n)
        for row in conn.execute(select(p.c.valid_until, func.count().label("n"))
                                .where(outcome == "lapsed").group_by(p.c.valid_until)):
            add(fiscal_year(row.valid_until + timedelta(days=1)), "lapses", row.n)
    return {year: {k: years[year][k] for k in ("certifications", "renewals", "lapses")}
            for year in sorted(years)}
