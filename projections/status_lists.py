"""Which certifications of a qualification and fiscal year are not in good standing on a
day (suspended, revoked or lapsed): the set bits of their Bitstring Status List.

The numbers of a list are the certifications whose first period began in that fiscal year
(the number's year is its first `valid_from`'s, SPEC §4), found on the index of
`certification_periods` by qualification and `valid_from`; each is joined to its holder's
`credentials` row. If that row still holds the number, the row's status on the day says;
if a new first certification has replaced it (after a lapse or a revocation), the number
is never in good standing again. Read from the read models, so the answer is as fresh as
their last catch-up.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, and_, or_, select

from projections import status_sql
from projections.queries import as_of_param, fiscal_year_bounds
from projections.tables import certification_periods as p
from projections.tables import credentials as c

NOT_IN_GOOD_STANDING = ("suspended", "revoked", "lapsed")


def sequences_not_in_good_standing(engine: Engine, qualification: str, fiscal_year: int,
                                   on: date) -> list[int]:
    on_param = as_of_param(on)
    first, last = fiscal_year_bounds(fiscal_year)
    statement = (
        select(p.c.certification_number)
        .join(c, and_(c.c.holder_number == p.c.holder_number,
                      c.c.qualification == p.c.qualification))
        .where(p.c.qualification == qualification, p.c.valid_from >= first,
               p.c.valid_from <= last, p.c.period_no == 0,
               or_(c.c.certification_number.is_(None),
                   c.c.certification_number != p.c.certification_number,
                   status_sql.shows_attempt(on_param),
                   status_sql.status_expression(on_param).in_(NOT_IN_GOOD_STANDING))))
    prefix = f"{qualification}-{fiscal_year}-"
    with engine.connect() as conn:
        numbers = [row[0] for row in conn.execute(statement)]
    return sorted(int(n[len(prefix):]) for n in numbers if n.startswith(prefix))
