"""Where a payment goes (SPEC §6): the open application or renewal request it pays for, or
a credit kept for the next one of that qualification and purpose."""

from __future__ import annotations

from datetime import date

from aggregates.state import Application, HolderState, RenewalRequest


def payment_target(
    state: HolderState, qualification: str, purpose: str, paid_on: date
) -> Application | RenewalRequest | None:
    """Where a transfer goes: the open application / request, or None for a credit.

    A renewal fee arriving after the period ended without an accepted request cannot save
    the certification, so it is kept as a credit.
    """
    record = state.record(qualification)
    if purpose == "certification":
        return record.open_application()
    cert = record.certification
    request = cert.open_request() if cert is not None else None
    if request is None:
        return None
    if request.accepted_on is None and paid_on > request.valid_until:
        return None
    return request
