"""Rows derived under the live policy, also after an adoption.

A row's CPD figures (counted under the caps, points required) are the live policy's for the
row's cycle. Adopting a policy can change them for cycles already under way without any
event of the holder's; fees cannot change (an adoption may not re-judge a payment date
before it). So the read models record which policy their rows follow (the number of
adoptions, a tracking row), and a catch-up that finds a newer live policy derives again the
rows of every holder with a cycle starting where the CPD rules changed: their states read
at the versions the rows stop at, in batches, each batch replacing its holders' rows. The
record moves on only when every batch is written, so a run cut short is redone.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import structlog
from sqlalchemy import Engine, and_, or_, select

from aggregates import policy
from projections import database, tables
from projections.projector import Projector

log = structlog.get_logger("projections.policy_rows")

BATCH = 500


def follow(app, engine: Engine, projector: Projector) -> int:
    """Bring the rows to the live policy; returns how many holders were derived again."""
    live_version = getattr(app, "live_policy_version", None)
    if live_version is None:
        return 0
    version, live = live_version()
    stored = database.position(engine, database.POLICY_NAME)
    if stored == version:
        return 0
    ranges = policy.cycle_ranges(app.policy_at(stored), live)
    derived = 0
    for batch in _affected(engine, ranges):
        states = projector.load_states([(UUID(h.aggregate_id), h.version) for h in batch])
        with policy.applying(live):
            prepared = projector.derive(engine, [(h.aggregate_id, h.version, h.position,
                                                  states[UUID(h.aggregate_id)])
                                                 for h in batch])
        with engine.begin() as conn:
            projector.write(conn, prepared)
        derived += len(batch)
    with engine.begin() as conn:
        database.set_position(conn, database.POLICY_NAME, version)
    log.info("projections.policy_followed", policy=live.version, holders=derived)
    return derived


def record(engine: Engine, live_version: Callable[[], tuple] | None) -> None:
    """A rebuild derives every row under the live policy: say so."""
    if live_version is None:
        return
    version, _ = live_version()
    with engine.begin() as conn:
        database.set_position(conn, database.POLICY_NAME, version)


def _affected(engine: Engine, ranges: list[policy.Range]):
    """The holders with a cycle starting in `ranges`, BATCH at a time by holder number."""
    if not ranges:
        return
    p, h = tables.certification_periods, tables.holders
    starts = or_(*(p.c.valid_from >= start if end is None
                   else and_(p.c.valid_from >= start, p.c.valid_from < end)
                   for start, end in ranges))
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(h.c.holder_number, h.c.aggregate_id, h.c.version, h.c.position)
                .join(p, p.c.holder_number == h.c.holder_number)
                .where(starts, h.c.holder_number > after)
                .order_by(h.c.holder_number).limit(BATCH)).all()
        if not rows:
            return
        after = rows[-1].holder_number
        yield list({r.holder_number: r for r in rows}.values())
