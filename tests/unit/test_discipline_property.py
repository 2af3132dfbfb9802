"""A suspension leaves no trace once reinstated (SPEC §11): the same history with and without a
suspension gives the same status on every date outside the suspension, and inside it
`suspended`, or `lapsed` where the history without it is lapsed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.status import holder_status
from tests.unit.holders import NO_AUDIT, certified_holder, pay

FIRST, LAST = date(2027, 4, 1), date(2031, 6, 30)  # around the period 2027-04-01 .. 2030-03-31
RENEWAL_COMMANDS = ("request", "decide_renew", "decide_reject")

days = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))
commands = st.lists(st.tuples(days, st.sampled_from(
    ["cpd", "cpd", "request", "pay", "decide_renew", "decide_reject"])), max_size=12)


def run(holder, when: date, kind: str, n: int) -> bool:
    """One command; False when refused."""
    try:
        if kind == "cpd":
            holder.log_cpd(entry_id=f"e{n}", category="A", field=None, activity_on=when,
                           hours=Decimal(10), title="course", provider="body", on=when,
                           actor="test")
        elif kind == "request":
            holder.request_renewal(qualification="CAP", on=when, ethics_pledge_signed_on=when,
                                   audit=NO_AUDIT, actor="test")
        elif kind == "pay":
            pay(holder, when.isoformat(), number="CAP-2027-00001", reference=f"R{n}")
        else:
            holder.decide_renewal(qualification="CAP", on=when, decision=kind[7:], reasons=[],
                                  actor="test")
    except DomainError:
        return False
    return True


def status(holder, on: date) -> dict:
    state = fold(holder._pending_events, as_of=on)
    return holder_status(state, on)["qualifications"]["CAP"]


@settings(max_examples=150, deadline=None)
@given(commands, days, st.integers(0, 400))
def test_reinstatement_restores_the_status_of_the_history_without_the_suspension(
        drawn, suspended_on, length):
    reinstated_on = suspended_on + timedelta(days=length)
    # Renewal commands are refused while suspended: leave them out of both histories.
    script = sorted((d, k) for d, k in drawn
                    if not (k in RENEWAL_COMMANDS and suspended_on <= d < reinstated_on))
    plain, disciplined = certified_holder(), certified_holder()
    suspension = [(suspended_on, "suspend"), (reinstated_on, "reinstate")]
    n = 0
    for when, kind in sorted(script + suspension, key=lambda item: item[0]):
        n += 1
        if kind == "suspend":
            suspended = _decide(disciplined.suspend_certification, when)
            continue
        if kind == "reinstate":
            if suspended:
                _decide(disciplined.reinstate_certification, when)
            continue
        assert run(plain, when, kind, n) == run(disciplined, when, kind, n), (when, kind)
    if not suspended:  # refused (lapsed by then): the two histories are the same
        reinstated_on = suspended_on
    for offset in range(-3, (LAST - FIRST).days, 17):
        on = FIRST + timedelta(days=offset)
        expected, shown = status(plain, on), status(disciplined, on)
        if suspended_on <= on < reinstated_on:
            lapsed = expected["status"] == "lapsed"
            assert shown["status"] == ("lapsed" if lapsed else "suspended"), on
            expected = dict(expected, status=shown["status"])
        assert shown == expected, on


def _decide(method, when: date) -> bool:
    try:
        method(qualification="CAP", on=when, reason="r", actor="test")
    except DomainError as error:
        assert error.code in ("LAPSED", "NOT_CERTIFIED"), error.code
        return False
    return True
