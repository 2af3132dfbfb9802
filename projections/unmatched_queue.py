"""The unmatched queue: statement transfers no pending item claimed, less what clerks have
allocated from them since (company transfers split across holders)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, update

from aggregates import registers
from projections.tables import unmatched_payments as q


def write(conn: Connection, events) -> None:
    for event in events:
        if isinstance(event, registers.TransferUnmatched):
            conn.execute(insert(q).values(
                bank_reference=_reference(event), amount=event.amount, allocated=0,
                paid_on=event.paid_on, payer_name=event.payer_name, source=event.source,
                reason=event.reason, received_at=event.timestamp))
        elif isinstance(event, registers.BankReferenceUsed) and event.allocated_by:
            conn.execute(update(q).where(q.c.bank_reference == _reference(event))
                         .values(allocated=q.c.allocated + event.amount))


def _reference(event) -> str:
    return event.bank_reference
