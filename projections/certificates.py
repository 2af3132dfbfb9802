"""The read-model rows a certificate (認定証) is printed from: one per granted period — the
first certification and each renewal — with the holder's registered name.

Plain SQL over `certification_periods` and `holders`; the documents package turns each row
into a certificate, so printing never loads an aggregate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select, tuple_

from projections.tables import certification_periods as p
from projections.tables import holders as h


@dataclass(frozen=True)
class PeriodRow:
    holder_number: str
    name: str
    name_kana: str
    qualification: str
    certification_number: str
    period_no: int  # 0: first certification; n: the n-th renewal
    valid_from: date
    valid_until: date
    granted_on: date  # the decision date (Certified or Renewed)


def _select():
    return (select(p.c.holder_number, h.c.name, h.c.name_kana, p.c.qualification,
                   p.c.certification_number, p.c.period_no, p.c.valid_from, p.c.valid_until,
                   p.c.granted_on)
            .join(h, h.c.holder_number == p.c.holder_number))


def periods_of(engine: Engine, certification_number: str) -> list[PeriodRow]:
    """Every granted period under one certification number, oldest first."""
    stmt = (_select().where(p.c.certification_number == certification_number)
            .order_by(p.c.period_no))
    with engine.connect() as conn:
        return [PeriodRow(*row) for row in conn.execute(stmt)]


def granted_between(engine: Engine, first: date, last: date, *, renewals: bool,
                    chunk: int = 1000) -> Iterator[PeriodRow]:
    """Periods granted (decided) between two dates inclusive — renewals only, or first
    certifications only — in certification-number order, read in keyset chunks so a
    batch of any size keeps memory flat."""
    kind = p.c.period_no > 0 if renewals else p.c.period_no == 0
    after: tuple[str, int] | None = None
    while True:
        stmt = _select().where(kind, p.c.granted_on.between(first, last))
        if after is not None:
            stmt = stmt.where(tuple_(p.c.certification_number, p.c.period_no) > after)
        with engine.connect() as conn:
            rows = conn.execute(
                stmt.order_by(p.c.certification_number, p.c.period_no).limit(chunk)).all()
        if not rows:
            return
        yield from (PeriodRow(*row) for row in rows)
        after = (rows[-1].certification_number, rows[-1].period_no)
