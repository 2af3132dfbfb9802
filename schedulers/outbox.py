"""Reminder notices for a downstream mailer: an outbox table the sweep writes and a mailer
takes from (holder, qualification, kind, date), written once per notice whatever the number
of sweeps.

`renewal_window_closing`: the renewal window closes in `days_before` days and the holder has
made no renewal request (read from the read models' credentials).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Identity,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from projections.database import retry_ddl
from projections.tables import credentials

metadata = MetaData()

outbox = Table(
    "outbox", metadata,
    Column("id", BigInteger().with_variant(sqlite.INTEGER(), "sqlite"), Identity(),
           primary_key=True),
    Column("holder_number", String(64), nullable=False),
    Column("qualification", String(8), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("due_on", Date, nullable=False),  # the date the notice is about (window closing)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("taken_at", DateTime(timezone=True)),  # set by the mailer
    UniqueConstraint("holder_number", "qualification", "kind", "due_on"),
)

WINDOW_CLOSING = "renewal_window_closing"


def write_reminders(engine: Engine, as_of: date, days_before: int = 14) -> int:
    """Queue a reminder for each certification whose window closes within `days_before` days
    of `as_of` with no renewal request; returns how many new notices were queued."""
    retry_ddl(lambda: metadata.create_all(engine))
    c = credentials.c
    due = (
        select(c.holder_number, c.qualification, c.window_closes_on)
        .where(c.stage == "certified", c.window_opens_on <= as_of, c.window_closes_on >= as_of,
               c.window_closes_on <= as_of + timedelta(days=days_before))
    )
    now = datetime.now(UTC)
    with engine.begin() as conn:
        rows = [{"holder_number": r.holder_number, "qualification": r.qualification,
                 "kind": WINDOW_CLOSING, "due_on": r.window_closes_on, "created_at": now}
                for r in conn.execute(due)]
        if not rows:
            return 0
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(outbox).on_conflict_do_nothing(
            index_elements=["holder_number", "qualification", "kind", "due_on"])
        return len(conn.execute(insert.returning(outbox.c.id), rows).all())
