"""Scenarios for first certification (SPEC §3, §4, §8, §9 examples 2 and 4), through the CLI."""

from __future__ import annotations

import json

from .cli_driver import (
    HANAKO,
    ICHIRO,
    JIRO,
    KYOKO,
    TARO,
    application,
    apply,
    apply_ok,
    apply_one,
    cap_experience,
    certification_batch,
    count,
    decide_application,
    entry,
    err,
    events,
    exam_pass,
    holder_status,
    log_cpd,
    ok,
    payer,
    payment,
    qual,
    request_renewal,
    set_audit_rate,
    sweep,
    types,
)

NULL_CERTIFICATION = {
    "certification_number": None,
    "valid_from": None,
    "valid_until": None,
    "renewal_window": None,
    "cpd": None,
}


def assert_pre_certification(q: dict, status: str, pass_report_valid_until: str) -> None:
    assert q["status"] == status, q
    assert {k: q[k] for k in NULL_CERTIFICATION} == NULL_CERTIFICATION, q
    assert q["pass_report_valid_until"] == pass_report_valid_until, q


def test_spec_example_2_from_exam_pass_to_certification(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    results = apply_ok(db_url, certification_batch())

    assert types(results[0]) == ["ExamPassed"]
    assert ok(results[0])[0]["business_date"] == "2026-06-15"
    assert "ApplicationFiled" in types(results[1])
    assert "FeePaid" in types(results[2])
    assert "Certified" in types(results[3])
    dates = {e["type"]: e["business_date"] for r in results for e in ok(r)}
    assert dates["ApplicationFiled"] == "2026-09-01"
    assert dates["FeePaid"] == "2026-09-03"  # record_payment's business date is paid_on
    assert dates["Certified"] == "2026-10-01"

    doc = holder_status(db_url, "H0001", "2026-06-15")
    assert doc["name"] == TARO.name and doc["name_kana"] == TARO.kana
    assert set(doc["qualifications"]) == {"CAP"}
    assert_pre_certification(doc["qualifications"]["CAP"], "passed", "2029-06-15")
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2026-09-01"), "applied", "2029-06-15")
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2026-09-02"), "applied", "2029-06-15")
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2026-09-03"), "accepted", "2029-06-15")
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2026-09-30"), "accepted", "2029-06-15")

    certified = {
        "status": "certified",
        "certification_number": "CAP-2027-00001",
        "valid_from": "2027-04-01",
        "valid_until": "2030-03-31",
        "renewal_window": {"opens_on": "2030-01-01", "closes_on": "2030-02-28"},
        "pass_report_valid_until": "2029-06-15",
        "cpd": {
            "counted": "0",
            "logged": "0",
            "required": "30",
            "by_category": {"A": "0", "B": "0", "C": "0", "D": "0"},
        },
    }
    assert qual(db_url, "H0001", "CAP", "2026-10-01") == certified
    assert qual(db_url, "H0001", "CAP", "2027-04-01") == certified
    assert qual(db_url, "H0001", "CAP", "2029-12-31") == certified


def test_command_results_are_the_recorded_history_events(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    results = apply_ok(db_url, certification_batch())
    recorded = [e for r in results for e in ok(r)]
    history = events(db_url, "H0001")
    assert history == recorded
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))


def test_recording_the_same_pass_again_is_a_no_op_and_pass_numbers_are_unique(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    first = apply_one(db_url, exam_pass("H0001", "CAP", "P26-000123", "2026-06-15"))
    assert types(first) == ["ExamPassed"]
    before = count(db_url, "H0001")

    again = apply_one(db_url, exam_pass("H0001", "CAP", "P26-000123", "2026-06-15"))
    assert ok(again) == []
    assert count(db_url, "H0001") == before

    stolen = apply_one(db_url, exam_pass("H0002", "CAP", "P26-000123", "2026-06-15", HANAKO))
    err(stolen, "DUPLICATE_PASS_NUMBER")
    err(
        apply_one(db_url, exam_pass("H0003", "OMP", "P26-000123", "2026-07-01", ICHIRO)),
        "DUPLICATE_PASS_NUMBER",
    )

    # an existing holder needs no name for a further pass
    other = apply_one(db_url, exam_pass("H0001", "OMP", "P26-000999", "2026-07-01", person=None))
    assert types(other) == ["ExamPassed"]
    doc = holder_status(db_url, "H0001", "2026-07-01")
    assert doc["name"] == TARO.name
    assert set(doc["qualifications"]) == {"CAP", "OMP"}


def test_decide_with_failures_is_not_eligible_then_reject_and_file_again(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    weak = application(
        "H0002",
        "CAP",
        "2026-09-01",
        experience=[entry("Gamma Call", "2020-04", "2022-09", [1])],  # 30 months, field 1 only
        pledge="2026-09-05",  # signed after filing
        copy=False,
    )
    apply_ok(
        db_url,
        [
            exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO),
            weak,
            payment("H0002", "CAP", 11000, "2026-09-03", payer("P26-000456", HANAKO), "B-1"),
        ],
    )
    assert qual(db_url, "H0002", "CAP", "2026-09-03")["status"] == "accepted"
    before = count(db_url, "H0002")

    refused = apply_one(db_url, decide_application("H0002", "CAP", "2026-10-01"))
    message = err(refused, "NOT_ELIGIBLE")
    for code in (
        "EXPERIENCE_INSUFFICIENT",
        "FIELDS_INSUFFICIENT",
        "REQUIRED_FIELD_INSUFFICIENT",
        "ETHICS_PLEDGE_MISSING",
        "DOCUMENTS_MISSING",
    ):
        assert code in message, f"{code} not listed in {message!r}"
    assert "FEE_NOT_PAID" not in message
    assert count(db_url, "H0002") == before
    assert qual(db_url, "H0002", "CAP", "2026-10-01")["status"] == "accepted"

    rejected = apply_one(
        db_url, decide_application("H0002", "CAP", "2026-10-02", "reject", ["経験年数不足"])
    )
    assert "ApplicationRejected" in types(rejected)
    assert_pre_certification(qual(db_url, "H0002", "CAP", "2026-10-02"), "rejected", "2029-06-15")

    # nothing open any more
    err(apply_one(db_url, decide_application("H0002", "CAP", "2026-10-03")), "NOT_ACCEPTED")

    # a new application needs a new fee: the first payment stays with the rejected application
    refiled = apply_one(db_url, application("H0002", "CAP", "2026-11-01"))
    assert "ApplicationFiled" in types(refiled)
    assert_pre_certification(qual(db_url, "H0002", "CAP", "2026-11-01"), "applied", "2029-06-15")
    apply_ok(
        db_url,
        [
            payment("H0002", "CAP", 11000, "2026-11-05", payer("P26-000456", HANAKO), "B-2"),
            decide_application("H0002", "CAP", "2026-12-01"),
        ],
    )
    q = qual(db_url, "H0002", "CAP", "2026-12-01")
    assert q["status"] == "certified"
    assert q["certification_number"] == "CAP-2027-00001"
    assert (q["valid_from"], q["valid_until"]) == ("2027-04-01", "2030-03-31")


def test_rejected_application_shows_rejected_until_the_report_ends_then_pass_expired(
    db_url, monkeypatch
):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0003", "CAP", "P26-000789", "2026-06-15", ICHIRO),
            application("H0003", "CAP", "2026-09-01"),
            payment("H0003", "CAP", 11000, "2026-09-02", payer("P26-000789", ICHIRO), "B-3"),
            decide_application("H0003", "CAP", "2026-10-01", "reject", ["書類不備"]),
        ],
    )
    assert_pre_certification(qual(db_url, "H0003", "CAP", "2026-10-01"), "rejected", "2029-06-15")
    assert_pre_certification(qual(db_url, "H0003", "CAP", "2029-06-15"), "rejected", "2029-06-15")
    assert_pre_certification(
        qual(db_url, "H0003", "CAP", "2029-06-16"), "pass_expired", "2029-06-15"
    )


def test_spec_example_4_experience_is_eligible_for_omp_but_not_cap(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0004", "OMP", "P26-000401", "2026-06-15", KYOKO),
            exam_pass("H0004", "CAP", "P26-000402", "2026-06-15", KYOKO),
            application("H0004", "OMP", "2026-09-01"),  # example 4 experience + substitution
            payment("H0004", "OMP", 11000, "2026-09-02", payer("P26-000401", KYOKO), "B-41"),
            decide_application("H0004", "OMP", "2026-10-01"),
        ],
    )
    omp = qual(db_url, "H0004", "OMP", "2026-10-01")
    assert omp["status"] == "certified"
    assert omp["certification_number"] == "OMP-2027-00001"

    same_for_cap = application(
        "H0004",
        "CAP",
        "2026-10-05",
        experience=[
            entry("Acme Contact", "2010-01", "2012-12", [4]),
            entry("Beta Service", "2013-01", "2013-12", [1]),
        ],
        substitutions=[{"kind": "training", "name": "CC研修", "months": 12}],
    )
    apply_ok(
        db_url,
        [
            same_for_cap,
            payment("H0004", "CAP", 11000, "2026-10-06", payer("P26-000402", KYOKO), "B-42"),
        ],
    )
    message = err(
        apply_one(db_url, decide_application("H0004", "CAP", "2026-10-10")), "NOT_ELIGIBLE"
    )
    assert "REQUIRED_FIELD_INSUFFICIENT" in message
    assert "EXPERIENCE_INSUFFICIENT" not in message
    assert "FIELDS_INSUFFICIENT" not in message.replace("REQUIRED_FIELD_INSUFFICIENT", "")
    assert qual(db_url, "H0004", "CAP", "2026-10-10")["status"] == "accepted"
    assert qual(db_url, "H0004", "OMP", "2026-10-10")["status"] == "certified"


def test_experience_months_are_a_union_and_substitution_counts_at_most_24(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    overlapping = [  # 48 + 36 months, but the 36 overlap: union 48 < 60
        entry("Acme Contact", "2009-01", "2012-12", [6]),
        entry("Beta Service", "2010-01", "2012-12", [1]),
    ]
    capped = [  # 24 + 10 = 34 months; 30 months of substitution count as 24 -> 58 < 60
        entry("Acme Contact", "2010-01", "2011-12", [6]),
        entry("Beta Service", "2012-01", "2012-10", [1]),
    ]
    capped_subs = [
        {"kind": "qualification", "name": "ITIL", "months": 20},
        {"kind": "training", "name": "CC研修", "months": 10},
    ]
    enough = [  # 24 + 12 = 36 months + 24 of substitution = 60
        entry("Acme Contact", "2010-01", "2011-12", [6]),
        entry("Beta Service", "2012-01", "2012-12", [1]),
    ]
    not_required = [  # 20 months in field 6 + 16 in field 1 + 24 substituted = 60, but 20 < 24
        entry("Acme Contact", "2010-01", "2011-08", [6]),
        entry("Beta Service", "2011-09", "2012-12", [1]),
    ]
    one_field = [entry("Acme Contact", "2010-01", "2012-12", [6])]  # 36 + 24 = 60, one field
    holders = [
        ("H0011", TARO, overlapping, []),
        ("H0012", HANAKO, capped, capped_subs),
        ("H0013", ICHIRO, enough, capped_subs),
        ("H0014", KYOKO, not_required, capped_subs),
        ("H0015", JIRO, one_field, capped_subs),
    ]
    batch = []
    for i, (holder, person, experience, subs) in enumerate(holders):
        number = f"P26-00011{i}"
        batch += [
            exam_pass(holder, "CAP", number, "2026-06-15", person),
            application(holder, "CAP", "2026-09-01", experience=experience, substitutions=subs),
            payment(holder, "CAP", 11000, "2026-09-02", payer(number, person), f"B-U{i}"),
        ]
    apply_ok(db_url, batch)

    code, results = apply(db_url, [decide_application(h, "CAP", "2026-10-01") for h, *_ in holders])
    assert code != 0
    assert "EXPERIENCE_INSUFFICIENT" in err(results[0], "NOT_ELIGIBLE")
    assert "EXPERIENCE_INSUFFICIENT" in err(results[1], "NOT_ELIGIBLE")
    assert "Certified" in types(results[2])
    # substitution counts only toward the 5-year total: not toward fields or required months
    message = err(results[3], "NOT_ELIGIBLE")
    assert "REQUIRED_FIELD_INSUFFICIENT" in message
    assert "EXPERIENCE_INSUFFICIENT" not in message
    message = err(results[4], "NOT_ELIGIBLE")
    assert "FIELDS_INSUFFICIENT" in message
    assert "EXPERIENCE_INSUFFICIENT" not in message


def test_experience_signed_by_another_organization_does_not_count(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    experience = [
        entry("Acme Contact", "2009-01", "2013-12", [6]),
        entry("Beta Service", "2007-01", "2008-12", [1], supervisor_org="Acme Contact"),
    ]
    unsigned = entry("Beta Service", "2007-01", "2008-12", [1], signed_on=None)  # not signed
    apply_ok(
        db_url,
        [
            exam_pass("H0021", "CAP", "P26-000211", "2026-06-15", TARO),
            application("H0021", "CAP", "2026-09-01", experience=experience),
            payment("H0021", "CAP", 11000, "2026-09-02", payer("P26-000211"), "B-21"),
            exam_pass("H0022", "CAP", "P26-000212", "2026-06-15", HANAKO),
            application(
                "H0022",
                "CAP",
                "2026-09-01",
                experience=[entry("Acme Contact", "2009-01", "2013-12", [6]), unsigned],
            ),
            payment("H0022", "CAP", 11000, "2026-09-02", payer("P26-000212", HANAKO), "B-22"),
        ],
    )
    # only field 6 counts for both: one field
    for holder in ("H0021", "H0022"):
        message = err(
            apply_one(db_url, decide_application(holder, "CAP", "2026-10-01")), "NOT_ELIGIBLE"
        )
        assert "FIELDS_INSUFFICIENT" in message.replace("REQUIRED_FIELD_INSUFFICIENT", "")


def test_pass_report_expiry_and_a_new_pass_starting_over(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0001", "CAP", "P26-000123", "2026-06-15", TARO),
            exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO),
            application("H0002", "CAP", "2029-06-15"),  # the report's last day: still usable
        ],
    )
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2029-06-15"), "passed", "2029-06-15")
    assert_pre_certification(
        qual(db_url, "H0001", "CAP", "2029-06-16"), "pass_expired", "2029-06-15"
    )

    before = count(db_url, "H0001")
    err(apply_one(db_url, application("H0001", "CAP", "2029-06-16")), "PASS_REPORT_EXPIRED")
    assert count(db_url, "H0001") == before

    # an open application keeps `applied` after its report's last day, and can still be decided
    assert_pre_certification(qual(db_url, "H0002", "CAP", "2029-07-01"), "applied", "2029-06-15")
    apply_ok(
        db_url,
        [
            payment("H0002", "CAP", 11000, "2029-07-05", payer("P26-000456", HANAKO), "B-2"),
            decide_application("H0002", "CAP", "2029-07-10"),
        ],
    )
    assert qual(db_url, "H0002", "CAP", "2029-07-05")["status"] == "accepted"
    q = qual(db_url, "H0002", "CAP", "2029-07-10")
    assert (q["status"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "2027-04-01",
        "2030-03-31",
    )

    # a new pass starts over, with its own report and pass number
    again = apply_one(db_url, exam_pass("H0001", "CAP", "P29-000777", "2029-07-01", TARO))
    assert types(again) == ["ExamPassed"]
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2029-07-01"), "passed", "2032-07-01")
    apply_ok(db_url, [application("H0001", "CAP", "2029-08-01")])
    stale_digits = payment("H0001", "CAP", 11000, "2029-08-02", payer("P26-000123"), "B-10")
    err(apply_one(db_url, stale_digits), "PAYMENT_MISMATCH")
    apply_ok(
        db_url,
        [
            payment("H0001", "CAP", 11000, "2029-08-02", payer("P29-000777"), "B-11"),
            decide_application("H0001", "CAP", "2029-09-01"),
        ],
    )
    q = qual(db_url, "H0001", "CAP", "2029-09-01")
    assert q["status"] == "certified"
    assert q["certification_number"] == "CAP-2030-00001"
    assert (q["valid_from"], q["valid_until"]) == ("2030-04-01", "2033-03-31")
    assert q["pass_report_valid_until"] == "2032-07-01"


def test_application_uses_a_pass_issued_on_or_before_its_filing_date(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, [exam_pass("H0001", "CAP", "P26-000123", "2026-06-15")])
    err(apply_one(db_url, application("H0001", "CAP", "2026-06-14")), "NO_EXAM_PASS")
    err(apply_one(db_url, application("H0001", "OMP", "2026-09-01")), "NO_EXAM_PASS")
    assert count(db_url, "H0001") == 1


def test_certification_numbers_run_per_qualification_and_fiscal_year(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    batch = (
        certification_batch(
            "H0001", "CAP", "P26-000123", "2026-06-15", TARO, decided_on="2026-10-01"
        )
        + certification_batch(
            "H0002", "CAP", "P26-000456", "2026-07-01", HANAKO, decided_on="2026-10-02"
        )
        + certification_batch(
            "H0003",
            "CAP",
            "P27-000789",
            "2027-05-01",
            ICHIRO,
            filed_on="2027-06-01",
            paid_on="2027-06-02",
            decided_on="2027-07-01",
        )
        + certification_batch(
            "H0004", "OMP", "P26-000321", "2026-06-15", KYOKO, decided_on="2026-10-03"
        )
    )
    apply_ok(db_url, batch)
    expected = {
        "H0001": ("CAP", "CAP-2027-00001", "2027-04-01", "2030-03-31"),
        "H0002": ("CAP", "CAP-2027-00002", "2027-04-01", "2030-03-31"),
        "H0003": ("CAP", "CAP-2028-00001", "2028-04-01", "2031-03-31"),
        "H0004": ("OMP", "OMP-2027-00001", "2027-04-01", "2030-03-31"),
    }
    for holder, (code, number, start, end) in expected.items():
        q = qual(db_url, holder, code, "2027-07-01")
        assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
            "certified",
            number,
            start,
            end,
        ), holder


def test_pass_report_issued_on_31_march_certified_late_in_its_life(db_url, monkeypatch):
    """SPEC §3 edge: valid_from the next day; certified after the window closed, then lapses."""
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0001", "CAP", "P26-000331", "2026-03-31", TARO),
            exam_pass("H0002", "CAP", "P26-000332", "2026-03-31", HANAKO),
            # H0002 is certified while the first cycle's window is open
            application("H0002", "CAP", "2029-01-10"),
            payment("H0002", "CAP", 11000, "2029-01-12", payer("P26-000332", HANAKO), "B-2"),
            decide_application("H0002", "CAP", "2029-01-20"),
            # H0001 is certified after that window closed
            application("H0001", "CAP", "2029-03-10"),
            payment("H0001", "CAP", 11000, "2029-03-10", payer("P26-000331"), "B-1"),
            decide_application("H0001", "CAP", "2029-03-15"),
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2026-03-31")["pass_report_valid_until"] == "2029-03-31"

    late = qual(db_url, "H0001", "CAP", "2029-03-15")
    assert late == {
        "status": "certified",
        "certification_number": "CAP-2026-00002",
        "valid_from": "2026-04-01",
        "valid_until": "2029-03-31",
        "renewal_window": {"opens_on": "2029-01-01", "closes_on": "2029-02-28"},
        "pass_report_valid_until": "2029-03-31",
        "cpd": late["cpd"],
    }
    early = qual(db_url, "H0002", "CAP", "2029-01-20")
    assert early["status"] == "renewal_window_open"
    assert early["certification_number"] == "CAP-2026-00001"

    # the office sees the warning somewhere in the record of the decision
    assert "RENEWAL_WINDOW_ALREADY_CLOSED" in json.dumps(events(db_url, "H0001"))
    assert "RENEWAL_WINDOW_ALREADY_CLOSED" not in json.dumps(events(db_url, "H0002"))

    message = err(
        apply_one(db_url, request_renewal("H0001", "CAP", "2029-03-20")), "OUTSIDE_RENEWAL_WINDOW"
    )
    assert "2029-01-01" in message and "2029-02-28" in message

    lapsed = qual(db_url, "H0001", "CAP", "2029-04-01")
    assert lapsed["status"] == "lapsed"
    assert lapsed["certification_number"] == "CAP-2026-00002"
    assert (lapsed["valid_from"], lapsed["valid_until"]) == ("2026-04-01", "2029-03-31")

    apply_ok(db_url, [sweep("2029-04-05")])
    late_events = events(db_url, "H0001")
    assert "RenewalWindowOpened" not in [e["type"] for e in late_events]
    assert [e["business_date"] for e in late_events if e["type"] == "Lapsed"] == ["2029-04-01"]
    early_events = events(db_url, "H0002")
    opened = [e["business_date"] for e in early_events if e["type"] == "RenewalWindowOpened"]
    assert opened == ["2029-01-20"]  # a period granted after its window opened: the grant date
    assert [e["business_date"] for e in early_events if e["type"] == "Lapsed"] == ["2029-04-01"]


def test_pass_report_last_day_follows_the_civil_code(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0001", "CAP", "P28-000229", "2028-02-29", TARO),
            exam_pass("H0002", "CAP", "P28-000228", "2028-02-28", HANAKO),
            application("H0001", "CAP", "2031-02-28"),
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2028-02-29")["pass_report_valid_until"] == "2031-02-28"
    assert qual(db_url, "H0002", "CAP", "2028-02-28")["pass_report_valid_until"] == "2031-02-28"
    assert qual(db_url, "H0001", "CAP", "2031-02-28")["status"] == "applied"
    err(apply_one(db_url, application("H0002", "CAP", "2031-03-01")), "PASS_REPORT_EXPIRED")
    apply_ok(
        db_url,
        [
            payment("H0001", "CAP", 11000, "2031-03-01", payer("P28-000229"), "B-1"),
            decide_application("H0001", "CAP", "2031-03-02"),
        ],
    )
    q = qual(db_url, "H0001", "CAP", "2031-03-02")
    # fiscal_year(2028-02-29) = 2027 -> 2028-04-01 .. 2031-03-31; decided after the window closed
    assert (q["status"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "2028-04-01",
        "2031-03-31",
    )
    assert q["certification_number"] == "CAP-2028-00001"


def test_operation_qualification_is_qualified_by_the_pass_alone(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    first = apply_one(db_url, exam_pass("H0005", "SV", "S26-000001", "2026-05-10", JIRO))
    assert types(first) == ["ExamPassed"]
    qualified = {
        "status": "qualified",
        "certification_number": None,
        "valid_from": "2026-05-10",
        "valid_until": None,
        "renewal_window": None,
        "pass_report_valid_until": None,
        "cpd": None,
    }
    assert qual(db_url, "H0005", "SV", "2026-05-10") == qualified
    assert qual(db_url, "H0005", "SV", "2040-01-01") == qualified  # no expiry

    apply_ok(
        db_url,
        [
            exam_pass("H0005", "SV", "S28-000002", "2028-01-10", person=None),
            exam_pass("H0005", "OP", "O26-000003", "2026-08-01", person=None),
        ],
    )
    assert qual(db_url, "H0005", "SV", "2028-02-01") == qualified  # first pass's issue date
    assert qual(db_url, "H0005", "OP", "2028-02-01") == {**qualified, "valid_from": "2026-08-01"}

    # an operation qualification has no pass report to expire
    apply_ok(db_url, [sweep("2030-01-01")])
    assert "PassReportExpired" not in [e["type"] for e in events(db_url, "H0005")]

    # no certification period: CPD has nowhere to go
    err(
        apply_one(db_url, log_cpd("H0005", "e1", "A", "2027-05-10", "3", "2027-05-11", None)),
        "CPD_OUTSIDE_CYCLE",
    )
    for bad in (
        application("H0005", "SV", "2026-09-01"),
        request_renewal("H0005", "SV", "2027-01-10"),
    ):
        err(apply_one(db_url, bad), "INVALID_INPUT")


def test_unverified_entries_warn_but_do_not_block_an_eligible_application(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    experience = cap_experience() + [
        entry("Old Employer", "2005-01", "2006-12", [2], supervisor_org="Elsewhere")
    ]
    apply_ok(
        db_url,
        [
            exam_pass("H0031", "CAP", "P26-000311", "2026-06-15", TARO),
            application("H0031", "CAP", "2026-09-01", experience=experience),
            payment("H0031", "CAP", 11000, "2026-09-02", payer("P26-000311"), "B-31"),
        ],
    )
    certified = apply_one(db_url, decide_application("H0031", "CAP", "2026-10-01"))
    assert "Certified" in types(certified)
    # the warning is part of the recorded evaluation, where the office can see it
    assert "EXPERIENCE_UNVERIFIED" in json.dumps(events(db_url, "H0031"))

    # the application is decided: nothing is open any more
    before = count(db_url, "H0031")
    code, results = apply(
        db_url,
        [
            decide_application("H0031", "CAP", "2026-10-02"),
            decide_application("H0031", "CAP", "2026-10-02", "reject"),
        ],
    )
    assert code != 0
    err(results[0], "NOT_ACCEPTED")
    err(results[1], "NOT_ACCEPTED")
    assert count(db_url, "H0031") == before


def test_a_credit_counts_only_for_its_own_qualification(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0041", "CAP", "P26-000411", "2026-06-15", HANAKO),
            exam_pass("H0041", "OMP", "P26-000412", "2026-06-15", person=None),
            payment("H0041", "OMP", 11000, "2026-08-20", payer("P26-000412", HANAKO), "B-41"),
            application("H0041", "CAP", "2026-09-01"),
        ],
    )
    assert qual(db_url, "H0041", "CAP", "2026-09-01")["status"] == "applied"
    apply_ok(db_url, [application("H0041", "OMP", "2026-09-02")])
    assert qual(db_url, "H0041", "OMP", "2026-09-02")["status"] == "accepted"
    assert qual(db_url, "H0041", "CAP", "2026-09-02")["status"] == "applied"


def test_an_application_uses_the_latest_pass_issued_on_or_before_filing(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        [
            exam_pass("H0051", "CAP", "P26-000511", "2026-06-15", TARO),
            exam_pass("H0051", "CAP", "P27-000512", "2027-05-10", person=None),
            application("H0051", "CAP", "2027-06-01"),
            exam_pass("H0052", "CAP", "P26-000521", "2026-06-15", HANAKO),
            exam_pass("H0052", "CAP", "P27-000522", "2027-05-10", person=None),
            application("H0052", "CAP", "2027-05-09"),
        ],
    )
    assert qual(db_url, "H0051", "CAP", "2027-06-01")["pass_report_valid_until"] == "2030-05-10"
    assert qual(db_url, "H0052", "CAP", "2027-05-09")["pass_report_valid_until"] == "2029-06-15"
    code, results = apply(
        db_url,
        [
            payment("H0051", "CAP", 11000, "2027-06-02", payer("P26-000511"), "B-510"),
            payment("H0052", "CAP", 11000, "2027-06-02", payer("P27-000522", HANAKO), "B-520"),
        ],
    )
    err(results[0], "PAYMENT_MISMATCH")  # the application's pass is the 2027 one
    err(results[1], "PAYMENT_MISMATCH")  # the application's pass is the 2026 one
    apply_ok(
        db_url,
        [
            payment("H0051", "CAP", 11000, "2027-06-02", payer("P27-000512"), "B-511"),
            payment("H0052", "CAP", 11000, "2027-06-02", payer("P26-000521", HANAKO), "B-521"),
            decide_application("H0051", "CAP", "2027-07-01"),
            decide_application("H0052", "CAP", "2027-07-01"),
        ],
    )
    q = qual(db_url, "H0051", "CAP", "2027-07-01")
    assert (q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "CAP-2028-00001",
        "2028-04-01",
        "2031-03-31",
    )
    q = qual(db_url, "H0052", "CAP", "2027-07-01")
    assert (q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "CAP-2027-00001",
        "2027-04-01",
        "2030-03-31",
    )


def test_a_pass_before_the_lapse_date_does_not_replace_the_lapsed_certification(
    db_url, monkeypatch
):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + [exam_pass("H0001", "CAP", "P30-000999", "2030-02-01", person=None)],
    )
    q = qual(db_url, "H0001", "CAP", "2030-02-01")
    assert (q["status"], q["certification_number"]) == ("renewal_window_open", "CAP-2027-00001")
    err(apply_one(db_url, application("H0001", "CAP", "2030-02-05")), "ALREADY_DECIDED")

    q = qual(db_url, "H0001", "CAP", "2030-04-01")
    assert (q["status"], q["certification_number"], q["valid_until"]) == (
        "lapsed",
        "CAP-2027-00001",
        "2030-03-31",
    )
    apply_ok(db_url, [application("H0001", "CAP", "2030-05-01")])
    assert_pre_certification(qual(db_url, "H0001", "CAP", "2030-05-01"), "applied", "2033-02-01")
    apply_ok(
        db_url,
        [
            payment("H0001", "CAP", 11000, "2030-05-02", payer("P30-000999"), "B-999"),
            decide_application("H0001", "CAP", "2030-06-01"),
        ],
    )
    q = qual(db_url, "H0001", "CAP", "2030-06-01")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "CAP-2030-00001",
        "2030-04-01",
        "2033-03-31",
    )
