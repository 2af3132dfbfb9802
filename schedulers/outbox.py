"""Reminders the sweep writes to the outbox (projections.outbox_tables) from the read models,
once per holder, qualification, kind and date whatever the number of sweeps:
`renewal_window_closing` — the renewal window closes in `days_before` days and the holder has
made no renewal request; `pass_report_expiring` — a pass report ends within
`PASS_REPORT_DAYS` days and no application is open on it. Every other kind of notice is
derived from an event (projections.notices).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from projections import outbox_tables
from projections.outbox_tables import outbox  # noqa: F401 - where callers have found it
from projections.tables import credentials

WINDOW_CLOSING = outbox_tables.WINDOW_CLOSING
PASS_REPORT_EXPIRING = outbox_tables.PASS_REPORT_EXPIRING
PASS_REPORT_DAYS = 60  # two months' notice: time to gather the forms and pay the fee


def write_reminders(engine: Engine, as_of: date, days_before: int = 14) -> int:
    """Queue a reminder for each certification whose window closes within `days_before` days
    of `as_of` with no renewal request; returns how many new notices were queued."""
    outbox_tables.ensure_tables(engine)
    c = credentials.c
    due = (
        select(c.holder_number, c.qualification, c.window_closes_on)
        .where(c.stage == "certified", c.window_opens_on <= as_of, c.window_closes_on >= as_of,
               c.window_closes_on <= as_of + timedelta(days=days_before))
    )
    expiring = (
        select(c.holder_number, c.qualification, c.attempt_pass_report_valid_until)
        .where(c.stage == "attempt", c.attempt_stage.in_(("passed", "rejected")),
               c.attempt_pass_report_valid_until >= as_of,
               c.attempt_pass_report_valid_until <= as_of + timedelta(days=PASS_REPORT_DAYS))
    )
    now = datetime.now(UTC)
    with engine.begin() as conn:
        rows = [{"holder_number": r.holder_number, "qualification": r.qualification,
                 "kind": WINDOW_CLOSING, "due_on": r.window_closes_on, "created_at": now,
                 "details": json.dumps({"closes_on": r.window_closes_on.isoformat()})}
                for r in conn.execute(due)]
        rows += [{"holder_number": r.holder_number, "qualification": r.qualification,
                  "kind": PASS_REPORT_EXPIRING, "due_on": r.attempt_pass_report_valid_until,
                  "created_at": now, "details": json.dumps(
                      {"valid_until": r.attempt_pass_report_valid_until.isoformat()})}
                 for r in conn.execute(expiring)]
        return outbox_tables.insert_notices(conn, rows)
