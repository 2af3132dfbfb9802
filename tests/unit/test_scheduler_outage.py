"""The scheduler's supervision loop with a store that fails on demand (the real thing is in
tests/faults): a cron sweep lost to an outage is swept once the store answers again, one
warning per outage, and a fault that will not pass stops it."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine

from schedulers import service
from schedulers.daily import Runtime
from schedulers.leader import LeaderLock
from schedulers.outage import Backoff

DEADLINE = 10.0


class Lock(LeaderLock):
    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class Store:
    """`down` makes every call raise what SQLite raises on a full disk."""

    def __init__(self) -> None:
        self.down = False
        self.sweeps = 0
        self.catch_ups = 0

    def call(self) -> None:
        if self.down:
            raise sqlite3.OperationalError("database or disk is full")


def _until(condition) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, "condition not met before the deadline"
        time.sleep(0.01)  # polling a condition, not timing anything


@pytest.fixture
def scheduler(monkeypatch, tmp_path):
    store = Store()

    def daily_run(_runtime):
        store.call()
        store.sweeps += 1

    def catch_up():
        store.call()
        store.catch_ups += 1
        return 0

    monkeypatch.setattr(service, "daily_run", daily_run)
    stop = threading.Event()
    warnings: list[str] = []
    monkeypatch.setattr(service.log, "warning", lambda event, **_: warnings.append(event))
    monkeypatch.setattr("schedulers.outage.log.warning",
                        lambda event, **_: warnings.append(event))
    thread = threading.Thread(target=service.run, kwargs={
        "make_runtime": lambda: Runtime(app=None, today=lambda: None, catch_up=catch_up),
        "lock": Lock(), "stop": stop,
        "jobstore_engine": create_engine(f"sqlite:///{tmp_path / 'jobs.db'}"),
        "catch_up_every": 0.01, "backoff": Backoff(first=0.01, cap=0.02)})
    thread.start()
    yield store, warnings
    stop.set()
    thread.join(DEADLINE)
    assert not thread.is_alive()


def test_a_cron_sweep_lost_to_an_outage_is_swept_once_the_store_answers(scheduler):
    store, warnings = scheduler
    _until(lambda: store.sweeps == 1 and store.catch_ups > 0)  # the sweep at start
    store.down = True
    service.run_daily()  # the cron run, during the outage: it cannot sweep
    assert store.sweeps == 1
    caught_up = store.catch_ups
    store.down = False
    _until(lambda: store.sweeps == 2 and store.catch_ups > caught_up + 3)
    assert store.sweeps == 2  # once, not once per attempt
    assert warnings == ["scheduler.database_unavailable"]


def test_a_fault_that_will_not_pass_stops_the_scheduler(monkeypatch):
    def daily_run(_runtime):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(service, "daily_run", daily_run)
    with pytest.raises(sqlite3.OperationalError):
        service.run(lambda: Runtime(app=None, today=lambda: None), lock=Lock(),
                    jobstore_engine=create_engine("sqlite://"), stop=threading.Event(),
                    backoff=Backoff(first=0.01, cap=0.01))
