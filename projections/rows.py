"""A holder's read-model rows, derived from the fold of their events (pure: no I/O).

Rows hold dates and time-independent facts only. What depends on the day (window open,
lapsed, pass expired) is decided by the query (projections.status_sql); the stages stored
here are those that stay true until the holder's next event. They are derived with the
status module's own functions so that the read model cannot drift from `holder_status`.
"""

from __future__ import annotations

from datetime import date

from aggregates import qualifications
from aggregates.events import FeePaid
from aggregates.fiscal_calendar import fiscal_year
from aggregates.payer_name import normalise
from aggregates.state import Certification, GrantedPeriod, HolderState, QualificationRecord
from aggregates.status import (
    attempt_status,
    cpd_points,
    required_points,
    shown_certification,
)
from aggregates.sweep import due_facts
from projections.status_sql import status_spans

# "For every date from now on": a certification is lapsed on date.max exactly when its
# lapse is settled (no accepted request under review), whatever the holder's calendar.
EVER = date.max
BEFORE_ANY = date.min


TABLE_ORDER = ("holders", "credentials", "credential_statuses", "certification_periods",
               "cpd_entries")


def holder_rows(aggregate_id: str, version: int, position: int,
                state: HolderState) -> tuple[list[dict], ...]:
    """All of one holder's rows, in TABLE_ORDER (payments come from the events)."""
    figures: dict[int, dict] = {}  # each period's CPD, computed once

    def cpd_of(period: GrantedPeriod) -> dict:
        if id(period) not in figures:
            figures[id(period)] = _cpd(state, period)
        return figures[id(period)]

    credentials = credential_rows(state, position, cpd_of)
    return ([holder_row(aggregate_id, version, position, state)], credentials,
            status_span_rows(credentials), period_rows(state, cpd_of), cpd_rows(state))


def holder_row(aggregate_id: str, version: int, position: int, state: HolderState) -> dict:
    facts = due_facts(state, EVER)
    return {
        "holder_number": state.number,
        "aggregate_id": aggregate_id,
        "name": state.name,
        "name_kana": state.name_kana,
        "email": state.email,
        "last_business_date": state.last_business_date,
        "version": version,
        "position": position,
        "next_due_on": min((f.business_date for f in facts), default=None),
        "search_name": normalise(state.name),
        "search_kana": normalise(state.name_kana),
    }


def shown_records(state: HolderState) -> list[QualificationRecord]:
    """The qualifications the status object lists (same test as `holder_status`)."""
    return [r for _, r in sorted(state.qualifications.items())
            if r.passes or r.applications or r.certifications]


def credential_rows(state: HolderState, position: int, cpd_of=None) -> list[dict]:
    cpd_of = cpd_of or (lambda period: _cpd(state, period))
    return [credential_row(state, record, position, cpd_of) for record in shown_records(state)]


def status_span_rows(credentials: list[dict]) -> list[dict]:
    """Each credential's status over every date (projections.status_sql.status_spans)."""
    return [span for row in credentials for span in status_spans(row)]


def credential_row(state: HolderState, record: QualificationRecord, position: int,
                   cpd_of) -> dict:
    row = dict.fromkeys(CREDENTIAL_COLUMNS)
    row.update(holder_number=state.number, qualification=record.code, position=position,
               under_review=False, audit_selected=False)
    if not qualifications.is_professional(record.code):
        conferring = record.passes_after_revocation()
        row.update(stage="qualified",
                   valid_from=min(p.issued_on for p in (conferring or record.passes)),
                   revoked_on=None if conferring else record.revoked_on)
        return row
    cert = record.certification
    if cert is None or shown_certification(record, EVER) is None:
        # No certification, or one that a newer attempt replaces once it has lapsed.
        attempt = attempt_status(record, BEFORE_ANY)
        row.update(attempt_stage=attempt["status"],
                   attempt_pass_report_valid_until=attempt["pass_report_valid_until"])
    application = record.open_application()
    if application is not None:
        row.update(application_filed_on=application.filed_on,
                   application_accepted_on=application.accepted_on,
                   **_fee(application.fee(application.filed_on)))
    if cert is None:
        row["stage"] = "attempt"
        return row
    row.update(_certification_columns(cert, cpd_of))
    return row


def _certification_columns(cert: Certification, cpd_of) -> dict:
    last = cert.last_period
    previous = cert.periods[-2] if len(cert.periods) > 1 else None
    request = cert.latest_request_for(last.valid_until)
    columns = {
        "stage": _renewal_stage(cert),
        "certification_number": cert.number,
        "period_no": len(cert.periods) - 1,
        "valid_from": last.valid_from,
        "valid_until": last.valid_until,
        "window_opens_on": last.window.opens_on,
        "window_closes_on": last.window.closes_on,
        "previous_valid_from": previous.valid_from if previous else None,
        "previous_valid_until": previous.valid_until if previous else None,
        "pass_report_valid_until": cert.pass_report_valid_until,
        # A revoked certification never lapses, but it is not under review either.
        "under_review": not cert.is_lapsed_on(EVER) and cert.revoked_on is None,
        "suspended_on": cert.suspended_on,
        "revoked_on": cert.revoked_on,
        **{f"cpd_{k}": v for k, v in cpd_of(last).items()},
    }
    if request is not None:
        columns.update(renewal_requested_on=request.requested_on,
                       renewal_accepted_on=request.accepted_on,
                       audit_selected=request.audit_selected,
                       audit_completed_on=request.audit_completed_on)
        if request.is_open:
            columns.update(_fee(request.fee(request.requested_on)))
    return columns


def _renewal_stage(cert: Certification) -> str:
    request = cert.open_request()
    if request is None:
        return "certified"
    if request.accepted_on is None:
        return "renewal_requested"
    return "renewal_audit" if request.audit_open else "renewal_accepted"


def _fee(fee) -> dict:
    return {"fee_due": fee.due, "fee_paid": fee.paid, "fee_shortfall": fee.shortfall,
            "fee_excess": fee.excess}


def _cpd(state: HolderState, period: GrantedPeriod) -> dict:
    """The period's CPD figures under the rules in force for its cycle (the live policy)."""
    count, logged = cpd_points(state, period)
    return {"counted": count.counted, "logged": logged, "required": required_points(period),
            **{c.lower(): v for c, v in count.by_category.items()}}


def period_rows(state: HolderState, cpd_of=None) -> list[dict]:
    cpd_of = cpd_of or (lambda period: _cpd(state, period))
    rows = []
    for record in shown_records(state):
        for cert in record.certifications:
            settled = cert.is_lapsed_on(EVER) or cert.revoked_on is not None
            for number, period in enumerate(cert.periods):
                following = cert.periods[number + 1] if number + 1 < len(cert.periods) else None
                rows.append({
                    "holder_number": state.number,
                    "certification_number": cert.number,
                    "period_no": number,
                    "qualification": record.code,
                    "valid_from": period.valid_from,
                    "valid_until": period.valid_until,
                    "granted_on": period.granted_on,
                    "window_opens_on": period.window.opens_on,
                    "window_closes_on": period.window.closes_on,
                    "renewed_on": following.granted_on if following else None,
                    "under_review": following is None and not settled,
                    "window_opened_recorded": period.window_opened_recorded,
                    "lapse_recorded": period.lapse_recorded,
                    "revoked_on": cert.revoked_on,
                    **{f"cpd_{k}": v for k, v in cpd_of(period).items()},
                })
    return rows


def cpd_rows(state: HolderState) -> list[dict]:
    return [
        {
            "holder_number": state.number,
            "entry_id": e.entry_id,
            "category": e.category,
            "field": e.field,
            "activity_on": e.activity_on,
            "fiscal_year": fiscal_year(e.activity_on),
            "hours": e.hours,
            "title": e.title,
            "provider": e.provider,
            "logged_on": e.logged_on,
            "withdrawn_on": e.withdrawn_on,
            "disallowed_on": e.disallowed_on,
            "counts": e.withdrawn_on is None and e.disallowed_on is None,
        }
        for e in state.cpd.values()
    ]


def payment_row(event: FeePaid, holder_number: str, position: int) -> dict:
    fee = event.fee or {}
    return {
        "bank_reference": event.bank_reference,
        "holder_number": holder_number,
        "qualification": event.qualification,
        "purpose": event.purpose,
        "amount": event.amount,
        "paid_on": event.paid_on,
        "payer_name": event.payer_name,
        "allocated_by": event.allocated_by,
        "transfer_amount": event.transfer_amount,
        "credited_to": event.credited_to,
        "fee_due": fee.get("due"),
        "fee_paid": fee.get("paid"),
        "shortfall": fee.get("shortfall"),
        "excess": fee.get("excess"),
        "position": position,
    }


CREDENTIAL_COLUMNS = (
    "holder_number", "qualification", "stage", "attempt_stage",
    "attempt_pass_report_valid_until", "certification_number", "period_no", "valid_from",
    "valid_until", "window_opens_on", "window_closes_on", "previous_valid_from",
    "previous_valid_until", "pass_report_valid_until", "under_review",
    "application_filed_on", "application_accepted_on", "renewal_requested_on",
    "renewal_accepted_on", "audit_selected", "audit_completed_on", "fee_due", "fee_paid",
    "fee_shortfall", "fee_excess", "cpd_counted", "cpd_logged", "cpd_a", "cpd_b", "cpd_c",
    "cpd_d", "cpd_required", "suspended_on", "revoked_on", "position",
)
