"""Suspension and revocation in a holder's read-model rows and status spans (no database):
the spans follow the aggregate's status on every date from the holder's last one on."""

from __future__ import annotations

from datetime import date, timedelta

from aggregates.status import holder_status
from projections import rows
from projections.status_sql import OPEN_END, OPEN_START, status_on, status_spans
from tests.unit.holders import D, certified_holder, new_holder
from tests.unit.test_projection_rows import assert_spans_cover


def row_of(holder, qualification="CAP") -> dict:
    (row,) = [r for r in rows.credential_rows(holder.state, position=1)
              if r["qualification"] == qualification]
    return row


def spans(row) -> list[tuple]:
    return [(s["status"], s["from_on"], s["until_on"]) for s in status_spans(row)]


def agrees_from_last_date(holder, qualification="CAP") -> None:
    row, last = row_of(holder, qualification), holder.state.last_business_date
    for offset in (0, 1, 30, 200, 700, 1500, 3000):
        on = last + timedelta(days=offset)
        expected = holder_status(holder.state, on)["qualifications"][qualification]["status"]
        assert status_on(row, on) == expected, on


def test_a_suspension_spans_from_its_date_until_the_lapse():
    holder = certified_holder()
    holder.suspend_certification(qualification="CAP", on=D("2028-05-01"), reason="r",
                                 actor="t")
    row = row_of(holder)
    assert row["suspended_on"] == D("2028-05-01") and row["revoked_on"] is None
    assert_spans_cover(row)
    assert spans(row) == [("certified", OPEN_START, D("2028-04-30")),
                          ("suspended", D("2028-05-01"), D("2030-03-31")),
                          ("lapsed", D("2030-04-01"), OPEN_END)]
    agrees_from_last_date(holder)


def test_a_reinstatement_leaves_the_calendar_spans():
    holder = certified_holder()
    for method, on in ((holder.suspend_certification, "2028-05-01"),
                       (holder.reinstate_certification, "2028-07-01")):
        method(qualification="CAP", on=D(on), reason="r", actor="t")
    assert row_of(holder)["suspended_on"] is None
    assert [s[0] for s in spans(row_of(holder))] == [
        "certified", "renewal_window_open", "certified", "lapsed"]
    agrees_from_last_date(holder)


def test_a_revocation_is_revoked_for_ever_and_no_period_is_under_review():
    holder = certified_holder()
    holder.revoke_certification(qualification="CAP", on=D("2028-09-01"), reason="r",
                                actor="t")
    row = row_of(holder)
    assert (row["revoked_on"], row["under_review"]) == (D("2028-09-01"), False)
    assert spans(row) == [("certified", OPEN_START, D("2028-08-31")),
                          ("revoked", D("2028-09-01"), OPEN_END)]
    (period,) = rows.period_rows(holder.state)
    assert (period["revoked_on"], period["under_review"]) == (D("2028-09-01"), False)
    assert rows.holder_row("id", 1, 1, holder.state)["next_due_on"] is None
    agrees_from_last_date(holder)


def test_a_new_exam_pass_after_a_revocation_shows_the_new_attempt():
    holder = certified_holder()
    holder.revoke_certification(qualification="CAP", on=D("2028-09-01"), reason="r",
                                actor="t")
    holder.record_exam_pass(qualification="CAP", pass_number="P29-000001",
                            issued_on=D("2029-06-15"), actor="t")
    row = row_of(holder)
    assert row["attempt_stage"] == "passed"
    assert_spans_cover(row)
    agrees_from_last_date(holder)


def test_an_operation_qualification_revoked_then_passed_again():
    holder = new_holder(issued_on="2026-07-01", qualification="SV", pass_number="S-1")
    holder.revoke_certification(qualification="SV", on=D("2026-08-01"), reason="r", actor="t")
    assert spans(row_of(holder, "SV")) == [("qualified", OPEN_START, D("2026-07-31")),
                                           ("revoked", D("2026-08-01"), OPEN_END)]
    agrees_from_last_date(holder, "SV")
    holder.record_exam_pass(qualification="SV", pass_number="S-2", issued_on=D("2027-07-01"),
                            actor="t")
    row = row_of(holder, "SV")
    assert (row["revoked_on"], row["valid_from"]) == (None, date(2027, 7, 1))
    agrees_from_last_date(holder, "SV")
