"""Scenarios for CPD points (SPEC §5, §9 example 3), driven through the CLI."""

from __future__ import annotations

from .cli_driver import (
    CERT_NUMBER,
    HANAKO,
    ICHIRO,
    application,
    apply,
    apply_ok,
    apply_one,
    certification_batch,
    count,
    cpd_figures,
    decide_application,
    decide_renewal,
    err,
    exam_pass,
    log_cpd,
    ok,
    payer,
    payment,
    qual,
    renewal_payment,
    request_renewal,
    set_audit_rate,
    types,
    withdraw_cpd,
)


def example_3_entries(holder):
    """SPEC §9 example 3: A 10 h; B 8 h in FY2027 and 3 h in FY2028; C 20 h in FY2027; no D."""
    return [
        log_cpd(holder, "a1", "A", "2027-05-10", "10", "2027-05-11", field=None),
        log_cpd(holder, "b1", "B", "2027-06-10", "8", "2027-06-11", field=4),
        log_cpd(holder, "b2", "B", "2028-06-10", "3", "2028-06-11", field=5),
        log_cpd(holder, "c1", "C", "2027-07-10", "20", "2027-07-11", field=6),
    ]


def test_spec_example_3_caps_count_23_and_renewal_is_cpd_insufficient(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    logged = apply_ok(db_url, example_3_entries("H0001"))
    for result, on in zip(
        logged, ["2027-05-11", "2027-06-11", "2028-06-11", "2027-07-11"], strict=True
    ):
        assert types(result) == ["CPDLogged"]
        assert ok(result)[0]["business_date"] == on

    q = qual(db_url, "H0001", "CAP", "2029-06-01")
    assert q["cpd"] == {
        "counted": "23",
        "logged": "41",
        "required": "30",
        "by_category": {"A": "10", "B": "8", "C": "5", "D": "0"},
    }

    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2030-01-15", pledge="2030-01-10"),
            renewal_payment("H0001", "2030-01-20", "R-1"),
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2030-01-20")["status"] == "renewal_accepted"
    before = count(db_url, "H0001")
    err(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-02-01")), "CPD_INSUFFICIENT")
    assert count(db_url, "H0001") == before

    # D 5 in FY2028 and 2 in FY2029 bring it to exactly 30
    apply_ok(
        db_url,
        [
            log_cpd("H0001", "d1", "D", "2028-10-10", "5", "2030-02-02", field=7),
            log_cpd("H0001", "d2", "D", "2029-10-10", "2", "2030-02-02", field=7),
        ],
    )
    counted, logged_total, by_category = cpd_figures(qual(db_url, "H0001", "CAP", "2030-02-02"))
    assert (counted, logged_total, by_category["D"]) == ("30", "48", "7")
    renewed = apply_one(db_url, decide_renewal("H0001", "CAP", "2030-02-05"))
    assert "Renewed" in types(renewed)
    assert [e["business_date"] for e in ok(renewed) if e["type"] == "Renewed"] == ["2030-02-05"]


def test_category_caps_per_cycle_and_per_fiscal_year(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0002", "CAP", "P26-000456", person=HANAKO))
    apply_ok(
        db_url,
        [
            log_cpd("H0002", "a", "A", "2027-05-10", "35", "2027-05-11", field=None),  # cap 30
            log_cpd("H0002", "b27", "B", "2027-05-10", "6", "2027-05-11", field=1),  # 5 / year
            log_cpd("H0002", "b28", "B", "2028-05-10", "6", "2028-05-11", field=2),
            log_cpd("H0002", "b29", "B", "2029-05-10", "6", "2029-05-11", field=3),  # 15 / cycle
            log_cpd("H0002", "c1", "C", "2027-08-10", "3", "2027-08-11", field=4),
            log_cpd("H0002", "c2", "C", "2028-03-31", "3", "2028-04-01", field=4),  # same FY2027
            log_cpd("H0002", "d", "D", "2029-05-10", "100", "2029-05-11", field=5),  # max hours
        ],
    )
    q = qual(db_url, "H0002", "CAP", "2029-06-01")
    assert q["cpd"] == {
        "counted": "55",
        "logged": "159",
        "required": "30",
        "by_category": {"A": "30", "B": "15", "C": "5", "D": "5"},
    }


def test_decimal_hours_are_decimal_strings(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    apply_ok(
        db_url,
        [
            log_cpd("H0001", "a1", "A", "2027-05-10", "2.5", "2027-05-11", field=None),
            log_cpd("H0001", "b1", "B", "2027-05-10", "0.25", "2027-05-11", field=2),
        ],
    )
    q = qual(db_url, "H0001", "CAP", "2027-05-11")
    assert q["cpd"]["counted"] == "2.75"
    assert q["cpd"]["logged"] == "2.75"
    assert q["cpd"]["by_category"] == {"A": "2.5", "B": "0.25", "C": "0", "D": "0"}


def test_cpd_in_future_and_outside_cycle(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch() + [exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO)],
    )
    before = count(db_url, "H0001")
    code, results = apply(
        db_url,
        [
            # the day before valid_from
            log_cpd("H0001", "x1", "A", "2027-03-31", "3", "2027-04-02", field=None),
            # in the cycle but after the command's date
            log_cpd("H0001", "x2", "A", "2027-05-12", "3", "2027-05-11", field=None),
            # future and outside the cycle: CPD_IN_FUTURE wins
            log_cpd("H0001", "x3", "A", "2026-12-10", "3", "2026-12-01", field=None),
            # a holder that only passed has no period at all
            log_cpd("H0002", "x4", "A", "2026-07-01", "3", "2026-07-02", field=None),
        ],
    )
    assert code != 0
    err(results[0], "CPD_OUTSIDE_CYCLE")
    err(results[1], "CPD_IN_FUTURE")
    err(results[2], "CPD_IN_FUTURE")
    err(results[3], "CPD_OUTSIDE_CYCLE")
    assert count(db_url, "H0001") == before

    # both ends of the cycle are inside; the same day is not the future
    apply_ok(
        db_url,
        [
            log_cpd("H0001", "x1", "A", "2027-04-01", "3", "2027-04-01", field=None),
            log_cpd("H0001", "x2", "A", "2030-03-31", "3", "2030-03-31", field=None),
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2030-03-31")["cpd"]["logged"] == "6"

    # once lapsed, nothing is held: no cycle takes the entry
    code, results = apply(
        db_url,
        [
            log_cpd("H0001", "x5", "A", "2030-04-01", "3", "2030-04-02", field=None),
            log_cpd("H0001", "x6", "A", "2030-03-20", "3", "2030-04-02", field=None),
        ],
    )
    err(results[0], "CPD_OUTSIDE_CYCLE")
    err(results[1], "CPD_OUTSIDE_CYCLE")


def test_duplicate_unknown_and_withdrawn_entries(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    apply_ok(
        db_url,
        [
            log_cpd("H0001", "e1", "B", "2027-05-10", "3", "2027-05-11", field=4),
            log_cpd("H0001", "e2", "A", "2027-05-10", "4", "2027-05-11", field=None),
        ],
    )
    before = count(db_url, "H0001")
    code, results = apply(
        db_url,
        [
            log_cpd("H0001", "e1", "A", "2027-05-12", "1", "2027-05-13", field=None),
            # DUPLICATE_ENTRY wins over CPD_IN_FUTURE
            log_cpd("H0001", "e1", "A", "2027-06-12", "1", "2027-05-13", field=None),
            withdraw_cpd("H0001", "nope", "2027-05-14"),
        ],
    )
    assert code != 0
    err(results[0], "DUPLICATE_ENTRY")
    err(results[1], "DUPLICATE_ENTRY")
    err(results[2], "UNKNOWN_ENTRY")
    assert count(db_url, "H0001") == before

    withdrawn = apply_one(db_url, withdraw_cpd("H0001", "e1", "2027-06-01", "誤登録"))
    assert types(withdrawn) == ["CPDWithdrawn"]
    assert ok(withdrawn)[0]["business_date"] == "2027-06-01"
    assert cpd_figures(qual(db_url, "H0001", "CAP", "2027-05-31"))[:2] == ("7", "7")
    counted, logged, by_category = cpd_figures(qual(db_url, "H0001", "CAP", "2027-06-01"))
    assert (counted, logged, by_category["B"], by_category["A"]) == ("4", "4", "0", "4")

    before = count(db_url, "H0001")
    err(apply_one(db_url, withdraw_cpd("H0001", "e1", "2027-06-02")), "ALREADY_DECIDED")
    assert count(db_url, "H0001") == before


def test_cpd_appears_in_status_from_its_logging_date(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    apply_ok(db_url, [log_cpd("H0001", "e1", "A", "2027-05-10", "3", "2027-06-10", field=None)])
    assert qual(db_url, "H0001", "CAP", "2027-06-09")["cpd"]["logged"] == "0"
    assert qual(db_url, "H0001", "CAP", "2027-06-10")["cpd"]["logged"] == "3"
    assert qual(db_url, "H0001", "CAP", "2027-06-10")["cpd"]["counted"] == "3"


def test_an_entry_counts_for_every_qualification_whose_cycle_contains_it(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + [
            exam_pass("H0001", "OMP", "P27-000500", "2027-05-01", person=None),
            application("H0001", "OMP", "2027-06-01"),
            payment("H0001", "OMP", 11000, "2027-06-02", payer("P27-000500"), "B-OMP"),
            decide_application("H0001", "OMP", "2027-07-01"),
        ],
    )
    omp = qual(db_url, "H0001", "OMP", "2027-07-01")
    assert (omp["certification_number"], omp["valid_from"], omp["valid_until"]) == (
        "OMP-2028-00001",
        "2028-04-01",
        "2031-03-31",
    )
    apply_ok(
        db_url,
        [
            log_cpd("H0001", "x1", "A", "2027-06-01", "4", "2027-07-02", field=None),  # CAP only
            log_cpd("H0001", "x2", "A", "2028-05-01", "6", "2028-05-02", field=None),  # both
            log_cpd("H0001", "x3", "A", "2030-05-01", "1", "2030-05-01", field=None),  # OMP only
        ],
    )
    assert qual(db_url, "H0001", "CAP", "2028-05-02")["cpd"]["logged"] == "10"
    assert qual(db_url, "H0001", "OMP", "2028-05-02")["cpd"]["logged"] == "6"
    cap = qual(db_url, "H0001", "CAP", "2030-05-01")
    assert cap["status"] == "lapsed"
    assert cap["certification_number"] == CERT_NUMBER
    assert cap["cpd"]["logged"] == "10"  # the lapsed certification keeps its CPD
    assert qual(db_url, "H0001", "OMP", "2030-05-01")["cpd"]["logged"] == "7"


def test_field_is_optional_only_for_category_a(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0003", "CAP", "P26-000789", person=ICHIRO))
    apply_ok(db_url, [log_cpd("H0003", "a", "A", "2027-05-10", "1", "2027-05-11", field=None)])
    code, results = apply(
        db_url,
        [log_cpd("H0003", f"n{c}", c, "2027-05-10", "1", "2027-05-11", field=None) for c in "BCD"],
    )
    assert code != 0
    for result in results:
        err(result, "INVALID_INPUT")
