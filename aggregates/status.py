"""Status on a date (SPEC §8): a pure function of the folded state and the calendar.

It never reads the scheduler's events (RenewalWindowOpened, Lapsed, PassReportExpired):
on 2 January a window is open and on 1 April an unrenewed certification is lapsed whether or
not a sweep has run.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aggregates import cpd, policy, qualifications
from aggregates.state import Certification, GrantedPeriod, HolderState, QualificationRecord


def holder_status(state: HolderState, on: date, identity: HolderState | None = None) -> dict:
    """The status object of SPEC §8; `identity` supplies the names when `state` is a fold
    that ends before the holder's first event."""
    who = identity or state
    return {
        "holder": who.number,
        "name": state.name or who.name,
        "name_kana": state.name_kana or who.name_kana,
        "qualifications": {
            code: qualification_status(state, record, on)
            for code, record in sorted(state.qualifications.items())
            if record.passes or record.applications or record.certifications
        },
    }


def qualification_status(state: HolderState, record: QualificationRecord, on: date) -> dict:
    if not qualifications.is_professional(record.code):
        conferring = record.passes_after_revocation()
        if not conferring:  # revoked, and not passed again since
            return _shape("revoked", valid_from=min(p.issued_on for p in record.passes))
        return _shape("qualified", valid_from=min(p.issued_on for p in conferring))
    cert = shown_certification(record, on)
    if cert is not None:
        return _certification_status(state, cert, on)
    return attempt_status(record, on)


def shown_certification(record: QualificationRecord, on: date) -> Certification | None:
    """The latest certification, unless it lapsed and a new attempt has started since:
    a new exam pass on or after the lapse date, or a new application; or it was revoked and
    the exam has been passed again after the revocation."""
    cert = record.certification
    if cert is not None and cert.is_revoked_on(on):
        newer_pass = any(p.issued_on > cert.revoked_on for p in record.passes)
        return None if newer_pass else cert
    if cert is None or not cert.is_lapsed_on(on):
        return cert
    newer_application = len(record.applications) - 1 > cert.application_index
    newer_pass = any(p.issued_on >= cert.lapse_date for p in record.passes)
    return None if newer_application or newer_pass else cert


def certification_state(cert: Certification, on: date) -> str:
    """Revoked is final; lapsed wins over suspended (a suspension never extends a period);
    suspended wins over every active status, renewal_under_review included."""
    if cert.is_revoked_on(on):
        return "revoked"
    period = cert.period_shown_on(on)
    if on > period.valid_until and cert.is_lapsed_on(on):
        return "lapsed"
    if cert.is_suspended_on(on):
        return "suspended"
    if on > period.valid_until:
        return "renewal_under_review"
    if period is not cert.last_period:
        return "certified"  # renewed early: the current period runs on until the new one
    request = cert.open_request()
    if request is not None:
        if request.accepted_on is None:
            return "renewal_requested"
        return "renewal_audit" if request.audit_open else "renewal_accepted"
    if period.window.opens_on <= on <= period.window.closes_on:
        return "renewal_window_open"
    return "certified"


def _certification_status(state: HolderState, cert: Certification, on: date) -> dict:
    period = cert.period_shown_on(on)
    return _shape(
        certification_state(cert, on),
        certification_number=cert.number,
        valid_from=period.valid_from,
        valid_until=period.valid_until,
        renewal_window={"opens_on": period.window.opens_on, "closes_on": period.window.closes_on},
        pass_report_valid_until=cert.pass_report_valid_until,
        cpd=cpd_figures(state, period),
    )


def attempt_status(record: QualificationRecord, on: date) -> dict:
    """The status of a first-certification attempt (passed, applied, accepted, rejected,
    pass_expired) when no certification is shown."""
    latest_pass = record.latest_pass()
    application = record.applications[-1] if record.applications else None
    if application is not None and application.decision == "certified":
        application = None  # that attempt ended in the lapsed certification
    if application is not None and latest_pass is not None:
        if latest_pass.issued_on > application.pass_issued_on and not application.is_open:
            application = None  # a newer pass starts a new attempt
    if application is not None and application.is_open:
        status = "accepted" if application.accepted_on is not None else "applied"
        return _shape(status, pass_report_valid_until=application.pass_report_valid_until)
    if application is not None:  # rejected
        valid_until = application.pass_report_valid_until
        return _shape("rejected" if on <= valid_until else "pass_expired",
                      pass_report_valid_until=valid_until)
    valid_until = latest_pass.valid_until
    return _shape("passed" if on <= valid_until else "pass_expired",
                  pass_report_valid_until=valid_until)


def cpd_points(state: HolderState, period: GrantedPeriod) -> tuple[cpd.CPDCount, Decimal]:
    """The period's counted points (capped, of entries not disallowed by an audit) and its
    logged hours (every entry of the cycle not withdrawn)."""
    in_cycle = [
        e for e in state.cpd.values()
        if period.valid_from <= e.activity_on <= period.valid_until and e.withdrawn_on is None
    ]
    logged = sum((e.hours for e in in_cycle), Decimal(0))
    count = cpd.count_points(
        ((e.category, e.activity_on, e.hours) for e in in_cycle if e.disallowed_on is None),
        policy.in_force().cpd_for_cycle(period.valid_from).caps,
    )
    return count, logged


def required_points(period: GrantedPeriod) -> Decimal:
    """Points a cycle needs for renewal, under the rules in force for its `valid_from`."""
    return policy.in_force().cpd_for_cycle(period.valid_from).required


def cpd_figures(state: HolderState, period: GrantedPeriod) -> dict:
    """The status object's `cpd`: `cpd_points` as the contract writes points."""
    count, logged = cpd_points(state, period)
    return {
        "counted": cpd.format_points(count.counted),
        "logged": cpd.format_points(logged),
        "required": cpd.format_points(required_points(period)),
        "by_category": {c: cpd.format_points(count.by_category[c]) for c in cpd.CATEGORIES},
    }


def counted_points(state: HolderState, period: GrantedPeriod) -> Decimal:
    """Counted points as events record them: canonical ("5", not the sum's "5.0")."""
    return Decimal(cpd.format_points(cpd_points(state, period)[0].counted))


def _shape(
    status: str,
    *,
    certification_number: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    renewal_window: dict | None = None,
    pass_report_valid_until: date | None = None,
    cpd: dict | None = None,
) -> dict:
    """Every field in every state, None where not known."""
    return {
        "status": status,
        "certification_number": certification_number,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "renewal_window": renewal_window,
        "pass_report_valid_until": pass_report_valid_until,
        "cpd": cpd,
    }
