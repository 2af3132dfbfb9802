"""Suspension, reinstatement and revocation (SPEC §11) on the aggregate alone: the status on
dates before, during and after a decision, the order of errors, and the scheduler's facts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.status import holder_status
from tests.unit.holders import (
    GOOD_CAP_EXPERIENCE,
    D,
    apply_and_pay,
    certified_holder,
    certify,
    log_points,
    new_holder,
    pay,
    request,
)

CAP_NUMBER = "CAP-2027-00001"  # period 2027-04-01 .. 2030-03-31, window 2030-01-01 .. 02-28


def suspend(holder, on, qualification="CAP"):
    holder.suspend_certification(qualification=qualification, on=D(on), reason="倫理綱領違反",
                                 actor="test")


def reinstate(holder, on, qualification="CAP"):
    holder.reinstate_certification(qualification=qualification, on=D(on), reason="処分終了",
                                   actor="test")


def revoke(holder, on, qualification="CAP"):
    holder.revoke_certification(qualification=qualification, on=D(on), reason="取消",
                                actor="test")


def decide(holder, on, decision="renew"):
    holder.decide_renewal(qualification="CAP", on=D(on), decision=decision, reasons=[],
                          actor="test")


def status_on(holder, on, qualification="CAP") -> dict:
    """What was true on `on`, from the events dated on or before it (nothing is collected
    in these tests, so the pending events are the whole history)."""
    state = fold(holder._pending_events, as_of=D(on))
    return holder_status(state, D(on))["qualifications"][qualification]


def code_of(action) -> str:
    with pytest.raises(DomainError) as refused:
        action()
    return refused.value.code


def swept(holder, as_of):
    before = len(holder._pending_events)
    holder.sweep(D(as_of), "scheduler")
    return [(e.type_name, e.business_date.isoformat()) for e in holder._pending_events[before:]]


# -- suspension --------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "expected"), [
    ("2028-04-30", "certified"), ("2028-05-01", "suspended"), ("2028-06-30", "suspended"),
    ("2028-07-01", "certified"), ("2030-01-02", "renewal_window_open")])
def test_a_suspension_shows_from_its_date_until_the_reinstatement(on, expected):
    holder = certified_holder()
    suspend(holder, "2028-05-01")
    reinstate(holder, "2028-07-01")
    assert status_on(holder, on)["status"] == expected


def test_a_suspension_keeps_the_period_window_and_number_unchanged():
    holder = certified_holder()
    before = status_on(holder, "2028-04-30")
    suspend(holder, "2028-05-01")
    during = status_on(holder, "2028-05-02")
    assert during["status"] == "suspended"
    assert {k: v for k, v in during.items() if k != "status"} == {
        k: v for k, v in before.items() if k != "status"}
    assert during["certification_number"] == CAP_NUMBER


def test_suspended_across_valid_until_lapses_on_the_day_after():
    holder = certified_holder()
    suspend(holder, "2029-11-01")
    assert status_on(holder, "2030-01-10")["status"] == "suspended"  # window open meanwhile
    assert status_on(holder, "2030-03-31")["status"] == "suspended"
    assert status_on(holder, "2030-04-01")["status"] == "lapsed"
    assert code_of(lambda: reinstate(holder, "2030-04-02")) == "LAPSED"


def test_a_suspension_still_records_the_calendar_facts():
    holder = certified_holder()
    suspend(holder, "2029-11-01")
    assert swept(holder, "2030-06-30") == [("RenewalWindowOpened", "2030-01-01"),
                                           ("Lapsed", "2030-04-01")]


def test_renewal_commands_are_refused_while_suspended_but_cpd_may_be_logged():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-01-05")
    suspend(holder, "2030-01-06")
    assert code_of(lambda: decide(holder, "2030-01-07")) == "SUSPENDED"
    assert code_of(lambda: decide(holder, "2030-01-07", "reject")) == "SUSPENDED"
    holder.log_cpd(entry_id="during", category="A", field=None, activity_on=D("2030-01-07"),
                   hours=Decimal(2), title="course", provider="body", on=D("2030-01-08"),
                   actor="test")
    assert status_on(holder, "2030-01-08")["cpd"]["logged"] == "32"
    reinstate(holder, "2030-01-20")
    assert status_on(holder, "2030-01-20")["status"] == "renewal_requested"


def test_suspended_comes_before_already_pending_and_the_window_in_a_request():
    holder = certified_holder()
    suspend(holder, "2028-05-01")
    assert code_of(lambda: request(holder, "2028-06-01")) == "SUSPENDED"  # window not open


def test_a_request_under_review_at_expiry_stays_suspended_then_renews_continuously():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-01-10")
    pay(holder, "2030-01-12", number=CAP_NUMBER, reference="R1")
    suspend(holder, "2030-03-01")
    assert status_on(holder, "2030-04-05")["status"] == "suspended"  # not lapsed: under review
    reinstate(holder, "2030-04-10")
    assert status_on(holder, "2030-04-10")["status"] == "renewal_under_review"
    decide(holder, "2030-04-12")
    renewed = status_on(holder, "2030-04-12")
    assert (renewed["status"], renewed["valid_from"]) == ("certified", D("2030-04-01"))


def test_the_order_of_errors_of_a_suspension_and_a_reinstatement():
    never = new_holder()
    assert code_of(lambda: suspend(never, "2027-01-01")) == "NOT_CERTIFIED"
    assert code_of(lambda: reinstate(never, "2027-01-01")) == "NOT_CERTIFIED"
    holder = certified_holder()
    assert code_of(lambda: suspend(holder, "2026-09-30")) == "NOT_CERTIFIED"  # before the grant
    assert code_of(lambda: reinstate(holder, "2028-01-01")) == "NOT_SUSPENDED"
    suspend(holder, "2028-05-01")
    assert code_of(lambda: suspend(holder, "2028-05-02")) == "SUSPENDED"
    assert code_of(lambda: reinstate(holder, "2028-04-30")) == "NOT_SUSPENDED"  # before it
    assert code_of(lambda: suspend(holder, "2030-04-01")) == "LAPSED"
    revoke(holder, "2028-06-01")
    assert code_of(lambda: suspend(holder, "2028-06-02")) == "REVOKED"
    assert code_of(lambda: reinstate(holder, "2028-06-02")) == "REVOKED"
    assert code_of(lambda: revoke(holder, "2028-06-02")) == "REVOKED"


def test_a_refused_decision_records_nothing():
    holder = certified_holder()
    suspend(holder, "2028-05-01")
    recorded = len(holder._pending_events)
    for action in (lambda: suspend(holder, "2028-05-02"), lambda: request(holder, "2030-01-05")):
        code_of(action)
    assert len(holder._pending_events) == recorded


# -- revocation --------------------------------------------------------------------------


def test_a_revocation_is_final_and_keeps_the_number_and_last_period():
    holder = certified_holder()
    revoke(holder, "2028-09-01")
    assert status_on(holder, "2028-08-31")["status"] == "certified"
    for on in ("2028-09-01", "2030-01-10", "2030-04-01", "2040-01-01"):
        shown = status_on(holder, on)
        assert shown["status"] == "revoked", on
        assert (shown["certification_number"], shown["valid_until"]) == (CAP_NUMBER,
                                                                        D("2030-03-31"))
    assert code_of(lambda: request(holder, "2030-01-10")) == "REVOKED"
    assert code_of(lambda: decide(holder, "2030-01-10")) == "REVOKED"
    assert code_of(lambda: reinstate(holder, "2030-01-10")) == "REVOKED"


def test_a_revoked_certification_has_no_window_or_lapse_due():
    holder = certified_holder()
    revoke(holder, "2028-09-01")
    assert swept(holder, "2031-12-31") == []


def test_a_revocation_ends_an_open_renewal_request():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-01-10")
    revoke(holder, "2030-01-11")
    pay(holder, "2030-01-12", number=CAP_NUMBER, reference="R1")  # received: kept as credit
    assert holder._pending_events[-1].credited_to == "credit"
    assert status_on(holder, "2030-05-01")["status"] == "revoked"


def test_a_lapsed_certification_cannot_be_revoked():
    holder = certified_holder()
    assert code_of(lambda: revoke(holder, "2030-04-01")) == "LAPSED"


def test_only_an_exam_pass_after_the_revocation_starts_a_new_first_certification():
    holder = new_holder(issued_on="2026-06-15")
    holder.record_exam_pass(qualification="CAP", pass_number="P27-000001",
                            issued_on=D("2027-06-15"), actor="test")
    apply_and_pay(holder, "2026-09-01")
    certify(holder, "2026-10-01")
    revoke(holder, "2027-09-01")
    # The 2027 pass came before the revocation: it cannot start over.
    assert code_of(lambda: holder.file_application(
        qualification="CAP", on=D("2027-10-01"), experience=GOOD_CAP_EXPERIENCE,
        substitutions=[], ethics_pledge_signed_on=D("2027-10-01"), pass_report_copy=True,
        actor="test")) == "REVOKED"
    holder.record_exam_pass(qualification="CAP", pass_number="P28-000001",
                            issued_on=D("2028-06-15"), actor="test")
    assert status_on(holder, "2028-06-14")["status"] == "revoked"
    attempt = status_on(holder, "2028-06-15")
    assert (attempt["status"], attempt["certification_number"]) == ("passed", None)
    apply_and_pay(holder, "2028-09-01", pass_number="P28-000001", reference="B2")
    holder.decide_application(qualification="CAP", on=D("2028-10-01"), decision="certify",
                              reasons=[], allot_number=lambda q, fy: f"{q}-{fy}-00007",
                              actor="test")
    again = status_on(holder, "2029-05-01")
    assert (again["status"], again["certification_number"]) == ("certified", "CAP-2029-00007")


def test_an_operation_qualification_can_be_revoked_and_conferred_again_by_a_new_pass():
    holder = new_holder(issued_on="2026-07-01", qualification="SV", pass_number="S-1")
    assert code_of(lambda: revoke(holder, "2026-08-01", "OP")) == "NOT_CERTIFIED"
    assert code_of(lambda: revoke(holder, "2026-06-30", "SV")) == "NOT_CERTIFIED"
    revoke(holder, "2026-08-01", "SV")
    assert status_on(holder, "2026-07-31", "SV")["status"] == "qualified"
    revoked = status_on(holder, "2026-08-01", "SV")
    assert (revoked["status"], revoked["valid_from"]) == ("revoked", D("2026-07-01"))
    assert code_of(lambda: revoke(holder, "2026-09-01", "SV")) == "REVOKED"
    holder.record_exam_pass(qualification="SV", pass_number="S-2", issued_on=D("2027-07-01"),
                            actor="test")
    again = status_on(holder, "2027-07-01", "SV")
    assert (again["status"], again["valid_from"]) == ("qualified", D("2027-07-01"))
