"""The daily sweep in worker processes (lifecycle.sweep_jobs): the same facts, the same
read models and the same notices as a serial sweep, each once."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from lifecycle.bootstrap import open_application, open_read_engine, runtime
from lifecycle.settings import Settings
from projections import database
from projections.outbox_tables import outbox
from projections.runner import Runner
from schedulers.daily import daily_run
from tests.integration.test_projections_crash import dump
from tests.integration.test_sweep import _facts, _population

HOLDERS = 24


def _daily_run(url: str, jobs: int, as_of: date) -> tuple:
    """(report, whether the sweep ran in shares, the read models as rows)."""
    app = open_application(Settings(database_url=url, audit_rate=0, sweep_jobs=jobs),
                           batch_size=5)
    rt = runtime(app)
    shared: list = []
    sweep_shares = rt.sweep_shares
    rt.sweep_shares = lambda on: shared.append(sweep_shares(on)) or shared[-1]
    report = daily_run(rt, as_of)
    engine = open_read_engine(app.settings)
    rows = dump(engine)
    app.close()
    return report, shared[-1] is not None, rows, engine


def test_a_sweep_in_two_shares_records_and_projects_each_fact_once(db_url):
    _population(db_url, HOLDERS)
    report, in_shares, rows, engine = _daily_run(db_url, 2, date(2030, 4, 1))
    assert in_shares
    assert (report.holders, dict(report.recorded)) == (
        HOLDERS, {"RenewalWindowOpened": HOLDERS, "Lapsed": HOLDERS})
    facts = _facts(db_url)
    assert set(facts.values()) == {1} and len(facts) == 2 * HOLDERS
    assert database.partition_positions(engine) == {}  # merged into the one position
    app = open_application(Settings(database_url=db_url))
    assert rows["position"] == app.recorder.max_notification_id()
    Runner(app, engine).rebuild()
    assert dump(engine) == rows  # the shares' rows are a rebuild's
    with engine.connect() as conn:
        notices = Counter(dict(conn.execute(select(outbox.c.kind, func.count())
                                            .group_by(outbox.c.kind)).all()))
    assert notices["renewal_window_open"] == HOLDERS and notices["lapsed"] == HOLDERS
    app.close()


def test_a_sweep_with_less_than_a_batch_per_worker_due_runs_here(db_url):
    _population(db_url, 8)  # 8 due, 2 workers x batches of 5: not worth two processes
    report, in_shares, _, _ = _daily_run(db_url, 2, date(2030, 1, 1))
    assert not in_shares
    assert dict(report.recorded) == {"RenewalWindowOpened": 8}


def test_the_next_sweep_finds_nothing_left_after_a_sweep_in_shares(sqlite_url):
    _population(sqlite_url, HOLDERS)
    _daily_run(sqlite_url, 2, date(2030, 1, 1))
    again, in_shares, _, _ = _daily_run(sqlite_url, 2, date(2030, 1, 1))
    assert not in_shares and again.holders == 0 and not again.recorded
