"""The outbox: notices to holders (letters and e-mails), one row per notice keyed by
(holder, qualification, kind, date) so that each is written once however often it is
derived; `outbox_deliveries`, the relay's record of sending each (lifecycle.mail.relay);
`outbox_tracking`, how far the event-derived notices (projections.notices) have read the log.

Not among the projected tables: a read-model rebuild never drops what was sent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from projections.database import retry_ddl, schema_of

WINDOW_CLOSING = "renewal_window_closing"  # written by the sweep (schedulers.outbox)
PASS_REPORT_EXPIRING = "pass_report_expiring"  # likewise

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
    Column("taken_at", DateTime(timezone=True)),  # set by the relay once delivery is final
    Column("details", Text),  # JSON: the letter's facts (reasons, dates, number); no names
    UniqueConstraint("holder_number", "qualification", "kind", "due_on"),
)

deliveries = Table(
    # One row per notice the relay has taken up; see lifecycle.mail.relay for the states.
    "outbox_deliveries", metadata,
    Column("notice_id", BigInteger, primary_key=True),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),  # state "retry": not before
    Column("message_id", String(255)),
    Column("sending_at", DateTime(timezone=True)),  # the latest claim
    Column("sent_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("bounced_at", DateTime(timezone=True)),
    Column("last_error", Text),  # SMTP code and text, addresses removed
    Index("ix_outbox_deliveries_state", "state", "next_attempt_at"),
)

tracking = Table(
    "outbox_tracking", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),  # last notification id read
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

def ensure_tables(engine: Engine) -> None:
    """Create the outbox tables; add `details` to an outbox made before it existed."""
    def create() -> None:
        metadata.create_all(engine)
        schema = schema_of(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("outbox", schema=schema)}
        if "details" not in columns:
            table = f'"{schema}".outbox' if schema else "outbox"
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN details TEXT"))

    retry_ddl(create)


def insert_notices(conn: Connection, rows: list[dict]) -> int:
    """Insert notices, skipping any already written; returns how many are new."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(outbox).on_conflict_do_nothing(
        index_elements=["holder_number", "qualification", "kind", "due_on"])
    return len(conn.execute(insert.returning(outbox.c.id), rows).all())
