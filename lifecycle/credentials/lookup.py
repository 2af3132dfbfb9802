"""A certification by its number (認定番号), as the store knows it on a day.

The number is found through its own register log (aggregates.registers): the log of a
qualification and fiscal year holds one CertificationNumberIssued per sequence number, at
that version, so the lookup is one primary-key read, then the holder's (one statement: its
latest snapshot and the events after it, lifecycle.store.reads).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from aggregates import qualifications, registers
from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.state import Certification, HolderState
from lifecycle.store.reads import StoreReads

# registers.certification_number: {QUAL}-{fiscal year of valid_from}-{5-digit sequence}
NUMBER = re.compile(r"^([A-Z]{2,8})-(\d{4})-(\d{5,9})$")
# A log per qualification and fiscal year: a few hundred ids, each a uuid5 worth keeping.
_log_id = functools.lru_cache(maxsize=1024)(registers.certification_numbers_id)


@dataclass(frozen=True)
class Number:
    qualification: str
    fiscal_year: int
    sequence: int


@dataclass(frozen=True)
class Found:
    number: Number
    state: HolderState  # as of the day asked
    name: str  # the holder's registered name (for the public register's masked form)
    certification: Certification


def unknown(number: str) -> DomainError:
    return DomainError("NOT_CERTIFIED", f"no certification number {number!r} is on record")


def parse(number: str) -> Number:
    match = NUMBER.match(number)
    if match is None or not qualifications.is_professional(match.group(1)):
        raise unknown(number)
    return Number(match.group(1), int(match.group(2)), int(match.group(3)))


def find(reads: StoreReads, number: str, today: date) -> Found:
    """NOT_CERTIFIED for a number never issued, or issued by a decision dated after
    `today`."""
    parsed = parse(number)
    issued = reads.event(_log_id(parsed.qualification, parsed.fiscal_year), parsed.sequence)
    if issued is None or issued.certification_number != number:
        raise unknown(number)
    loaded = reads.holder(issued.holder)
    if loaded is None:  # the register and the holder are saved together: never happens
        raise unknown(number)
    holder = loaded.holder
    state = holder.state
    if state.last_business_date is not None and state.last_business_date > today:
        state = fold(reads.history(loaded), today)  # what was true today, not later
    record = state.qualifications.get(parsed.qualification)
    cert = next((c for c in (record.certifications if record else []) if c.number == number),
                None)
    if cert is None:
        raise unknown(number)
    return Found(parsed, state, state.name or holder.state.name, cert)
