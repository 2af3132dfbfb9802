"""Scenarios for renewal, CPD audit and lapse (SPEC §3, §5, §9 example 1, §10), through the CLI."""

from __future__ import annotations

from hashlib import sha256

from .cli_driver import (
    HANAKO,
    ICHIRO,
    KYOKO,
    TARO,
    application,
    apply,
    apply_ok,
    apply_one,
    certification_batch,
    complete_audit,
    count,
    cpd_batch_30,
    cpd_batch_40,
    cpd_figures,
    decide_application,
    decide_renewal,
    err,
    events,
    exam_pass,
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

CAST = [
    ("H0001", TARO, "P26-000123"),
    ("H0002", HANAKO, "P26-000456"),
    ("H0003", ICHIRO, "P26-000789"),
    ("H0004", KYOKO, "P26-001234"),
]


def certify(db_url, n=1, cpd=cpd_batch_30):
    """Certify the first n of CAST (CAP-2027-00001.. in order, 2027-04-01..2030-03-31)."""
    batch = []
    for holder, person, number in CAST[:n]:
        batch += certification_batch(holder, "CAP", number, person=person)
        if cpd is not None:
            batch += cpd(holder)
    apply_ok(db_url, batch)


def cert_number(holder):
    return f"CAP-2027-{int(holder[1:]):05d}"


def person_of(holder):
    return {h: p for h, p, _ in CAST}[holder]


def renewal_fee(holder, paid_on, ref, amount=11000, qualification="CAP"):
    number = cert_number(holder).replace("CAP", qualification)
    return payment(
        holder, qualification, amount, paid_on, payer(number, person_of(holder)), ref, "renewal"
    )


def cap(db_url, holder, as_of):
    return qual(db_url, holder, "CAP", as_of)


def dates_of(db_url, holder, event_type):
    return [e["business_date"] for e in events(db_url, holder) if e["type"] == event_type]


def test_spec_example_1_the_renewal_manuals_own_example(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch(
            "H0001",
            "CAP",
            "P15-000101",
            "2015-06-01",
            TARO,
            filed_on="2015-09-01",
            paid_on="2015-09-05",
            decided_on="2015-10-01",
            amount=10800,
        )
        + [log_cpd("H0001", "a1", "A", "2016-05-10", "30", "2016-05-11", field=None)],
    )
    q = cap(db_url, "H0001", "2019-01-01")
    assert q["status"] == "renewal_window_open"
    assert q["certification_number"] == "CAP-2016-00001"
    assert (q["valid_from"], q["valid_until"]) == ("2016-04-01", "2019-03-31")
    assert q["renewal_window"] == {"opens_on": "2019-01-01", "closes_on": "2019-02-28"}

    requested = apply_one(db_url, request_renewal("H0001", "CAP", "2019-01-15"))
    assert "RenewalRequested" in types(requested)
    assert cap(db_url, "H0001", "2019-01-15")["status"] == "renewal_requested"
    paid = apply_one(
        db_url,
        payment("H0001", "CAP", 10800, "2019-01-20", payer("CAP-2016-00001"), "R-1", "renewal"),
    )
    assert "FeePaid" in types(paid) and "CPDAuditSelected" not in types(paid)
    assert cap(db_url, "H0001", "2019-01-20")["status"] == "renewal_accepted"
    renewed = apply_one(db_url, decide_renewal("H0001", "CAP", "2019-02-01"))
    assert "Renewed" in types(renewed)

    q = cap(db_url, "H0001", "2019-02-01")
    assert (q["status"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "2016-04-01",
        "2019-03-31",
    )
    assert cap(db_url, "H0001", "2019-04-01") == {
        "status": "certified",
        "certification_number": "CAP-2016-00001",
        "valid_from": "2019-04-01",
        "valid_until": "2022-03-31",
        "renewal_window": {"opens_on": "2022-01-01", "closes_on": "2022-02-28"},
        "pass_report_valid_until": q["pass_report_valid_until"],
        "cpd": {
            "counted": "0",
            "logged": "0",
            "required": "30",
            "by_category": {"A": "0", "B": "0", "C": "0", "D": "0"},
        },
    }


def test_renewal_requests_only_inside_the_window_for_an_active_certification(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 3)
    apply_ok(db_url, [exam_pass("H0004", "CAP", "P26-001234", "2026-06-15", KYOKO)])

    code, results = apply(
        db_url,
        [
            request_renewal("H0001", "CAP", "2029-12-31"),  # the day before the window
            request_renewal("H0002", "CAP", "2030-01-01"),  # first day
            request_renewal("H0003", "CAP", "2030-03-01"),  # the day after it closed
            request_renewal("H0004", "CAP", "2030-01-10"),  # passed only
            request_renewal("H0001", "OMP", "2030-01-10"),  # never held
            request_renewal("H0003", "CAP", "2030-02-01", pledge=None),  # no renewed pledge
        ],
    )
    assert code != 0
    for i in (0, 2):
        message = err(results[i], "OUTSIDE_RENEWAL_WINDOW")
        assert "2030-01-01" in message and "2030-02-28" in message, message
    assert [e["business_date"] for e in ok(results[1]) if e["type"] == "RenewalRequested"] == [
        "2030-01-01"
    ]
    err(results[3], "NOT_CERTIFIED")
    err(results[4], "NOT_CERTIFIED")
    err(results[5], "INVALID_INPUT")

    # a certification whose first period has not started is outside its window too
    message = err(
        apply_one(db_url, request_renewal("H0001", "CAP", "2027-01-10")), "OUTSIDE_RENEWAL_WINDOW"
    )
    assert "2030-01-01" in message and "2030-02-28" in message, message

    apply_ok(db_url, [request_renewal("H0001", "CAP", "2030-02-28")])  # last day
    assert cap(db_url, "H0001", "2030-02-28")["status"] == "renewal_requested"
    assert cap(db_url, "H0003", "2030-03-01")["status"] == "certified"

    before = count(db_url, "H0002")
    code, results = apply(
        db_url,
        [
            request_renewal("H0002", "CAP", "2030-01-05"),
            request_renewal("H0002", "CAP", "2030-03-05"),  # ALREADY_PENDING wins over the window
        ],
    )
    err(results[0], "ALREADY_PENDING")
    err(results[1], "ALREADY_PENDING")
    assert count(db_url, "H0002") == before


def test_audited_renewal_with_disallowed_entries(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 1)
    certify(db_url, 1, cpd=cpd_batch_40)
    requested = apply_one(db_url, request_renewal("H0001", "CAP", "2030-01-10"))
    assert "RenewalRequested" in types(requested)
    assert "CPDAuditSelected" not in types(requested)

    # renewal payer name: last 4 digits of the certification number, not of the pass number
    err(
        apply_one(
            db_url,
            payment("H0001", "CAP", 11000, "2030-01-11", payer("P26-000123"), "R-0", "renewal"),
        ),
        "PAYMENT_MISMATCH",
    )
    short = apply_one(db_url, renewal_fee("H0001", "2030-01-11", "R-1", amount=5000))
    assert "FeePaid" in types(short) and "CPDAuditSelected" not in types(short)
    assert cap(db_url, "H0001", "2030-01-11")["status"] == "renewal_requested"
    top_up = apply_one(db_url, renewal_fee("H0001", "2030-01-12", "R-2", amount=6000))
    assert "FeePaid" in types(top_up)
    assert [e["business_date"] for e in ok(top_up) if e["type"] == "CPDAuditSelected"] == [
        "2030-01-12"
    ]
    q = cap(db_url, "H0001", "2030-01-12")
    assert q["status"] == "renewal_audit"
    assert cpd_figures(q)[:2] == ("40", "40")

    before = count(db_url, "H0001")
    code, results = apply(
        db_url,
        [
            decide_renewal("H0001", "CAP", "2030-01-20"),
            decide_renewal("H0001", "CAP", "2030-01-20", "reject"),
            complete_audit("H0001", "CAP", "2030-01-21", ["no-such-entry"]),
        ],
    )
    assert code != 0
    err(results[0], "AUDIT_PENDING")
    err(results[1], "AUDIT_PENDING")
    err(results[2], "UNKNOWN_ENTRY")
    assert count(db_url, "H0001") == before

    completed = apply_one(db_url, complete_audit("H0001", "CAP", "2030-01-25", ["e-a2"]))
    assert "CPDAuditCompleted" in types(completed)
    assert cap(db_url, "H0001", "2030-01-24")["status"] == "renewal_audit"
    q = cap(db_url, "H0001", "2030-01-25")
    assert q["status"] == "renewal_accepted"
    counted, logged, by_category = cpd_figures(q)
    assert (counted, logged, by_category["A"]) == ("30", "40", "10")

    renewed = apply_one(db_url, decide_renewal("H0001", "CAP", "2030-02-01"))
    assert "Renewed" in types(renewed)
    q = cap(db_url, "H0001", "2030-04-01")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "CAP-2027-00001",
        "2030-04-01",
        "2033-03-31",
    )
    assert q["renewal_window"] == {"opens_on": "2033-01-01", "closes_on": "2033-02-28"}


def test_disallowed_entries_stop_counting_for_the_holder_as_a_whole(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + certification_batch("H0001", "OMP", "P26-000124", person=TARO, ref="B-OMP")
        + cpd_batch_40("H0001")
        + [
            request_renewal("H0001", "CAP", "2030-01-10"),
            request_renewal("H0001", "OMP", "2030-01-10"),
            payment(
                "H0001", "OMP", 11000, "2030-01-11", payer("OMP-2027-00001"), "R-OMP", "renewal"
            ),
        ],
    )
    assert qual(db_url, "H0001", "OMP", "2030-01-11")["status"] == "renewal_accepted"
    set_audit_rate(monkeypatch, 1)
    apply_ok(db_url, [renewal_fee("H0001", "2030-01-11", "R-CAP")])
    assert cap(db_url, "H0001", "2030-01-11")["status"] == "renewal_audit"

    apply_ok(db_url, [complete_audit("H0001", "CAP", "2030-01-20", ["e-a1", "e-a2"])])
    for code in ("CAP", "OMP"):
        counted, logged, by_category = cpd_figures(qual(db_url, "H0001", code, "2030-01-20"))
        assert (counted, logged, by_category["A"]) == ("20", "40", "0"), code

    code, results = apply(
        db_url,
        [
            decide_renewal("H0001", "CAP", "2030-01-21"),
            decide_renewal("H0001", "OMP", "2030-01-21"),
        ],
    )
    err(results[0], "CPD_INSUFFICIENT")
    err(results[1], "CPD_INSUFFICIENT")
    rejected = apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-22", "reject"))
    assert "RenewalRejected" in types(rejected)


def test_complete_audit_without_selection_is_no_audit(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 2)
    apply_ok(db_url, [request_renewal("H0001", "CAP", "2030-01-10")])
    paid = apply_one(db_url, renewal_fee("H0001", "2030-01-11", "R-1"))
    assert "FeePaid" in types(paid)
    assert "CPDAuditSelected" not in types(paid)
    assert cap(db_url, "H0001", "2030-01-11")["status"] == "renewal_accepted"

    before = count(db_url, "H0001")
    code, results = apply(
        db_url,
        [
            complete_audit("H0001", "CAP", "2030-01-20", []),
            complete_audit("H0001", "CAP", "2030-01-20", ["no-such-entry"]),  # NO_AUDIT first
            complete_audit("H0002", "CAP", "2030-01-20", []),  # no request at all
        ],
    )
    assert code != 0
    for result in results:
        err(result, "NO_AUDIT")
    assert count(db_url, "H0001") == before
    assert "Renewed" in types(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-21")))


def test_audit_selection_follows_the_published_formula(db_url, monkeypatch):
    seed, rate = "scenario-seed", "0.5"
    holders = [f"A000{i}" for i in range(1, 7)]
    people = [TARO, HANAKO, ICHIRO, KYOKO, TARO, HANAKO]

    def selected(holder):
        digest = sha256(f"{seed}:{holder}:CAP:2030-03-31".encode()).hexdigest()
        return int(digest, 16) % 10_000 < 0.5 * 10_000

    expected = {h: selected(h) for h in holders}
    assert set(expected.values()) == {True, False}  # the data exercises both outcomes

    set_audit_rate(monkeypatch, 0)
    batch = []
    for i, (holder, person) in enumerate(zip(holders, people, strict=True)):
        batch += certification_batch(holder, "CAP", f"P26-00050{i}", person=person)
        batch.append(request_renewal(holder, "CAP", "2030-01-10"))
    apply_ok(db_url, batch)

    set_audit_rate(monkeypatch, rate, seed)
    renewal = []
    for i, (holder, person) in enumerate(zip(holders, people, strict=True)):
        number = cap(db_url, holder, "2030-01-10")["certification_number"]
        renewal.append(
            payment(holder, "CAP", 11000, "2030-01-12", payer(number, person), f"R-{i}", "renewal")
        )
    results = apply_ok(db_url, renewal)
    actual = {h: "CPDAuditSelected" in types(r) for h, r in zip(holders, results, strict=True)}
    assert actual == expected
    for holder in holders:
        status = cap(db_url, holder, "2030-01-12")["status"]
        assert status == ("renewal_audit" if expected[holder] else "renewal_accepted"), holder


def test_renewal_fee_paid_before_the_request_is_a_credit(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 1)
    certify(db_url, 2)
    early = apply_ok(
        db_url,
        [renewal_fee("H0001", "2029-12-20", "R-1"), renewal_fee("H0002", "2029-12-20", "R-2")],
    )
    assert all("FeePaid" in types(r) for r in early)
    assert cap(db_url, "H0001", "2029-12-20")["status"] == "certified"

    # the request that the credit makes accepted is the one selected (rate 1) ...
    requested = apply_one(db_url, request_renewal("H0001", "CAP", "2030-01-05"))
    assert "RenewalRequested" in types(requested)
    assert [e["business_date"] for e in ok(requested) if e["type"] == "CPDAuditSelected"] == [
        "2030-01-05"
    ]
    assert cap(db_url, "H0001", "2030-01-05")["status"] == "renewal_audit"

    # ... or not (rate 0)
    set_audit_rate(monkeypatch, 0)
    requested = apply_one(db_url, request_renewal("H0002", "CAP", "2030-01-05"))
    assert "RenewalRequested" in types(requested)
    assert "CPDAuditSelected" not in types(requested)
    assert cap(db_url, "H0002", "2030-01-05")["status"] == "renewal_accepted"


def test_early_renewal_shows_the_current_period_until_the_renewal_date(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 1)
    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2030-01-10"),
            renewal_fee("H0001", "2030-01-11", "R-1"),
            decide_renewal("H0001", "CAP", "2030-01-20"),
        ],
    )
    for as_of in ("2030-01-20", "2030-02-15", "2030-03-31"):
        q = cap(db_url, "H0001", as_of)
        assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
            "certified",
            "CAP-2027-00001",
            "2027-04-01",
            "2030-03-31",
        ), as_of
        assert q["renewal_window"] == {"opens_on": "2030-01-01", "closes_on": "2030-02-28"}
        assert q["cpd"]["counted"] == "30"

    # a request in the same window is refused: the window of the last granted period applies
    message = err(
        apply_one(db_url, request_renewal("H0001", "CAP", "2030-02-01")), "OUTSIDE_RENEWAL_WINDOW"
    )
    assert "2033-01-01" in message and "2033-02-28" in message, message

    q = cap(db_url, "H0001", "2030-04-01")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "CAP-2027-00001",
        "2030-04-01",
        "2033-03-31",
    )
    assert q["renewal_window"] == {"opens_on": "2033-01-01", "closes_on": "2033-02-28"}
    assert cpd_figures(q)[:2] == ("0", "0")

    apply_ok(
        db_url,
        [
            log_cpd("H0001", "late", "A", "2030-03-15", "1", "2030-03-16", field=None),
            log_cpd("H0001", "new", "A", "2030-04-02", "2", "2030-04-03", field=None),
        ],
    )
    assert cap(db_url, "H0001", "2030-03-31")["cpd"]["logged"] == "31"
    assert cpd_figures(cap(db_url, "H0001", "2030-04-03"))[:2] == ("2", "2")
    assert cap(db_url, "H0001", "2033-01-02")["status"] == "renewal_window_open"


def test_accepted_request_open_at_expiry_is_under_review_until_decided(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 3)
    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2030-02-20"),
            renewal_fee("H0001", "2030-02-25", "R-1"),
            request_renewal("H0002", "CAP", "2030-02-20"),
            renewal_fee("H0002", "2030-02-25", "R-2"),
            request_renewal("H0003", "CAP", "2030-02-20"),  # never paid in time
        ],
    )
    for holder in ("H0001", "H0002"):
        assert cap(db_url, holder, "2030-03-31")["status"] == "renewal_accepted"
        q = cap(db_url, holder, "2030-04-01")
        assert q["status"] == "renewal_under_review", holder
        assert q["certification_number"] == cert_number(holder)
        assert (q["valid_from"], q["valid_until"]) == ("2027-04-01", "2030-03-31"), holder
    assert cap(db_url, "H0003", "2030-03-31")["status"] == "renewal_requested"
    assert cap(db_url, "H0003", "2030-04-01")["status"] == "lapsed"

    # a sweep while the decisions are pending must not lapse the requests under review
    apply_ok(db_url, [sweep("2030-04-05")])
    assert dates_of(db_url, "H0001", "Lapsed") == []
    assert dates_of(db_url, "H0002", "Lapsed") == []
    assert dates_of(db_url, "H0003", "Lapsed") == ["2030-04-01"]

    renewed = apply_one(db_url, decide_renewal("H0001", "CAP", "2030-04-10"))
    assert "Renewed" in types(renewed)
    rejected = apply_one(db_url, decide_renewal("H0002", "CAP", "2030-04-10", "reject"))
    assert "RenewalRejected" in types(rejected)

    assert cap(db_url, "H0001", "2030-04-09")["status"] == "renewal_under_review"
    q = cap(db_url, "H0001", "2030-04-10")
    assert (q["status"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "2030-04-01",
        "2033-03-31",
    )
    q = cap(db_url, "H0002", "2030-04-10")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "lapsed",
        "CAP-2027-00002",
        "2027-04-01",
        "2030-03-31",
    )
    apply_ok(db_url, [sweep("2030-04-15")])
    assert dates_of(db_url, "H0001", "Lapsed") == []
    assert dates_of(db_url, "H0002", "Lapsed") == ["2030-04-01"]

    # the renewal fee arriving after valid_until is recorded; the certification lapsed all the same
    late = apply_one(db_url, renewal_fee("H0003", "2030-04-02", "R-3"))
    assert "FeePaid" in types(late)
    assert cap(db_url, "H0003", "2030-04-02")["status"] == "lapsed"
    before = count(db_url, "H0003")
    code, results = apply(
        db_url,
        [
            decide_renewal("H0003", "CAP", "2030-04-20"),
            request_renewal("H0003", "CAP", "2030-04-20"),
            decide_renewal("H0002", "CAP", "2030-04-20", "reject"),
        ],
    )
    for result in results:
        err(result, "LAPSED")
    assert count(db_url, "H0003") == before


def test_rejection_inside_the_window_then_a_new_request(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 2)
    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2030-01-10"),
            renewal_fee("H0001", "2030-01-11", "R-1"),
            decide_renewal("H0001", "CAP", "2030-01-20", "reject", ["CPD記録不備"]),
            request_renewal("H0002", "CAP", "2030-01-10"),
            renewal_fee("H0002", "2030-01-11", "R-2"),
            decide_renewal("H0002", "CAP", "2030-01-20", "reject"),
        ],
    )
    assert cap(db_url, "H0002", "2030-01-20")["status"] == "renewal_window_open"
    assert cap(db_url, "H0002", "2030-02-28")["status"] == "renewal_window_open"
    assert cap(db_url, "H0002", "2030-03-01")["status"] == "certified"
    assert cap(db_url, "H0002", "2030-04-01")["status"] == "lapsed"

    again = apply_one(db_url, request_renewal("H0001", "CAP", "2030-02-01"))
    assert "RenewalRequested" in types(again)
    # a new request needs a new fee: the first one stays with the rejected request
    assert cap(db_url, "H0001", "2030-02-01")["status"] == "renewal_requested"
    apply_ok(db_url, [renewal_fee("H0001", "2030-02-02", "R-3")])
    assert cap(db_url, "H0001", "2030-02-02")["status"] == "renewal_accepted"
    apply_ok(db_url, [decide_renewal("H0001", "CAP", "2030-02-10")])
    assert cap(db_url, "H0001", "2030-04-01")["valid_until"] == "2033-03-31"


def test_a_fee_short_request_cannot_be_renewed_but_can_be_rejected(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 1, cpd=None)  # no CPD either: NOT_ACCEPTED comes before CPD_INSUFFICIENT
    before = count(db_url, "H0001")
    err(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-05")), "NOT_ACCEPTED")
    err(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-05", "reject")), "NOT_ACCEPTED")
    assert count(db_url, "H0001") == before
    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2030-01-10"),
            renewal_fee("H0001", "2030-01-11", "R-1", amount=5000),
        ],
    )
    err(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-20")), "NOT_ACCEPTED")
    rejected = apply_one(db_url, decide_renewal("H0001", "CAP", "2030-01-20", "reject"))
    assert "RenewalRejected" in types(rejected)


def test_unrenewed_certification_lapses_and_a_new_pass_starts_over(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 1, cpd=cpd_batch_30)
    assert cap(db_url, "H0001", "2030-03-31")["status"] == "certified"
    lapsed = {
        "status": "lapsed",
        "certification_number": "CAP-2027-00001",
        "valid_from": "2027-04-01",
        "valid_until": "2030-03-31",
        "renewal_window": {"opens_on": "2030-01-01", "closes_on": "2030-02-28"},
        "pass_report_valid_until": "2029-06-15",
        "cpd": {
            "counted": "30",
            "logged": "30",
            "required": "30",
            "by_category": {"A": "20", "B": "5", "C": "5", "D": "0"},
        },
    }
    assert cap(db_url, "H0001", "2030-04-01") == lapsed
    err(apply_one(db_url, request_renewal("H0001", "CAP", "2030-04-05")), "LAPSED")

    apply_ok(db_url, [exam_pass("H0001", "CAP", "P30-000888", "2030-06-01", person=None)])
    assert cap(db_url, "H0001", "2030-05-31") == lapsed
    assert cap(db_url, "H0001", "2030-06-01") == {
        "status": "passed",
        "certification_number": None,
        "valid_from": None,
        "valid_until": None,
        "renewal_window": None,
        "pass_report_valid_until": "2033-06-01",
        "cpd": None,
    }
    apply_ok(
        db_url,
        [
            application("H0001", "CAP", "2030-07-01"),
            payment("H0001", "CAP", 11000, "2030-07-02", payer("P30-000888"), "B-NEW"),
            decide_application("H0001", "CAP", "2030-08-01"),
        ],
    )
    q = cap(db_url, "H0001", "2030-08-01")
    assert (q["status"], q["certification_number"], q["valid_from"], q["valid_until"]) == (
        "certified",
        "CAP-2031-00001",
        "2031-04-01",
        "2034-03-31",
    )
    assert cpd_figures(q)[:2] == ("0", "0")


def test_acceptance_must_come_on_or_before_valid_until(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    certify(db_url, 2)
    apply_ok(
        db_url,
        [
            request_renewal("H0001", "CAP", "2030-02-20"),
            request_renewal("H0002", "CAP", "2030-02-20"),
            renewal_fee("H0001", "2030-03-31", "R-1"),  # the last day of the period
            renewal_fee("H0002", "2030-04-01", "R-2"),  # one day late: recorded, still lapses
        ],
    )
    assert cap(db_url, "H0001", "2030-03-31")["status"] == "renewal_accepted"
    assert cap(db_url, "H0001", "2030-04-01")["status"] == "renewal_under_review"
    assert cap(db_url, "H0002", "2030-04-01")["status"] == "lapsed"
    assert cap(db_url, "H0002", "2030-04-02")["status"] == "lapsed"
    _, results = apply(db_url, [decide_renewal("H0002", "CAP", "2030-04-05")])
    err(results[0], "LAPSED")
    assert "Renewed" in types(apply_one(db_url, decide_renewal("H0001", "CAP", "2030-04-05")))


def test_default_audit_rate_is_ten_percent_with_an_empty_seed(db_url, monkeypatch):
    monkeypatch.delenv("LIFECYCLE_AUDIT_RATE", raising=False)
    monkeypatch.delenv("LIFECYCLE_AUDIT_SEED", raising=False)

    def score(holder):
        return int(sha256(f":{holder}:CAP:2030-03-31".encode()).hexdigest(), 16) % 10_000

    assert score("A0003") < 1_000 <= score("A0001")  # one selected at 0.10, one not
    batch = []
    for i, (holder, person) in enumerate((("A0001", TARO), ("A0003", HANAKO))):
        batch += certification_batch(holder, "CAP", f"P26-00060{i}", person=person)
    apply_ok(db_url, batch)
    payments = []
    for i, (holder, person) in enumerate((("A0001", TARO), ("A0003", HANAKO))):
        number = cap(db_url, holder, "2026-10-01")["certification_number"]
        payments += [
            request_renewal(holder, "CAP", "2030-01-10"),
            payment(holder, "CAP", 11000, "2030-01-11", payer(number, person), f"R-{i}", "renewal"),
        ]
    results = apply_ok(db_url, payments)
    assert "CPDAuditSelected" not in types(results[1])
    assert "CPDAuditSelected" in types(results[3])
