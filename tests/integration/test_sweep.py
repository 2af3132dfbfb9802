"""The daily sweep on a real store: each fact once, whatever races or crashes happen."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import date

from lifecycle.application import LifecycleApplication
from lifecycle.bootstrap import open_application, open_read_engine, runtime
from lifecycle.demo.population import certification_commands
from lifecycle.settings import Settings
from schedulers.daily import daily_run

TODAY = date(2026, 11, 1)


def _population(url: str, holders: int) -> None:
    """`holders` certified CAP holders, period 2027-04-01 … 2030-03-31, none renewing."""
    app = LifecycleApplication(Settings(database_url=url, audit_rate=0))
    for i in range(holders):
        commands = certification_commands(f"S{i:05d}", f"P26-{i:04d}", f"B{i:04d}",
                                          name="n", name_kana="コンケン")
        for command in commands:
            assert app.execute(command, actor="test", today=TODAY)["ok"]
    app.close()


def _facts(url: str) -> Counter:
    """(holder version, type, business date) of every scheduler event, counted."""
    app = LifecycleApplication(Settings(database_url=url))
    counted: Counter = Counter()
    for aggregate_id in app.holder_ids():
        for event in app.events.get(aggregate_id):
            if event.actor == "scheduler":
                counted[(event.originator_id, event.type_name, event.business_date)] += 1
    app.close()
    return counted


def test_two_sweeps_at_once_record_each_fact_once(db_url):
    _population(db_url, 12)
    reports = []

    def sweeper() -> None:
        app = open_application(Settings(database_url=db_url), batch_size=5)
        reports.append(daily_run(runtime(app), date(2030, 4, 1)))
        app.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    facts = _facts(db_url)
    assert set(facts.values()) == {1}
    kinds = Counter(kind for _, kind, _ in facts)
    assert kinds == {"RenewalWindowOpened": 12, "Lapsed": 12}
    assert sum(sum(r.recorded.values()) for r in reports) == 24


def test_sweeps_for_several_dates_in_any_order_record_each_fact_once(sqlite_url):
    _population(sqlite_url, 3)
    app = open_application(Settings(database_url=sqlite_url))
    for as_of in (date(2030, 6, 1), date(2030, 1, 5), date(2030, 6, 1), date(2029, 1, 1)):
        daily_run(runtime(app), as_of)
    facts = _facts(sqlite_url)
    assert set(facts.values()) == {1}
    assert sorted({(kind, day) for _, kind, day in facts}) == [
        ("Lapsed", date(2030, 4, 1)), ("RenewalWindowOpened", date(2030, 1, 1))]


def test_a_sweep_killed_halfway_then_rerun_records_each_fact_exactly_once(db_url):
    _population(db_url, 15)
    command = [sys.executable, "-m", "lifecycle", "--db", db_url, "sweep",
               "--as-of", "2030-04-01", "--batch-size", "3"]
    env = {**os.environ, "LIFECYCLE_LOG_LEVEL": "INFO", "LIFECYCLE_LOG_FORMAT": "json"}
    victim = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    for line in victim.stderr:  # kill it as soon as the first batch is committed
        if json.loads(line).get("event") == "sweep.batch":
            victim.send_signal(signal.SIGKILL)
            break
    victim.wait(timeout=60)
    assert victim.returncode == -signal.SIGKILL
    partial = _facts(db_url)
    assert 0 < len(partial) < 30
    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    facts = _facts(db_url)
    assert set(facts.values()) == {1}
    assert len(facts) == 30


def test_reminders_are_queued_once_for_holders_without_a_request(db_url):
    from sqlalchemy import select

    from schedulers.outbox import outbox

    _population(db_url, 3)
    app = open_application(Settings(database_url=db_url, audit_rate=0))
    assert app.execute({"type": "request_renewal", "holder": "S00001", "qualification": "CAP",
                        "on": "2030-01-05", "ethics_pledge_signed_on": "2030-01-05"},
                       actor="test", today=TODAY)["ok"]
    rt = runtime(app)
    assert daily_run(rt, date(2030, 2, 1)).reminders == 0  # closes in 27 days: too early
    first = daily_run(rt, date(2030, 2, 15))
    again = daily_run(rt, date(2030, 2, 16))
    assert (first.reminders, again.reminders) == (2, 0)
    with open_read_engine(app.settings).connect() as conn:
        queued = conn.execute(select(outbox.c.holder_number, outbox.c.kind,
                                     outbox.c.due_on)).all()
    assert sorted(queued) == [("S00000", "renewal_window_closing", date(2030, 2, 28)),
                              ("S00002", "renewal_window_closing", date(2030, 2, 28))]
