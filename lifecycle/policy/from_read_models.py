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

from sqlalchemy import Engine, and_, case, func, literal, or_, select

from aggregates import qualifications
from aggregates.cpd import format_points
from aggregates.policy import Policy, Range, caps_differ, cycle_ranges, fee_ranges
from aggregates.what_if import Outcome
from projections import faults, queries, tables

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


def outcomes(engine: Engine, live: Policy, proposal: Policy, as_of: date,
             replayed: set[str]) -> Iterator[Outcome]:
    """Each professional credential of the holders not `replayed` (holder numbers), on
    `as_of`: the same status under the proposal; the requirement of its cycle under each."""
    for row, shown in queries.every_credential(engine, as_of, PROFESSIONAL):
        if row.holder_number in replayed:
            continue
        yield outcome_of(row.holder_number, row.qualification, shown, live, proposal)


def outcome_of(holder: str, qualification: str, shown: dict, live: Policy,
               proposal: Policy) -> Outcome:
    status, cpd = shown["status"], shown["cpd"]
    if cpd is None:
        return Outcome(holder=holder, qualification=qualification, now=status, then=status,
                       counted_now=None, counted_then=None, required_now=None,
                       required_then=None, why="")
    valid_from = date.fromisoformat(shown["valid_from"])
    now = format_points(live.cpd_for_cycle(valid_from).required)
    then = format_points(proposal.cpd_for_cycle(valid_from).required)
    return Outcome(holder=holder, qualification=qualification, now=status, then=status,
                   counted_now=cpd["counted"], counted_then=cpd["counted"], required_now=now,
                   required_then=then, why="" if now == then else f"required {now} -> {then}")


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

