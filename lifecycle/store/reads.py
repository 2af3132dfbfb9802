"""Primary-key reads of the event store for the API's hot GETs, one statement each.

The library's repository reads a holder in two statements (the latest snapshot, then the
events after it; on SQLite each inside BEGIN ... ROLLBACK), copies it out of its cache and
checks every event against a Protocol; on PostgreSQL each statement is a round trip to the
server. A status only reads, so here one statement fetches the latest snapshot and the
events after it together (one consistent view of both tables), and the library's own
mapper decodes them and their own `mutate` folds them, as the repository would. Nothing is
cached: every request sees what the store holds.
"""

from __future__ import annotations

import sqlite3
import threading
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from aggregates.holder import Holder, holder_id
from lifecycle.application import LifecycleApplication
from lifecycle.store.holder_repository import (
    EVENTS,
    HOLDER,
    decoded,
    postgres_statement,
    render_postgres,
)

_ONE = """
SELECT originator_version, topic, state FROM {events}
WHERE originator_id = {id} AND originator_version = {version}"""


class Loaded:
    """A holder as the repository would return it, and (`events`) every one of its events
    when the read had to start from the first one (no snapshot), else None."""

    __slots__ = ("holder", "events")

    def __init__(self, holder: Holder, events: list | None):
        self.holder = holder
        self.events = events


class StoreReads:
    def __init__(self, app: LifecycleApplication):
        self.app = app
        self.mapper = app.mapper
        events = app.recorder.events_table_name
        snapshots = app.snapshots.recorder.events_table_name if app.snapshots else None
        if app.settings.is_postgres:
            self._query = _PostgresQuery(app, events, snapshots)
        else:
            self._query = _SQLiteQuery(app, events, snapshots)

    def holder(self, number: str) -> Loaded | None:
        """The holder of this office number, or None when it has no events."""
        aggregate_id = holder_id(number)
        rows = self._query.holder(aggregate_id)
        if not rows:
            return None
        pairs = decoded(self.mapper, aggregate_id, rows)
        holder, events = None, []
        for kind, event in pairs:
            holder = event.mutate(holder)
            if kind == 1:
                events.append(event)
        if holder is None:  # only a snapshot: cannot happen while events are never deleted
            return None
        return Loaded(holder, events if pairs[0][0] == 1 else None)  # no snapshot first

    def event(self, originator_id: UUID, version: int):
        """One stored event (e.g. a register entry) by its primary key, or None."""
        row = self._query.one(originator_id, version)
        if row is None:
            return None
        return self.mapper.to_domain_event(StoredEvent(
            originator_id=originator_id, originator_version=row[0], topic=row[1],
            state=row[2]))

    def history(self, loaded: Loaded) -> list:
        """Every event of a loaded holder: those the read brought, or a second read."""
        if loaded.events is not None:
            return loaded.events
        return list(self.app.events.get(loaded.holder.id))

    def close(self) -> None:
        self._query.close()


# Reads through a memory map of the database file rather than a read() per page: on a
# 1,000,000-holder store (1.2 GB) a status costs a third less CPU. SQLite caps it at its
# build's limit (2 GiB here); pages beyond it, and pages still in the WAL, are read as usual.
MMAP_BYTES = 2**31


class _SQLiteQuery:
    """A connection per thread (the hot routes run on the event loop's thread) to the
    application's database file, opened as the library opens its own (autocommit, same lock
    timeout), reading through a memory map; each SELECT is its own read transaction, which
    WAL never blocks."""

    def __init__(self, app: LifecycleApplication, events: str, snapshots: str | None):
        env = app.settings.event_store_env()
        self.path = env["SQLITE_DBNAME"]
        self.timeout = float(env["SQLITE_LOCK_TIMEOUT"])
        fields = {"events": events, "snapshots": snapshots, "id": "?", "version": "?"}
        self.holder_sql = (HOLDER if snapshots else EVENTS).format(**fields)
        self.holder_params = 3 if snapshots else 1
        self.one_sql = _ONE.format(**fields)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, uri=True, isolation_level=None,
                                         check_same_thread=False, timeout=self.timeout)
            connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._local.connection = connection
            self._opened.append(connection)
        return connection

    def holder(self, aggregate_id: UUID) -> list[tuple]:
        return self._connection().execute(
            self.holder_sql, (aggregate_id.hex,) * self.holder_params).fetchall()

    def one(self, originator_id: UUID, version: int) -> tuple | None:
        return self._connection().execute(
            self.one_sql, (originator_id.hex, version)).fetchone()

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()


class _PostgresQuery:
    """One connection per thread, taken from the application's pool and kept with one
    cursor of plain tuples (checking a connection out and back in, and a cursor of dicts,
    for every read cost about as much CPU as the read itself); given back after an error,
    so that the pool replaces it if it broke. Each statement is one round trip, prepared
    once per connection."""

    def __init__(self, app: LifecycleApplication, events: str, snapshots: str | None):
        from psycopg.rows import tuple_row

        self.pool = app.recorder.datastore.pool
        self.tuple_row = tuple_row
        schema = app.recorder.datastore.schema
        self.holder_sql = postgres_statement(schema, events, snapshots)
        self.one_sql = render_postgres(_ONE, schema, events, snapshots)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._held: list = []

    def _rows(self, statement: str, params: dict) -> list[tuple]:
        held = getattr(self._local, "held", None)
        if held is None:
            self.pool.open()  # not wait=True: a pool whose first fill failed never reports full
            connection = self.pool.getconn()
            held = self._local.held = (connection, connection.cursor(row_factory=self.tuple_row))
            with self._lock:
                self._held.append(connection)
        connection, cursor = held
        try:
            cursor.execute(statement, params, prepare=True)
            return cursor.fetchall()
        except Exception:
            self._local.held = None
            self._give_back(connection)
            raise

    def _give_back(self, connection) -> None:
        with self._lock:
            if connection in self._held:
                self._held.remove(connection)
                self.pool.putconn(connection)

    def holder(self, aggregate_id: UUID) -> list[tuple]:
        return [(kind, version, topic, bytes(state)) for kind, version, topic, state
                in self._rows(self.holder_sql, {"id": aggregate_id})]

    def one(self, originator_id: UUID, version: int) -> tuple | None:
        rows = self._rows(self.one_sql, {"id": originator_id, "version": version})
        if not rows:
            return None
        found, topic, state = rows[0]
        return found, topic, bytes(state)

    def close(self) -> None:
        for connection in list(self._held):
            self._give_back(connection)
