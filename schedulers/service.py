"""`lifecycle scheduler`: the long-running, unattended scheduler (APScheduler 3, Asia/Tokyo).

Leader election first (schedulers.leader): a second process waits as a hot standby. The
leader runs one sweep at start (catching up any downtime), then a daily cron job shortly
after midnight Tokyo time from a persistent SQLAlchemy job store (coalesced, a day of
misfire grace), and keeps the read models caught up between sweeps. SIGTERM stops it
gracefully: the running job finishes, the lock is released, the standby takes over.

A store outage (schedulers.outage) does not stop it. Started while the database is down, it
waits. Leading when it goes, it stops its jobs and, with the database back, takes the
leadership again (a standby may win it instead) and sweeps once more before anything else:
a sweep records only facts not yet recorded, so this one records exactly what the outage
kept from being recorded (nothing twice, nothing missed). A cron run that failed during a
short outage that left the leadership in place is run again the same way. Faults that
will not pass by themselves (a wrong password, an SQLite file that cannot be opened) and
bugs still stop the process.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import timedelta

import structlog
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from lifecycle.faults import StoreFault, store_fault
from schedulers.daily import Runtime, daily_run
from schedulers.leader import LeaderLock
from schedulers.outage import Backoff, Outage

log = structlog.get_logger("schedulers.service")

TIMEZONE = "Asia/Tokyo"
DAILY_JOB = "daily-sweep"
_runtime: Runtime | None = None  # the job store keeps a textual reference to run_daily
_work = threading.Lock()  # one sweep or catch-up at a time in this process
_missed = threading.Event()  # a cron run failed on an outage: sweep again once it is over
_outage = Outage()  # shared by the loop and the cron job: one warning per outage
_store = "the database"  # how the warning names the store


def run_daily() -> None:
    """The persisted job's target."""
    with _work:
        try:
            daily_run(_runtime)
        except Exception as error:
            fault = _passing(error)
            if fault is None:
                raise
            _missed.set()
            _outage.began(fault, _store)


def _passing(error: BaseException) -> StoreFault | None:
    """The fault behind `error` if it is one to wait out, else None."""
    fault = store_fault(error)
    return fault if fault is not None and fault.transient else None


def run(make_runtime: Callable[[], Runtime], *, lock: LeaderLock, jobstore_engine,
        stop: threading.Event, daily_at: tuple[int, int] = (0, 5),
        catch_up_every: float = 5.0, jobstore_schema: str | None = None,
        standby_every: float = 1.0, store: str = "the database",
        backoff: Backoff | None = None) -> None:
    """Lead (or stand by) until `stop` is set, through any number of store outages."""
    global _runtime, _outage, _store
    if threading.current_thread() is threading.main_thread():  # signals reach only it
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    backoff = backoff or Backoff()
    outage = _outage = Outage()
    _store = store
    jobs: BackgroundScheduler | None = None
    standing_by = False
    try:
        while not stop.is_set():
            try:
                if _runtime is None:
                    _runtime = make_runtime()
                if jobs is None:
                    if not standing_by:
                        log.info("scheduler.standby")
                        standing_by = True
                    if not lock.try_acquire():
                        outage.over()  # the database answered: someone else leads
                        log.debug("scheduler.standby")
                        stop.wait(standby_every)
                        continue
                    standing_by = False
                    log.info("scheduler.leader")
                    jobs = _start_jobs(jobstore_engine, jobstore_schema, daily_at)
                    _missed.set()  # after downtime, one sweep for today catches up
                if _missed.is_set():
                    _missed.clear()
                    with _work:
                        daily_run(_runtime)
                lock.check()
                with _work:
                    _runtime.catch_up()
                outage.over()
                backoff.reset()
            except Exception as error:
                fault = _passing(error)
                if fault is None:
                    raise
                outage.began(fault, store)
                if jobs is not None and not _lock_alive(lock):
                    _stop_jobs(jobs, wait=False)
                    jobs = None
                    log.info("scheduler.leadership_lost")
                if jobs is None:
                    lock.abandon()  # also a lock taken just before the jobs failed to start
                else:
                    _missed.set()  # the sweep or catch-up failed: sweep once it is over
                stop.wait(backoff.pause())
                continue
            stop.wait(catch_up_every)
    finally:
        if jobs is not None:
            _stop_jobs(jobs, wait=True)
            lock.release()
        _runtime = None
        log.info("scheduler.stopped", leader=jobs is not None)


def _lock_alive(lock: LeaderLock) -> bool:
    try:
        lock.check()
    except Exception:  # noqa: BLE001 - any failure means the lock may be gone
        return False
    return True


def _start_jobs(engine, schema: str | None, daily_at: tuple[int, int]) -> BackgroundScheduler:
    jobs = BackgroundScheduler(
        timezone=TIMEZONE,
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tableschema=schema),
            "memory": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(timedelta(days=1).total_seconds())},
    )
    try:
        jobs.add_job(run_daily, "cron", hour=daily_at[0], minute=daily_at[1],
                     id=DAILY_JOB, replace_existing=True)
        jobs.start()
    except BaseException:
        _stop_jobs(jobs, wait=False)
        raise
    return jobs


def _stop_jobs(jobs: BackgroundScheduler, *, wait: bool) -> None:
    if jobs.running:
        jobs.shutdown(wait=wait)
