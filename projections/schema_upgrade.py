"""Columns added to read-model tables after their first release, added in place.

`metadata.create_all` creates missing tables but never alters an existing one, so a read
model built by an earlier version would lack these columns. Each is nullable. NULL is the
right value of the SPEC §11 columns for every existing row (the events that fill them did
not exist before); the search keys are derived from the row's own name and kana, so they
are filled in place once, when they are added (a rebuild gives the same rows).
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, inspect, select, text, update

from aggregates.payer_name import normalise
from projections import tables

ADDED_COLUMNS = (  # (table, column): SPEC §11 suspension and revocation
    (tables.credentials, "suspended_on"),
    (tables.credentials, "revoked_on"),
    (tables.certification_periods, "revoked_on"),
    # the console's name search (filled from each row's name and kana)
    (tables.holders, "search_name"),
    (tables.holders, "search_kana"),
    # the points each cycle needs under the live policy (NULL: SPEC's 30, the only rule
    # before policies)
    (tables.credentials, "cpd_required"),
    (tables.certification_periods, "cpd_required"),
)
ADDED_INDEXES = (tables.holders_by_name, tables.holders_by_kana)


def add_missing_columns(conn: Connection, schema: str | None) -> None:
    inspector = inspect(conn)
    added = set()
    for table, name in ADDED_COLUMNS:
        present = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
        if name in present:
            continue
        column = table.c[name]
        where = f'"{schema}"."{table.name}"' if schema else f'"{table.name}"'
        kind = column.type.compile(dialect=conn.dialect)
        conn.execute(text(f'ALTER TABLE {where} ADD COLUMN "{name}" {kind}'))
        added.add((table.name, name))
    if ("holders", "search_name") in added:
        _fill_search_keys(conn)
    for index in ADDED_INDEXES:
        index.create(conn, checkfirst=True)


def _fill_search_keys(conn: Connection, batch: int = 5000) -> None:
    """Every existing holder findable by name at once, not only after its next event."""
    h = tables.holders
    fill = (update(h).where(h.c.holder_number == bindparam("number"))
            .values(search_name=bindparam("key_name"), search_kana=bindparam("key_kana")))
    last = ""
    while True:  # in pages by holder number: a million holders need not be in memory at once
        rows = conn.execute(select(h.c.holder_number, h.c.name, h.c.name_kana)
                            .where(h.c.holder_number > last)
                            .order_by(h.c.holder_number).limit(batch)).all()
        if not rows:
            return
        conn.execute(fill, [{"number": r.holder_number, "key_name": normalise(r.name),
                             "key_kana": normalise(r.name_kana)} for r in rows])
        last = rows[-1].holder_number
