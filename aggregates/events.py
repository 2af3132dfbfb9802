"""The holder's events (SPEC §7): facts, never edited; each knows how it evolves the state.

Every event carries the business date it takes effect on and the actor who recorded it.
Evolution: bump `class_version` on a changed class and add a static
`upcast_vN_vN+1(state)`; the event store's mapper upcasts old records on read. Class names
are the contract's event types and part of the stored topic, so they never change.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from eventsourcing.domain import DomainEvent, OriginatorVersionError

from aggregates.payments import payment_target
from aggregates.state import (
    Application,
    Certification,
    CPDEntry,
    ExamPass,
    GrantedPeriod,
    HolderState,
    Money,
    RenewalRequest,
)

BASE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "business_date", "actor"}
)


class HolderEvent(DomainEvent):
    """Base of every holder event."""

    business_date: date
    actor: str

    def mutate(self, holder: Any) -> Any:
        if holder is None:
            from aggregates.holder import Holder  # the aggregate imports its events

            holder = Holder(self.originator_id)
        if self.originator_version != holder.version + 1:
            raise OriginatorVersionError(self.originator_version, holder.version + 1)
        self.apply(holder.state)
        holder.version = self.originator_version
        return holder

    def apply(self, state: HolderState) -> None:
        state.noted(self.business_date)
        self.evolve(state)

    def evolve(self, state: HolderState) -> None:
        raise NotImplementedError

    @property
    def type_name(self) -> str:
        return type(self).__name__

    def data(self) -> dict[str, Any]:
        # A decision made under the shipped rules before any policy was adopted records no
        # policy version (None), and reads exactly as such events always have.
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in BASE_FIELDS
            and not (f.name == "policy_version" and self.policy_version is None)
        }


class PolicyDecision:
    """A decision that applied the policy's rules records the version it applied (None: the
    shipped rules, before any adoption). Events stored before policies existed are read as
    made under the shipped rules."""

    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state["policy_version"] = None


def _period(state: HolderState, qualification: str, valid_until: date) -> GrantedPeriod | None:
    cert = state.record(qualification).certification
    if cert is None:
        return None
    return next((p for p in cert.periods if p.valid_until == valid_until), None)


def _request(state: HolderState, qualification: str, valid_until: date) -> RenewalRequest | None:
    cert = state.record(qualification).certification
    return None if cert is None else cert.latest_request_for(valid_until)


class ExamPassed(HolderEvent):
    """合格: an exam pass; the first one for a new holder also carries who they are."""

    qualification: str
    pass_number: str
    issued_on: date
    holder: str | None = None
    name: str | None = None
    name_kana: str | None = None
    email: str | None = None

    def evolve(self, state: HolderState) -> None:
        if self.holder is not None:
            state.number = self.holder
        state.name = self.name or state.name
        state.name_kana = self.name_kana or state.name_kana
        state.email = self.email or state.email
        state.record(self.qualification).passes.append(
            ExamPass(self.qualification, self.pass_number, self.issued_on)
        )


class HolderDetailsChanged(HolderEvent):
    """The holder's registered name, kana or e-mail changed (None: unchanged)."""

    name: str | None = None
    name_kana: str | None = None
    email: str | None = None

    def evolve(self, state: HolderState) -> None:
        state.name = self.name or state.name
        state.name_kana = self.name_kana or state.name_kana
        state.email = self.email or state.email


class ApplicationFiled(HolderEvent):
    """認定申請: an application, its documents, and its evaluation when filed."""

    qualification: str
    pass_number: str
    pass_issued_on: date
    experience: list
    substitutions: list
    ethics_pledge_signed_on: date | None
    pass_report_copy: bool
    evaluation: dict

    def evolve(self, state: HolderState) -> None:
        record = state.record(self.qualification)
        application = Application(
            filed_on=self.business_date,
            pass_number=self.pass_number,
            pass_issued_on=self.pass_issued_on,
            experience=list(self.experience),
            substitutions=list(self.substitutions),
            ethics_pledge_signed_on=self.ethics_pledge_signed_on,
            pass_report_copy=self.pass_report_copy,
            payments=record.take_credits("certification"),
        )
        if application.payments and application.fee(self.business_date).paid_in_full:
            application.accepted_on = self.business_date
        record.applications.append(application)


class FeePaid(PolicyDecision, HolderEvent):
    """入金: a transfer, credited to the open application or request, or kept as a credit."""

    qualification: str
    purpose: str
    amount: int
    paid_on: date
    payer_name: str | None
    bank_reference: str
    allocated_by: str | None
    transfer_amount: int | None
    credited_to: str  # "application" | "renewal_request" | "credit"
    fee: dict | None  # the target's fee figures after this payment; None for a credit
    policy_version: str | None = None

    def evolve(self, state: HolderState) -> None:
        state.bank_references.append(self.bank_reference)
        record = state.record(self.qualification)
        money = Money(self.paid_on, self.amount, self.bank_reference)
        target = payment_target(state, self.qualification, self.purpose, self.paid_on)
        if target is None:
            record.credits.setdefault(self.purpose, []).append(money)
            return
        target.payments.append(money)
        if target.accepted_on is None and self._paid_in_full(target):
            target.accepted_on = self.paid_on

    def _paid_in_full(self, target) -> bool:
        # The figures the decision recorded: a fold never re-judges a payment under rules
        # adopted after it (a what-if re-judges open ones on purpose, lifecycle.policy).
        if self.fee is not None:
            return bool(self.fee["paid_in_full"])
        return target.fee(self.paid_on).paid_in_full


class Certified(PolicyDecision, HolderEvent):
    """認定: the first certification, its number and first period."""

    qualification: str
    certification_number: str
    valid_from: date
    valid_until: date
    pass_number: str
    pass_report_valid_until: date
    evaluation: dict
    policy_version: str | None = None

    def evolve(self, state: HolderState) -> None:
        record = state.record(self.qualification)
        application = record.open_application()
        if application is not None:
            application.decision = "certified"
            application.decided_on = self.business_date
        record.certifications.append(
            Certification(
                number=self.certification_number,
                pass_number=self.pass_number,
                pass_report_valid_until=self.pass_report_valid_until,
                application_index=len(record.applications) - 1,
                periods=[GrantedPeriod(self.valid_from, self.valid_until, self.business_date)],
            )
        )


class ApplicationRejected(HolderEvent):
    """The application was rejected, with the office's reasons."""

    qualification: str
    reasons: list
    evaluation: dict

    def evolve(self, state: HolderState) -> None:
        application = state.record(self.qualification).open_application()
        if application is not None:
            application.decision = "rejected"
            application.decided_on = self.business_date


class CPDLogged(HolderEvent):
    """A CPD activity was logged (its business date is the logging date)."""

    entry_id: str
    category: str
    field: int | None
    activity_on: date
    hours: Decimal
    title: str
    provider: str

    def evolve(self, state: HolderState) -> None:
        state.cpd[self.entry_id] = CPDEntry(
            entry_id=self.entry_id,
            category=self.category,
            field=self.field,
            activity_on=self.activity_on,
            hours=self.hours,
            title=self.title,
            provider=self.provider,
            logged_on=self.business_date,
        )


class CPDWithdrawn(HolderEvent):
    """A logged CPD entry was withdrawn (the correction of a wrong entry)."""

    entry_id: str
    reason: str | None = None

    def evolve(self, state: HolderState) -> None:
        entry = state.cpd.get(self.entry_id)
        if entry is not None:
            entry.withdrawn_on = self.business_date


class RenewalWindowOpened(HolderEvent):
    """更新申請期間: the renewal window of a period opened (recorded by the scheduler)."""

    qualification: str
    valid_until: date
    opens_on: date
    closes_on: date

    def evolve(self, state: HolderState) -> None:
        period = _period(state, self.qualification, self.valid_until)
        if period is not None:
            period.window_opened_recorded = True


class RenewalRequested(HolderEvent):
    """更新申請: a request to renew the period ending `valid_until`, pledge signed again."""

    qualification: str
    valid_until: date
    ethics_pledge_signed_on: date

    def evolve(self, state: HolderState) -> None:
        record = state.record(self.qualification)
        cert = record.certification
        if cert is None:
            return
        request = RenewalRequest(
            requested_on=self.business_date,
            valid_until=self.valid_until,
            ethics_pledge_signed_on=self.ethics_pledge_signed_on,
            payments=record.take_credits("renewal"),
        )
        if request.payments and request.fee(self.business_date).paid_in_full:
            request.accepted_on = self.business_date
        cert.requests.append(request)


class CPDAuditSelected(PolicyDecision, HolderEvent):
    """監査: the accepted request was selected for a CPD audit."""

    qualification: str
    valid_until: date
    audit_rate: Decimal
    policy_version: str | None = None

    def evolve(self, state: HolderState) -> None:
        request = _request(state, self.qualification, self.valid_until)
        if request is not None:
            request.audit_selected = True


class CPDAuditCompleted(HolderEvent):
    """The CPD audit is complete; the entries it names are disallowed for the holder."""

    qualification: str
    valid_until: date
    disallowed_entries: list

    def evolve(self, state: HolderState) -> None:
        request = _request(state, self.qualification, self.valid_until)
        if request is not None:
            request.audit_completed_on = self.business_date
        for entry_id in self.disallowed_entries:
            entry = state.cpd.get(entry_id)
            if entry is not None and entry.disallowed_on is None:
                entry.disallowed_on = self.business_date


class Renewed(PolicyDecision, HolderEvent):
    """更新: the certification was renewed for the next three fiscal years."""

    qualification: str
    certification_number: str
    valid_from: date
    valid_until: date
    previous_valid_until: date
    cpd_counted: Decimal
    policy_version: str | None = None

    def evolve(self, state: HolderState) -> None:
        cert = state.record(self.qualification).certification
        if cert is None:
            return
        request = cert.latest_request_for(self.previous_valid_until)
        if request is not None:
            request.decision = "renewed"
            request.decided_on = self.business_date
        cert.periods.append(GrantedPeriod(self.valid_from, self.valid_until, self.business_date))


class RenewalRejected(HolderEvent):
    """The renewal request was rejected, with reasons."""

    qualification: str
    valid_until: date
    reasons: list

    def evolve(self, state: HolderState) -> None:
        request = _request(state, self.qualification, self.valid_until)
        if request is not None:
            request.decision = "rejected"
            request.decided_on = self.business_date


class Lapsed(HolderEvent):
    """失効: the certification was not renewed; dated the day after its last period ended."""

    qualification: str
    certification_number: str
    valid_until: date

    def evolve(self, state: HolderState) -> None:
        period = _period(state, self.qualification, self.valid_until)
        if period is not None:
            period.lapse_recorded = True


class PassReportExpired(HolderEvent):
    """A pass report's life ended with no certification (for downstream reminders)."""

    qualification: str
    pass_number: str
    valid_until: date

    def evolve(self, state: HolderState) -> None:
        exam_pass = state.record(self.qualification).find_pass(self.pass_number)
        if exam_pass is not None:
            exam_pass.expiry_recorded = True


class CertificationSuspended(HolderEvent):
    """資格停止: a disciplinary suspension from `business_date`; the period runs on unchanged."""

    class_version: ClassVar[int] = 1
    qualification: str
    certification_number: str
    reason: str

    def evolve(self, state: HolderState) -> None:
        cert = state.record(self.qualification).certification
        if cert is not None:
            cert.suspended_on = self.business_date


class CertificationReinstated(HolderEvent):
    """The suspension ended: the status is again what the calendar and the other events give."""

    class_version: ClassVar[int] = 1
    qualification: str
    certification_number: str
    suspended_on: date
    reason: str

    def evolve(self, state: HolderState) -> None:
        cert = state.record(self.qualification).certification
        if cert is not None:
            cert.suspended_on = None


class CertificationRevoked(HolderEvent):
    """資格取消: final; number and last period are kept. `certification_number` is None for an
    operation qualification (conferred by the exam pass, it has none)."""

    class_version: ClassVar[int] = 1
    qualification: str
    certification_number: str | None
    reason: str

    def evolve(self, state: HolderState) -> None:
        record = state.record(self.qualification)
        cert = record.certification
        if self.certification_number is None:
            record.revoked_on = self.business_date
        elif cert is not None and cert.number == self.certification_number:
            cert.revoked_on = self.business_date


EVENT_CLASSES = (
    ExamPassed,
    HolderDetailsChanged,
    ApplicationFiled,
    FeePaid,
    Certified,
    ApplicationRejected,
    CPDLogged,
    CPDWithdrawn,
    RenewalWindowOpened,
    RenewalRequested,
    CPDAuditSelected,
    CPDAuditCompleted,
    Renewed,
    RenewalRejected,
    Lapsed,
    PassReportExpired,
    CertificationSuspended,
    CertificationReinstated,
    CertificationRevoked,
)


def fold(events, as_of: date | None = None, known_at=None) -> HolderState:
    """The state from the events with a business date on or before `as_of` (and, when given,
    recorded at or before `known_at`) — what was true on that date, as far as was known then."""
    state = HolderState()
    for event in events:
        if as_of is not None and event.business_date > as_of:
            continue
        if known_at is not None and event.timestamp > known_at:
            continue
        event.apply(state)
    return state
