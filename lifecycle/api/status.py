"""GET /holders/{holder}/status: `LifecycleApplication.status`, on the one-statement read.

Same rules and same messages as the application's (and so as `lifecycle status --json`):
the holder's current state when `as_of` is on or after its last business date, else a fold
of its events up to `as_of` (and `known_at`). tests/integration/test_api_reads.py holds the
two to the same answers.
"""

from __future__ import annotations

from datetime import date, datetime

from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.status import holder_status
from lifecycle import contract
from lifecycle.api.store_reads import StoreReads


def status(reads: StoreReads, number: str, as_of: date, known_at: datetime | None = None,
           ) -> dict:
    loaded = reads.holder(number)
    if loaded is None:
        raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
    holder = loaded.holder
    last = holder.state.last_business_date
    if known_at is None and (last is None or as_of >= last):
        state = holder.state
    else:
        state = fold(loaded.events if loaded.events is not None
                     else reads.all_events(holder.id), as_of, known_at)
        if known_at is not None and not state.number:
            raise DomainError("UNKNOWN_HOLDER",
                              f"there was no holder {number} on record at {known_at}")
    return contract.jsonable(holder_status(state, as_of, identity=holder.state))
