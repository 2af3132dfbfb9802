"""Columns added to read-model tables after their first release, added in place.

`metadata.create_all` creates missing tables but never alters an existing one, so a read
model built by an earlier version would lack these columns. Each is nullable, and NULL is
the right value for every existing row: the events that fill it did not exist before
(a rebuild gives the same rows).
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from projections import tables

ADDED_COLUMNS = (  # (table, column): SPEC §11 suspension and revocation
    (tables.credentials, "suspended_on"),
    (tables.credentials, "revoked_on"),
    (tables.certification_periods, "revoked_on"),
    # the console's name search: NULL (not found by name) until the holder's next event
    # or a rebuild
    (tables.holders, "search_name"),
    (tables.holders, "search_kana"),
)
ADDED_INDEXES = (tables.holders_by_name, tables.holders_by_kana)


def add_missing_columns(conn: Connection, schema: str | None) -> None:
    inspector = inspect(conn)
    for table, name in ADDED_COLUMNS:
        present = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
        if name in present:
            continue
        column = table.c[name]
        where = f'"{schema}"."{table.name}"' if schema else f'"{table.name}"'
        kind = column.type.compile(dialect=conn.dialect)
        conn.execute(text(f'ALTER TABLE {where} ADD COLUMN "{name}" {kind}'))
    for index in ADDED_INDEXES:
        index.create(conn, checkfirst=True)
