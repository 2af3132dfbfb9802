"""The read database: an engine that knows its schema, and the tables' life cycle.

The caller passes a SQLAlchemy URL and, for PostgreSQL, the schema (our own `schema` URL
parameter, already parsed by the caller's settings).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, event, insert, inspect, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import CreateIndex, DropIndex

from projections import tables
from projections.rows import status_span_rows
from projections.schema_upgrade import add_missing_columns

TRACKING_NAME = "read_models"
# The adoptions the live policy followed when the rows were derived (projections.policy_rows).
POLICY_NAME = "read_models_policy"
PARTITION_PREFIX = TRACKING_NAME + "#"  # "read_models#0/2": one runner of a parallel rebuild


def read_engine(url: str | URL, schema: str | None = None) -> Engine:
    """An engine whose unqualified tables live in `schema` (PostgreSQL) or the file (SQLite)."""
    options = {"schema_translate_map": {None: schema}} if schema else {}
    engine = create_engine(url, execution_options=options, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine)
    return engine


def schema_of(engine: Engine) -> str | None:
    return (engine.get_execution_options().get("schema_translate_map") or {}).get(None)


def _sqlite_transactions(engine: Engine) -> None:
    """Real transactions on SQLite: pysqlite would otherwise run DDL and SELECTs outside
    them (SQLAlchemy's documented recipe), and a page's rows and position must commit as one."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A killed process cannot lose a committed WAL frame; only a power cut could, and
        # the read model is rebuildable from the event store.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Debian's SQLite zeroes every freed page by default (SQLITE_SECURE_DELETE): a
        # rebuild dropping a 1,000,000-event read model wrote all its pages to the WAL again
        # (1.6 s). Nothing here needs scrubbing: the event store keeps every fact anyway.
        cursor.execute("PRAGMA secure_delete=OFF")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN")


def create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create what is missing (idempotent) and the tracking row at position 0.

    Processes starting together race here; on SQLite a deferred transaction that read the
    schema cannot upgrade to a write once another process has written ("database is locked"
    at once, whatever the busy timeout), and on PostgreSQL concurrent CREATE ... IF NOT EXISTS
    can collide: both are retried, the work being idempotent."""
    retry_ddl(lambda: _create_tables(engine), attempts)


def retry_ddl(action, attempts: int = 5) -> None:
    """Run idempotent DDL that processes starting together may race on (see create_tables)."""
    for attempt in range(attempts):
        try:
            action()
            return
        except (OperationalError, IntegrityError, ProgrammingError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _create_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        schema = schema_of(engine)
        if schema and engine.dialect.name == "postgresql":
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        had_spans = inspect(conn).has_table(tables.credential_statuses.name, schema=schema)
        tables.metadata.create_all(conn)
        add_missing_columns(conn, schema if engine.dialect.name == "postgresql" else None)
        if not had_spans:
            _fill_status_spans(conn)
        row = conn.execute(
            select(tables.tracking.c.position).where(tables.tracking.c.name == TRACKING_NAME)
        ).first()
        if row is None:
            conn.execute(insert(tables.tracking).values(
                name=TRACKING_NAME, position=0, updated_at=datetime.now(UTC)))


def _fill_status_spans(conn) -> None:
    """A read model from before `credential_statuses`: derive its spans from the rows (they
    depend on the credentials row alone), so status filters work without a rebuild."""
    result = conn.execute(select(tables.credentials)).mappings()
    while batch := result.fetchmany(5000):
        conn.execute(insert(tables.credential_statuses), status_span_rows(batch))


def reset_tables(engine: Engine, partitions: Sequence[str] = ()) -> None:
    """Drop and recreate the projected tables (without tables.DEFERRED_INDEXES) and set the
    position to 0, atomically: a rebuild killed at any point leaves either the old read
    model or a consistent prefix.
    `partitions`: tracking names of a parallel rebuild's runners, each starting at 0."""
    with engine.begin() as conn:
        tables.metadata.drop_all(conn, tables=[*tables.PROJECTED, tables.tracking])
        tables.metadata.create_all(conn)
        for index in tables.DEFERRED_INDEXES:
            conn.execute(DropIndex(index))
        now = datetime.now(UTC)
        conn.execute(insert(tables.tracking), [
            {"name": name, "position": 0, "updated_at": now}
            for name in (TRACKING_NAME, *partitions)])


def create_deferred_indexes(engine: Engine) -> None:
    """The indexes a rebuild leaves out (tables.DEFERRED_INDEXES), if they are missing.
    Idempotent; the runners of a parallel rebuild may race here."""
    def create() -> None:
        with engine.begin() as conn:
            for index in tables.DEFERRED_INDEXES:
                conn.execute(CreateIndex(index, if_not_exists=True))

    retry_ddl(create)


def position(engine: Engine, name: str = TRACKING_NAME) -> int:
    with engine.connect() as conn:
        value = conn.execute(
            select(tables.tracking.c.position).where(tables.tracking.c.name == name)
        ).scalar()
    return value or 0


def set_position(conn, name: str, value: int) -> None:
    """A tracking row's value, inserted if missing (inside the caller's transaction)."""
    t = tables.tracking
    now = datetime.now(UTC)
    moved = conn.execute(update(t).where(t.c.name == name).values(position=value,
                                                                  updated_at=now))
    if moved.rowcount == 0:
        conn.execute(insert(t).values(name=name, position=value, updated_at=now))


def start_partitions(engine: Engine, names: Sequence[str], at: int) -> None:
    """Tracking rows for runners that each project a share of the holders from position
    `at` on (a parallel sweep's), merged later by the next whole catch-up."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(tables.tracking), [
            {"name": name, "position": at, "updated_at": now} for name in names])


def partition_positions(engine: Engine) -> dict[str, int]:
    """Tracking rows of a parallel rebuild or sweep still under way (or cut short), by name."""
    t = tables.tracking
    with engine.connect() as conn:
        return dict(conn.execute(select(t.c.name, t.c.position)
                                 .where(t.c.name.startswith(PARTITION_PREFIX))).all())
