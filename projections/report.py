"""The fiscal-year report (`lifecycle report --fiscal-year Y`): counts per qualification.

Statuses are counted on the as-of date (default: the fiscal year's last day, or the caller's
today if that is earlier) with current knowledge. Renewals due, renewed, lapsed and new
certifications come from certification_periods, which keeps every granted period, so they
are exact for past years too.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from projections import status_sql
from projections.queries import as_of_param, fiscal_year_bounds, period_outcome
from projections.tables import certification_periods as p
from projections.tables import credentials as c


def fiscal_year_report(engine: Engine, fiscal_year: int, as_of: date) -> dict:
    first, last = fiscal_year_bounds(fiscal_year)
    on = as_of_param(as_of)
    status = status_sql.status_expression(on).label("status")
    outcome = period_outcome(on).label("outcome")
    with engine.connect() as conn:
        statuses = conn.execute(
            select(c.c.qualification, status, func.count().label("n"))
            .group_by(c.c.qualification, status)).all()
        due = conn.execute(
            select(p.c.qualification, outcome, func.count().label("n"))
            .where(p.c.valid_until.between(first, last))
            .group_by(p.c.qualification, outcome)).all()
        new = conn.execute(
            select(p.c.qualification, func.count().label("n"))
            .where(p.c.period_no == 0, p.c.granted_on.between(first, last))
            .group_by(p.c.qualification)).all()
    report: dict[str, dict] = {}

    def entry(code: str) -> dict:
        return report.setdefault(code, {
            "statuses": {}, "renewals_due": 0, "renewed": 0, "lapsed": 0,
            "renewal_under_review": 0, "revoked": 0, "new_certifications": 0})

    for row in statuses:
        entry(row.qualification)["statuses"][row.status] = row.n
    for row in due:
        item = entry(row.qualification)
        item["renewals_due"] += row.n
        if row.outcome in ("renewed", "lapsed", "renewal_under_review", "revoked"):
            item[row.outcome] += row.n
    for row in new:
        entry(row.qualification)["new_certifications"] = row.n
    return {"fiscal_year": fiscal_year, "from": first.isoformat(), "until": last.isoformat(),
            "as_of": as_of.isoformat(),
            "qualifications": {k: report[k] for k in sorted(report)}}
