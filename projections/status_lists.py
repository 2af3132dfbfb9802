"""Which certifications of a qualification and fiscal year are not in good standing on a
day (suspended, revoked or lapsed): the set bits of their Bitstring Status List.

A number is the latest certification of its holder and qualification (`credentials`), or an
older one that a new first certification replaced after a lapse or a revocation (still in
`certification_periods`): the older one is never in good standing again. Read from the
read models, so the answer is as fresh as their last catch-up.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, and_, or_, select

from projections import status_sql
from projections.queries import as_of_param
from projections.tables import certification_periods as p
from projections.tables import credentials as c

NOT_IN_GOOD_STANDING = ("suspended", "revoked", "lapsed")


def _in_list(column, qualification: str, fiscal_year: int):
    prefix = f"{qualification}-{fiscal_year}-"
    # A range on the prefix: every number of the list sorts between "CAP-2027-" and "CAP-2027.".
    return and_(column >= prefix, column < prefix[:-1] + ".")


def sequences_not_in_good_standing(engine: Engine, qualification: str, fiscal_year: int,
                                   on: date) -> list[int]:
    on_param = as_of_param(on)
    latest = (
        select(c.c.certification_number)
        .where(c.c.qualification == qualification,
               _in_list(c.c.certification_number, qualification, fiscal_year),
               or_(status_sql.shows_attempt(on_param),
                   status_sql.status_expression(on_param).in_(NOT_IN_GOOD_STANDING))))
    replaced = (
        select(p.c.certification_number)
        .join(c, and_(c.c.holder_number == p.c.holder_number,
                      c.c.qualification == p.c.qualification))
        .where(p.c.qualification == qualification, p.c.period_no == 0,
               _in_list(p.c.certification_number, qualification, fiscal_year),
               or_(c.c.certification_number.is_(None),
                   c.c.certification_number != p.c.certification_number)))
    with engine.connect() as conn:
        numbers = {row[0] for row in conn.execute(latest.union(replaced))}
    return sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
