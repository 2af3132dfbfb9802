"""Public verification of a certification number (認定番号): is it valid today, and whose?

Only what a public register shows: the qualification, the status today, the period and the
family name. The certification is found by lifecycle.credentials.lookup (two primary-key
reads of the event store).
"""

from __future__ import annotations

from datetime import date

from aggregates.status import certification_state
from lifecycle.credentials.lookup import find
from lifecycle.store.reads import StoreReads


def mask_name(name: str) -> str:
    """The family name then " *" ("今田 太郎" -> "今田 *"). A name written without a space
    cannot be split safely, so only its first character is shown."""
    parts = name.split()
    if not parts:
        return "*"
    family = parts[0] if len(parts) > 1 else parts[0][0]
    return f"{family} *"


def verification(reads: StoreReads, number: str, today: date) -> dict:
    found = find(reads, number, today)
    cert = found.certification
    period = cert.period_shown_on(today)
    return {
        "certification_number": number,
        "qualification": found.number.qualification,
        "status": certification_state(cert, today),
        "valid_from": period.valid_from.isoformat(),
        "valid_until": period.valid_until.isoformat(),
        "name": mask_name(found.name),
        "as_of": today.isoformat(),
    }
