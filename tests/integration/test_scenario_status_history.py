"""Status as of any date, history, and the scheduler's sweep (SPEC §8 Status, §10), via the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .cli_driver import (
    HANAKO,
    ICHIRO,
    TARO,
    application,
    apply_ok,
    apply_one,
    certification_batch,
    decide_application,
    events,
    exam_pass,
    history,
    holder_status,
    log_cpd,
    ok,
    payer,
    payment,
    qual,
    set_audit_rate,
    status,
    status_text,
    sweep,
    sweep_cli,
    types,
)


def test_status_follows_the_calendar_without_any_sweep(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    expected = {
        "2029-12-31": "certified",
        "2030-01-01": "renewal_window_open",
        "2030-01-02": "renewal_window_open",
        "2030-02-28": "renewal_window_open",
        "2030-03-01": "certified",
        "2030-03-31": "certified",
        "2030-04-01": "lapsed",
        "2031-01-01": "lapsed",
    }
    for as_of, state in expected.items():
        q = qual(db_url, "H0001", "CAP", as_of)
        assert q["status"] == state, as_of
        assert q["certification_number"] == "CAP-2027-00001", as_of
        assert (q["valid_from"], q["valid_until"]) == ("2027-04-01", "2030-03-31"), as_of
        assert q["renewal_window"] == {"opens_on": "2030-01-01", "closes_on": "2030-02-28"}
    # nothing was recorded by merely asking
    assert [e["type"] for e in events(db_url, "H0001")].count("RenewalWindowOpened") == 0
    assert [e["type"] for e in events(db_url, "H0001")].count("Lapsed") == 0


def test_sweep_records_the_facts_on_the_dates_they_took_effect(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch()
        + [
            exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO),
            exam_pass("H0003", "CAP", "P26-000789", "2026-06-15", ICHIRO),
            application("H0003", "CAP", "2029-06-10"),
        ],
    )
    before = holder_status(db_url, "H0001", "2030-01-02")

    result = apply_one(db_url, sweep("2030-01-05"))
    assert result["ok"] is True
    opened = [e for e in events(db_url, "H0001") if e["type"] == "RenewalWindowOpened"]
    assert [e["business_date"] for e in opened] == ["2030-01-01"]
    assert holder_status(db_url, "H0001", "2030-01-02") == before

    # idempotent: running again (or later) adds nothing already recorded
    n = len(events(db_url, "H0001"))
    apply_ok(db_url, [sweep("2030-01-05"), sweep("2030-01-06")])
    assert len(events(db_url, "H0001")) == n

    # PassReportExpired: the day after the report's last day; not while an application is open
    passed_only = [e for e in events(db_url, "H0002") if e["type"] == "PassReportExpired"]
    assert [e["business_date"] for e in passed_only] == ["2029-06-16"]
    assert "PassReportExpired" not in [e["type"] for e in events(db_url, "H0003")]

    apply_ok(db_url, [sweep("2030-04-02")])
    assert "PassReportExpired" not in [e["type"] for e in events(db_url, "H0001")]  # certified
    lapsed = [e for e in events(db_url, "H0001") if e["type"] == "Lapsed"]
    assert [e["business_date"] for e in lapsed] == ["2030-04-01"]
    assert qual(db_url, "H0001", "CAP", "2030-04-01")["status"] == "lapsed"

    # the open application is rejected later; the next sweep records the expiry, dated as it was
    apply_ok(
        db_url,
        [
            payment("H0003", "CAP", 11000, "2030-04-10", payer("P26-000789", ICHIRO), "B-3"),
            decide_application("H0003", "CAP", "2030-04-20", "reject", ["書類不備"]),
        ],
    )
    assert qual(db_url, "H0003", "CAP", "2030-04-20")["status"] == "pass_expired"
    apply_ok(db_url, [sweep("2030-04-21")])
    expired = [e for e in events(db_url, "H0003") if e["type"] == "PassReportExpired"]
    assert [e["business_date"] for e in expired] == ["2029-06-16"]


def test_sweep_command_line(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    assert sweep_cli(db_url, "2030-01-05") == 0
    assert sweep_cli(db_url, "2030-01-05") == 0
    opened = [e for e in events(db_url, "H0001") if e["type"] == "RenewalWindowOpened"]
    assert [e["business_date"] for e in opened] == ["2030-01-01"]
    # actor: "a person, an import file and line, or the scheduler"
    assert "scheduler" in opened[0]["actor"].lower(), opened[0]["actor"]


def test_history_lists_every_event_oldest_first(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    results = apply_ok(
        db_url,
        certification_batch()
        + [
            log_cpd("H0001", "e1", "A", "2027-05-10", "3", "2027-05-11", field=None),
            {
                "type": "withdraw_cpd",
                "holder": "H0001",
                "entry_id": "e1",
                "reason": "誤登録",
                "on": "2027-06-01",
            },
        ],
    )
    code, doc = history(db_url, "H0001")
    assert code == 0
    assert doc["holder"] == "H0001"
    got = doc["events"]
    assert got == [e for r in results for e in ok(r)]
    wanted = ["ExamPassed", "ApplicationFiled", "FeePaid", "Certified", "CPDLogged", "CPDWithdrawn"]
    assert [e["type"] for e in got if e["type"] in wanted] == wanted
    dates = {e["type"]: e["business_date"] for e in got}
    assert dates == {
        **dates,
        "ExamPassed": "2026-06-15",
        "ApplicationFiled": "2026-09-01",
        "FeePaid": "2026-09-03",
        "Certified": "2026-10-01",
        "CPDLogged": "2027-05-11",
        "CPDWithdrawn": "2027-06-01",
    }
    assert [e["version"] for e in got] == list(range(1, len(got) + 1))
    stamps = [datetime.fromisoformat(e["recorded_at"]) for e in got]
    assert stamps == sorted(stamps)
    # history never shows a name-less actor, and the data is the event's own
    assert all(e["actor"] for e in got)


def test_unknown_holder_status_and_history_exit_1(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, [exam_pass("H0001", "CAP", "P26-000123", "2026-06-15")])
    for code, doc in (
        status(db_url, "H9999"),
        status(db_url, "H9999", "2027-01-01"),
        history(db_url, "H9999"),
    ):
        assert code == 1
        assert doc["ok"] is False
        assert doc["error"]["code"] == "UNKNOWN_HOLDER"
        assert set(doc) == {"ok", "error"} and set(doc["error"]) == {"code", "message"}


def test_readable_table_without_json(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch())
    result = status_text(db_url, "H0001", "2026-10-01")
    assert result.exit_code == 0
    assert "CAP-2027-00001" in result.stdout


def test_missing_business_date_defaults_to_today_in_tokyo(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    issued = (today - timedelta(days=30)).isoformat()
    apply_ok(db_url, [exam_pass("H0001", "CAP", "P00-000123", issued)])
    command = application("H0001", "CAP", "2000-01-01")
    del command["on"]
    command["ethics_pledge_signed_on"] = issued
    filed = apply_one(db_url, command)
    dates = [e["business_date"] for e in ok(filed) if e["type"] == "ApplicationFiled"]
    assert dates in ([today.isoformat()], [(today + timedelta(days=1)).isoformat()])
    # status without --as-of is as of today
    assert holder_status(db_url, "H0001")["qualifications"]["CAP"]["status"] == "applied"


def test_every_field_present_in_every_state(db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    apply_ok(
        db_url,
        certification_batch() + [exam_pass("H0001", "SV", "S26-000001", "2026-05-10", person=None)],
    )
    for as_of in (
        "2026-06-15",
        "2026-09-01",
        "2026-09-03",
        "2026-10-01",
        "2030-01-02",
        "2030-04-01",
    ):
        doc = holder_status(db_url, "H0001", as_of)
        assert doc["name"] == TARO.name and doc["name_kana"] == TARO.kana
        assert set(doc["qualifications"]) == {"CAP", "SV"}, as_of
    assert json.dumps(doc, ensure_ascii=False)  # serialisable as printed
    assert types(apply_one(db_url, exam_pass("H0001", "SV", "S26-000001", "2026-05-10"))) == []
