"""Notices derived from events: every kind the lifecycle calls for, each written once."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from lifecycle.bootstrap import open_application, open_read_engine
from lifecycle.settings import Settings
from projections import notices
from projections.outbox_tables import outbox
from projections.runner import Runner

from .cli_driver import (
    HANAKO,
    ICHIRO,
    TARO,
    apply_ok,
    certification_batch,
    complete_audit,
    cpd_batch_30,
    decide_application,
    decide_renewal,
    renewal_payment,
    request_renewal,
    set_audit_rate,
    sweep,
)


def lifecycles(db_url, monkeypatch):
    """TARO certified, audited and renewed; HANAKO rejected; ICHIRO certified and lapsed."""
    set_audit_rate(monkeypatch, 1)
    hanako = certification_batch("H0002", pass_number="P26-000456", person=HANAKO)
    apply_ok(db_url, certification_batch("H0001", person=TARO) + cpd_batch_30("H0001")
             + hanako[:-1] + [decide_application("H0002", "CAP", "2026-10-01", "reject",
                                                 ["実務経験の証明が不足しています"])]
             + certification_batch("H0003", pass_number="P26-000789", person=ICHIRO)
             + [sweep("2030-01-01"), request_renewal("H0001", "CAP", "2030-01-15"),
                renewal_payment("H0001", "2030-01-20", "R-1"),
                complete_audit("H0001", "CAP", "2030-02-01"),
                decide_renewal("H0001", "CAP", "2030-02-10"), sweep("2030-04-01")])


def outbox_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(outbox).order_by(outbox.c.id)).all()


def caught_up(db_url, **kwargs):
    app = open_application(Settings(database_url=db_url))
    engine = open_read_engine(app.settings)
    Runner(app, engine).catch_up()
    written = notices.catch_up(app.recorder, app.mapper, engine, **kwargs)
    app.close()
    return engine, written


def test_each_fact_a_holder_must_hear_of_becomes_one_notice(db_url, monkeypatch):
    lifecycles(db_url, monkeypatch)
    engine, written = caught_up(db_url)
    assert written == 0  # `apply` wrote them already, as it caught the read models up
    rows = outbox_rows(engine)
    kinds = {(r.holder_number, r.kind, r.due_on.isoformat()) for r in rows}
    assert kinds == {
        ("H0001", "application_accepted", "2026-09-03"), ("H0001", "certified", "2026-10-01"),
        ("H0001", "renewal_window_open", "2030-01-01"),
        ("H0001", "cpd_audit_selected", "2030-01-20"), ("H0001", "renewed", "2030-02-10"),
        ("H0002", "application_accepted", "2026-09-03"),
        ("H0002", "application_rejected", "2026-10-01"),
        ("H0003", "application_accepted", "2026-09-03"), ("H0003", "certified", "2026-10-01"),
        ("H0003", "renewal_window_open", "2030-01-01"), ("H0003", "lapsed", "2030-04-01"),
    }
    rejected = next(r for r in rows if r.kind == "application_rejected")
    assert json.loads(rejected.details)["reasons"] == ["実務経験の証明が不足しています"]
    renewed = json.loads(next(r for r in rows if r.kind == "renewed").details)
    assert renewed == {"certification_number": "CAP-2027-00001",
                       "valid_from": "2030-04-01", "valid_until": "2033-03-31"}
    for row in rows:  # the letter's facts, never the holder's name or address
        assert TARO.name not in row.details and TARO.email not in row.details

    assert caught_up(db_url)[1] == 0  # a second pass writes nothing
    assert len(outbox_rows(engine)) == len(rows)


class Crash(Exception):
    pass


def test_a_crash_before_the_commit_writes_no_notice_and_the_rerun_writes_each_once(
        db_url, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    app = open_application(Settings(database_url=db_url))
    for command in (certification_batch("H0001", person=TARO)
                    + certification_batch("H0003", pass_number="P26-000789", person=ICHIRO)):
        assert app.execute(command, actor="test", today=date(2026, 12, 1))["ok"]
    app.close()

    def crash():
        raise Crash

    with pytest.raises(Crash):
        caught_up(db_url, crash_after_insert=crash)
    engine, _ = caught_up(db_url)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        distinct = conn.execute(select(func.count()).select_from(
            select(outbox.c.holder_number, outbox.c.kind, outbox.c.due_on).distinct()
            .subquery())).scalar_one()
    assert total == distinct == 4  # accepted and certified, for each of the two


def test_the_sweep_reminds_a_passed_holder_before_the_pass_report_ends(db_url):
    """Passed 2026-06-15 (report usable until 2029-06-15), no application: one reminder,
    from 60 days before, whatever the number of sweeps; none for the holder who applied."""
    from lifecycle.bootstrap import runtime
    from schedulers.daily import daily_run

    from .cli_driver import application, exam_pass

    apply_ok(db_url, [exam_pass("H0001", "CAP", "P26-000123", "2026-06-15", TARO),
                      exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO),
                      application("H0002", "CAP", "2026-09-01")])
    app = open_application(Settings(database_url=db_url))
    try:
        rt = runtime(app)
        assert daily_run(rt, date(2029, 4, 15)).reminders == 0
        assert daily_run(rt, date(2029, 4, 16)).reminders == 1
        assert daily_run(rt, date(2029, 5, 1)).reminders == 0
        engine = open_read_engine(app.settings)
    finally:
        app.close()
    reminders = [r for r in outbox_rows(engine) if r.kind == "pass_report_expiring"]
    assert [(r.holder_number, r.due_on.isoformat()) for r in reminders] == [
        ("H0001", "2029-06-15")]
