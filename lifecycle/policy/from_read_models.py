"""What-if from the read models: replay only the holders a proposal can re-judge.

Replaying every holder's events costs the log's decoding, minutes at a million holders,
although most holders come out the same under most proposals. What can change a holder's
outcome (aggregates.what_if.compare), and where the read models show it:

- CPD rules that count differently (caps) for a cycle of theirs: `certification_periods`
  by `valid_from` in the ranges where the caps differ;
- a renewal already granted that the proposal's requirement would refuse: a renewed period
  (renewed on or before the date) whose counted points, the same under equal caps, are
  below the proposal's requirement for that cycle;
- a fee on an open application or request: a payment dated where the fee differs;
- a date before the holder's latest event (the read models hold what is known now), and
  a holder set aside after a projection fault.

Those holders, the candidates, are replayed exactly as before. Every other professional
credential's status is the same under the proposal, and its figures are the read model's
(which follow the live policy, projections.policy_rows): its counted points under equal
caps, and the points its cycle requires under each policy. So it is counted, and listed
when only the requirement differs, from its credentials row, without decoding an event.
The two paths give the same report as a replay of every holder
(tests/integration/test_what_if_paths.py holds them together).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, and_, case, func, literal, or_, select, tuple_

from aggregates import qualifications
from aggregates.cpd import format_points
from aggregates.policy import Policy, Range, caps_differ, cycle_ranges, fee_ranges
from aggregates.what_if import Outcome
from projections import faults, status_sql, tables

PROFESSIONAL = tuple(q for q in qualifications.ALL if qualifications.is_professional(q))


def candidates(engine: Engine, live: Policy, proposal: Policy, as_of: date) -> dict[str, str]:
    """The holders to replay: {aggregate id (hex): holder number}."""
    h, p, pay = tables.holders, tables.certification_periods, tables.payments
    conditions = [h.c.last_business_date > as_of]
    counting = cycle_ranges(live, proposal, caps_differ)
    if counting:
        conditions.append(h.c.holder_number.in_(
            select(p.c.holder_number).where(_within(p.c.valid_from, counting))))
    if cycle_ranges(live, proposal):
        conditions.append(h.c.holder_number.in_(
            select(p.c.holder_number).where(
                p.c.renewed_on <= as_of,
                p.c.cpd_counted < _required_sql(proposal, p.c.valid_from))))
    paying = fee_ranges(live, proposal)
    if paying:
        conditions.append(h.c.holder_number.in_(
            select(pay.c.holder_number).where(_within(pay.c.paid_on, paying))))
    with engine.connect() as conn:
        found = dict(conn.execute(select(h.c.aggregate_id, h.c.holder_number)
                                  .where(or_(*conditions))).all())
    for aggregate_id, row in faults.skipped(engine).items():
        found.setdefault(aggregate_id, row.get("holder_number") or "")
    return found


def holder_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.holders)).scalar_one()


def split(engine: Engine, parts: int) -> list[tuple[str | None, str | None]]:
    """`parts` holder-number ranges [from, to) of about as many credentials each."""
    c = tables.credentials
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(c)).scalar_one()
        cuts = [conn.execute(select(c.c.holder_number).order_by(c.c.holder_number)
                             .offset(total * k // parts).limit(1)).scalar()
                for k in range(1, parts)]
    edges = [None, *cuts, None]
    return list(zip(edges[:-1], edges[1:], strict=True))


def outcomes(engine: Engine, live: Policy, proposal: Policy, as_of: date,
             replayed: set[str], numbers: tuple[str | None, str | None] = (None, None),
             page: int = 5000) -> Iterator[Outcome]:
    """Each professional credential of the holders in the range `numbers` and not
    `replayed`, on `as_of`: the same status under the proposal; the requirement of the
    shown cycle under each policy. The statuses are `status_sql.status_on`, the mirror of
    the fold the read-model queries stand on; the shown period is the one `_shown` picks."""
    c = tables.credentials
    stmt = select(*(c.c[name] for name in ROW_COLUMNS)).where(
        c.c.qualification.in_(PROFESSIONAL))
    low, high = numbers
    if high is not None:
        stmt = stmt.where(c.c.holder_number < high)
    stmt = stmt.order_by(c.c.holder_number, c.c.qualification).limit(page)
    figures = _Figures(live, proposal)
    after = None
    while True:
        if after is not None:
            keyed = stmt.where(tuple_(c.c.holder_number, c.c.qualification) > tuple_(*after))
        elif low is not None:
            keyed = stmt.where(c.c.holder_number >= low)
        else:
            keyed = stmt
        with engine.connect() as conn:
            rows = [row._mapping for row in conn.execute(keyed)]
            earlier = _previous_counts(conn, rows, as_of)
        for row in rows:
            if row["holder_number"] in replayed:
                continue
            yield figures.outcome(row, as_of, earlier)
        if len(rows) < page:
            return
        after = (rows[-1]["holder_number"], rows[-1]["qualification"])


ROW_COLUMNS = ("holder_number", "qualification", "stage", "attempt_stage",
               "attempt_pass_report_valid_until", "valid_from", "valid_until",
               "previous_valid_from", "under_review", "suspended_on", "revoked_on",
               "window_opens_on", "window_closes_on", "certification_number", "period_no",
               "cpd_counted")
ATTEMPT = frozenset({"passed", "pass_expired", "applied", "accepted", "rejected"})


def _shows_previous(row, as_of: date) -> bool:
    """Renewed early: the period in force is the one before the row's (queries._shown)."""
    return row["previous_valid_from"] is not None and as_of < row["valid_from"]


def _previous_counts(conn, rows, as_of: date) -> dict[tuple, Decimal]:
    """The counted points of the periods shown instead of the rows' own (renewed early)."""
    wanted = [(r["holder_number"], r["certification_number"], r["period_no"] - 1)
              for r in rows if _shows_previous(r, as_of)]
    if not wanted:
        return {}
    p = tables.certification_periods
    found = conn.execute(select(p.c.holder_number, p.c.certification_number, p.c.period_no,
                                p.c.cpd_counted)
                         .where(tuple_(p.c.holder_number, p.c.certification_number,
                                       p.c.period_no).in_(wanted))).all()
    return {(r.holder_number, r.certification_number, r.period_no): r.cpd_counted
            for r in found}


class _Figures:
    """Outcomes from rows, the policies' figures worked out once per cycle start."""

    def __init__(self, live: Policy, proposal: Policy):
        self.live, self.proposal = live, proposal
        self._required: dict[date, tuple[str, str]] = {}
        self._points: dict[Decimal, str] = {}

    def outcome(self, row, as_of: date, earlier: dict) -> Outcome:
        holder, qualification = row["holder_number"], row["qualification"]
        status = status_sql.status_on(row, as_of)
        if status in ATTEMPT:
            return Outcome(holder=holder, qualification=qualification, now=status,
                           then=status, counted_now=None, counted_then=None,
                           required_now=None, required_then=None, why="")
        if _shows_previous(row, as_of):
            valid_from = row["previous_valid_from"]
            counted = earlier[(holder, row["certification_number"], row["period_no"] - 1)]
        else:
            valid_from, counted = row["valid_from"], row["cpd_counted"]
        now, then = self.required(valid_from)
        points = self.points(counted)
        return Outcome(holder=holder, qualification=qualification, now=status, then=status,
                       counted_now=points, counted_then=points, required_now=now,
                       required_then=then, why="" if now == then else f"required {now} -> {then}")

    def required(self, valid_from: date) -> tuple[str, str]:
        found = self._required.get(valid_from)
        if found is None:
            found = self._required[valid_from] = (
                format_points(self.live.cpd_for_cycle(valid_from).required),
                format_points(self.proposal.cpd_for_cycle(valid_from).required))
        return found

    def points(self, value: Decimal) -> str:
        found = self._points.get(value)
        if found is None:
            found = self._points[value] = format_points(value)
        return found


def _within(column, ranges: list[Range]):
    return or_(*(column >= start if end is None else and_(column >= start, column < end)
                 for start, end in ranges))


def _required_sql(policy: Policy, valid_from):
    """The points `policy` requires of a cycle starting on `valid_from`, in SQL."""
    pairs = policy.cpd.pairs()
    whens = [(valid_from < pairs[i + 1][0], literal(rules.required, tables.POINTS))
             for i, (_, rules) in enumerate(pairs[:-1])]
    last = literal(pairs[-1][1].required, tables.POINTS)
    return case(*whens, else_=last) if whens else last

