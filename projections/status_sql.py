"""The status of SPEC §8 computed in SQL from the credentials row's dates, on any date.

It mirrors `aggregates.status.holder_status` for every date on or after the holder's last
business date (what the office knows now); the property test in
tests/integration/test_projections_status.py holds the two together. `status_filter` adds,
for each status, a condition on indexed columns that every matching row satisfies (for
ad-hoc SQL). The list queries filter on `credential_statuses` instead: `status_spans` cuts
the CASE, a function of the date, into the spans where it is constant (computed in Python
by `status_on`, its mirror), and `matching_keys` finds the spans containing a date from
indexes only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import (
    Connection,
    Date,
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from projections.tables import credential_statuses as spans
from projections.tables import credentials as c

STATUSES = (
    "passed", "pass_expired", "applied", "accepted", "rejected", "certified",
    "renewal_window_open", "renewal_requested", "renewal_accepted", "renewal_audit",
    "renewal_under_review", "lapsed", "qualified", "suspended", "revoked",
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
    """The attempt, not the certification, is shown: there is none, or it has lapsed (or
    been revoked) and a newer exam pass or application has started over (SPEC §10, §11)."""
    return or_(
        c.c.stage == "attempt",
        and_(c.c.attempt_stage.is_not(None), c.c.valid_until < on, not_(c.c.under_review)),
        and_(c.c.attempt_stage.is_not(None), c.c.revoked_on <= on),
    )


def shows_previous_period(on: ColumnElement) -> ColumnElement:
    """Renewed early: the current period runs on until the new one starts."""
    return and_(c.c.previous_valid_from.is_not(None), on < c.c.valid_from)


def status_expression(on: ColumnElement) -> ColumnElement:
    suspended = c.c.suspended_on <= on
    return case(
        (c.c.stage == "qualified",
         case((c.c.revoked_on <= on, literal("revoked")), else_=literal("qualified"))),
        (shows_attempt(on), _attempt_status(on)),
        (c.c.revoked_on <= on, literal("revoked")),
        (c.c.valid_until < on,
         case((not_(c.c.under_review), literal("lapsed")),
              (suspended, literal("suspended")),
              else_=literal("renewal_under_review"))),
        (suspended, literal("suspended")),
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
    if status == "suspended":
        return c.c.suspended_on <= on
    if status == "revoked":
        return c.c.revoked_on <= on
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


# --- Status spans: the CASE above as a function of the date, stored per credential -------

OPEN_START = date(1, 1, 1)
OPEN_END = date(9999, 12, 31)
OPEN_START_KIND, OPEN_END_KIND = -1, -2
LONG_KIND = 13  # bounded spans of 2**12 days (11 years) or more: anchor <= D, no lower bound
DAY = timedelta(days=1)


def status_on(row: Mapping, on: date) -> str | None:
    """`status_expression` evaluated in Python on one credentials row (SQL NULL semantics:
    a comparison with a missing date is false)."""
    def before(day):  # day < on
        return day is not None and day < on

    def reached(day):  # day <= on
        return day is not None and day <= on

    revoked = reached(row.get("revoked_on"))
    suspended = reached(row.get("suspended_on"))
    if row["stage"] == "qualified":
        return "revoked" if revoked else "qualified"
    under_review = row["under_review"]
    if row["stage"] == "attempt" or (row["attempt_stage"] is not None
                                     and ((before(row["valid_until"])
                                           and under_review is not None and not under_review)
                                          or revoked)):
        if (row["attempt_stage"] in ("passed", "rejected")
                and before(row["attempt_pass_report_valid_until"])):
            return "pass_expired"
        return row["attempt_stage"]
    if revoked:
        return "revoked"
    if before(row["valid_until"]):
        if not under_review:
            return "lapsed"
        return "suspended" if suspended else "renewal_under_review"
    if suspended:
        return "suspended"
    if (row["previous_valid_from"] is not None and row["valid_from"] is not None
            and on < row["valid_from"]):
        return "certified"
    if row["stage"] != "certified":
        return row["stage"]
    opens, closes = row["window_opens_on"], row["window_closes_on"]
    if opens is not None and closes is not None and opens <= on <= closes:
        return "renewal_window_open"
    return "certified"


def _day_after(day: date | None) -> date | None:
    return None if day is None or day >= OPEN_END else day + DAY


def status_spans(row: Mapping) -> list[dict]:
    """The credential's status over every date: maximal spans of one status, each a row of
    `credential_statuses`. The CASE's conditions change only on the days listed here."""
    changes = {_day_after(row["attempt_pass_report_valid_until"]),
               _day_after(row["valid_until"]), _day_after(row["window_closes_on"]),
               row["valid_from"], row["window_opens_on"], row.get("suspended_on"),
               row.get("revoked_on")}
    starts = sorted(d for d in changes if d is not None and d > OPEN_START)
    found: list[list] = []  # [from, until, status]
    for first in (OPEN_START, *starts):
        status = status_on(row, first)
        if found and found[-1][2] == status:
            continue
        if found:
            found[-1][1] = first - DAY
        found.append([first, OPEN_END, status])
    return [_span_row(row, first, until, status) for first, until, status in found
            if status is not None]


def _span_row(row: Mapping, first: date, until: date, status: str) -> dict:
    if first == OPEN_START:
        kind, anchor = OPEN_START_KIND, until  # an OPEN_START..OPEN_END span: open start
    elif until == OPEN_END:
        kind, anchor = OPEN_END_KIND, first
    else:
        kind, anchor = min((until - first).days.bit_length(), LONG_KIND), first
    return {"holder_number": row["holder_number"], "qualification": row["qualification"],
            "from_on": first, "until_on": until, "status": status, "kind": kind,
            "anchor": anchor}


# How many spans of the status are read in keyset order before a filter falls back to
# reading the spans that contain the date (by `anchor`) and sorting them.
KEYSET_BUDGET = 4000


def matching_keys(conn: Connection, status: str, on: date, *, qualification: str | None,
                  after: list | None, limit: int) -> list[tuple[str, str]]:
    """The first `limit` (holder_number, qualification) after `after` whose status on `on`
    is `status`, in keyset order, from the spans' indexes only.

    Common on `on`: the spans of the status are walked in keyset order and the first
    `limit` containing `on` are taken (at most KEYSET_BUDGET read). Rare (the budget ran
    out first): the spans containing `on` are read by date, exactly, and sorted."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    walk, count, containing = _statements(qualification is not None, after is not None)
    params = {"status": status, "qualification": qualification, "on": on, "limit": limit,
              "budget": KEYSET_BUDGET}
    if after is not None:
        params["after_holder"], params["after_qualification"] = after
    walked = conn.execute(walk, params).all()
    if len(walked) == limit or conn.execute(count, params).scalar() < KEYSET_BUDGET:
        return [tuple(r) for r in walked]
    for kind in range(LONG_KIND):
        params[f"lowest_{kind}"] = _days_before(on, 2 ** kind - 1)
    return [tuple(r) for r in conn.execute(containing, params).all()]


@functools.cache
def _statements(by_qualification: bool, after: bool):
    """matching_keys' three statements, built once per shape (values are bound)."""
    on = bindparam("on", type_=Date)
    key = tuple_(spans.c.holder_number, spans.c.qualification)
    common = [spans.c.status == bindparam("status")]
    if by_qualification:
        common.append(spans.c.qualification == bindparam("qualification"))
    if after:
        common.append(key > tuple_(bindparam("after_holder"), bindparam("after_qualification")))
    order = (spans.c.holder_number, spans.c.qualification)
    window = (select(spans.c.holder_number, spans.c.qualification, spans.c.from_on,
                     spans.c.until_on)
              .where(*common).order_by(*order).limit(bindparam("budget")).subquery())
    walk = (select(window.c.holder_number, window.c.qualification)
            .where(window.c.from_on <= on, window.c.until_on >= on)
            .order_by(window.c.holder_number, window.c.qualification)
            .limit(bindparam("limit")))
    count = select(func.count()).select_from(window)
    keys = (spans.c.holder_number, spans.c.qualification)
    branches = [
        select(*keys).where(*common, spans.c.kind == OPEN_START_KIND, spans.c.anchor >= on),
        select(*keys).where(*common, spans.c.kind == OPEN_END_KIND, spans.c.anchor <= on),
    ]
    for kind in range(LONG_KIND + 1):
        lowest = literal(OPEN_START, Date) if kind == LONG_KIND \
            else bindparam(f"lowest_{kind}", type_=Date)
        branches.append(select(*keys).where(
            *common, spans.c.kind == kind, spans.c.anchor.between(lowest, on),
            spans.c.until_on >= on))
    # Materialised: otherwise SQLite pushes the ORDER BY into each branch and walks the
    # keyset index to avoid the sort, reading every span of the status.
    found = union_all(*branches).cte("containing").prefix_with("MATERIALIZED")
    containing = (select(found.c.holder_number, found.c.qualification)
                  .order_by(found.c.holder_number, found.c.qualification)
                  .limit(bindparam("limit")))
    return walk, count, containing


def _days_before(on: date, days: int) -> date:
    return on - timedelta(days=days) if (on - OPEN_START).days > days else OPEN_START
