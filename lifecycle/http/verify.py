"""Public verification of a certification number (認定番号): is it valid today, and whose?

Only what a public register shows: the qualification, the status today, the period and the
family name. The number is found through its own register log (aggregates.registers): the
log of a qualification and fiscal year holds one CertificationNumberIssued per sequence
number, at that version, so the lookup is one primary-key read, then the holder's (one
statement: its latest snapshot and the events after it, lifecycle.store.reads).
"""

from __future__ import annotations

import functools
import re
from datetime import date

from aggregates import qualifications, registers
from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.status import certification_state
from lifecycle.store.reads import StoreReads

# registers.certification_number: {QUAL}-{fiscal year of valid_from}-{5-digit sequence}
NUMBER = re.compile(r"^([A-Z]{2,8})-(\d{4})-(\d{5,9})$")
# A log per qualification and fiscal year: a few hundred ids, each a uuid5 worth keeping.
_log_id = functools.lru_cache(maxsize=1024)(registers.certification_numbers_id)


def _unknown(number: str) -> DomainError:
    return DomainError("NOT_CERTIFIED", f"no certification number {number!r} is on record")


def mask_name(name: str) -> str:
    """The family name then " *" ("今田 太郎" -> "今田 *"). A name written without a space
    cannot be split safely, so only its first character is shown."""
    parts = name.split()
    if not parts:
        return "*"
    family = parts[0] if len(parts) > 1 else parts[0][0]
    return f"{family} *"


def verification(reads: StoreReads, number: str, today: date) -> dict:
    match = NUMBER.match(number)
    if match is None or not qualifications.is_professional(match.group(1)):
        raise _unknown(number)
    code, fiscal_year, sequence = match.group(1), int(match.group(2)), int(match.group(3))
    issued = reads.event(_log_id(code, fiscal_year), sequence)
    if issued is None or issued.certification_number != number:
        raise _unknown(number)
    loaded = reads.holder(issued.holder)
    if loaded is None:  # the register and the holder are saved together: never happens
        raise _unknown(number)
    holder = loaded.holder
    state = holder.state
    if state.last_business_date is not None and state.last_business_date > today:
        # what was true today, not later
        state = fold(reads.history(loaded), today)
    record = state.qualifications.get(code)
    cert = next((c for c in (record.certifications if record else []) if c.number == number),
                None)
    if cert is None:  # numbered by a decision dated after today
        raise _unknown(number)
    period = cert.period_shown_on(today)
    return {
        "certification_number": number,
        "qualification": code,
        "status": certification_state(cert, today),
        "valid_from": period.valid_from.isoformat(),
        "valid_until": period.valid_until.isoformat(),
        "name": mask_name(state.name or holder.state.name),
        "as_of": today.isoformat(),
    }
