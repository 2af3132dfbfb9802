"""The status of SPEC §8 computed in SQL from the credentials row's dates, on any date.

It mirrors `aggregates.status.holder_status` for every date on or after the holder's last
business date (what the office knows now); the property test in
tests/integration/test_projections_status.py holds the two together. `status_filter` adds,
for each status, a condition on indexed columns that every matching row satisfies, so a
filtered query reads a range of an index rather than every credential.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, literal, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from projections.tables import credentials as c

STATUSES = (
    "passed", "pass_expired", "applied", "accepted", "rejected", "certified",
    "renewal_window_open", "renewal_requested", "renewal_accepted", "renewal_audit",
    "renewal_under_review", "lapsed", "qualified",
)
RENEWAL_STAGES = ("renewal_requested", "renewal_accepted", "renewal_audit")
REVIEW_STAGES = ("renewal_accepted", "renewal_audit")  # accepted: no lapse until decided
# A renewal window (1 January - end of February) is never longer than this.
LONGEST_WINDOW = timedelta(days=62)


def _attempt_status(on: ColumnElement) -> ColumnElement:
    return case(
        (and_(c.c.attempt_stage.in_(("passed", "rejected")),
              c.c.attempt_pass_report_valid_until < on), literal("pass_expired")),
        else_=c.c.attempt_stage,
    )


def shows_attempt(on: ColumnElement) -> ColumnElement:
    """The attempt, not the certification, is shown: there is none, or it has lapsed and a
    newer exam pass or application has started over (SPEC §10)."""
    return or_(
        c.c.stage == "attempt",
        and_(c.c.attempt_stage.is_not(None), c.c.valid_until < on, not_(c.c.under_review)),
    )


def shows_previous_period(on: ColumnElement) -> ColumnElement:
    """Renewed early: the current period runs on until the new one starts."""
    return and_(c.c.previous_valid_from.is_not(None), on < c.c.valid_from)


def status_expression(on: ColumnElement) -> ColumnElement:
    return case(
        (c.c.stage == "qualified", literal("qualified")),
        (shows_attempt(on), _attempt_status(on)),
        (c.c.valid_until < on,
         case((c.c.under_review, literal("renewal_under_review")), else_=literal("lapsed"))),
        (shows_previous_period(on), literal("certified")),
        (c.c.stage != "certified", c.c.stage),
        (and_(c.c.window_opens_on <= on, on <= c.c.window_closes_on),
         literal("renewal_window_open")),
        else_=literal("certified"),
    )


def status_filter(status: str, on: date, on_param: ColumnElement) -> ColumnElement:
    """`status_expression(on) == status`, led by an index-friendly superset condition."""
    return and_(_index_hint(status, on), status_expression(on_param) == status)


def _index_hint(status: str, on: date) -> ColumnElement:
    if status == "qualified":
        return c.c.stage == "qualified"
    if status in ("applied", "accepted"):
        return c.c.attempt_stage == status
    if status in ("passed", "rejected"):
        return and_(c.c.attempt_stage == status, c.c.attempt_pass_report_valid_until >= on)
    if status == "pass_expired":
        return and_(c.c.attempt_stage.in_(("passed", "rejected")),
                    c.c.attempt_pass_report_valid_until < on)
    if status == "lapsed":
        return and_(c.c.stage.in_(("certified", "renewal_requested")), c.c.valid_until < on)
    if status == "renewal_under_review":
        return and_(c.c.stage.in_(REVIEW_STAGES), c.c.valid_until < on)
    if status in RENEWAL_STAGES:
        return and_(c.c.stage == status, c.c.valid_until >= on)
    if status == "renewal_window_open":
        return and_(c.c.stage == "certified",
                    c.c.window_closes_on.between(on, on + LONGEST_WINDOW))
    if status == "certified":
        return and_(c.c.stage.in_(("certified", *RENEWAL_STAGES)), c.c.valid_until >= on)
    raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
