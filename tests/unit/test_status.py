"""Status on a date, derived from events and the calendar alone (SPEC §8, §10 "Status")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.status import holder_status
from tests.unit.holders import (
    ALWAYS_AUDIT,
    D,
    apply_and_pay,
    certified_holder,
    certify,
    log_points,
    new_holder,
    pay,
    request,
    status_of,
)


def test_a_passed_holder_shows_the_pass_report_until_its_last_day_then_pass_expired():
    holder = new_holder()
    assert status_of(holder, "2029-06-15")["status"] == "passed"
    assert status_of(holder, "2029-06-15")["pass_report_valid_until"] == D("2029-06-15")
    assert status_of(holder, "2029-06-16")["status"] == "pass_expired"


def test_an_application_is_applied_until_paid_in_full_then_accepted():
    holder = new_holder()
    apply_and_pay(holder, "2026-09-01", amount=10000)
    assert status_of(holder, "2026-09-02")["status"] == "applied"
    pay(holder, "2026-09-05", amount=1000, number="P26-000123", reference="B2",
        purpose="certification")
    assert status_of(holder, "2026-09-05")["status"] == "accepted"


def test_an_open_application_stays_applied_after_its_pass_report_ends():
    holder = new_holder()
    apply_and_pay(holder, "2029-06-15", amount=100)
    assert status_of(holder, "2029-07-01")["status"] == "applied"


def test_certified_status_carries_every_figure_of_the_worked_example():
    status = status_of(certified_holder(), "2027-05-01")
    assert status["status"] == "certified"
    assert status["certification_number"] == "CAP-2027-00001"
    assert (status["valid_from"], status["valid_until"]) == (D("2027-04-01"), D("2030-03-31"))
    assert status["renewal_window"] == {"opens_on": D("2030-01-01"), "closes_on": D("2030-02-28")}
    assert status["cpd"]["counted"] == "0"


@pytest.mark.parametrize(
    ("on", "expected"),
    [("2029-12-31", "certified"), ("2030-01-01", "renewal_window_open"),
     ("2030-02-28", "renewal_window_open"), ("2030-03-01", "certified"),
     ("2030-03-31", "certified"), ("2030-04-01", "lapsed")],
)
def test_the_calendar_alone_opens_the_window_and_lapses(on, expected):
    assert status_of(certified_holder(), on)["status"] == expected


def test_an_accepted_request_open_at_expiry_is_under_review_until_decided():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-01-10")
    assert status_of(holder, "2030-01-11")["status"] == "renewal_requested"
    pay(holder, "2030-01-12", number="CAP-2027-00001", reference="R1")
    assert status_of(holder, "2030-01-12")["status"] == "renewal_accepted"
    assert status_of(holder, "2030-04-05")["status"] == "renewal_under_review"
    holder.decide_renewal(qualification="CAP", on=D("2030-04-10"), decision="renew",
                          reasons=[], actor="test")
    renewed = status_of(holder, "2030-04-10")
    assert renewed["status"] == "certified"
    assert (renewed["valid_from"], renewed["valid_until"]) == (D("2030-04-01"), D("2033-03-31"))


def test_a_request_rejected_after_expiry_lapses_from_the_day_after_expiry():
    holder = certified_holder()
    request(holder, "2030-01-10")
    pay(holder, "2030-01-12", number="CAP-2027-00001", reference="R1")
    holder.decide_renewal(qualification="CAP", on=D("2030-04-10"), decision="reject",
                          reasons=["no"], actor="test")
    assert status_of(holder, "2030-04-10")["status"] == "lapsed"
    # What was true on 2030-04-05 as the events dated by then tell it: still under review.
    earlier = fold(_stored(holder), as_of=D("2030-04-05"))
    assert holder_status(earlier, D("2030-04-05"))["qualifications"]["CAP"]["status"] == (
        "renewal_under_review"
    )


def test_an_unaccepted_request_does_not_save_the_certification():
    holder = certified_holder()
    request(holder, "2030-01-10")
    assert status_of(holder, "2030-04-01")["status"] == "lapsed"


def test_a_renewal_decided_early_shows_the_current_period_until_the_new_one_starts():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-01-10")
    pay(holder, "2030-01-10", number="CAP-2027-00001", reference="R1")
    holder.decide_renewal(qualification="CAP", on=D("2030-01-20"), decision="renew",
                          reasons=[], actor="test")
    early = status_of(holder, "2030-02-01")
    assert early["status"] == "certified"
    assert early["valid_until"] == D("2030-03-31")
    assert status_of(holder, "2030-04-01")["valid_from"] == D("2030-04-01")
    with pytest.raises(DomainError) as refused:
        request(holder, "2030-02-01")
    assert refused.value.code == "OUTSIDE_RENEWAL_WINDOW"


def test_a_renewal_rejected_inside_the_window_leaves_it_open_then_certified_then_lapsed():
    holder = certified_holder()
    request(holder, "2030-01-10")
    holder.decide_renewal(qualification="CAP", on=D("2030-01-20"), decision="reject",
                          reasons=["no"], actor="test")
    assert status_of(holder, "2030-01-21")["status"] == "renewal_window_open"
    assert status_of(holder, "2030-03-01")["status"] == "certified"
    assert status_of(holder, "2030-04-01")["status"] == "lapsed"


def test_an_audit_selected_request_shows_renewal_audit_until_completed():
    holder = certified_holder()
    log_points(holder)
    request(holder, "2030-01-10")
    pay(holder, "2030-01-10", number="CAP-2027-00001", reference="R1", audit=ALWAYS_AUDIT)
    assert status_of(holder, "2030-01-11")["status"] == "renewal_audit"
    with pytest.raises(DomainError) as refused:
        holder.decide_renewal(qualification="CAP", on=D("2030-01-12"), decision="renew",
                              reasons=[], actor="test")
    assert refused.value.code == "AUDIT_PENDING"
    holder.complete_audit(qualification="CAP", on=D("2030-01-15"),
                          disallowed_entries=["a-2029-12-01"], actor="test")
    after = status_of(holder, "2030-01-15")
    assert after["status"] == "renewal_accepted"
    assert (after["cpd"]["counted"], after["cpd"]["logged"]) == ("0", "30")


def test_after_a_lapse_the_lapsed_certification_shows_until_a_new_pass_on_or_after_the_lapse():
    holder = certified_holder()
    holder.record_exam_pass(qualification="CAP", pass_number="P30-000001",
                            issued_on=D("2030-03-15"), actor="test")
    assert status_of(holder, "2030-04-02")["status"] == "lapsed"
    holder.record_exam_pass(qualification="CAP", pass_number="P30-000002",
                            issued_on=D("2030-06-01"), actor="test")
    fresh = status_of(holder, "2030-06-01")
    assert fresh["status"] == "passed"
    assert fresh["certification_number"] is None
    assert fresh["cpd"] is None


def test_a_new_first_certification_after_a_lapse_gets_its_own_period():
    holder = certified_holder()
    holder.record_exam_pass(qualification="CAP", pass_number="P30-000777",
                            issued_on=D("2030-06-01"), actor="test")
    apply_and_pay(holder, "2030-07-01", pass_number="P30-000777", reference="B9")
    assert status_of(holder, "2030-07-01")["status"] == "accepted"
    certify(holder, "2030-08-01")
    assert status_of(holder, "2031-04-01")["valid_from"] == D("2031-04-01")


def test_an_operation_qualification_is_qualified_from_the_pass_with_no_expiry():
    holder = new_holder(qualification="SV", pass_number="S1")
    status = status_of(holder, "2040-01-01", "SV")
    assert status["status"] == "qualified"
    assert status["valid_from"] == D("2026-06-15")
    assert status["valid_until"] is None and status["cpd"] is None


def test_cpd_entries_appear_from_their_logging_date_not_their_activity_date():
    holder = certified_holder()
    log_points(holder, hours_a=10, on="2028-05-01")
    holder.log_cpd(entry_id="late", category="A", field=None, activity_on=D("2028-05-01"),
                   hours=Decimal(5), title="", provider="",
                   on=D("2028-09-01"), actor="test")
    before = fold(_stored(holder), as_of=D("2028-08-31"))
    assert holder_status(before, D("2028-08-31"))["qualifications"]["CAP"]["cpd"]["logged"] == "10"
    assert status_of(holder, "2028-09-01")["cpd"]["logged"] == "15"


def _stored(holder):
    """The holder's events, as a store would give them back."""
    return holder._recorded


@pytest.fixture(autouse=True)
def _keep_events(monkeypatch):
    """Keep every event a holder records, so a test can fold them as of an earlier date."""
    from aggregates.holder import Holder

    original = Holder._record

    def record(self, event_class, **kwargs):
        original(self, event_class, **kwargs)
        self.__dict__.setdefault("_recorded", []).append(self._pending_events[-1])

    monkeypatch.setattr(Holder, "_record", record)


def test_counted_points_are_canonical_whatever_the_entries_sum_to():
    """The renewal records `cpd_counted`; 2.5 + 2.5 sums to Decimal("5.0"), recorded "5"."""
    from aggregates.status import counted_points, cpd_points

    holder = certified_holder()
    for n in range(2):
        holder.log_cpd(entry_id=f"half-{n}", category="A", field=None,
                       activity_on=D("2028-05-01"), hours=Decimal("2.5"), title="course",
                       provider="body", on=D("2028-05-02"), actor="test")
    period = holder.state.record("CAP").certification.last_period
    assert cpd_points(holder.state, period)[0].counted == Decimal(5)
    assert str(counted_points(holder.state, period)) == "5"
