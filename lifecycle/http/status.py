"""GET /holders/{holder}/status: `LifecycleApplication.status`'s rules
(`lifecycle.contract.status_object`) on the one-statement read, so the answer and its
messages are those of `lifecycle status --json`; tests/integration/test_api_reads.py holds
the two to the same answers.
"""

from __future__ import annotations

from datetime import date, datetime

from aggregates import policy
from aggregates.errors import DomainError
from lifecycle.contract import status_object
from lifecycle.store.reads import StoreReads


def status(reads: StoreReads, number: str, as_of: date, known_at: datetime | None = None,
           ) -> dict:
    with policy.applying(reads.app.policy_known_at(known_at)):
        loaded = reads.holder(number)
        if loaded is None:
            raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
        return status_object(loaded.holder, lambda: reads.history(loaded), as_of, known_at)
