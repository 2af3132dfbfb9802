"""The Holder aggregate: one person, all their qualifications, every decision of SPEC §4–§6.

Each command method checks its rules in the order of SPEC §10 (raising DomainError, so a
refused command records nothing), then records its events.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from aggregates import eligibility, fiscal_calendar, policy
from aggregates.audit import selected_for_audit
from aggregates.cpd import format_points
from aggregates.discipline import Discipline, check_not_revoked, check_renewable
from aggregates.errors import DomainError
from aggregates.events import (
    ApplicationFiled,
    ApplicationRejected,
    Certified,
    CPDAuditCompleted,
    CPDAuditSelected,
    CPDLogged,
    CPDWithdrawn,
    ExamPassed,
    FeePaid,
    HolderDetailsChanged,
    HolderEvent,
    RenewalRejected,
    RenewalRequested,
    Renewed,
)
from aggregates.fees import fee_status
from aggregates.payer_name import expected_payer_name, payer_name_matches
from aggregates.payments import payment_target
from aggregates.state import (
    Application,
    Certification,
    HolderState,
    QualificationRecord,
    RenewalRequest,
)
from aggregates.status import counted_points, required_points
from aggregates.sweep import due_facts

HOLDER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:certification-lifecycle:holder")


def holder_id(number: str) -> UUID:
    """The aggregate id of an office holder number: re-running an import finds the same one."""
    return uuid5(HOLDER_NAMESPACE, number)


class Holder(Discipline):
    """保有者: the aggregate root. State lives in `state`; events evolve it.
    Suspension and revocation (SPEC §11) are in aggregates.discipline."""

    def __init__(self, id: UUID):  # noqa: A002 - the library's name for it
        self._id = id
        self._version = 0
        self._pending_events: list[HolderEvent] = []
        self.state = HolderState()

    @property
    def id(self) -> UUID:
        return self._id

    @property
    def version(self) -> int:
        return self._version

    @version.setter
    def version(self, value: int) -> None:
        self._version = value

    def __deepcopy__(self, memo: dict) -> Holder:
        # The repository hands out a copy of its cached holder for every command; a pickle
        # round trip copies this tree of dataclasses about three times faster than deepcopy.
        return pickle.loads(pickle.dumps(self, pickle.HIGHEST_PROTOCOL))

    def collect_events(self) -> list[HolderEvent]:
        collected, self._pending_events = self._pending_events, []
        return collected

    def _record(self, event_class: type[HolderEvent], **kwargs) -> None:
        event = event_class(
            originator_id=self._id,
            originator_version=self._version + 1,
            timestamp=event_class.create_timestamp(),
            **kwargs,
        )
        event.mutate(self)
        self._pending_events.append(event)

    # -- exam passes and holder details ---------------------------------------------------

    @classmethod
    def register(
        cls, number: str, *, name: str, name_kana: str, email: str | None,
        qualification: str, pass_number: str, issued_on: date, actor: str,
    ) -> Holder:
        holder = cls(holder_id(number))
        holder._record(
            ExamPassed, business_date=issued_on, actor=actor, qualification=qualification,
            pass_number=pass_number, issued_on=issued_on, holder=number, name=name,
            name_kana=name_kana, email=email,
        )
        return holder

    def has_pass(self, pass_number: str) -> bool:
        return any(r.find_pass(pass_number) for r in self.state.qualifications.values())

    def record_exam_pass(
        self, *, qualification: str, pass_number: str, issued_on: date, actor: str,
        name: str | None = None, name_kana: str | None = None, email: str | None = None,
    ) -> None:
        if self.has_pass(pass_number):
            return  # the same pass recorded again: nothing new
        self._record(
            ExamPassed, business_date=issued_on, actor=actor, qualification=qualification,
            pass_number=pass_number, issued_on=issued_on,
        )
        changed = {
            key: value
            for key, value in (("name", name), ("name_kana", name_kana), ("email", email))
            if value is not None and value != getattr(self.state, key)
        }
        if changed:
            self._record(HolderDetailsChanged, business_date=issued_on, actor=actor, **changed)

    # -- first certification (認定) ----------------------------------------------------------

    def file_application(
        self, *, qualification: str, on: date, experience: list[eligibility.ExperienceEntry],
        substitutions: list[eligibility.Substitution], ethics_pledge_signed_on: date | None,
        pass_report_copy: bool, actor: str,
    ) -> None:
        record = self.state.qualifications.get(qualification)
        exam_pass = record.latest_pass(on) if record else None
        if record is None or exam_pass is None:
            raise DomainError(
                "NO_EXAM_PASS", f"no {qualification} exam pass issued on or before {on}"
            )
        revoked = record.certification
        if revoked is not None and revoked.is_revoked_on(on) and (
                exam_pass.issued_on <= revoked.revoked_on):
            check_not_revoked(revoked)
        if record.holds_on(on):
            cert = record.certification
            raise DomainError(
                "ALREADY_DECIDED",
                f"{qualification} is already held under {cert.number} "
                f"(valid until {cert.last_period.valid_until})",
            )
        pending = record.open_application()
        if pending is not None:
            raise DomainError(
                "ALREADY_PENDING",
                f"the {qualification} application filed on {pending.filed_on} is still open",
            )
        if on > exam_pass.valid_until:
            raise DomainError(
                "PASS_REPORT_EXPIRED",
                f"pass report {exam_pass.pass_number} was usable until {exam_pass.valid_until}; "
                f"application dated {on}: the exam must be passed again",
            )
        credits = record.credits.get("certification", [])
        evaluation = eligibility.evaluate(
            qualification=qualification, filed_on=on, experience=experience,
            substitutions=substitutions, ethics_pledge_signed_on=ethics_pledge_signed_on,
            pass_report_copy=pass_report_copy,
            fee=fee_status([(m.paid_on, m.amount) for m in credits], on,
                           policy.in_force().fee_due), evaluated_on=on,
            renewal_window_closes_on=_first_window_closes(exam_pass.issued_on),
        )
        self._record(
            ApplicationFiled, business_date=on, actor=actor, qualification=qualification,
            pass_number=exam_pass.pass_number, pass_issued_on=exam_pass.issued_on,
            experience=[e.to_dict() for e in experience],
            substitutions=[s.to_dict() for s in substitutions],
            ethics_pledge_signed_on=ethics_pledge_signed_on, pass_report_copy=pass_report_copy,
            evaluation=evaluation.to_dict(),
        )

    def evaluate_application(self, qualification: str, on: date) -> dict:
        """The structured evaluation of the open application as of `on` (SPEC §4)."""
        application = self._open_application(qualification)
        return self._evaluate(qualification, application, on).to_dict()

    def decide_application(
        self, *, qualification: str, on: date, decision: str, reasons: list[str],
        allot_number: Callable[[str, int], str], actor: str,
    ) -> None:
        application = self._open_application(qualification)
        fee = application.fee(on)
        if not fee.paid_in_full:
            raise DomainError(
                "NOT_ACCEPTED",
                f"the {qualification} application is not accepted: fee short by "
                f"{fee.shortfall} JPY (paid {fee.paid} of {fee.due})",
            )
        evaluation = self._evaluate(qualification, application, on)
        if decision == "reject":
            self._record(
                ApplicationRejected, business_date=on, actor=actor, qualification=qualification,
                reasons=list(reasons), evaluation=evaluation.to_dict(),
            )
            return
        if not evaluation.eligible:
            raise DomainError(
                "NOT_ELIGIBLE",
                f"the {qualification} application does not meet the criteria: "
                + ", ".join(evaluation.failures),
            )
        period = fiscal_calendar.first_period(application.pass_issued_on)
        number = allot_number(qualification, fiscal_calendar.fiscal_year(period.valid_from))
        self._record(
            Certified, business_date=on, actor=actor, qualification=qualification,
            certification_number=number, valid_from=period.valid_from,
            valid_until=period.valid_until, pass_number=application.pass_number,
            pass_report_valid_until=application.pass_report_valid_until,
            evaluation=evaluation.to_dict(), policy_version=_version(),
        )

    def _open_application(self, qualification: str) -> Application:
        record = self.state.qualifications.get(qualification)
        application = record.open_application() if record else None
        if application is None:
            raise DomainError("NOT_ACCEPTED", f"there is no open {qualification} application")
        return application

    def _evaluate(self, qualification: str, application: Application, on: date):
        return eligibility.evaluate(
            qualification=qualification, filed_on=application.filed_on,
            experience=[eligibility.ExperienceEntry.from_dict(e) for e in application.experience],
            substitutions=[
                eligibility.Substitution.from_dict(s) for s in application.substitutions
            ],
            ethics_pledge_signed_on=application.ethics_pledge_signed_on,
            pass_report_copy=application.pass_report_copy, fee=application.fee(on),
            evaluated_on=on,
            renewal_window_closes_on=_first_window_closes(application.pass_issued_on),
        )

    # -- payments (審査手数料) -----------------------------------------------------------------

    def record_payment(
        self, *, qualification: str, purpose: str, amount: int, paid_on: date,
        payer_name: str | None, bank_reference: str, allocated_by: str | None,
        transfer_amount: int | None, audit: AuditSettings, actor: str,
    ) -> None:
        if bank_reference in self.state.bank_references:
            raise DomainError(
                "DUPLICATE_PAYMENT", f"bank reference {bank_reference} is already recorded"
            )
        record = self.state.qualifications.get(qualification)
        if purpose == "certification":
            if record is None or not record.passes:
                raise DomainError("NO_EXAM_PASS", f"no {qualification} exam pass to pay for")
            application = record.open_application()
            number = (application.pass_number if application else record.latest_pass().pass_number)
        else:
            if record is None or record.certification is None:
                raise DomainError("NOT_CERTIFIED", f"{qualification} has never been certified")
            number = record.certification.number
        kana = self.state.name_kana
        if allocated_by is None and not payer_name_matches(payer_name or "", number, kana):
            raise DomainError(
                "PAYMENT_MISMATCH",
                f"payer name on {bank_reference} does not match the last 4 digits of "
                f"{number} followed by the holder's registered kana",
            )
        target = payment_target(self.state, qualification, purpose, paid_on)
        fee = None
        if target is not None:
            paid = [(m.paid_on, m.amount) for m in target.payments] + [(paid_on, amount)]
            fee = fee_status(paid, paid_on, policy.in_force().fee_due).to_dict()
        was_accepted = target is not None and target.accepted_on is not None
        self._record(
            FeePaid, business_date=paid_on, actor=allocated_by or actor,
            qualification=qualification, purpose=purpose, amount=amount, paid_on=paid_on,
            payer_name=payer_name, bank_reference=bank_reference, allocated_by=allocated_by,
            transfer_amount=transfer_amount,
            credited_to=_target_name(target), fee=fee, policy_version=_version(),
        )
        if isinstance(target, RenewalRequest) and not was_accepted and target.accepted_on:
            self._select_for_audit(qualification, target, audit, actor)

    def pending_payer_keys(self) -> list[tuple[str, str, str]]:
        """(payer key, qualification, purpose) of each pending application or renewal
        request: the name a bank statement would print for its fee, normalised."""
        keys = []
        for code, record in self.state.qualifications.items():
            application = record.open_application()
            if application is not None:
                keys.append((expected_payer_name(application.pass_number, self.state.name_kana),
                             code, "certification"))
            cert = record.certification
            if cert is not None and cert.open_request() is not None:
                keys.append((expected_payer_name(cert.number, self.state.name_kana),
                             code, "renewal"))
        return keys

    def _select_for_audit(
        self, qualification: str, request: RenewalRequest, audit: AuditSettings, actor: str
    ) -> None:
        rate = audit.rate_on(request.accepted_on)
        if selected_for_audit(
            audit.seed, self.state.number, qualification, request.valid_until, rate
        ):
            self._record(
                CPDAuditSelected, business_date=request.accepted_on, actor=actor,
                qualification=qualification, valid_until=request.valid_until,
                audit_rate=rate, policy_version=_version(),
            )

    # -- CPD (継続教育・学習) -----------------------------------------------------------------

    def log_cpd(
        self, *, entry_id: str, category: str, field: int | None, activity_on: date,
        hours: Decimal, title: str, provider: str, on: date, actor: str,
    ) -> None:
        if entry_id in self.state.cpd:
            raise DomainError("DUPLICATE_ENTRY", f"CPD entry {entry_id} is already logged")
        if activity_on > on:
            raise DomainError(
                "CPD_IN_FUTURE", f"CPD entry {entry_id} is dated {activity_on}, after {on}"
            )
        cycles = [p for p in self._held_periods(on) if p.valid_from <= activity_on <= p.valid_until]
        if not cycles:
            raise DomainError(
                "CPD_OUTSIDE_CYCLE",
                f"CPD entry {entry_id} dated {activity_on} falls in no certification period "
                "held (current or already granted next)",
            )
        rules = policy.in_force()
        limit = min(rules.cpd_for_cycle(p.valid_from).max_hours_per_entry for p in cycles)
        if hours > limit:
            raise DomainError(
                "INVALID_INPUT", f"hours may be at most {format_points(limit)} per entry for "
                f"the cycle of {activity_on}, got {format_points(hours)}",
            )
        self._record(
            CPDLogged, business_date=on, actor=actor, entry_id=entry_id, category=category,
            field=field, activity_on=activity_on, hours=hours, title=title, provider=provider,
        )

    def _held_periods(self, on: date):
        for record in self.state.qualifications.values():
            cert = record.certification
            if cert is None or cert.is_lapsed_on(on):
                continue
            shown = cert.period_shown_on(on)
            yield from cert.periods[cert.periods.index(shown):]

    def withdraw_cpd(self, *, entry_id: str, reason: str | None, on: date, actor: str) -> None:
        entry = self.state.cpd.get(entry_id)
        if entry is None:
            raise DomainError("UNKNOWN_ENTRY", f"there is no CPD entry {entry_id}")
        if entry.withdrawn_on is not None:
            raise DomainError(
                "ALREADY_DECIDED", f"CPD entry {entry_id} was withdrawn on {entry.withdrawn_on}"
            )
        self._record(CPDWithdrawn, business_date=on, actor=actor, entry_id=entry_id, reason=reason)

    # -- renewal (更新) ---------------------------------------------------------------------

    def request_renewal(
        self, *, qualification: str, on: date, ethics_pledge_signed_on: date,
        audit: AuditSettings, actor: str,
    ) -> None:
        cert = self._active_certification(qualification, on)
        pending = cert.open_request()
        if pending is not None:
            raise DomainError(
                "ALREADY_PENDING",
                f"the {qualification} renewal request of {pending.requested_on} is still open",
            )
        window = cert.last_period.window
        if not window.opens_on <= on <= window.closes_on:
            raise DomainError(
                "OUTSIDE_RENEWAL_WINDOW",
                f"renewal window for {qualification} is {window.opens_on} to "
                f"{window.closes_on}; request dated {on}",
            )
        self._record(
            RenewalRequested, business_date=on, actor=actor, qualification=qualification,
            valid_until=cert.last_period.valid_until,
            ethics_pledge_signed_on=ethics_pledge_signed_on,
        )
        request = cert.open_request()
        if request is not None and request.accepted_on is not None:
            self._select_for_audit(qualification, request, audit, actor)

    def complete_audit(
        self, *, qualification: str, on: date, disallowed_entries: list[str], actor: str
    ) -> None:
        record = self.state.qualifications.get(qualification)
        cert = record.certification if record else None
        if cert is not None:
            check_not_revoked(cert)
        request = cert.open_request() if cert else None
        if request is None or not request.audit_open:
            raise DomainError("NO_AUDIT", f"no {qualification} CPD audit is open")
        unknown = [e for e in disallowed_entries if e not in self.state.cpd]
        if unknown:
            raise DomainError("UNKNOWN_ENTRY", f"no CPD entries {', '.join(unknown)}")
        self._record(
            CPDAuditCompleted, business_date=on, actor=actor, qualification=qualification,
            valid_until=request.valid_until, disallowed_entries=list(disallowed_entries),
        )

    def decide_renewal(
        self, *, qualification: str, on: date, decision: str, reasons: list[str], actor: str
    ) -> None:
        cert = self._active_certification(qualification, on)
        request = cert.open_request()
        if request is None:
            raise DomainError("NOT_ACCEPTED", f"there is no open {qualification} renewal request")
        if request.audit_open:
            raise DomainError(
                "AUDIT_PENDING", f"the {qualification} CPD audit must be completed first"
            )
        period = cert.last_period
        if decision == "reject":
            self._record(
                RenewalRejected, business_date=on, actor=actor, qualification=qualification,
                valid_until=period.valid_until, reasons=list(reasons),
            )
            return
        if request.accepted_on is None:
            fee = request.fee(on)
            raise DomainError(
                "NOT_ACCEPTED",
                f"the {qualification} renewal request is not accepted: fee short by "
                f"{fee.shortfall} JPY (paid {fee.paid} of {fee.due})",
            )
        counted = counted_points(self.state, period)
        required = required_points(period)
        if counted < required:
            raise DomainError(
                "CPD_INSUFFICIENT",
                f"{format_points(counted)} CPD points counted for the period ending "
                f"{period.valid_until}; {format_points(required)} are required",
            )
        renewed = fiscal_calendar.renewed_period(period.valid_until)
        self._record(
            Renewed, business_date=on, actor=actor, qualification=qualification,
            certification_number=cert.number, valid_from=renewed.valid_from,
            valid_until=renewed.valid_until, previous_valid_until=period.valid_until,
            cpd_counted=counted, policy_version=_version(),
        )

    def _active_certification(self, qualification: str, on: date) -> Certification:
        record: QualificationRecord | None = self.state.qualifications.get(qualification)
        cert = record.certification if record else None
        if cert is None:
            raise DomainError("NOT_CERTIFIED", f"{qualification} has never been certified")
        if cert.is_lapsed_on(on):
            raise DomainError(
                "LAPSED", f"{cert.number} lapsed on {cert.lapse_date}; a new exam pass is needed"
            )
        check_renewable(cert)
        return cert

    # -- the scheduler's facts ------------------------------------------------------------

    def sweep(self, as_of: date, actor: str) -> int:
        """Record every scheduler fact due on or before `as_of`, in date order; idempotent."""
        facts = due_facts(self.state, as_of)
        for fact in facts:
            self._record(fact.event_class, business_date=fact.business_date, actor=actor,
                         **fact.data)
        return len(facts)


class AuditSettings:
    """audit_rate and audit_seed (SPEC §5), passed in from the application's settings.

    `overrides_policy`: the setting's rate wins over the policy's audit rate (an operator's
    explicit rate); otherwise the rate is the policy's on the request's acceptance date.
    """

    def __init__(self, rate: Decimal, seed: str, overrides_policy: bool = True):
        self.rate = rate
        self.seed = seed
        self.overrides_policy = overrides_policy

    def rate_on(self, accepted_on: date) -> Decimal:
        if self.overrides_policy:
            return self.rate
        return policy.in_force().audit_rate_on(accepted_on)


def _version() -> str | None:
    return policy.recorded_version(policy.in_force())


def _first_window_closes(issued_on: date) -> date:
    period = fiscal_calendar.first_period(issued_on)
    return fiscal_calendar.renewal_window(period.valid_until).closes_on


def _target_name(target) -> str:
    if isinstance(target, Application):
        return "application"
    if isinstance(target, RenewalRequest):
        return "renewal_request"
    return "credit"

