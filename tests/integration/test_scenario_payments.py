"""Scenarios for fees and payments (SPEC §6, §10 Payments), driven through the CLI."""

from __future__ import annotations

from .cli_driver import (
    HANAKO,
    ICHIRO,
    KYOKO,
    TARO,
    allocation,
    application,
    apply,
    apply_ok,
    apply_one,
    count,
    decide_application,
    err,
    exam_pass,
    ok,
    payer,
    payment,
    qual,
    set_audit_rate,
    types,
)


def passed_and_applied(holder, number, person, issued_on="2026-06-15", filed_on="2026-09-01"):
    return [
        exam_pass(holder, "CAP", number, issued_on, person),
        application(holder, "CAP", filed_on),
    ]


def cap_status(db_url, holder, as_of):
    return qual(db_url, holder, "CAP", as_of)["status"]


def test_payer_name_matching_normalises_width_spaces_and_small_kana(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        passed_and_applied("H0001", "P26-000123", TARO)
        + passed_and_applied("H0002", "P26-000456", HANAKO)
        + passed_and_applied("H0003", "P26-000789", KYOKO)
        + passed_and_applied("H0004", "P26-001234", ICHIRO),
    )
    results = apply_ok(
        db_url,
        [
            # half-width katakana with spaces, as a bank prints it
            payment("H0001", "CAP", 11000, "2026-09-03", "0123 ｺﾝｹﾝ ﾀﾛｳ", "B-1"),
            # full-width katakana with ideographic spaces
            payment("H0002", "CAP", 11000, "2026-09-03", "0456\u3000スズキ\u3000ハナコ", "B-2"),
            # イッポンキョウコ printed with small kana folded: ｲﾂﾎﾟﾝｷﾖｳｺ
            payment("H0003", "CAP", 11000, "2026-09-03", "0789ｲﾂﾎﾟﾝｷﾖｳｺ", "B-3"),
        ],
    )
    for result in results:
        fee = [e for e in ok(result) if e["type"] == "FeePaid"]
        assert len(fee) == 1 and fee[0]["business_date"] == "2026-09-03", result
    for holder in ("H0001", "H0002", "H0003"):
        assert cap_status(db_url, holder, "2026-09-03") == "accepted", holder

    before = count(db_url, "H0004")
    # "last 4 digits" are of the number's digits: P26-001234 -> 1234
    err(
        apply_one(db_url, payment("H0004", "CAP", 11000, "2026-09-03", "0123ｻﾄｳｲﾁﾛｳ", "B-4")),
        "PAYMENT_MISMATCH",
    )
    err(
        apply_one(db_url, payment("H0004", "CAP", 11000, "2026-09-03", "1234ｽｽﾞｷﾊﾅｺ", "B-5")),
        "PAYMENT_MISMATCH",
    )
    err(
        apply_one(db_url, payment("H0004", "CAP", 11000, "2026-09-03", "ｻﾄｳｲﾁﾛｳ", "B-6")),
        "PAYMENT_MISMATCH",
    )
    assert count(db_url, "H0004") == before
    assert cap_status(db_url, "H0004", "2026-09-03") == "applied"
    # the refused references were not consumed
    apply_ok(
        db_url, [payment("H0004", "CAP", 11000, "2026-09-04", payer("P26-001234", ICHIRO), "B-4")]
    )
    assert cap_status(db_url, "H0004", "2026-09-04") == "accepted"


def test_underpayment_then_top_up(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, passed_and_applied("H0001", "P26-000123", TARO))
    short = apply_one(
        db_url, payment("H0001", "CAP", 10999, "2026-09-03", payer("P26-000123"), "B-1")
    )
    assert "FeePaid" in types(short)  # an underpayment is recorded
    assert cap_status(db_url, "H0001", "2026-09-03") == "applied"

    before = count(db_url, "H0001")
    err(apply_one(db_url, decide_application("H0001", "CAP", "2026-09-05")), "NOT_ACCEPTED")
    err(
        apply_one(db_url, decide_application("H0001", "CAP", "2026-09-05", "reject")),
        "NOT_ACCEPTED",
    )
    assert count(db_url, "H0001") == before

    apply_ok(db_url, [payment("H0001", "CAP", 1, "2026-09-10", payer("P26-000123"), "B-2")])
    assert cap_status(db_url, "H0001", "2026-09-09") == "applied"
    assert cap_status(db_url, "H0001", "2026-09-10") == "accepted"
    apply_ok(db_url, [decide_application("H0001", "CAP", "2026-10-01")])
    assert cap_status(db_url, "H0001", "2026-10-01") == "certified"


def test_payment_before_the_application_is_kept_as_a_credit(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0001", "CAP", "P26-000123", "2026-06-15", TARO),
            exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO),
        ],
    )
    early = apply_ok(
        db_url,
        [
            payment("H0001", "CAP", 11000, "2026-08-20", payer("P26-000123"), "B-1"),
            payment("H0002", "CAP", 5000, "2026-08-20", payer("P26-000456", HANAKO), "B-2"),
        ],
    )
    assert all("FeePaid" in types(r) for r in early)
    assert cap_status(db_url, "H0001", "2026-08-20") == "passed"

    filed = apply_ok(
        db_url,
        [application("H0001", "CAP", "2026-09-01"), application("H0002", "CAP", "2026-09-01")],
    )
    assert all("ApplicationFiled" in types(r) for r in filed)
    assert cap_status(db_url, "H0001", "2026-09-01") == "accepted"
    assert cap_status(db_url, "H0002", "2026-09-01") == "applied"

    apply_ok(
        db_url, [payment("H0002", "CAP", 6000, "2026-09-02", payer("P26-000456", HANAKO), "B-3")]
    )
    assert cap_status(db_url, "H0002", "2026-09-02") == "accepted"
    apply_ok(
        db_url,
        [
            decide_application("H0001", "CAP", "2026-10-01"),
            decide_application("H0002", "CAP", "2026-10-01"),
        ],
    )
    assert cap_status(db_url, "H0001", "2026-10-01") == "certified"
    assert cap_status(db_url, "H0002", "2026-10-01") == "certified"


def test_fee_due_is_the_one_in_force_on_the_latest_payment_date(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        passed_and_applied("H0001", "P19-000101", TARO, "2019-05-10", "2019-09-10")
        + passed_and_applied("H0002", "P19-000102", HANAKO, "2019-05-10", "2019-09-10")
        + passed_and_applied("H0003", "P19-000103", ICHIRO, "2019-05-10", "2019-09-10")
        + passed_and_applied("H0004", "P13-000104", KYOKO, "2013-06-01", "2014-03-01"),
    )
    apply_ok(
        db_url,
        [
            # 8 % until 2019-09-30
            payment("H0001", "CAP", 10800, "2019-09-30", payer("P19-000101"), "B-1"),
            # 10 % from 2019-10-01
            payment("H0002", "CAP", 10800, "2019-10-01", payer("P19-000102", HANAKO), "B-2"),
            # two halves straddling the change: the later date's fee (11,000) is due
            payment("H0003", "CAP", 5400, "2019-09-20", payer("P19-000103", ICHIRO), "B-3"),
            payment("H0003", "CAP", 5400, "2019-10-02", payer("P19-000103", ICHIRO), "B-4"),
            # 5 % until 2014-03-31
            payment("H0004", "CAP", 10500, "2014-03-31", payer("P13-000104", KYOKO), "B-5"),
        ],
    )
    assert cap_status(db_url, "H0001", "2019-09-30") == "accepted"
    assert cap_status(db_url, "H0002", "2019-10-01") == "applied"
    assert cap_status(db_url, "H0003", "2019-09-20") == "applied"
    assert cap_status(db_url, "H0003", "2019-10-02") == "applied"
    assert cap_status(db_url, "H0004", "2014-03-31") == "accepted"

    apply_ok(
        db_url,
        [
            payment("H0002", "CAP", 200, "2019-10-03", payer("P19-000102", HANAKO), "B-6"),
            payment("H0003", "CAP", 200, "2019-10-03", payer("P19-000103", ICHIRO), "B-7"),
        ],
    )
    assert cap_status(db_url, "H0002", "2019-10-03") == "accepted"
    assert cap_status(db_url, "H0003", "2019-10-03") == "accepted"

    apply_ok(db_url, [decide_application("H0001", "CAP", "2019-10-15")])
    q = qual(db_url, "H0001", "CAP", "2019-10-15")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "CAP-2020-00001",
        "2020-04-01",
        "2023-03-31",
    )


def test_the_same_bank_reference_twice_is_a_duplicate_payment(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        passed_and_applied("H0001", "P26-000123", TARO)
        + passed_and_applied("H0002", "P26-000456", HANAKO),
    )
    apply_ok(db_url, [payment("H0001", "CAP", 5000, "2026-09-03", payer("P26-000123"), "B-1")])
    before = (count(db_url, "H0001"), count(db_url, "H0002"))

    code, results = apply(
        db_url,
        [
            payment("H0001", "CAP", 5000, "2026-09-03", payer("P26-000123"), "B-1"),
            payment("H0001", "CAP", 6000, "2026-09-04", payer("P26-000123"), "B-1"),
            payment("H0002", "CAP", 11000, "2026-09-04", payer("P26-000456", HANAKO), "B-1"),
            # DUPLICATE_PAYMENT wins over PAYMENT_MISMATCH
            payment("H0002", "CAP", 11000, "2026-09-04", "9999ﾀﾞﾚｶ", "B-1"),
        ],
    )
    assert code != 0
    for result in results:
        err(result, "DUPLICATE_PAYMENT")
    assert (count(db_url, "H0001"), count(db_url, "H0002")) == before
    # the duplicate changed nothing: still 5,000 short
    assert cap_status(db_url, "H0001", "2026-09-04") == "applied"
    assert cap_status(db_url, "H0002", "2026-09-04") == "applied"


def test_company_transfer_allocated_to_several_holders(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        passed_and_applied("H0001", "P26-000123", TARO)
        + passed_and_applied("H0002", "P26-000456", HANAKO)
        + passed_and_applied("H0003", "P26-000789", ICHIRO)
        + passed_and_applied("H0004", "P26-001234", KYOKO),
    )
    # one transfer of 22,000 by the employer: payer name is the company's, matching skipped
    first = apply_ok(
        db_url,
        [
            allocation("H0001", "CAP", 11000, "2026-09-05", "C-0001", 22000),
            allocation("H0002", "CAP", 11000, "2026-09-05", "C-0001", 22000),
        ],
    )
    assert all("FeePaid" in types(r) for r in first)
    assert cap_status(db_url, "H0001", "2026-09-05") == "accepted"
    assert cap_status(db_url, "H0002", "2026-09-05") == "accepted"

    before = [count(db_url, h) for h in ("H0001", "H0002", "H0003")]
    code, results = apply(
        db_url,
        [
            # beyond the transfer amount
            allocation("H0003", "CAP", 11000, "2026-09-05", "C-0001", 22000),
            # allocated twice to the same holder
            allocation("H0001", "CAP", 1, "2026-09-05", "C-0001", 22000),
            # the same reference as a plain payment
            payment("H0003", "CAP", 11000, "2026-09-05", payer("P26-000789", ICHIRO), "C-0001"),
        ],
    )
    assert code != 0
    for result in results:
        err(result, "DUPLICATE_PAYMENT")
    assert [count(db_url, h) for h in ("H0001", "H0002", "H0003")] == before
    assert cap_status(db_url, "H0003", "2026-09-05") == "applied"

    # a plain payment's reference cannot then be allocated
    apply_ok(
        db_url, [payment("H0003", "CAP", 11000, "2026-09-06", payer("P26-000789", ICHIRO), "B-7")]
    )
    err(
        apply_one(db_url, allocation("H0004", "CAP", 11000, "2026-09-06", "B-7", 22000)),
        "DUPLICATE_PAYMENT",
    )

    # a partial allocation leaves the holder short; transfer_amount must agree per reference
    apply_ok(db_url, [allocation("H0004", "CAP", 5000, "2026-09-07", "C-0002", 30000)])
    assert cap_status(db_url, "H0004", "2026-09-07") == "applied"
    disagreeing = apply_one(db_url, allocation("H0004", "CAP", 6000, "2026-09-08", "C-0002", 40000))
    assert disagreeing["ok"] is False
    assert cap_status(db_url, "H0004", "2026-09-08") == "applied"
    apply_ok(db_url, [allocation("H0004", "CAP", 6000, "2026-09-08", "C-0003", 6000)])
    assert cap_status(db_url, "H0004", "2026-09-08") == "accepted"


def test_overpayment_is_recorded_and_not_carried_to_the_next_application(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, passed_and_applied("H0001", "P26-000123", TARO))
    over = apply_one(
        db_url, payment("H0001", "CAP", 15000, "2026-09-03", payer("P26-000123"), "B-1")
    )
    assert "FeePaid" in types(over)
    assert cap_status(db_url, "H0001", "2026-09-03") == "accepted"
    apply_ok(db_url, [decide_application("H0001", "CAP", "2026-09-10", "reject", ["書類不備"])])
    apply_ok(db_url, [application("H0001", "CAP", "2026-09-20")])
    # neither the 11,000 fee nor the 4,000 excess counts toward the new application
    assert cap_status(db_url, "H0001", "2026-09-20") == "applied"
    apply_ok(db_url, [payment("H0001", "CAP", 7000, "2026-09-21", payer("P26-000123"), "B-2")])
    assert cap_status(db_url, "H0001", "2026-09-21") == "applied"
    apply_ok(db_url, [payment("H0001", "CAP", 4000, "2026-09-22", payer("P26-000123"), "B-3")])
    assert cap_status(db_url, "H0001", "2026-09-22") == "accepted"
