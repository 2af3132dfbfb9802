"""What a letter to a holder says beyond its notice: the holder's registered details and the
credential's current figures, read from the read models when the letter is written (so a
changed name or e-mail address is used, never the one at the time of the event)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from projections.tables import certification_periods as p
from projections.tables import cpd_entries as e
from projections.tables import credentials as c
from projections.tables import holders as h


def holder(conn: Connection, number: str) -> dict | None:
    row = conn.execute(select(h.c.holder_number, h.c.name, h.c.name_kana, h.c.email)
                       .where(h.c.holder_number == number)).first()
    return None if row is None else {"number": row.holder_number, "name": row.name,
                                     "name_kana": row.name_kana, "email": row.email}


def credential(conn: Connection, number: str, qualification: str) -> dict:
    row = conn.execute(select(c).where(c.c.holder_number == number,
                                       c.c.qualification == qualification)).first()
    return {} if row is None else dict(row._mapping)


def period(conn: Connection, number: str, qualification: str, valid_until: date
           ) -> dict | None:
    row = conn.execute(select(p).where(p.c.holder_number == number,
                                       p.c.qualification == qualification,
                                       p.c.valid_until == valid_until)).first()
    return None if row is None else dict(row._mapping)


def cpd_in(conn: Connection, number: str, first: date, last: date) -> list[dict]:
    """The holder's counting CPD entries with an activity date in [first, last]."""
    rows = conn.execute(select(e).where(e.c.holder_number == number, e.c.counts,
                                        e.c.activity_on.between(first, last))
                        .order_by(e.c.activity_on, e.c.entry_id))
    return [dict(row._mapping) for row in rows]
