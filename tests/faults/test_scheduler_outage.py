"""`lifecycle scheduler` across PostgreSQL crashes (a cluster of the test's own, stopped with
`-m immediate`): it stays up, warns once per outage, leads again when the database is back
and sweeps what the outage kept from being swept, once."""

from __future__ import annotations

from collections import Counter

import pytest

from aggregates.holder import holder_id
from lifecycle.application import LifecycleApplication
from lifecycle.clock import today_in_tokyo
from lifecycle.settings import Settings
from tests.faults.processes import Logged

pytestmark = pytest.mark.faults

RETRIES_SEEN = 3  # failed attempts to wait for while the database is down


def _record_passes(url: str, numbers: range) -> None:
    """Holders whose pass report expired long ago: each has one PassReportExpired due."""
    app = LifecycleApplication(Settings(database_url=url))
    try:
        for n in numbers:
            result = app.execute({
                "type": "record_exam_pass", "holder": f"H{n:04d}", "qualification": "CAP",
                "pass_number": f"P20-{n:06d}", "issued_on": "2020-06-15", "name": "試験 太郎",
                "name_kana": "シケン タロウ", "email": f"h{n}@example.jp"},
                actor="test", today=today_in_tokyo())
            assert result["ok"], result
    finally:
        app.close()


def _expired_reports(url: str, numbers: range) -> Counter:
    app = LifecycleApplication(Settings(database_url=url))
    try:
        return Counter({f"H{n:04d}": sum(
            1 for e in app.events.get(holder_id(f"H{n:04d}"))
            if type(e).__name__ == "PassReportExpired") for n in numbers})
    finally:
        app.close()


def _scheduler(url: str) -> Logged:
    return Logged("--db", url, "scheduler", "--catch-up-every", "0.2", "--max-retry-pause", "0.5")


def test_the_scheduler_survives_a_crash_and_sweeps_what_it_missed_once(cluster):
    before, during = range(1, 6), range(6, 11)
    _record_passes(cluster.url, before)
    scheduler = _scheduler(cluster.url)
    try:
        scheduler.wait_for("sweep.done")
        assert _expired_reports(cluster.url, before) == Counter(
            {f"H{n:04d}": 1 for n in before})
        # Due now, but not swept before tomorrow's run, unless the outage forces one.
        _record_passes(cluster.url, during)
        for outage in (1, 2):
            cluster.crash()
            scheduler.wait_for("scheduler.database_unavailable", count=outage)
            retries = scheduler.count("scheduler.retry_failed")
            scheduler.wait_for("scheduler.retry_failed", count=retries + RETRIES_SEEN)
            cluster.start()
            scheduler.wait_for("scheduler.database_available", count=outage)
            scheduler.wait_for("scheduler.leader", count=1 + outage)
            scheduler.wait_for("sweep.done", count=1 + outage)
            assert scheduler.process.poll() is None
        both = range(1, 11)
        assert _expired_reports(cluster.url, both) == Counter({f"H{n:04d}": 1 for n in both})
        # One warning per outage, however many attempts failed in between.
        assert scheduler.warnings() == ["scheduler.database_unavailable"] * 2
    finally:
        assert scheduler.stop() == 0


def test_a_scheduler_started_while_the_database_is_down_waits_for_it(cluster):
    _record_passes(cluster.url, range(1, 4))
    cluster.crash()
    scheduler = _scheduler(cluster.url)
    try:
        scheduler.wait_for("scheduler.database_unavailable")
        scheduler.wait_for("scheduler.retry_failed", count=RETRIES_SEEN)
        assert scheduler.process.poll() is None
        cluster.start()
        scheduler.wait_for("scheduler.leader")
        scheduler.wait_for("sweep.done")
        assert _expired_reports(cluster.url, range(1, 4)) == Counter(
            {f"H{n:04d}": 1 for n in range(1, 4)})
        assert scheduler.warnings() == ["scheduler.database_unavailable"]
    finally:
        assert scheduler.stop() == 0
