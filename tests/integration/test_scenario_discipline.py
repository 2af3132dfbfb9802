"""Scenarios of SPEC §11 (suspension, reinstatement, revocation) through `lifecycle apply`,
`status --json`, `history --json`, `sweep`, `query` and `report`, on both stores."""

from __future__ import annotations

import json

from click.testing import CliRunner

from lifecycle.cli import main

from .cli_driver import (
    HANAKO,
    TARO,
    apply_ok,
    apply_one,
    certification_batch,
    cpd_batch_30,
    decide_renewal,
    discipline,
    err,
    events,
    exam_pass,
    log_cpd,
    ok,
    qual,
    renewal_payment,
    request_renewal,
    set_audit_rate,
    sweep,
    types,
)

NUMBER = "CAP-2027-00001"  # period 2027-04-01 .. 2030-03-31, window 2030-01-01 .. 2030-02-28


def certified(db_url, holder="H0001", person=TARO, pass_number="P26-000123"):
    apply_ok(db_url, certification_batch(holder, "CAP", pass_number, person=person)
             + cpd_batch_30(holder))


def cap(db_url, on, holder="H0001"):
    return qual(db_url, holder, "CAP", on)


def cli_json(db_url, *args):
    result = CliRunner().invoke(main, ["--db", db_url, *args, "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_spec_example_suspended_reinstated_then_revoked(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certified(db_url)
    suspended = ok(apply_one(db_url, discipline("suspend", "H0001", "CAP", "2028-05-01")))
    assert [(e["type"], e["business_date"]) for e in suspended] == [
        ("CertificationSuspended", "2028-05-01")]
    assert suspended[0]["data"] == {"qualification": "CAP", "certification_number": NUMBER,
                                    "reason": "倫理綱領違反"}
    assert types(apply_one(db_url, discipline("reinstate", "H0001", "CAP", "2028-07-01"))) == [
        "CertificationReinstated"]
    assert types(apply_one(db_url, discipline("revoke", "H0001", "CAP", "2028-09-01"))) == [
        "CertificationRevoked"]
    expected = {"2028-04-30": "certified", "2028-05-01": "suspended", "2028-06-30": "suspended",
                "2028-07-01": "certified", "2028-08-31": "certified", "2028-09-01": "revoked",
                "2030-01-10": "revoked", "2031-06-01": "revoked"}
    assert {on: cap(db_url, on)["status"] for on in expected} == expected
    revoked = cap(db_url, "2031-06-01")
    assert (revoked["certification_number"], revoked["valid_from"], revoked["valid_until"]) == (
        NUMBER, "2027-04-01", "2030-03-31")
    during = cap(db_url, "2028-05-01")  # the next CPD entry is logged on 2028-05-11
    assert {k: v for k, v in during.items() if k != "status"} == {
        k: v for k, v in cap(db_url, "2028-04-30").items() if k != "status"}
    recorded = [e for e in events(db_url, "H0001") if e["type"].startswith("Certification")]
    assert [e["actor"] for e in recorded] == ["stdin:1"] * 3
    assert recorded[1]["data"]["suspended_on"] == "2028-05-01"


def test_the_order_of_errors(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certified(db_url)
    certified(db_url, "H0002", HANAKO, "P26-000456")
    apply_ok(db_url, [exam_pass("H0003", "CAP", "P26-000789", "2026-06-15")])
    cases = [
        (discipline("suspend", "H9999", "CAP", "2028-05-01", reason=None), "INVALID_INPUT"),
        (discipline("suspend", "H0001", "CAP", "2028-05-01", reason="  "), "INVALID_INPUT"),
        (discipline("suspend", "H0001", "SV", "2028-05-01"), "INVALID_INPUT"),
        (discipline("reinstate", "H0001", "XX", "2028-05-01"), "INVALID_INPUT"),
        (discipline("revoke", "H0001", "CAP", "2028-02-30"), "INVALID_INPUT"),
        (discipline("suspend", "H9999", "CAP", "2028-05-01"), "UNKNOWN_HOLDER"),
        (discipline("suspend", "H0003", "CAP", "2028-05-01"), "NOT_CERTIFIED"),
        (discipline("revoke", "H0003", "OMP", "2028-05-01"), "NOT_CERTIFIED"),
        (discipline("suspend", "H0001", "CAP", "2030-04-01"), "LAPSED"),
        (discipline("reinstate", "H0001", "CAP", "2028-05-01"), "NOT_SUSPENDED"),
    ]
    for command, code in cases:
        err(apply_one(db_url, command), code)
    apply_ok(db_url, [discipline("suspend", "H0001", "CAP", "2028-05-01"),
                      discipline("suspend", "H0002", "CAP", "2028-05-01"),
                      discipline("revoke", "H0002", "CAP", "2028-06-01")])
    err(apply_one(db_url, discipline("suspend", "H0001", "CAP", "2028-05-02")), "SUSPENDED")
    err(apply_one(db_url, discipline("revoke", "H0001", "CAP", "2030-04-01")), "LAPSED")
    # H0002 is suspended and revoked: REVOKED comes first.
    err(apply_one(db_url, discipline("suspend", "H0002", "CAP", "2028-07-01")), "REVOKED")
    err(apply_one(db_url, discipline("reinstate", "H0002", "CAP", "2028-07-01")), "REVOKED")


def test_while_suspended_renewal_is_refused_cpd_goes_on_and_the_lapse_comes_as_usual(
        db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certified(db_url)
    apply_ok(db_url, [discipline("suspend", "H0001", "CAP", "2029-12-01")])
    err(apply_one(db_url, request_renewal("H0001", "CAP", "2030-01-15")), "SUSPENDED")
    err(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-02-01")), "SUSPENDED")
    apply_ok(db_url, [log_cpd("H0001", "s1", "A", "2029-12-10", "4", "2029-12-11", field=None)])
    assert cap(db_url, "2030-01-15")["cpd"]["logged"] == "34"
    assert cap(db_url, "2030-03-31")["status"] == "suspended"
    assert cap(db_url, "2030-04-01")["status"] == "lapsed"
    assert types(apply_one(db_url, sweep("2030-04-30"))) == ["RenewalWindowOpened", "Lapsed"]
    err(apply_one(db_url, discipline("reinstate", "H0001", "CAP", "2030-04-02")), "LAPSED")


def test_reinstated_inside_the_window_the_renewal_goes_on(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certified(db_url)
    apply_ok(db_url, [request_renewal("H0001", "CAP", "2030-01-05"),
                      discipline("suspend", "H0001", "CAP", "2030-01-06"),
                      renewal_payment("H0001", "2030-01-07", "R-1")])  # money still received
    assert cap(db_url, "2030-01-07")["status"] == "suspended"
    apply_ok(db_url, [discipline("reinstate", "H0001", "CAP", "2030-01-20")])
    assert cap(db_url, "2030-01-20")["status"] == "renewal_accepted"
    assert types(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-21"))) == ["Renewed"]
    assert cap(db_url, "2030-04-01")["valid_until"] == "2033-03-31"


def test_after_a_revocation_only_a_new_exam_pass_starts_over(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certified(db_url)
    apply_ok(db_url, [request_renewal("H0001", "CAP", "2030-01-05"),
                      discipline("revoke", "H0001", "CAP", "2030-01-06")])
    err(apply_one(db_url, request_renewal("H0001", "CAP", "2030-01-07")), "REVOKED")
    err(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-07")), "REVOKED")
    assert types(apply_one(db_url, sweep("2031-01-01"))) == []  # no window, no lapse
    assert cap(db_url, "2031-01-01")["status"] == "revoked"
    again = certification_batch("H0001", "CAP", "P31-000001", issued_on="2031-06-15",
                                filed_on="2031-09-01", paid_on="2031-09-03",
                                decided_on="2031-10-01", ref="B-again")
    apply_ok(db_url, again[:1])
    attempt = cap(db_url, "2031-06-15")
    assert (attempt["status"], attempt["certification_number"]) == ("passed", None)
    apply_ok(db_url, again[1:])
    fresh = cap(db_url, "2032-04-01")
    assert (fresh["status"], fresh["certification_number"]) == ("certified", "CAP-2032-00001")


def test_an_operation_qualification_is_revoked_until_passed_again(db_url):
    apply_ok(db_url, [exam_pass("H0005", "SV", "S26-000001", "2026-07-01")])
    apply_ok(db_url, [discipline("revoke", "H0005", "SV", "2027-01-10")])
    err(apply_one(db_url, discipline("revoke", "H0005", "SV", "2027-01-11")), "REVOKED")
    assert qual(db_url, "H0005", "SV", "2027-01-09")["status"] == "qualified"
    assert qual(db_url, "H0005", "SV", "2027-01-10")["status"] == "revoked"
    apply_ok(db_url, [exam_pass("H0005", "SV", "S28-000001", "2028-07-01")])
    again = qual(db_url, "H0005", "SV", "2028-07-01")
    assert (again["status"], again["valid_from"]) == ("qualified", "2028-07-01")


def test_read_models_list_and_count_suspended_and_revoked(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certified(db_url)
    certified(db_url, "H0002", HANAKO, "P26-000456")
    apply_ok(db_url, [discipline("suspend", "H0001", "CAP", "2028-05-01"),
                      discipline("revoke", "H0002", "CAP", "2028-06-01")])
    for status, holder in (("suspended", "H0001"), ("revoked", "H0002")):
        page = cli_json(db_url, "query", "credentials", "--status", status,
                        "--as-of", "2028-06-15")
        assert [(i["holder"], i["status"]) for i in page["items"]] == [(holder, status)]
    before = cli_json(db_url, "query", "credentials", "--status", "suspended",
                      "--as-of", "2028-04-30")
    assert before["items"] == []
    counts = cli_json(db_url, "report", "--fiscal-year", "2028", "--as-of", "2028-06-15")
    assert counts["qualifications"]["CAP"]["statuses"] == {"suspended": 1, "revoked": 1}
    due = cli_json(db_url, "report", "--fiscal-year", "2029", "--as-of", "2030-06-01")
    assert due["qualifications"]["CAP"]["revoked"] == 1  # H0002's period, due in FY2029
    assert due["qualifications"]["CAP"]["lapsed"] == 1  # H0001's, suspended, then lapsed
    assert due["qualifications"]["CAP"]["statuses"] == {"lapsed": 1, "revoked": 1}
