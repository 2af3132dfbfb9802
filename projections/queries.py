"""Read-model queries for the CLI, the HTTP API and the scheduler.

Every status is computed in SQL on the query's as-of date from stored dates
(projections.status_sql). The read model holds what the office knows now: for an as-of
date before a holder's latest event, the authoritative per-holder answer is the event
store's `app.status(holder, as_of)`; these queries answer with current knowledge.
Results are JSON primitives (ISO dates, decimal strings), ready for --json and --csv.
"""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import Date, Engine, and_, bindparam, case, func, literal, select

from aggregates.cpd import REQUIRED_POINTS, format_points
from projections import status_sql
from projections.paging import Page, check_limit, decode_cursor, encode_cursor, fetch_page
from projections.tables import certification_periods as p
from projections.tables import credentials as c
from projections.tables import holders as h
from projections.tables import payments as pay
from projections.tables import unmatched_payments as unmatched

prev = p.alias("prev")
CATEGORIES = ("a", "b", "c", "d")


def as_of_param(as_of: date):
    """The as-of date as one bound parameter, reused by every comparison of a query."""
    return bindparam("on", as_of, type_=Date)


def _flag(condition):
    return case((condition, literal(1)), else_=literal(0))


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def _required(stored):
    """A row's points required (the live policy's, for its cycle); rows from before
    policies hold NULL: SPEC's 30, the only rule then."""
    return REQUIRED_POINTS if stored is None else stored


def _cpd(row, prefix: str) -> dict:
    return {
        "counted": format_points(getattr(row, f"{prefix}counted")),
        "logged": format_points(getattr(row, f"{prefix}logged")),
        "required": format_points(_required(getattr(row, f"{prefix}required"))),
        "by_category": {k.upper(): format_points(getattr(row, f"{prefix}{k}"))
                        for k in CATEGORIES},
    }


def _credential_select(as_of: date):
    return _credential_columns(as_of_param(as_of))


@functools.cache
def _credentials_of_holders():
    """The credential rows of a page's holders, built once: the as-of date (`on`) and the
    holder numbers (`numbers`) are bound at execution, so neither the statement nor its
    cache key is rebuilt per query (a third of a status query's time when they were)."""
    return _credential_columns(bindparam("on", type_=Date)).where(
        c.c.holder_number.in_(bindparam("numbers", expanding=True)))


def _credential_columns(on):
    return (
        select(
            c, h.c.name, h.c.name_kana,
            status_sql.status_expression(on).label("status"),
            _flag(status_sql.shows_attempt(on)).label("shows_attempt"),
            _flag(status_sql.shows_previous_period(on)).label("shows_previous"),
            prev.c.window_opens_on.label("prev_opens_on"),
            prev.c.window_closes_on.label("prev_closes_on"),
            *(getattr(prev.c, f"cpd_{k}").label(f"prev_cpd_{k}")
              for k in ("counted", "logged", "required", *CATEGORIES)),
        )
        .join(h, h.c.holder_number == c.c.holder_number)
        .outerjoin(prev, and_(prev.c.holder_number == c.c.holder_number,
                              prev.c.certification_number == c.c.certification_number,
                              prev.c.period_no == c.c.period_no - 1))
    )


def _shown(row) -> dict:
    """The qualification object of SPEC §8 for the row's status on the query date."""
    shape = dict.fromkeys(("certification_number", "valid_from", "valid_until",
                           "renewal_window", "pass_report_valid_until", "cpd"))
    shape["status"] = row.status
    if row.stage == "qualified":
        shape["valid_from"] = _iso(row.valid_from)
    elif row.shows_attempt:
        shape["pass_report_valid_until"] = _iso(row.attempt_pass_report_valid_until)
    elif row.shows_previous:
        shape.update(
            certification_number=row.certification_number,
            valid_from=_iso(row.previous_valid_from), valid_until=_iso(row.previous_valid_until),
            renewal_window={"opens_on": _iso(row.prev_opens_on),
                            "closes_on": _iso(row.prev_closes_on)},
            pass_report_valid_until=_iso(row.pass_report_valid_until),
            cpd=_cpd(row, "prev_cpd_"))
    else:
        shape.update(
            certification_number=row.certification_number,
            valid_from=_iso(row.valid_from), valid_until=_iso(row.valid_until),
            renewal_window={"opens_on": _iso(row.window_opens_on),
                            "closes_on": _iso(row.window_closes_on)},
            pass_report_valid_until=_iso(row.pass_report_valid_until),
            cpd=_cpd(row, "cpd_"))
    return {k: shape[k] for k in ("status", "certification_number", "valid_from",
                                  "valid_until", "renewal_window",
                                  "pass_report_valid_until", "cpd")}


def holder_status(engine: Engine, holder_number: str, as_of: date) -> dict | None:
    """The status object of SPEC §8 from the read model (None for an unknown holder)."""
    with engine.connect() as conn:
        rows = conn.execute(_credential_select(as_of)
                            .where(c.c.holder_number == holder_number)
                            .order_by(c.c.qualification)).all()
        if not rows:
            who = conn.execute(select(h.c.name, h.c.name_kana)
                               .where(h.c.holder_number == holder_number)).first()
            if who is None:
                return None
            return {"holder": holder_number, "name": who.name, "name_kana": who.name_kana,
                    "qualifications": {}}
    return {"holder": holder_number, "name": rows[0].name, "name_kana": rows[0].name_kana,
            "qualifications": {r.qualification: _shown(r) for r in rows}}


def _credential_item(row) -> dict:
    return {"holder": row.holder_number, "name": row.name, "name_kana": row.name_kana,
            "qualification": row.qualification, **_shown(row)}


def credentials(engine: Engine, *, as_of: date, qualification: str | None = None,
                status: str | None = None, after: str | None = None,
                limit: int = 100) -> Page:
    """One item per holder × qualification, with its status on `as_of`."""
    if status is not None:
        return _credentials_with_status(engine, as_of, qualification, status, after, limit)
    stmt = _credential_select(as_of)
    if qualification is not None:
        stmt = stmt.where(c.c.qualification == qualification)
    with engine.connect() as conn:
        return fetch_page(conn, stmt, [c.c.holder_number, c.c.qualification], after, limit,
                          _credential_item)


def _credentials_with_status(engine: Engine, as_of: date, qualification: str | None,
                             status: str, after: str | None, limit: int) -> Page:
    """The page's keys from the status spans (indexes only), then their rows."""
    check_limit(limit)
    key = decode_cursor(after) if after is not None else None
    with engine.connect() as conn:
        keys = status_sql.matching_keys(conn, status, as_of, qualification=qualification,
                                        after=key, limit=limit + 1)
        page = keys[:limit]
        found = {}
        if page:
            found = {(r.holder_number, r.qualification): r for r in conn.execute(
                _credentials_of_holders(),
                {"on": as_of, "numbers": sorted({h for h, _ in page})}).all()}
    items = [_credential_item(found[k]) for k in page if k in found]
    return Page(items, encode_cursor(list(page[-1])) if len(keys) > limit else None)


def cpd_shortfall(engine: Engine, *, as_of: date, after: str | None = None,
                  limit: int = 100) -> Page:
    """Holders in an open renewal window whose counted CPD is still under what their cycle
    needs (30 points under SPEC's rules; the live policy's figure)."""
    on = as_of_param(as_of)
    status = status_sql.status_expression(on)
    stmt = (
        _credential_select(as_of)
        .where(c.c.stage.in_(("certified", *status_sql.RENEWAL_STAGES)),
               c.c.window_closes_on.between(as_of, as_of + status_sql.LONGEST_WINDOW),
               c.c.window_opens_on <= on,
               status.in_(("renewal_window_open", *status_sql.RENEWAL_STAGES)),
               c.c.cpd_counted < func.coalesce(c.c.cpd_required, REQUIRED_POINTS))
    )

    def item(row) -> dict:
        shown = _credential_item(row)
        shown["lacking"] = format_points(_required(row.cpd_required) - row.cpd_counted)
        return shown

    with engine.connect() as conn:
        return fetch_page(conn, stmt, [c.c.holder_number, c.c.qualification], after, limit,
                          item)


def period_outcome(on):
    """How a granted period stands on `on`: renewed, revoked (SPEC §11: from the day its
    certification was revoked, a period not renewed before), upcoming, current,
    renewal_under_review or lapsed."""
    return case(
        (p.c.renewed_on.is_not(None), literal("renewed")),
        (p.c.revoked_on <= on, literal("revoked")),
        (on < p.c.valid_from, literal("upcoming")),
        (on <= p.c.valid_until, literal("current")),
        (p.c.under_review, literal("renewal_under_review")),
        else_=literal("lapsed"),
    )


def _period_select(as_of: date):
    outcome = period_outcome(as_of_param(as_of)).label("outcome")
    return (select(p, h.c.name, h.c.name_kana, outcome)
            .join(h, h.c.holder_number == p.c.holder_number))


def _period_item(row) -> dict:
    return {
        "holder": row.holder_number, "name": row.name, "name_kana": row.name_kana,
        "qualification": row.qualification, "certification_number": row.certification_number,
        "period_no": row.period_no, "valid_from": _iso(row.valid_from),
        "valid_until": _iso(row.valid_until), "granted_on": _iso(row.granted_on),
        "renewal_window": {"opens_on": _iso(row.window_opens_on),
                           "closes_on": _iso(row.window_closes_on)},
        "renewed_on": _iso(row.renewed_on), "outcome": row.outcome,
        "cpd_counted": format_points(row.cpd_counted),
    }


PERIOD_KEYS = [p.c.holder_number, p.c.certification_number, p.c.period_no]


def windows(engine: Engine, *, opens_from: date, opens_to: date, as_of: date,
            after: str | None = None, limit: int = 100) -> Page:
    """Renewal windows opening between two dates (inclusive), with each period's outcome."""
    stmt = _period_select(as_of).where(p.c.window_opens_on.between(opens_from, opens_to))
    with engine.connect() as conn:
        return fetch_page(conn, stmt, PERIOD_KEYS, after, limit, _period_item)


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def expiring(engine: Engine, *, fiscal_year: int, as_of: date, after: str | None = None,
             limit: int = 100) -> Page:
    """Periods ending in a fiscal year (renewals due then), with how each stands on as_of."""
    first, last = fiscal_year_bounds(fiscal_year)
    stmt = _period_select(as_of).where(p.c.valid_until.between(first, last))
    with engine.connect() as conn:
        return fetch_page(conn, stmt, PERIOD_KEYS, after, limit, _period_item)


def certified_on(engine: Engine, *, on: date, qualification: str | None = None,
                 after: str | None = None, limit: int = 100) -> Page:
    """Who held a certification period on `on` (past dates too): one indexed range."""
    stmt = _period_select(on).where(p.c.valid_from <= on, p.c.valid_until >= on)
    if qualification is not None:
        stmt = stmt.where(p.c.qualification == qualification)
    with engine.connect() as conn:
        return fetch_page(conn, stmt, PERIOD_KEYS, after, limit, _period_item)


def payments(engine: Engine, *, unmatched_only: bool = False, after: str | None = None,
             limit: int = 100) -> Page:
    """Recorded transfers with their match, or (unmatched_only) the unmatched queue."""
    with engine.connect() as conn:
        if unmatched_only:
            waiting = select(unmatched).where(unmatched.c.allocated < unmatched.c.amount)
            return fetch_page(conn, waiting, [unmatched.c.bank_reference], after,
                              limit, _unmatched_item)
        return fetch_page(conn, select(pay), [pay.c.bank_reference, pay.c.holder_number],
                          after, limit, _payment_item)


def _payment_item(row) -> dict:
    return {
        "bank_reference": row.bank_reference, "holder": row.holder_number,
        "qualification": row.qualification, "purpose": row.purpose, "amount": row.amount,
        "paid_on": _iso(row.paid_on), "payer_name": row.payer_name,
        "allocated_by": row.allocated_by, "transfer_amount": row.transfer_amount,
        "credited_to": row.credited_to, "fee_due": row.fee_due, "fee_paid": row.fee_paid,
        "shortfall": row.shortfall, "excess": row.excess,
    }


def _unmatched_item(row) -> dict:
    return {"bank_reference": row.bank_reference, "amount": row.amount,
            "allocated": row.allocated, "paid_on": _iso(row.paid_on),
            "payer_name": row.payer_name,
            "source": row.source, "reason": row.reason}


def holders_due(engine: Engine, as_of: date, after_holder: str | None = None,
                limit: int = 1000) -> list[str]:
    """Holders with a scheduler fact (window opened, lapse, pass report expired) due on or
    before `as_of` and not yet recorded, by holder number for keyset paging. Read from one
    indexed date column; the sweep re-checks each holder on its aggregate."""
    stmt = select(h.c.holder_number).where(h.c.next_due_on <= as_of)
    if after_holder is not None:
        stmt = stmt.where(h.c.holder_number > after_holder)
    with engine.connect() as conn:
        return list(conn.execute(stmt.order_by(h.c.holder_number).limit(limit)).scalars())


__all__ = [
    "Page", "certified_on", "cpd_shortfall", "credentials", "expiring",
    "holder_status", "holders_due", "payments", "period_outcome", "windows",
]
