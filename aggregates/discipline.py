"""Disciplinary decisions (SPEC §11): suspension (資格停止), reinstatement, revocation (資格取消).

A body suspends or revokes a qualification for a breach, e.g. of the ethics code the holder
pledged to keep. Suspension applies to a certified professional qualification in any active
status and changes nothing in its period or calendar: it lapses on `valid_until + 1` as
usual. Revocation applies to any held qualification and is final. The checks run in the
order of SPEC §11: NOT_CERTIFIED (never held) → LAPSED → REVOKED → SUSPENDED (suspend) /
NOT_SUSPENDED (reinstate). `reason` is checked by the command parser (INVALID_INPUT).

`Discipline` is a mixin of the Holder aggregate: it reads `state` and records through
`_record`, like the aggregate's own command methods.
"""

from __future__ import annotations

from datetime import date

from aggregates import qualifications
from aggregates.errors import DomainError
from aggregates.events import (
    CertificationReinstated,
    CertificationRevoked,
    CertificationSuspended,
)
from aggregates.state import Certification, QualificationRecord


class Discipline:
    """The Holder's suspend / reinstate / revoke commands and the checks other commands
    share (renewal commands refused while revoked or suspended)."""

    def suspend_certification(self, *, qualification: str, on: date, reason: str,
                              actor: str) -> None:
        cert = self._disciplined_certification(qualification, on)
        if cert.suspended_on is not None:
            raise DomainError(
                "SUSPENDED", f"{cert.number} is already suspended since {cert.suspended_on}"
            )
        self._record(CertificationSuspended, business_date=on, actor=actor,
                     qualification=qualification, certification_number=cert.number,
                     reason=reason)

    def reinstate_certification(self, *, qualification: str, on: date, reason: str,
                                actor: str) -> None:
        cert = self._disciplined_certification(qualification, on)
        if cert.suspended_on is None:
            raise DomainError("NOT_SUSPENDED", f"{cert.number} is not suspended")
        if on < cert.suspended_on:
            raise DomainError(
                "NOT_SUSPENDED",
                f"{cert.number} is suspended from {cert.suspended_on}; a reinstatement "
                f"dated {on} would come before it",
            )
        self._record(CertificationReinstated, business_date=on, actor=actor,
                     qualification=qualification, certification_number=cert.number,
                     suspended_on=cert.suspended_on, reason=reason)

    def revoke_certification(self, *, qualification: str, on: date, reason: str,
                             actor: str) -> None:
        if not qualifications.is_professional(qualification):
            self._check_operation_held(qualification, on)
            number = None
        else:
            number = self._disciplined_certification(qualification, on).number
        self._record(CertificationRevoked, business_date=on, actor=actor,
                     qualification=qualification, certification_number=number, reason=reason)

    # -- checks ---------------------------------------------------------------------------

    def _disciplined_certification(self, qualification: str, on: date) -> Certification:
        """The certification a disciplinary decision applies to: held, not lapsed, not
        revoked (in SPEC §11's order)."""
        record: QualificationRecord | None = self.state.qualifications.get(qualification)
        cert = record.certification if record else None
        if cert is None or on < cert.periods[0].granted_on:
            raise DomainError("NOT_CERTIFIED", f"{qualification} has never been certified")
        if cert.is_lapsed_on(on):
            raise DomainError("LAPSED", f"{cert.number} lapsed on {cert.lapse_date}")
        check_not_revoked(cert)
        return cert

    def _check_operation_held(self, qualification: str, on: date) -> None:
        record = self.state.qualifications.get(qualification)
        passes = record.passes if record else []
        if not any(p.issued_on <= on for p in passes):
            raise DomainError("NOT_CERTIFIED", f"{qualification} has never been held")
        if not record.passes_after_revocation():
            raise DomainError(
                "REVOKED",
                f"{qualification} was revoked on {record.revoked_on}; only an exam pass "
                "after that date confers it again",
            )


def check_not_revoked(cert: Certification) -> None:
    if cert.revoked_on is not None:
        raise DomainError(
            "REVOKED",
            f"{cert.number} was revoked on {cert.revoked_on}; only an exam pass after that "
            "date starts a new first certification",
        )


def check_renewable(cert: Certification) -> None:
    """A renewal command (request, decision) on a certification not lapsed: refused once
    revoked (final) or while suspended."""
    check_not_revoked(cert)
    if cert.suspended_on is not None:
        raise DomainError(
            "SUSPENDED",
            f"{cert.number} is suspended since {cert.suspended_on}; it must be reinstated "
            "before its renewal can go on",
        )
