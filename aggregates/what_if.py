"""What-if (規程改定の影響): one holder's statuses and CPD figures on a date under the live
policy and under a proposal, and why they differ.

The holder's recorded facts are replayed with the proposal's rules where a rule decided
something: a renewal the proposal's CPD requirement (or caps) would have refused is taken as
rejected on the day it was granted (the office could not have renewed; the certification
then lapses as the calendar says); an open application or renewal request that the
proposal's fee would leave short is taken as not accepted. Everything else (exam passes,
decisions of the office, audits, suspensions) stands as recorded.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aggregates import policy as rules
from aggregates import qualifications
from aggregates.cpd import format_points
from aggregates.policy import Policy
from aggregates.state import Certification, HolderState
from aggregates.status import cpd_points, qualification_status, required_points

NOT_ACCEPTED = {"accepted": "applied", "renewal_accepted": "renewal_requested",
                "renewal_audit": "renewal_requested"}


@dataclass(frozen=True)
class Outcome:
    """One holder's professional qualification on the date, now and under the proposal."""

    holder: str
    qualification: str
    now: str
    then: str
    counted_now: str | None
    counted_then: str | None
    required_now: str | None
    required_then: str | None
    why: str

    @property
    def differs(self) -> bool:
        return (self.now != self.then or self.counted_now != self.counted_then
                or self.required_now != self.required_then)


def compare(state: HolderState, on: date, live: Policy, proposal: Policy) -> list[Outcome]:
    """Every professional qualification of the holder that has a status on `on`."""
    outcomes = []
    replayed: HolderState | None = None
    for code, record in sorted(state.qualifications.items()):
        if not qualifications.is_professional(code) or not (
                record.passes or record.applications or record.certifications):
            continue
        with rules.applying(live):
            now = qualification_status(state, record, on)
        if _same_rules(record, live, proposal):
            outcomes.append(_unchanged(state.number, code, now))
            continue
        why: list[str] = []
        refused = _refused_renewals(state, record.certification, on, proposal)
        target = state
        if refused:
            replayed = replayed or _copy(state)
            target = replayed
            _reject(replayed.qualifications[code].certification, refused)
            why.extend(refused_reasons for _, refused_reasons in refused)
        with rules.applying(proposal):
            then = qualification_status(target, target.qualifications[code], on)
            short = _fee_short(target.qualifications[code], then["status"], on, proposal)
        status_then = then["status"]
        if short:
            why.append(short)
            status_then = NOT_ACCEPTED[status_then]
        if now["valid_from"] == then["valid_from"]:  # else the why names the refused renewal
            why.extend(_cpd_reasons(now["cpd"], then["cpd"]))
        outcomes.append(Outcome(
            holder=state.number, qualification=code, now=now["status"], then=status_then,
            counted_now=_figure(now, "counted"), counted_then=_figure(then, "counted"),
            required_now=_figure(now, "required"), required_then=_figure(then, "required"),
            why="; ".join(why)))
    return outcomes


def _same_rules(record, live: Policy, proposal: Policy) -> bool:
    """Whether no rule that decides this record differs: the CPD rules of each of its
    cycles, and the fee of each open application or request on its latest payment."""
    cert = record.certification
    if cert is not None:
        for period in cert.periods:
            if live.cpd_for_cycle(period.valid_from) != proposal.cpd_for_cycle(period.valid_from):
                return False
    open_items = [a for a in record.applications if a.is_open]
    if cert is not None:
        open_items += [r for r in cert.requests if r.is_open]
    for item in open_items:
        if item.payments:
            latest = max(m.paid_on for m in item.payments)
            if live.fee_due(latest) != proposal.fee_due(latest):
                return False
    return True


def _unchanged(holder: str, code: str, now: dict) -> Outcome:
    counted, required = _figure(now, "counted"), _figure(now, "required")
    return Outcome(holder=holder, qualification=code, now=now["status"], then=now["status"],
                   counted_now=counted, counted_then=counted, required_now=required,
                   required_then=required, why="")


def _refused_renewals(state: HolderState, cert: Certification | None, on: date,
                      proposal: Policy) -> list[tuple[int, str]]:
    """(index of the period whose renewal is refused, why): the first one only, since
    a refused renewal ends the certification's later periods too."""
    if cert is None:
        return []
    for index, period in enumerate(cert.periods[:-1]):
        renewed_on = cert.periods[index + 1].granted_on
        if renewed_on > on:
            return []
        with rules.applying(proposal):
            counted = cpd_points(state, period)[0].counted
            required = required_points(period)
        if counted < required:
            return [(index, f"renewal of the period ending {period.valid_until} refused: "
                            f"{format_points(counted)} of {format_points(required)} "
                            "points counted")]
    return []


def _reject(cert: Certification, refused: list[tuple[int, str]]) -> None:
    index = refused[0][0]
    period = cert.periods[index]
    rejected_on = cert.periods[index + 1].granted_on
    del cert.periods[index + 1:]
    request = cert.latest_request_for(period.valid_until)
    if request is not None:
        request.decision, request.decided_on = "rejected", rejected_on


def _fee_short(record, status: str, on: date, proposal: Policy) -> str:
    if status not in NOT_ACCEPTED:
        return ""
    if status == "accepted":
        target = record.open_application()
    else:
        target = record.certification.open_request()
    if target is None or not target.payments:
        return ""
    fee = target.fee(on)  # under the proposal: the caller applies it
    if fee.paid_in_full:
        return ""
    return (f"fee due {fee.due:,} JPY under the proposal, {fee.paid:,} paid: "
            f"{fee.shortfall:,} short")


def _cpd_reasons(now: dict | None, then: dict | None) -> list[str]:
    if not now or not then:
        return []
    reasons = []
    if now["required"] != then["required"]:
        reasons.append(f"required {now['required']} -> {then['required']}")
    if now["counted"] != then["counted"]:
        changed = [f"{c} {now['by_category'][c]} -> {then['by_category'][c]}"
                   for c in now["by_category"] if now["by_category"][c] != then["by_category"][c]]
        reasons.append(f"counted {now['counted']} -> {then['counted']} ({', '.join(changed)})")
    return reasons


def _figure(status: dict, key: str) -> str | None:
    return None if status["cpd"] is None else status["cpd"][key]


def _copy(state: HolderState) -> HolderState:
    return pickle.loads(pickle.dumps(state, pickle.HIGHEST_PROTOCOL))


def sufficient(counted: str | None, required: str | None) -> bool | None:
    """Whether the figures meet the requirement (None: no CPD figures)."""
    if counted is None or required is None:
        return None
    return Decimal(counted) >= Decimal(required)
