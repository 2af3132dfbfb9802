"""The holder's state as folded from its events (evolve), and the facts the rules read.

Plain dataclasses of JSON-friendly values (str keys, lists, dates, Decimals) so that a
snapshot of the state can be stored and read back by the event store's transcoder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from aggregates import fiscal_calendar, policy
from aggregates.fees import FeeStatus, fee_status


@dataclass
class Money:
    """One transfer credited to an application, a renewal request or a credit."""

    paid_on: date
    amount: int
    bank_reference: str


@dataclass
class ExamPass:
    """試験結果レポート: an exam pass and the life of its report."""

    qualification: str
    pass_number: str
    issued_on: date
    expiry_recorded: bool = False

    @property
    def valid_until(self) -> date:
        return fiscal_calendar.pass_report_valid_until(self.issued_on)


@dataclass
class Application:
    """認定申請: one application for a first certification."""

    filed_on: date
    pass_number: str
    pass_issued_on: date
    experience: list[dict]
    substitutions: list[dict]
    ethics_pledge_signed_on: date | None
    pass_report_copy: bool
    payments: list[Money] = field(default_factory=list)
    accepted_on: date | None = None
    decision: str | None = None  # "certified" | "rejected"
    decided_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.decision is None

    @property
    def pass_report_valid_until(self) -> date:
        return fiscal_calendar.pass_report_valid_until(self.pass_issued_on)

    def fee(self, on: date) -> FeeStatus:
        return fee_status([(m.paid_on, m.amount) for m in self.payments], on,
                          policy.in_force().fee_due)


@dataclass
class RenewalRequest:
    """更新申請: a request to renew the period ending `valid_until`."""

    requested_on: date
    valid_until: date
    ethics_pledge_signed_on: date
    payments: list[Money] = field(default_factory=list)
    accepted_on: date | None = None
    audit_selected: bool = False
    audit_completed_on: date | None = None
    decision: str | None = None  # "renewed" | "rejected"
    decided_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.decision is None

    @property
    def audit_open(self) -> bool:
        return self.audit_selected and self.audit_completed_on is None

    def fee(self, on: date) -> FeeStatus:
        return fee_status([(m.paid_on, m.amount) for m in self.payments], on,
                          policy.in_force().fee_due)


@dataclass
class GrantedPeriod:
    """One certification period (first certification or a renewal) and its recorded facts."""

    valid_from: date
    valid_until: date
    granted_on: date
    window_opened_recorded: bool = False
    lapse_recorded: bool = False

    @property
    def window(self) -> fiscal_calendar.Window:
        return fiscal_calendar.renewal_window(self.valid_until)


@dataclass
class Certification:
    """認定: one first certification and its renewals, under one certification number."""

    number: str
    pass_number: str
    pass_report_valid_until: date
    application_index: int
    periods: list[GrantedPeriod] = field(default_factory=list)
    requests: list[RenewalRequest] = field(default_factory=list)
    # Disciplinary decisions (aggregates.discipline): the open suspension's first day, and
    # the revocation's date (final).
    suspended_on: date | None = None
    revoked_on: date | None = None

    @property
    def last_period(self) -> GrantedPeriod:
        return self.periods[-1]

    def is_suspended_on(self, on: date) -> bool:
        return self.suspended_on is not None and self.suspended_on <= on

    def is_revoked_on(self, on: date) -> bool:
        return self.revoked_on is not None and self.revoked_on <= on

    def open_request(self) -> RenewalRequest | None:
        """The undecided request for the last granted period, if any (none once revoked:
        a revocation ends the renewal with the certification)."""
        if self.revoked_on is not None:
            return None
        for request in reversed(self.requests):
            if request.valid_until == self.last_period.valid_until and request.is_open:
                return request
        return None

    def latest_request_for(self, valid_until: date) -> RenewalRequest | None:
        for request in reversed(self.requests):
            if request.valid_until == valid_until:
                return request
        return None

    def period_shown_on(self, on: date) -> GrantedPeriod:
        """The period in force on `on`; before the first one starts, the first one."""
        shown = self.periods[0]
        for period in self.periods:
            if period.valid_from <= on:
                shown = period
        return shown

    def is_lapsed_on(self, on: date) -> bool:
        """Lapsed once the last period ended, unless an accepted request is still under review.
        A revoked certification never lapses: revocation (only of one not lapsed) is final."""
        if self.revoked_on is not None:
            return False
        last = self.last_period
        if on <= last.valid_until:
            return False
        request = self.latest_request_for(last.valid_until)
        under_review = request is not None and request.is_open and request.accepted_on is not None
        return not under_review

    @property
    def lapse_date(self) -> date:
        return fiscal_calendar.lapse_date(self.last_period.valid_until)


@dataclass
class QualificationRecord:
    """Everything one holder has for one qualification."""

    code: str
    passes: list[ExamPass] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    credits: dict[str, list[Money]] = field(default_factory=dict)  # purpose -> transfers
    revoked_on: date | None = None  # an operation qualification's latest revocation

    def latest_pass(self, on: date | None = None) -> ExamPass | None:
        candidates = [p for p in self.passes if on is None or p.issued_on <= on]
        return max(candidates, key=lambda p: p.issued_on, default=None)

    def find_pass(self, pass_number: str) -> ExamPass | None:
        return next((p for p in self.passes if p.pass_number == pass_number), None)

    def open_application(self) -> Application | None:
        latest = self.applications[-1] if self.applications else None
        return latest if latest is not None and latest.is_open else None

    @property
    def certification(self) -> Certification | None:
        return self.certifications[-1] if self.certifications else None

    def holds_on(self, on: date) -> bool:
        """Certified, not lapsed and not revoked on `on` (保有中)."""
        cert = self.certification
        return cert is not None and not cert.is_lapsed_on(on) and not cert.is_revoked_on(on)

    def passes_after_revocation(self) -> list[ExamPass]:
        """An operation qualification's passes that confer it again after its revocation
        (all of them when it was never revoked)."""
        if self.revoked_on is None:
            return list(self.passes)
        return [p for p in self.passes if p.issued_on > self.revoked_on]

    def take_credits(self, purpose: str) -> list[Money]:
        return self.credits.pop(purpose, [])


@dataclass
class CPDEntry:
    """継続教育・学習: one logged CPD activity."""

    entry_id: str
    category: str
    field: int | None
    activity_on: date
    hours: Decimal
    title: str
    provider: str
    logged_on: date
    withdrawn_on: date | None = None
    disallowed_on: date | None = None


@dataclass
class HolderState:
    """The fold of a holder's events."""

    number: str = ""
    name: str = ""
    name_kana: str = ""
    email: str | None = None
    qualifications: dict[str, QualificationRecord] = field(default_factory=dict)
    cpd: dict[str, CPDEntry] = field(default_factory=dict)
    bank_references: list[str] = field(default_factory=list)
    last_business_date: date | None = None

    def record(self, code: str) -> QualificationRecord:
        if code not in self.qualifications:
            self.qualifications[code] = QualificationRecord(code=code)
        return self.qualifications[code]

    def noted(self, business_date: date) -> None:
        if self.last_business_date is None or business_date > self.last_business_date:
            self.last_business_date = business_date


STATE_CLASSES = (
    Money,
    ExamPass,
    Application,
    RenewalRequest,
    GrantedPeriod,
    Certification,
    QualificationRecord,
    CPDEntry,
    HolderState,
)
