"""A parallel rebuild's share of the notification log, filtered by the database.

Every share must page through the whole log, but only its own holders' rows need to reach
Python: the library's `select_notifications` returns every row (its state bytes, a UUID
built per row), which would cost each share the whole log's reading again. This is the
library's own query on its own events table, plus one predicate: the originator id's last
byte modulo the share count (`owner`), and the transfer topics for the first share only.
The rows come back as the library's `Notification`s, so decoding is unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

from eventsourcing.persistence import Notification

# A SQLite originator id is the UUID's text ("…-xxxxxxxxxxyz"): its last byte is "yz".
_SQLITE_LAST_BYTE = ("((instr('0123456789abcdef', substr(originator_id, -2, 1)) - 1) * 16"
                     " + instr('0123456789abcdef', substr(originator_id, -1, 1)) - 1)")
_POSTGRES_LAST_BYTE = "get_byte(uuid_send(originator_id), 15)"


def owner(originator_id: UUID, count: int) -> int:
    """Which of `count` shares a holder belongs to (the same rule as the SQL below)."""
    return (originator_id.int & 0xFF) % count


def select_share(recorder, index: int, count: int, transfer_topics: Collection[str],
                 skipped_topics: Collection[str], start: int, limit: int,
                 stop: int | None) -> Sequence[Notification]:
    """Up to `limit` notifications from id `start` (to `stop`) that share `index` owns;
    `skipped_topics` (events no share projects) are left in the database."""
    if hasattr(recorder, "datastore") and hasattr(recorder.datastore, "schema"):
        return _postgres(recorder, index, count, list(transfer_topics), list(skipped_topics),
                         start, limit, stop)
    return _sqlite(recorder, index, count, list(transfer_topics), list(skipped_topics),
                   start, limit, stop)


def _sqlite(recorder, index, count, transfers, skipped, start, limit, stop):
    marks = lambda items: ",".join("?" * len(items))  # noqa: E731
    sql = (f"SELECT rowid, originator_id, originator_version, topic, state "
           f"FROM {recorder.events_table_name} WHERE rowid >= ? AND rowid <= ? "
           f"AND topic NOT IN ({marks(skipped)}) "
           f"AND (CASE WHEN topic IN ({marks(transfers)}) THEN ? = 0 "
           f"ELSE {_SQLITE_LAST_BYTE} % ? = ? END) ORDER BY rowid LIMIT ?")
    params = [start, stop if stop is not None else 2**62, *skipped, *transfers, index,
              count, index, limit]
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(sql, params)
        return [Notification(id=row[0], originator_id=UUID(row[1]), originator_version=row[2],
                             topic=row[3], state=row[4]) for row in c.fetchall()]


def _postgres(recorder, index, count, transfers, skipped, start, limit, stop):
    from psycopg.sql import SQL, Identifier

    sql = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {schema}.{table} WHERE notification_id >= %s AND notification_id <= %s "
        "AND NOT (topic = ANY(%s)) "
        "AND (CASE WHEN topic = ANY(%s) THEN %s = 0 "
        "ELSE " + _POSTGRES_LAST_BYTE + " %% %s = %s END) "
        "ORDER BY notification_id LIMIT %s"
    ).format(schema=Identifier(recorder.datastore.schema),
             table=Identifier(recorder.events_table_name))
    params = [start, stop if stop is not None else 2**62, skipped, transfers, index, count,
              index, limit]
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(sql, params, prepare=True)
        return [Notification(id=row["notification_id"], originator_id=row["originator_id"],
                             originator_version=row["originator_version"], topic=row["topic"],
                             state=bytes(row["state"])) for row in curs.fetchall()]
