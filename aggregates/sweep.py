"""The scheduler's facts (SPEC §7, §10): what a sweep for a date must record on a holder.

Each fact carries the date it took effect (the window's first day or the grant date,
valid_until + 1 day, the day after a pass report's last day), never the day of the sweep.
A fact already recorded is not due again, so sweeps are idempotent in any order.

Disciplinary decisions (SPEC §11): a revoked certification has no facts due any more (no
window opens for it, it never lapses). A suspended one keeps its calendar: its window's
opening and its lapse are recorded as for any other, since a suspension changes neither
the period nor the dates (the status shows `suspended` meanwhile, and `lapsed` after).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aggregates import qualifications
from aggregates.state import HolderState, QualificationRecord


@dataclass(frozen=True)
class Fact:
    business_date: date
    event_class: type
    data: dict


def due_facts(state: HolderState, as_of: date) -> list[Fact]:
    from aggregates.events import Lapsed, PassReportExpired, RenewalWindowOpened

    facts: list[Fact] = []
    for code, record in state.qualifications.items():
        if not qualifications.is_professional(code):
            continue
        for cert in record.certifications:
            if cert.revoked_on is not None:
                continue  # final: no window opens and no lapse is due for it any more
            for period in cert.periods:
                window = period.window
                opened_on = max(window.opens_on, period.granted_on)
                if (not period.window_opened_recorded and period.granted_on <= window.closes_on
                        and opened_on <= as_of):
                    facts.append(Fact(opened_on, RenewalWindowOpened, {
                        "qualification": code, "valid_until": period.valid_until,
                        "opens_on": window.opens_on, "closes_on": window.closes_on,
                    }))
            last = cert.last_period
            if (not last.lapse_recorded and cert.lapse_date <= as_of
                    and cert.is_lapsed_on(as_of)):
                facts.append(Fact(cert.lapse_date, Lapsed, {
                    "qualification": code, "certification_number": cert.number,
                    "valid_until": last.valid_until,
                }))
        facts.extend(_expired_passes(code, record, as_of, PassReportExpired))
    return sorted(facts, key=lambda f: f.business_date)


def _expired_passes(code: str, record: QualificationRecord, as_of: date, event_class) -> list:
    """A pass report whose life ended with no certification: not while an application on it
    is open, and not for a holder who held the qualification when it ended."""
    facts = []
    for exam_pass in record.passes:
        ended_on = exam_pass.valid_until + timedelta(days=1)
        if exam_pass.expiry_recorded or ended_on > as_of:
            continue
        if any(c.pass_number == exam_pass.pass_number for c in record.certifications):
            continue
        if any(a.is_open and a.pass_number == exam_pass.pass_number for a in record.applications):
            continue
        if record.holds_on(ended_on):
            continue
        facts.append(Fact(ended_on, event_class, {
            "qualification": code, "pass_number": exam_pass.pass_number,
            "valid_until": exam_pass.valid_until,
        }))
    return facts
