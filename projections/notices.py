"""Notices derived from events: each fact the holder must be told of becomes one outbox row.

| event | notice |
|---|---|
| ApplicationFiled already paid, or the FeePaid completing the fee | application_accepted (受理) |
| ApplicationRejected | application_rejected, with the reasons and failed criteria |
| Certified | certified (sent with the 認定証) |
| RenewalWindowOpened | renewal_window_open |
| CPDAuditSelected | cpd_audit_selected (what to submit) |
| Renewed | renewed (sent with the renewed 認定証) |
| RenewalRejected | renewal_rejected, with the reasons |
| Lapsed | lapsed |

Why a projection and not the command handlers: the notice is then a pure function of the
log, written in the same transaction that moves this projection's position (the same
exactly-once argument as projections.runner), so a crash, a second runner or a replay can
never write a notice twice or lose one; and the command side stays unaware of mail. The
outbox's unique key (holder, qualification, kind, date) is a second guard. It reads no
further than the read models' position, so every holder it names is in `holders`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from eventsourcing.utils import get_topic
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from aggregates import events as ev
from projections import database, tables
from projections import outbox_tables as outbox
from projections.runner import ConcurrentRunError

TRACKING_NAME = "notices"
PAGE = 1000
# Only these events can call for a notice (notice_of's cases); the rest of a page (CPD
# entries, payments credited to nothing, the registers) is skipped before decoding, which
# is most of the cost of reading the log.
NOTICED = (ev.ApplicationFiled, ev.FeePaid, ev.ApplicationRejected, ev.Certified,
           ev.RenewalWindowOpened, ev.CPDAuditSelected, ev.Renewed, ev.RenewalRejected,
           ev.Lapsed)
NOTICED_TOPICS = frozenset(get_topic(cls) for cls in NOTICED)


def notice_of(event: ev.HolderEvent) -> tuple[str, dict] | None:
    """The notice an event calls for, as (kind, details), or None."""
    match event:
        case ev.ApplicationFiled(evaluation={"fee": {"paid_in_full": True}}):
            return "application_accepted", {"filed_on": event.business_date.isoformat()}
        case ev.FeePaid(credited_to="application", fee={"paid_in_full": True} as fee) \
                if fee["paid"] - event.amount < fee["due"]:
            return "application_accepted", {"paid_on": event.paid_on.isoformat()}
        case ev.ApplicationRejected():
            return "application_rejected", {
                "reasons": [str(r) for r in event.reasons],
                "failures": list(event.evaluation.get("failures", []))}
        case ev.Certified():
            return "certified", {"certification_number": event.certification_number,
                                 "valid_from": event.valid_from.isoformat(),
                                 "valid_until": event.valid_until.isoformat()}
        case ev.RenewalWindowOpened():
            return "renewal_window_open", {"opens_on": event.opens_on.isoformat(),
                                           "closes_on": event.closes_on.isoformat(),
                                           "valid_until": event.valid_until.isoformat()}
        case ev.CPDAuditSelected():
            return "cpd_audit_selected", {"valid_until": event.valid_until.isoformat()}
        case ev.Renewed():
            return "renewed", {"certification_number": event.certification_number,
                               "valid_from": event.valid_from.isoformat(),
                               "valid_until": event.valid_until.isoformat()}
        case ev.RenewalRejected():
            return "renewal_rejected", {"reasons": [str(r) for r in event.reasons],
                                        "valid_until": event.valid_until.isoformat()}
        case ev.Lapsed():
            return "lapsed", {"certification_number": event.certification_number,
                              "valid_until": event.valid_until.isoformat()}
    return None


def catch_up(recorder, mapper, engine: Engine, *, page_size: int = PAGE,
             crash_after_insert: Callable[[], None] | None = None) -> int:
    """Write the notices of every event after this projection's position, up to the read
    models' position; returns how many notices were new."""
    outbox.ensure_tables(engine)
    _start(engine)
    stop = database.position(engine, database.TRACKING_NAME)
    written = 0
    while True:
        position = _position(engine)
        if position >= stop:
            return written
        page = recorder.select_notifications(position + 1, page_size, stop=stop)
        if not page:
            return written
        decoded = [mapper.to_domain_event(n) for n in page if n.topic in NOTICED_TOPICS]
        found = [(e, notice) for e in decoded
                 for notice in [notice_of(e)] if notice is not None]
        written += _write(engine, found, position, page[-1].id, crash_after_insert)


def _write(engine: Engine, found: list, expected: int, new_position: int,
           crash_after_insert) -> int:
    t = outbox.tracking
    now = datetime.now(UTC)
    with engine.begin() as conn:
        moved = conn.execute(update(t).where(t.c.name == TRACKING_NAME,
                                             t.c.position == expected)
                             .values(position=new_position, updated_at=now))
        if moved.rowcount != 1:
            raise ConcurrentRunError("the notices' position moved: another runner wrote them")
        numbers = _holder_numbers(conn, {e.originator_id.hex for e, _ in found})
        rows = [{"holder_number": numbers[e.originator_id.hex], "qualification":
                 e.qualification, "kind": kind, "due_on": e.business_date,
                 "created_at": now, "details": json.dumps(details, ensure_ascii=False)}
                for e, (kind, details) in found]
        new = outbox.insert_notices(conn, rows)
        if crash_after_insert is not None:  # tests: die before the commit
            crash_after_insert()
        return new


def _holder_numbers(conn, aggregate_ids: set[str]) -> dict[str, str]:
    h = tables.holders
    found: dict[str, str] = {}
    ids = sorted(aggregate_ids)
    for start in range(0, len(ids), 500):
        found.update(conn.execute(select(h.c.aggregate_id, h.c.holder_number)
                                  .where(h.c.aggregate_id.in_(ids[start:start + 500]))).all())
    return found


def _position(engine: Engine) -> int:
    t = outbox.tracking
    with engine.connect() as conn:
        return conn.execute(select(t.c.position).where(t.c.name == TRACKING_NAME)).scalar_one()


def _start(engine: Engine) -> None:
    """The tracking row at position 0, unless it exists. It is written by a transaction
    whose first statement writes: on
    SQLite a transaction that read first cannot become a writer once another process has
    written ("database is locked" at once, whatever the busy timeout), as processes
    starting together would."""
    t = outbox.tracking
    with engine.connect() as conn:
        if conn.execute(select(t.c.name).where(t.c.name == TRACKING_NAME)).first() is not None:
            return
    with engine.begin() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(t).on_conflict_do_nothing(index_elements=["name"]),
                     {"name": TRACKING_NAME, "position": 0, "updated_at": datetime.now(UTC)})
