"""The scheduler's facts on a holder (SPEC §7, §10 "Scheduler events"): dates and idempotence."""

from __future__ import annotations

from tests.unit.holders import (
    D,
    apply_and_pay,
    certified_holder,
    log_points,
    new_holder,
    pay,
    request,
)


def _swept(holder, as_of: str) -> list[tuple[str, str]]:
    holder.collect_events()
    holder.sweep(D(as_of), "scheduler")
    return [(e.type_name, e.business_date.isoformat()) for e in holder.collect_events()]


def test_nothing_is_due_before_the_window_opens():
    assert _swept(certified_holder(), "2029-12-31") == []


def test_the_window_opens_on_its_first_day_whatever_day_the_sweep_runs():
    holder = certified_holder()
    assert _swept(holder, "2030-02-10") == [("RenewalWindowOpened", "2030-01-01")]
    assert _swept(holder, "2030-02-11") == []


def test_a_missed_quarter_is_caught_up_in_date_order():
    holder = certified_holder()
    assert _swept(holder, "2030-06-30") == [
        ("RenewalWindowOpened", "2030-01-01"),
        ("Lapsed", "2030-04-01"),
    ]
    assert _swept(holder, "2030-06-30") == []


def test_a_holder_renewed_in_february_is_not_lapsed():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-02-01")
    pay(holder, "2030-02-01", number="CAP-2027-00001", reference="R1")
    holder.decide_renewal(qualification="CAP", on=D("2030-02-20"), decision="renew",
                          reasons=[], actor="test")
    assert _swept(holder, "2030-04-01") == [("RenewalWindowOpened", "2030-01-01")]


def test_an_accepted_request_under_review_is_lapsed_only_once_rejected():
    holder = certified_holder()
    request(holder, "2030-02-01")
    pay(holder, "2030-02-01", number="CAP-2027-00001", reference="R1")
    assert _swept(holder, "2030-04-02") == [("RenewalWindowOpened", "2030-01-01")]
    holder.decide_renewal(qualification="CAP", on=D("2030-04-20"), decision="reject",
                          reasons=["no"], actor="test")
    assert _swept(holder, "2030-04-21") == [("Lapsed", "2030-04-01")]


def test_a_period_granted_after_its_window_opened_carries_the_grant_date():
    holder = new_holder(issued_on="2026-03-31", pass_number="P26-000001")
    apply_and_pay(holder, "2029-01-10", pass_number="P26-000001")
    holder.decide_application(qualification="CAP", on=D("2029-01-20"), decision="certify",
                              reasons=[], allot_number=lambda q, fy: "CAP-2026-00001",
                              actor="test")
    assert _swept(holder, "2029-01-25") == [("RenewalWindowOpened", "2029-01-20")]


def test_no_window_fact_for_a_period_granted_after_its_window_closed():
    holder = new_holder(issued_on="2026-03-31", pass_number="P26-000001")
    apply_and_pay(holder, "2029-03-01", pass_number="P26-000001")
    holder.decide_application(qualification="CAP", on=D("2029-03-10"), decision="certify",
                              reasons=[], allot_number=lambda q, fy: "CAP-2026-00001",
                              actor="test")
    assert _swept(holder, "2029-03-20") == []


def test_a_pass_report_expires_the_day_after_its_last_day_without_an_application():
    holder = new_holder()
    assert _swept(holder, "2029-06-15") == []
    assert _swept(holder, "2029-06-16") == [("PassReportExpired", "2029-06-16")]


def test_no_expiry_while_an_application_is_open_but_recorded_once_it_is_rejected():
    holder = new_holder()
    apply_and_pay(holder, "2029-06-01")
    assert _swept(holder, "2029-07-01") == []
    holder.decide_application(qualification="CAP", on=D("2029-07-10"), decision="reject",
                              reasons=["no"], allot_number=None, actor="test")
    assert _swept(holder, "2029-07-11") == [("PassReportExpired", "2029-06-16")]


def test_a_certified_pass_never_expires_as_a_fact():
    facts = _swept(certified_holder(), "2029-12-31")
    assert [f for f in facts if f[0] == "PassReportExpired"] == []


def test_a_leap_year_window_closes_on_29_february_and_lapses_on_1_april():
    from tests.unit.holders import certify, status_of

    holder = new_holder(issued_on="2024-06-15", pass_number="P24-000001")
    # filed late in the pass report's life, after the supervisors signed
    apply_and_pay(holder, "2026-09-01", pass_number="P24-000001")
    certify(holder, "2026-10-01")
    assert status_of(holder, "2028-02-29")["status"] == "renewal_window_open"
    assert status_of(holder, "2028-02-29")["renewal_window"]["closes_on"] == D("2028-02-29")
    assert status_of(holder, "2028-03-01")["status"] == "certified"
    assert _swept(holder, "2028-04-01") == [("RenewalWindowOpened", "2028-01-01"),
                                            ("Lapsed", "2028-04-01")]
