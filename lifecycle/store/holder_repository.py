"""The application's repository of holders: the library's, with less work per read.

The library's repository reads a holder that is not in its cache in two statements (the
latest snapshot, then the events after it); on PostgreSQL each is a round trip, and a
single command of the HTTP API usually meets a holder that is not cached. Here that read is
one statement (the same `UNION ALL` the API's status read uses), decoded by the
application's mapper and folded by the repository's projector, as the library would.
Reads of a past version, and SQLite (in process: a statement costs no round trip), stay
the library's two statements. On both stores the fold skips the library's per-event
Protocol check (`fold`).

A holder that a command has just created is not in the cache either: with fast-forwarding
on, the library fills its cache on reads only. `remember` puts a copy of it there after
its save, so the next command on it fast-forwards (one read) instead of missing.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import StoredEvent

# The latest snapshot (kind 0) and the events after it (kind 1). Put in order by the
# caller: an ORDER BY over the UNION costs PostgreSQL a sort node for a handful of rows.
HOLDER = """
SELECT 0 AS kind, originator_version, topic, state FROM (
    SELECT originator_version, topic, state FROM {snapshots}
    WHERE originator_id = {id} ORDER BY originator_version DESC LIMIT 1) AS latest
UNION ALL
SELECT 1 AS kind, originator_version, topic, state FROM {events}
WHERE originator_id = {id} AND originator_version > COALESCE(
    (SELECT MAX(originator_version) FROM {snapshots} WHERE originator_id = {id}), 0)"""
EVENTS = """
SELECT 1 AS kind, originator_version, topic, state FROM {events}
WHERE originator_id = {id}"""


def render_postgres(template: str, schema: str, events: str, snapshots: str | None) -> str:
    """A statement template for these tables, with `%(id)s` and `%(version)s` placeholders,
    rendered once: psycopg would compose it again on every execute."""
    from psycopg import sql

    def table(name: str | None):
        return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name)) \
            if name else None

    fields = {"events": table(events), "snapshots": table(snapshots),
              "id": sql.Placeholder("id"), "version": sql.Placeholder("version")}
    return sql.SQL(template).format(**fields).as_string(None)


def postgres_statement(schema: str, events: str, snapshots: str | None) -> str:
    """HOLDER (or EVENTS without snapshots) for these tables."""
    return render_postgres(HOLDER if snapshots else EVENTS, schema, events, snapshots)


def decoded(mapper: Any, aggregate_id: UUID, rows: list) -> list[tuple[int, Any]]:
    """(kind, event) of HOLDER's rows: the snapshot first, then the events by version."""
    rows.sort(key=lambda row: (row[0], row[1]))
    decode = mapper.to_domain_event
    return [(kind, decode(StoredEvent(originator_id=aggregate_id, originator_version=version,
                                      topic=topic, state=state)))
            for kind, version, topic, state in rows]


def fold(aggregate: Any, events: Any) -> Any:
    """The library's `project_aggregate` without its per-event `assert isinstance(event,
    CanMutateProtocol)`: a runtime Protocol check costs ~9 µs, as much as a typical `mutate`,
    and every event stored here is one of our classes, each with `mutate`."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class HolderRepository(Repository):
    """The library's repository, folding with `fold` unless told otherwise."""

    def get(self, aggregate_id: Any, *, version: int | None = None,
            projector_func: Any = fold, **kwargs: Any) -> Any:
        return super().get(aggregate_id, version=version, projector_func=projector_func,
                           **kwargs)


class OneReadRepository(HolderRepository):
    """On a cache miss, the latest snapshot and the later events in one statement."""

    def __init__(self, event_store: Any, *, mapper: Any, datastore: Any, statement: str,
                 **kwargs: Any):
        super().__init__(event_store, **kwargs)
        self._mapper = mapper
        self._datastore = datastore
        self._statement = statement

    def _reconstruct_aggregate(self, aggregate_id: UUID, version: int | None,
                               projector_func: Any) -> Any:
        if version is not None:
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        from psycopg.rows import tuple_row

        with self._datastore.get_connection() as conn, \
                conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self._statement, {"id": aggregate_id}, prepare=True)
            rows = [(kind, version, topic, bytes(state))
                    for kind, version, topic, state in cursor.fetchall()]
        aggregate = projector_func(
            None, (event for _, event in decoded(self._mapper, aggregate_id, rows)))
        if aggregate is None:
            msg = f"Aggregate {aggregate_id!r} version None not found."
            raise AggregateNotFoundError(msg)
        return aggregate


def remember(repository: Repository, created: list) -> None:
    """Put copies of holders just created and saved in the repository's cache."""
    if repository.cache is None:
        return
    for aggregate in created:
        repository.cache.put(aggregate.id, deepcopy(aggregate))
