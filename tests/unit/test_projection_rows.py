"""A holder's read-model rows from the fold of their events (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from aggregates.events import (
    ApplicationFiled,
    Certified,
    CPDAuditSelected,
    CPDLogged,
    ExamPassed,
    FeePaid,
    RenewalRequested,
)
from aggregates.state import HolderState
from projections import rows
from projections.paging import decode_cursor, encode_cursor
from projections.status_sql import (
    OPEN_END,
    OPEN_START,
    STATUSES,
    status_filter,
    status_on,
    status_spans,
)

HOLDER = uuid4()


def fold(*specs) -> HolderState:
    state = HolderState()
    for version, (cls, business_date, data) in enumerate(specs, start=1):
        cls(originator_id=HOLDER, originator_version=version, timestamp=cls.create_timestamp(),
            business_date=business_date, actor="t", **data).apply(state)
    return state


PASSED = (ExamPassed, date(2026, 6, 15), {
    "qualification": "CAP", "pass_number": "P26-000123", "issued_on": date(2026, 6, 15),
    "holder": "H0001", "name": "今田 太郎", "name_kana": "コンケンタロウ"})
FILED = (ApplicationFiled, date(2026, 9, 1), {
    "qualification": "CAP", "pass_number": "P26-000123", "pass_issued_on": date(2026, 6, 15),
    "experience": [], "substitutions": [], "ethics_pledge_signed_on": date(2026, 8, 30),
    "pass_report_copy": True, "evaluation": {}})
PAID = (FeePaid, date(2026, 9, 3), {
    "qualification": "CAP", "purpose": "certification", "amount": 5000,
    "paid_on": date(2026, 9, 3), "payer_name": "0123ｺﾝｹﾝﾀﾛｳ", "bank_reference": "B-1",
    "allocated_by": None, "transfer_amount": None, "credited_to": "application", "fee": None})
CERTIFIED = (Certified, date(2026, 10, 1), {
    "qualification": "CAP", "certification_number": "CAP-2027-00001",
    "valid_from": date(2027, 4, 1), "valid_until": date(2030, 3, 31),
    "pass_number": "P26-000123", "pass_report_valid_until": date(2029, 6, 15),
    "evaluation": {}})


def credential(state: HolderState) -> dict:
    (row,) = rows.credential_rows(state, position=9)
    return row


def test_an_exam_pass_is_an_attempt_whose_report_dates_the_expiry():
    row = credential(fold(PASSED))
    assert (row["stage"], row["attempt_stage"]) == ("attempt", "passed")
    assert row["attempt_pass_report_valid_until"] == date(2029, 6, 15)
    assert row["certification_number"] is None and row["position"] == 9


def test_an_underpaid_application_shows_its_shortfall():
    row = credential(fold(PASSED, FILED, PAID))
    assert row["attempt_stage"] == "applied"
    assert (row["fee_due"], row["fee_paid"], row["fee_shortfall"]) == (11000, 5000, 6000)


def test_a_certification_stores_its_period_window_and_cpd():
    cpd = (CPDLogged, date(2027, 5, 11), {
        "entry_id": "e1", "category": "B", "field": 4, "activity_on": date(2027, 5, 10),
        "hours": Decimal("8"), "title": "t", "provider": "p"})
    state = fold(PASSED, FILED, PAID, CERTIFIED, cpd)
    row = credential(state)
    assert (row["stage"], row["attempt_stage"]) == ("certified", None)
    assert (row["valid_from"], row["valid_until"]) == (date(2027, 4, 1), date(2030, 3, 31))
    assert (row["window_opens_on"], row["window_closes_on"]) == (date(2030, 1, 1),
                                                                 date(2030, 2, 28))
    assert (row["cpd_logged"], row["cpd_counted"], row["cpd_b"]) == (8, 5, 5)  # B: 5 a year
    (period,) = rows.period_rows(state)
    assert period["renewed_on"] is None and period["cpd_counted"] == 5
    (entry,) = rows.cpd_rows(state)
    assert entry["fiscal_year"] == 2027 and entry["counts"]
    holder = rows.holder_row(HOLDER.hex, 5, 9, state)
    assert holder["next_due_on"] == date(2030, 1, 1)  # the window will need recording


def test_an_accepted_renewal_under_audit_holds_off_the_lapse():
    requested = (RenewalRequested, date(2030, 1, 10), {
        "qualification": "CAP", "valid_until": date(2030, 3, 31),
        "ethics_pledge_signed_on": date(2030, 1, 10)})
    paid = (FeePaid, date(2030, 1, 12), {
        "qualification": "CAP", "purpose": "renewal", "amount": 11000,
        "paid_on": date(2030, 1, 12), "payer_name": "x", "bank_reference": "B-2",
        "allocated_by": None, "transfer_amount": None, "credited_to": "renewal_request",
        "fee": None})
    audit = (CPDAuditSelected, date(2030, 1, 12), {
        "qualification": "CAP", "valid_until": date(2030, 3, 31), "audit_rate": Decimal("1")})
    row = credential(fold(PASSED, FILED, PAID, CERTIFIED, requested, paid, audit))
    assert row["stage"] == "renewal_audit" and row["under_review"] and row["audit_selected"]
    assert row["renewal_accepted_on"] == date(2030, 1, 12)


def test_an_operation_qualification_is_qualified_from_its_first_pass():
    sv = (ExamPassed, date(2026, 7, 1), {
        "qualification": "SV", "pass_number": "S-1", "issued_on": date(2026, 7, 1),
        "holder": "H0002", "name": "n", "name_kana": "カナ"})
    row = credential(fold(sv))
    assert (row["stage"], row["valid_from"]) == ("qualified", date(2026, 7, 1))


def test_every_status_has_an_index_condition_and_unknown_ones_are_refused():
    for status in STATUSES:
        assert status_filter(status, date(2030, 1, 1), date(2030, 1, 1)) is not None
    with pytest.raises(ValueError):
        status_filter("valid", date(2030, 1, 1), date(2030, 1, 1))


def test_a_cursor_round_trips_and_a_forged_one_is_refused():
    assert decode_cursor(encode_cursor(["H0001", "CAP"])) == ["H0001", "CAP"]
    with pytest.raises(ValueError):
        decode_cursor("not-a-cursor")


def assert_spans_cover(row: dict) -> None:
    """The spans tile every date and carry status_on's answer, on both sides of each
    boundary and far from them."""
    spans = status_spans(row)
    assert spans[0]["from_on"] == OPEN_START and spans[-1]["until_on"] == OPEN_END
    for before, after in zip(spans, spans[1:], strict=False):
        assert after["from_on"] == before["until_on"] + timedelta(days=1)
        assert after["status"] != before["status"]
    for span in spans:
        for day in (span["from_on"], span["until_on"]):
            assert status_on(row, day) == span["status"]
        if span["kind"] >= 0:
            assert (span["until_on"] - span["from_on"]).days < 2 ** span["kind"]
            assert span["anchor"] == span["from_on"]
        else:
            assert span["anchor"] == (span["until_on"] if span["kind"] == -1
                                      else span["from_on"])
    for day in (date(2000, 1, 1), date(2026, 6, 1), date(2029, 12, 31), date(2030, 1, 1),
                date(2030, 2, 28), date(2030, 3, 1), date(2030, 3, 31), date(2030, 4, 1),
                date(2029, 6, 15), date(2029, 6, 16), date(2040, 1, 1)):
        (span,) = [s for s in spans if s["from_on"] <= day <= s["until_on"]]
        assert span["status"] == status_on(row, day)


def test_status_spans_follow_the_calendar():
    renewing = (RenewalRequested, date(2030, 1, 10), {
        "qualification": "CAP", "valid_until": date(2030, 3, 31),
        "ethics_pledge_signed_on": date(2030, 1, 10)})
    for specs in ((PASSED,), (PASSED, FILED), (PASSED, FILED, PAID, CERTIFIED),
                  (PASSED, FILED, PAID, CERTIFIED, renewing)):
        assert_spans_cover(credential(fold(*specs)))
    spans = status_spans(credential(fold(PASSED, FILED, PAID, CERTIFIED)))
    assert [(s["status"], s["from_on"], s["until_on"]) for s in spans] == [
        ("certified", OPEN_START, date(2029, 12, 31)),
        ("renewal_window_open", date(2030, 1, 1), date(2030, 2, 28)),
        ("certified", date(2030, 3, 1), date(2030, 3, 31)),
        ("lapsed", date(2030, 4, 1), OPEN_END)]
    assert [s["kind"] for s in spans] == [-1, 6, 5, -2]


def test_a_lapsed_certification_replaced_by_a_new_attempt_shows_the_attempt():
    row = dict.fromkeys(rows.CREDENTIAL_COLUMNS)
    row.update(holder_number="H1", qualification="CAP", stage="certified",
               attempt_stage="passed", attempt_pass_report_valid_until=date(2032, 6, 15),
               valid_from=date(2027, 4, 1), valid_until=date(2030, 3, 31),
               window_opens_on=date(2030, 1, 1), window_closes_on=date(2030, 2, 28),
               previous_valid_from=None, under_review=False)
    assert_spans_cover(row)
    assert [s["status"] for s in status_spans(row)] == [
        "certified", "renewal_window_open", "certified", "passed", "pass_expired"]
