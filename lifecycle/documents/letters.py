"""Letters to holders: the kinds, and each letter's context built from its notice, the
holder's registered details and the credential's figures.

A letter is one template per kind (`templates/letters/<kind>.txt`, blocks `subject` and
`body`), the same words on paper (PDF) and in an e-mail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection

from aggregates import fiscal_calendar, policy
from aggregates.cpd import REQUIRED_POINTS, format_points
from aggregates.qualifications import NAMES
from projections import letter_facts

KINDS = ("application_accepted", "application_rejected", "certified", "renewal_window_open",
         "renewal_window_closing", "cpd_audit_selected", "renewed", "renewal_rejected",
         "lapsed", "pass_report_expiring")

AUDIT_SUBMISSION_DAYS = 14  # evidence due two weeks after the audit letter

FAILURES_JA = {
    "EXPERIENCE_INSUFFICIENT": "業務経験の期間が基準（5年以上）に達していません。",
    "FIELDS_INSUFFICIENT": "業務経験が「業務の7分野」のうち2分野以上にわたっていません。",
    "REQUIRED_FIELD_INSUFFICIENT": "必須分野での業務経験が2年に達していません。",
    "ETHICS_PLEDGE_MISSING": "倫理綱領への宣誓書の署名が確認できません。",
    "DOCUMENTS_MISSING": "試験結果レポートの写しが同封されていません。",
    "FEE_NOT_PAID": "審査料の入金が確認できていません。",
}


@dataclass(frozen=True)
class Notice:
    """One outbox row, as a letter needs it."""

    id: int
    holder_number: str
    qualification: str
    kind: str
    due_on: date
    details: dict

    @classmethod
    def from_row(cls, row) -> Notice:
        return cls(row.id, row.holder_number, row.qualification, row.kind, row.due_on,
                   _dates(json.loads(row.details or "{}")))


class HolderUnknownError(LookupError):
    pass


def context(conn: Connection, notice: Notice, *, today: date, body_name: str) -> dict:
    """Everything the letter's template may use (dates as dates, for |wareki)."""
    holder = letter_facts.holder(conn, notice.holder_number)
    if holder is None:
        raise HolderUnknownError(f"notice {notice.id}: holder {notice.holder_number} "
                                 "is not in the read models")
    cred = letter_facts.credential(conn, notice.holder_number, notice.qualification)
    valid_until = notice.details.get("valid_until") or cred.get("valid_until")
    result = {
        "notice": notice, "holder": holder, "qualification": notice.qualification,
        "qualification_name": NAMES.get(notice.qualification, notice.qualification),
        # The fee and the points under the rules in force (the caller applies the live
        # policy; the read model's figures are the live policy's already).
        "today": today, "body_name": body_name, "fee": policy.in_force().fee_due(today),
        "certification_number": cred.get("certification_number"),
        "valid_until": valid_until,
        "lapse_on": fiscal_calendar.lapse_date(valid_until) if valid_until else None,
        "cpd_counted": format_points(cred["cpd_counted"]) if cred.get("cpd_counted")
        is not None else "0",
        "cpd_required": format_points(cred.get("cpd_required") or REQUIRED_POINTS),
        "pass_report_valid_until": cred.get("attempt_pass_report_valid_until"),
        "failures": [FAILURES_JA[f] for f in notice.details.get("failures", [])
                     if f in FAILURES_JA],
    }
    if notice.kind == "cpd_audit_selected" and valid_until is not None:
        granted = letter_facts.period(conn, notice.holder_number, notice.qualification,
                                      valid_until)
        first = granted["valid_from"] if granted else valid_until - timedelta(days=3 * 366)
        result["entries"] = [{**entry, "hours": format_points(entry["hours"])} for entry in
                             letter_facts.cpd_in(conn, notice.holder_number, first,
                                                 valid_until)]
        result["submit_by"] = max(today, notice.due_on) + timedelta(days=AUDIT_SUBMISSION_DAYS)
    return result


def _dates(details: dict) -> dict:
    """ISO date strings in a notice's details back to dates."""
    out = {}
    for key, value in details.items():
        if isinstance(value, str) and key.endswith(("_on", "_from", "_until")):
            value = date.fromisoformat(value)
        out[key] = value
    return out
