"""`lifecycle scheduler`: the long-running, unattended scheduler (APScheduler 3, Asia/Tokyo).

Leader election first (schedulers.leader): a second process waits as a hot standby. The
leader runs one sweep at start (catching up any downtime), then a daily cron job shortly
after midnight Tokyo time from a persistent SQLAlchemy job store (coalesced, a day of
misfire grace), then the runtime's `after_sweep` (the ledger's signed checkpoint), and
keeps the read models caught up between sweeps. SIGTERM stops it
gracefully: the running job finishes, the lock is released, the standby takes over.
"""

from __future__ import annotations

import signal
import threading
from datetime import timedelta

import structlog
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from schedulers.daily import Runtime, daily_run
from schedulers.leader import LeaderLock

log = structlog.get_logger("schedulers.service")

TIMEZONE = "Asia/Tokyo"
DAILY_JOB = "daily-sweep"
_runtime: Runtime | None = None  # the job store keeps a textual reference to run_daily
_work = threading.Lock()  # one sweep or catch-up at a time in this process


def run_daily() -> None:
    """The persisted job's target."""
    with _work:
        report = daily_run(_runtime)
        if _runtime.after_sweep is not None:
            _runtime.after_sweep(report.as_of)


def run(runtime: Runtime, *, lock: LeaderLock, jobstore_engine, stop: threading.Event,
        daily_at: tuple[int, int] = (0, 5), catch_up_every: float = 5.0,
        jobstore_schema: str | None = None) -> None:
    global _runtime
    _runtime = runtime
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("scheduler.standby")
    if not lock.acquire(stop, on_wait=lambda: log.debug("scheduler.standby")):
        log.info("scheduler.stopped", leader=False)
        return
    log.info("scheduler.leader")
    scheduler = BackgroundScheduler(
        timezone=TIMEZONE,
        jobstores={
            "default": SQLAlchemyJobStore(engine=jobstore_engine, tableschema=jobstore_schema),
            "memory": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(timedelta(days=1).total_seconds())},
    )
    try:
        scheduler.add_job(run_daily, "cron", hour=daily_at[0], minute=daily_at[1],
                          id=DAILY_JOB, replace_existing=True)
        scheduler.start()
        run_daily()  # after downtime, one sweep for today catches up everything missed
        while not stop.is_set():
            with _work:
                runtime.catch_up()
            stop.wait(catch_up_every)
    finally:
        scheduler.shutdown(wait=True)
        lock.release()
        log.info("scheduler.stopped", leader=True)
