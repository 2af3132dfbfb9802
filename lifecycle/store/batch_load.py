"""Load many holders at once: two queries per chunk of ids instead of two per holder.

The library's 9.5 recorders read one originator at a time (`select_events`), so a sweep
of 500 holders made 1,000 round trips. Here the latest snapshot of every holder in a
chunk comes back in one query, and every event after those snapshots in one more,
ordered by (originator_id, originator_version), both from the recorders' own tables.
The stored events are decoded by the application's mapper (upcasting included) and
folded with each event's `mutate`, as `Repository.get` does: the same Holder comes back.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent

from aggregates.holder import Holder

CHUNK = 500  # ids per query: 1,500 SQLite variables, far below its limit
LATEST = 2**63 - 1  # "no version given": every event (PostgreSQL's bigint maximum)

Bounds = list[tuple[UUID, int]]  # (aggregate id, last version wanted)


def load_holders(app: Any, aggregate_ids: Iterable[UUID]) -> list[Holder]:
    """The current Holder of each distinct id, in the order given; an unknown id raises
    AggregateNotFoundError, as `repository.get` does."""
    ids = list(dict.fromkeys(aggregate_ids))
    found = load_at(app, [(i, LATEST) for i in ids])
    return [found[i] for i in ids]


def load_at(app: Any, bounds: Bounds) -> dict[UUID, Holder]:
    """Each holder at exactly the version given (or the last one before it, as
    `repository.get(id, version=v)`), by id."""
    reader = _reader(app)
    if reader is None:  # a store without tables of its own (in memory): one at a time
        return {i: app.repository.get(i, version=None if v == LATEST else v) for i, v in bounds}
    holders: dict[UUID, Holder] = {}
    for start in range(0, len(bounds), CHUNK):
        holders.update(_load_chunk(app, reader, bounds[start:start + CHUNK]))
    return holders


def holder_numbers(app: Any, aggregate_ids: Iterable[UUID]) -> dict[UUID, str]:
    """The office holder number of each id, from its first event (ExamPassed, which names
    the holder): one query per chunk of ids, reading one small event per holder."""
    ids = list(dict.fromkeys(aggregate_ids))
    reader = _reader(app)
    if reader is None:
        firsts = [next(iter(app.events.get(i, lte=1))) for i in ids]
    else:
        firsts = [app.mapper.to_domain_event(stored)
                  for start in range(0, len(ids), CHUNK)
                  for stored in reader.events([(i, 0, 1) for i in ids[start:start + CHUNK]])]
    return {event.originator_id: event.holder for event in firsts}


def _load_chunk(app: Any, reader, bounds: Bounds) -> dict[UUID, Holder]:
    to_domain_event = app.mapper.to_domain_event
    holders: dict[UUID, Any] = {}
    after = dict.fromkeys((i for i, _ in bounds), 0)
    if reader.snapshots_table is not None:
        for stored in reader.snapshots(bounds):
            snapshot = to_domain_event(stored)
            holders[snapshot.originator_id] = snapshot.mutate(None)
            after[snapshot.originator_id] = snapshot.originator_version
    for stored in reader.events([(i, after[i], v) for i, v in bounds]):
        event = to_domain_event(stored)
        holders[event.originator_id] = event.mutate(holders.get(event.originator_id))
    missing = [i for i, _ in bounds if i not in holders]
    if missing:
        raise AggregateNotFoundError(f"Aggregate {missing[0]!r} not found.")
    return holders


def _reader(app: Any):
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    snapshots = app.snapshots.recorder if app.snapshots is not None else None
    if isinstance(app.recorder, SQLiteAggregateRecorder):
        return _SQLiteReader(app.recorder, snapshots)
    # A PostgreSQL recorder exists only once its module is loaded; importing it here
    # would make the embedded SQLite default need psycopg (the `postgres` extra).
    postgres = sys.modules.get("eventsourcing.postgres")
    if postgres is not None and isinstance(app.recorder, postgres.PostgresAggregateRecorder):
        return _PostgresReader(app.recorder, snapshots)
    return None


class _SQLiteReader:
    def __init__(self, recorder, snapshots):
        self.datastore = recorder.datastore
        self.snapshots_datastore = snapshots.datastore if snapshots else None
        self.convert = recorder.convert_originator_id
        self.events_table = recorder.events_table_name
        self.snapshots_table = snapshots.events_table_name if snapshots else None

    def snapshots(self, bounds: Bounds) -> list[StoredEvent]:
        values = ",".join("(?,?)" for _ in bounds)
        return self._select(
            self.snapshots_datastore,
            f"WITH w(id, lte) AS (VALUES {values}) "
            f"SELECT s.originator_id, s.originator_version, s.topic, s.state "
            f"FROM w JOIN {self.snapshots_table} s ON s.originator_id = w.id "
            f"AND s.originator_version = (SELECT MAX(x.originator_version) "
            f"FROM {self.snapshots_table} x "
            f"WHERE x.originator_id = w.id AND x.originator_version <= w.lte)",
            [p for i, lte in bounds for p in (i.hex, lte)])

    def events(self, ranges: list[tuple[UUID, int, int]]) -> list[StoredEvent]:
        values = ",".join("(?,?,?)" for _ in ranges)
        return self._select(
            self.datastore,
            f"WITH w(id, gt, lte) AS (VALUES {values}) "
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state "
            f"FROM w JOIN {self.events_table} e ON e.originator_id = w.id "
            f"AND e.originator_version > w.gt AND e.originator_version <= w.lte "
            f"ORDER BY e.originator_id, e.originator_version",
            [p for i, gt, lte in ranges for p in (i.hex, gt, lte)])

    def _select(self, datastore, statement: str, params: list) -> list[StoredEvent]:
        with datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [StoredEvent(self.convert(r[0]), r[1], r[2], r[3]) for r in c.fetchall()]


class _PostgresReader:
    def __init__(self, recorder, snapshots):
        from psycopg.sql import SQL, Identifier

        self.datastore = recorder.datastore
        self.snapshots_datastore = snapshots.datastore if snapshots else None
        schema = Identifier(self.datastore.schema)
        id_type = Identifier(self.datastore.originator_id_type)
        self.events_statement = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::{id_type}[], %s::bigint[], %s::bigint[]) AS w(id, gt, lte) "
            "JOIN {schema}.{table} e ON e.originator_id = w.id "
            "AND e.originator_version > w.gt AND e.originator_version <= w.lte "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(id_type=id_type, schema=schema, table=Identifier(recorder.events_table_name))
        self.snapshots_table = snapshots.events_table_name if snapshots else None
        if snapshots is not None:
            self.snapshots_statement = SQL(
                "SELECT DISTINCT ON (s.originator_id) "
                "s.originator_id, s.originator_version, s.topic, s.state "
                "FROM unnest(%s::{id_type}[], %s::bigint[]) AS w(id, lte) "
                "JOIN {schema}.{table} s ON s.originator_id = w.id "
                "AND s.originator_version <= w.lte "
                "ORDER BY s.originator_id, s.originator_version DESC"
            ).format(id_type=id_type, schema=schema, table=Identifier(self.snapshots_table))

    def snapshots(self, bounds: Bounds) -> list[StoredEvent]:
        ids, lte = zip(*bounds, strict=True)
        return self._select(self.snapshots_datastore, self.snapshots_statement,
                            [list(ids), list(lte)])

    def events(self, ranges: list[tuple[UUID, int, int]]) -> list[StoredEvent]:
        ids, gt, lte = zip(*ranges, strict=True)
        return self._select(self.datastore, self.events_statement,
                            [list(ids), list(gt), list(lte)])

    @staticmethod
    def _select(datastore, statement, params: list) -> list[StoredEvent]:
        with datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return [StoredEvent(r["originator_id"], r["originator_version"], r["topic"],
                                bytes(r["state"])) for r in curs.fetchall()]
