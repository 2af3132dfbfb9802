"""Refusals: INVALID_INPUT, UNKNOWN_HOLDER and which error wins (SPEC §8 Error codes, §10)."""

from __future__ import annotations

import json

from .cli_driver import (
    HANAKO,
    ICHIRO,
    KYOKO,
    TARO,
    application,
    apply,
    apply_lines,
    apply_ok,
    certification_batch,
    complete_audit,
    count,
    decide_application,
    decide_renewal,
    entry,
    err,
    exam_pass,
    history,
    log_cpd,
    payer,
    payment,
    qual,
    renewal_payment,
    request_renewal,
    set_audit_rate,
    status,
    sweep,
    types,
    withdraw_cpd,
)


def refusals(commands: list[tuple[str, dict]], results: list[dict], code: str) -> list:
    """The labelled commands whose result is not the error `code` (all reported at once)."""
    wrong = []
    for (label, _), result in zip(commands, results, strict=True):
        if result["ok"] or result["error"]["code"] != code:
            wrong.append((label, result))
    return wrong


def test_invalid_input_is_refused_and_appends_nothing(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch() + [exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO)],
    )
    before = (count(db_url, "H0001"), count(db_url, "H0002"))

    good_payer = payer("P26-000456", HANAKO)
    late_entry = application(
        "H0002",
        "CAP",
        "2026-09-01",
        experience=[
            entry("Acme Contact", "2021-10", "2026-10", [6]),  # ends after the filing month
            entry("Beta Service", "2019-01", "2020-12", [1]),
        ],
    )
    no_holder = application("H0002", "CAP", "2026-09-01")
    del no_holder["holder"]
    no_pass_number = exam_pass("H0006", "CAP", "P26-000666", "2026-06-15", KYOKO)
    del no_pass_number["pass_number"]
    no_entry_id = log_cpd("H0001", "x", "A", "2027-05-10", "1", "2027-05-11", field=None)
    del no_entry_id["entry_id"]
    name_only = exam_pass("H0005", "CAP", "P26-000555", "2026-06-15", ICHIRO)
    del name_only["name_kana"]
    bad_field = application(
        "H0002",
        "CAP",
        "2026-09-01",
        experience=[entry("Acme Contact", "2009-01", "2013-12", [6, 0])],
    )
    bad_kind = application(
        "H0002",
        "CAP",
        "2026-09-01",
        substitutions=[{"kind": "hobby", "name": "囲碁", "months": 12}],
    )
    cases = [
        (
            "unknown qualification (pass)",
            exam_pass("H0003", "XYZ", "P26-000333", "2026-06-15", HANAKO),
        ),
        ("unknown qualification (application)", application("H0002", "ABC", "2026-09-01")),
        ("impossible date", exam_pass("H0004", "CAP", "P26-000444", "2026-02-30", ICHIRO)),
        ("date in another format", application("H0002", "CAP", "2026/09/01")),
        (
            "impossible activity date",
            log_cpd("H0001", "x", "A", "2027-13-01", "1", "2027-05-11", field=None),
        ),
        ("SV in file_application", application("H0002", "SV", "2026-09-01")),
        ("OP in record_payment", payment("H0002", "OP", 11000, "2026-09-03", good_payer, "B-9")),
        ("EN in decide_application", decide_application("H0002", "EN", "2026-10-01")),
        ("SV in request_renewal", request_renewal("H0001", "SV", "2030-01-10")),
        ("SV in decide_renewal", decide_renewal("H0001", "SV", "2030-01-10")),
        ("SV in complete_audit", complete_audit("H0001", "SV", "2030-01-10")),
        (
            "hours with 3 decimals",
            log_cpd("H0001", "x", "A", "2027-05-10", "1.234", "2027-05-11", field=None),
        ),
        (
            "hours over 100",
            log_cpd("H0001", "x", "A", "2027-05-10", "100.01", "2027-05-11", field=None),
        ),
        ("zero hours", log_cpd("H0001", "x", "A", "2027-05-10", "0", "2027-05-11", field=None)),
        (
            "negative hours",
            log_cpd("H0001", "x", "A", "2027-05-10", "-1", "2027-05-11", field=None),
        ),
        ("field 8", log_cpd("H0001", "x", "B", "2027-05-10", "1", "2027-05-11", field=8)),
        ("category E", log_cpd("H0001", "x", "E", "2027-05-10", "1", "2027-05-11", field=4)),
        (
            "new holder without name",
            exam_pass("H0005", "CAP", "P26-000555", "2026-06-15", person=None),
        ),
        ("new holder without name_kana", name_only),
        ("experience ending after the filing month", late_entry),
        ("experience field 0", bad_field),
        ("substitution of an unknown kind", bad_kind),
        ("unknown command type", {"type": "do_magic", "holder": "H0001", "on": "2027-01-01"}),
        ("missing holder", no_holder),
        ("missing pass_number", no_pass_number),
        ("missing entry_id", no_entry_id),
        ("amount not a number", payment("H0002", "CAP", "abc", "2026-09-03", good_payer, "B-8")),
        (
            "unknown purpose",
            payment("H0002", "CAP", 11000, "2026-09-03", good_payer, "B-7", "donation"),
        ),
        ("unknown application decision", decide_application("H0002", "CAP", "2026-10-01", "maybe")),
        ("unknown renewal decision", decide_renewal("H0001", "CAP", "2030-01-10", "maybe")),
        ("shape before UNKNOWN_HOLDER", application("H9999", "CAP", "2026-99-01")),
        ("sweep with a bad date", sweep("yesterday")),
        ("hours as a number with 3 decimals", {**no_entry_id, "entry_id": "y", "hours": 1.234}),
        ("negative amount", payment("H0002", "CAP", -11000, "2026-09-03", good_payer, "B-6")),
    ]
    code, results = apply(db_url, [c for _, c in cases])
    assert code != 0
    assert refusals(cases, results, "INVALID_INPUT") == []
    assert (count(db_url, "H0001"), count(db_url, "H0002")) == before
    for holder in ("H0003", "H0004", "H0005", "H0006", "H9999"):
        assert status(db_url, holder, "2027-01-01")[0] == 1, f"{holder} was created"

    # the boundaries themselves are fine
    apply_ok(
        db_url,
        [
            log_cpd("H0001", "max", "D", "2027-05-10", "100", "2027-05-11", field=7),
            log_cpd("H0001", "min", "A", "2027-05-10", "0.01", "2027-05-11", field=None),
            application(
                "H0002",
                "CAP",
                "2026-09-01",
                experience=[
                    entry("Acme Contact", "2021-09", "2026-09", [6]),  # ends in the filing month
                    entry("Beta Service", "2019-01", "2020-12", [1]),
                ],
            ),
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2027-05-11")["cpd"]["logged"] == "100.01"


def test_a_cpd_entry_needs_its_title_and_provider(db_url, monkeypatch):
    """SPEC §5: "Each entry: {entry_id, category, field (1-7), activity_on, hours, title,
    provider}; `field` is required for categories B, C, D" - the others are always required."""
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    no_title = log_cpd("H0001", "t", "A", "2027-05-10", "1", "2027-05-11", field=None)
    del no_title["title"]
    no_provider = log_cpd("H0001", "p", "A", "2027-05-10", "1", "2027-05-11", field=None)
    del no_provider["provider"]
    cases = [("no title", no_title), ("no provider", no_provider)]
    code, results = apply(db_url, [c for _, c in cases])
    assert code != 0
    assert refusals(cases, results, "INVALID_INPUT") == []


def test_a_bad_line_fails_alone(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    lines = [
        json.dumps(exam_pass("H0001", "CAP", "P26-000123", "2026-06-15"), ensure_ascii=False),
        '{"type": "record_exam_pass", "holder": ',
        json.dumps(
            exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO), ensure_ascii=False
        ),
        "[1, 2, 3]",
        '"record_exam_pass"',
        "not json at all",
    ]
    code, results = apply_lines(db_url, lines)
    assert code != 0
    assert types(results[0]) == ["ExamPassed"]
    assert types(results[2]) == ["ExamPassed"]
    for i in (1, 3, 4, 5):
        err(results[i], "INVALID_INPUT")
    assert qual(db_url, "H0002", "CAP", "2026-06-15")["status"] == "passed"


def test_commands_for_an_unknown_holder(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    h = "H9999"
    cases = [
        ("file_application", application(h, "CAP", "2026-09-01")),
        ("record_payment", payment(h, "CAP", 11000, "2026-09-03", payer("P26-000123"), "B-99")),
        ("decide_application", decide_application(h, "CAP", "2026-10-01")),
        ("log_cpd", log_cpd(h, "e1", "A", "2027-05-10", "1", "2027-05-11", field=None)),
        ("withdraw_cpd", withdraw_cpd(h, "e1", "2027-05-12")),
        ("request_renewal", request_renewal(h, "CAP", "2030-01-10")),
        ("complete_audit", complete_audit(h, "CAP", "2030-01-20")),
        ("decide_renewal", decide_renewal(h, "CAP", "2030-01-25")),
    ]
    code, results = apply(db_url, [c for _, c in cases])
    assert code != 0
    assert refusals(cases, results, "UNKNOWN_HOLDER") == []
    code, doc = history(db_url, h)
    assert code == 1 and doc["error"]["code"] == "UNKNOWN_HOLDER"


def test_file_application_error_order(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + [
            exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO),
            application("H0002", "CAP", "2029-06-10"),
            exam_pass("H0003", "CAP", "P26-000789", "2026-06-15", ICHIRO),
        ],
    )
    cases = [
        ("NO_EXAM_PASS", application("H0001", "OMP", "2026-11-01")),
        ("ALREADY_DECIDED", application("H0001", "CAP", "2026-11-01")),
        ("ALREADY_DECIDED", application("H0001", "CAP", "2029-07-01")),  # over PASS_REPORT_EXPIRED
        ("ALREADY_PENDING", application("H0002", "CAP", "2029-06-11")),
        ("ALREADY_PENDING", application("H0002", "CAP", "2029-06-20")),  # over PASS_REPORT_EXPIRED
        ("PASS_REPORT_EXPIRED", application("H0003", "CAP", "2029-06-16")),
    ]
    _, results = apply(db_url, [c for _, c in cases])
    assert [r["error"]["code"] if not r["ok"] else "ok" for r in results] == [
        label for label, _ in cases
    ]
    for result in results:
        err(result, result["error"]["code"])  # shape and no personal data


def test_record_payment_error_order(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch(ref="B-1")
        + [exam_pass("H0003", "CAP", "P26-000789", "2026-06-15", ICHIRO)],
    )
    wrong = "9999ﾀﾞﾚｶ"
    cases = [
        ("DUPLICATE_PAYMENT", payment("H0001", "OMP", 11000, "2026-11-01", wrong, "B-1")),
        ("NO_EXAM_PASS", payment("H0001", "OMP", 11000, "2026-11-01", wrong, "B-2")),
        ("NOT_CERTIFIED", payment("H0003", "CAP", 11000, "2026-11-01", wrong, "B-3", "renewal")),
        ("NOT_CERTIFIED", payment("H0001", "OMP", 11000, "2026-11-01", wrong, "B-4", "renewal")),
        ("PAYMENT_MISMATCH", renewal_payment("H0001", "2026-11-01", "B-5", person=KYOKO)),
    ]
    _, results = apply(db_url, [c for _, c in cases])
    assert [r["error"]["code"] if not r["ok"] else "ok" for r in results] == [
        label for label, _ in cases
    ]


def test_decide_application_error_order(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    weak = application(
        "H0004", "CAP", "2026-09-01", experience=[entry("Gamma Call", "2020-04", "2022-09", [1])]
    )
    apply_ok(
        db_url,
        [
            exam_pass("H0003", "CAP", "P26-000789", "2026-06-15", ICHIRO),
            exam_pass("H0004", "CAP", "P26-001234", "2026-06-15", KYOKO),
            weak,
            payment("H0004", "CAP", 10000, "2026-09-03", payer("P26-001234", KYOKO), "B-4"),
        ],
    )
    cases = [
        ("NOT_ACCEPTED", decide_application("H0003", "CAP", "2026-10-01")),  # nothing open
        ("NOT_ACCEPTED", decide_application("H0004", "CAP", "2026-10-01")),  # short, ineligible
        ("NOT_ACCEPTED", decide_application("H0004", "CAP", "2026-10-01", "reject")),
    ]
    _, results = apply(db_url, [c for _, c in cases])
    assert refusals(cases, results, "NOT_ACCEPTED") == []
    apply_ok(
        db_url, [payment("H0004", "CAP", 1000, "2026-09-04", payer("P26-001234", KYOKO), "B-5")]
    )
    _, results = apply(db_url, [decide_application("H0004", "CAP", "2026-10-01")])
    err(results[0], "NOT_ELIGIBLE")


def test_renewal_commands_need_a_certification(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, [exam_pass("H0003", "CAP", "P26-000789", "2026-06-15", ICHIRO)])
    cases = [
        ("request", request_renewal("H0003", "CAP", "2029-06-01")),
        ("request in the window", request_renewal("H0003", "CAP", "2030-01-10")),
        ("decide", decide_renewal("H0003", "CAP", "2030-01-10")),
        ("decide reject", decide_renewal("H0003", "CAP", "2030-01-10", "reject")),
    ]
    _, results = apply(db_url, [c for _, c in cases])
    assert refusals(cases, results, "NOT_CERTIFIED") == []


def test_audit_pending_wins_over_cpd_insufficient(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 1)
    apply_ok(
        db_url,
        certification_batch()
        + [
            request_renewal("H0001", "CAP", "2030-01-10"),
            renewal_payment("H0001", "2030-01-11", "R-1"),
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2030-01-11")["status"] == "renewal_audit"
    _, results = apply(db_url, [decide_renewal("H0001", "CAP", "2030-01-20")])
    err(results[0], "AUDIT_PENDING")
    apply_ok(db_url, [complete_audit("H0001", "CAP", "2030-01-21")])
    _, results = apply(db_url, [decide_renewal("H0001", "CAP", "2030-01-22")])
    err(results[0], "CPD_INSUFFICIENT")
    assert TARO.name not in json.dumps(results, ensure_ascii=False)
