"""Whole lifecycles over several cycles, and re-running an import (SPEC §3, §5, §8), via the CLI."""

from __future__ import annotations

from .cli_driver import (
    CERT_NUMBER,
    apply,
    apply_ok,
    certification_batch,
    count,
    cpd_batch_30,
    cpd_figures,
    decide_renewal,
    err,
    events,
    holder_status,
    log_cpd,
    ok,
    qual,
    renewal_payment,
    request_renewal,
    set_audit_rate,
    sweep,
    types,
    withdraw_cpd,
)


def test_two_renewals_keep_the_certification_number(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + cpd_batch_30("H0001")
        + [
            sweep("2029-12-31"),  # before the window: nothing to record yet
            request_renewal("H0001", "CAP", "2030-01-10"),
            renewal_payment("H0001", "2030-01-11", "R-2030"),
            decide_renewal("H0001", "CAP", "2030-01-20"),
            sweep("2030-04-02"),  # renewed: nothing lapses
        ],
    )
    history = events(db_url, "H0001")
    assert [e["business_date"] for e in history if e["type"] == "RenewalWindowOpened"] in (
        [],
        ["2030-01-01"],
    )
    assert "Lapsed" not in [e["type"] for e in history]

    apply_ok(
        db_url,
        [log_cpd("H0001", "n-a1", "A", "2030-05-10", "30", "2030-05-11", field=None)],
    )
    q = qual(db_url, "H0001", "CAP", "2033-01-01")
    assert q["status"] == "renewal_window_open"
    assert (q["valid_from"], q["valid_until"]) == ("2030-04-01", "2033-03-31")
    assert q["renewal_window"] == {"opens_on": "2033-01-01", "closes_on": "2033-02-28"}
    assert cpd_figures(q)[:2] == ("30", "30")

    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2033-01-10"),
            renewal_payment("H0001", "2033-01-11", "R-2033"),
            decide_renewal("H0001", "CAP", "2033-01-20"),
            sweep("2033-04-02"),
        ],
    )
    q = qual(db_url, "H0001", "CAP", "2033-03-31")
    assert (q["status"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "2030-04-01",
        "2033-03-31",
    )
    q = qual(db_url, "H0001", "CAP", "2033-04-01")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "certified",
        CERT_NUMBER,
        "2033-04-01",
        "2036-03-31",
    )
    history = events(db_url, "H0001")
    opened = [e["business_date"] for e in history if e["type"] == "RenewalWindowOpened"]
    assert opened == ["2030-01-01", "2033-01-01"]
    assert [e["type"] for e in history].count("Renewed") == 2
    assert "Lapsed" not in [e["type"] for e in history]
    assert qual(db_url, "H0001", "CAP", "2036-04-01")["status"] == "lapsed"


def test_a_withdrawn_entry_no_longer_counts_toward_renewal(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + cpd_batch_30("H0001")
        + [
            request_renewal("H0001", "CAP", "2030-01-10"),
            renewal_payment("H0001", "2030-01-11", "R-1"),
            withdraw_cpd("H0001", "e-c1", "2030-01-12"),
        ],
    )
    assert cpd_figures(qual(db_url, "H0001", "CAP", "2030-01-12"))[:2] == ("25", "25")
    _, results = apply(db_url, [decide_renewal("H0001", "CAP", "2030-01-20")])
    err(results[0], "CPD_INSUFFICIENT")
    apply_ok(db_url, [log_cpd("H0001", "e-c2", "C", "2029-12-01", "5", "2030-01-21", field=3)])
    renewed = apply(db_url, [decide_renewal("H0001", "CAP", "2030-01-22")])[1][0]
    assert "Renewed" in types(renewed)


def test_re_running_an_import_creates_nothing_twice(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    batch = certification_batch()
    apply_ok(db_url, batch)
    before = count(db_url, "H0001")
    status_before = holder_status(db_url, "H0001", "2026-10-01")

    code, results = apply(db_url, batch)
    assert code != 0
    assert ok(results[0]) == []  # the same exam pass: a no-op
    err(results[1], "ALREADY_DECIDED")  # certified already
    err(results[2], "DUPLICATE_PAYMENT")  # the same transfer
    err(results[3], "NOT_ACCEPTED")  # no open application
    assert count(db_url, "H0001") == before
    assert holder_status(db_url, "H0001", "2026-10-01") == status_before
