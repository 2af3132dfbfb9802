"""The composition root: from `Settings`, everything the entry points run on.

The CLI, the HTTP server, the scheduler, the rebuild workers and the tests all start here:
`open_application` builds the one event-store application (with the sweeper that finds due
holders in the read models), `open_read_engine` the read database, `catch_up` is the one
loop that brings the read models up to the log's head, `runtime` the scheduler's view.
Nothing here reads the environment: `Settings.from_env` did.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine, create_engine

from aggregates import policy as rules
from lifecycle import sweep_jobs
from lifecycle.application import LifecycleApplication
from lifecycle.clock import today_in_tokyo
from lifecycle.keys import key_directory
from lifecycle.ledger.service import daily_checkpointer
from lifecycle.mail import service as mail_service
from lifecycle.settings import Settings
from lifecycle.workers import default_jobs
from projections import queries
from projections.database import read_engine
from projections.runner import RUN_LOCK_WAIT, ConcurrentRunError, Runner
from schedulers import daily, outbox
from schedulers.daily import Runtime
from schedulers.leader import FileLeaderLock, LeaderLock, PostgresLeaderLock

log = structlog.get_logger("lifecycle.bootstrap")

SWEEP_BATCH = 500
CATCH_UP_ATTEMPTS = 5


def open_application(settings: Settings, *, batch_size: int = SWEEP_BATCH
                     ) -> LifecycleApplication:
    """The application; a `sweep` command finds its due holders in the read models."""
    sweeper = ReadModelSweeper(settings, batch_size)
    app = LifecycleApplication(settings, sweeper=sweeper)
    sweeper.app = app
    return app


def open_read_engine(settings: Settings) -> Engine:
    """The read database: its own URL (`read_database_url`) or the event store's."""
    read = settings.read_settings()
    return read_engine(read.sqlalchemy_url(), read.schema)


def open_staff_engine(settings: Settings) -> Engine:
    """The staff accounts' database: the event store's own (lifecycle.staff.tables), never
    the read database, whose tables a rebuild drops."""
    return read_engine(settings.sqlalchemy_url(), settings.schema)


def catch_up(runner: Runner, *, attempts: int = CATCH_UP_ATTEMPTS, fresh: bool = False,
             wait: float = RUN_LOCK_WAIT) -> bool:
    """Bring the read models up to the log's head as it is now, exactly once per event.

    Another runner (a follower, an apply, a second server, the last page of a killed
    rebuild's worker) may move the position first: a `ConcurrentRunError` is then retried,
    up to `attempts` times. `fresh`: fold from the stored rows, not from states cached by an
    earlier run of this runner (which another process may have made stale). `wait`: seconds
    to wait each time for another run (a rebuild, say) to end. True when the read models
    reached the head.
    """
    return catch_up_counted(runner, attempts=attempts, fresh=fresh, wait=wait) is not None


def catch_up_counted(runner: Runner, *, attempts: int = CATCH_UP_ATTEMPTS,
                     fresh: bool = False, wait: float = RUN_LOCK_WAIT) -> int | None:
    """`catch_up`, saying how many notifications it read; None when it did not reach the
    head."""
    head = runner.head()
    read = 0
    for _attempt in range(attempts):
        if fresh:
            runner.projector.forget()
        try:
            read += runner.catch_up(stop=head, wait=wait)
        except ConcurrentRunError as error:
            log.info("projections.catch_up_retried", reason=str(error))
            continue
        if runner.progress().position >= head:
            return read
    return None


class ReadModelSweeper:
    """`sweep` through the read models: catch them up, then sweep the holders they say
    are due (schedulers.daily), in batches of `batch_size` per transaction."""

    def __init__(self, settings: Settings, batch_size: int):
        self.settings = settings
        self.batch_size = batch_size
        self.app: Any = None
        self._engine: Engine | None = None
        self._runner: Runner | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_read_engine(self.settings)
        return self._engine

    def runner(self) -> Runner:
        if self._runner is None:  # made on first use: it creates the read tables
            self._runner = Runner(self.app, self.engine)
        return self._runner

    def find_due(self, as_of: date, after: str | None, limit: int) -> list[str]:
        return queries.holders_due(self.engine, as_of, after, limit)

    def catch_up(self) -> int:
        """Apply what is new (another runner moving the position first is retried), then
        write the letters it calls for."""
        read = None
        for _attempt in range(CATCH_UP_ATTEMPTS - 1):
            try:
                read = self.runner().catch_up()
                break
            except ConcurrentRunError:
                continue
        if read is None:
            read = self.runner().catch_up()
        mail_service.catch_up_notices(self.app, self.engine)
        return read

    def sweep_shares(self, as_of: date) -> tuple[int, Counter] | None:
        """The sweep in worker processes when enough is due (lifecycle.sweep_jobs);
        None: sweep here, serially."""
        jobs = self.settings.sweep_jobs or default_jobs()
        if not sweep_jobs.worth_sharing(self.find_due, as_of, jobs, self.batch_size):
            return None
        return sweep_jobs.sweep_in_shares(self.settings, self.runner(), as_of, jobs,
                                          self.batch_size)

    def hand_over(self, holders: list) -> None:
        """The swept holders' states, as saved, to the projector that projects them next."""
        projector = self.runner().projector
        for holder in holders:
            projector.prefolded(holder.id, holder.version, holder.state)

    def __call__(self, app: LifecycleApplication, as_of: date) -> list:
        self.catch_up()
        return daily.sweep(app, as_of, self.find_due, batch_size=self.batch_size,
                           hand_over=self.hand_over, after_batch=self.catch_up)[0]


def runtime(app: LifecycleApplication, *, relay: bool = False) -> Runtime:
    """The scheduler's view of the engine: the read models find, the aggregates decide.
    `relay`: send the due notices after each sweep (the scheduler, when SMTP is set)."""
    sweeper = app.sweeper
    if not isinstance(sweeper, ReadModelSweeper):
        raise TypeError("the scheduler's runtime needs an application from open_application")
    return Runtime(
        app=app, today=today_in_tokyo, catch_up=sweeper.catch_up, find_due=sweeper.find_due,
        # The lead time is the policy's (14 days, the shipped one): a reminder when the
        # renewal window closes that soon and no request was made.
        write_reminders=lambda as_of: outbox.write_reminders(
            sweeper.engine, as_of, app.live_policy().reminder_days_on(as_of)),
        relay=(lambda: send_mail(sweeper.settings, sweeper.engine, app.live_policy()))
        if relay and sweeper.settings.smtp.host else None,
        batch_size=sweeper.batch_size, hand_over=sweeper.hand_over,
        sweep_shares=sweeper.sweep_shares,
        after_sweep=daily_checkpointer(app.recorder, sweeper.engine,
                                       key_directory(sweeper.settings)),
    )


def catch_up_notices(app: LifecycleApplication, engine: Engine) -> int:
    """The letters the events just applied call for (projections.notices)."""
    return mail_service.catch_up_notices(app, engine)


def send_mail(settings: Settings, engine: Engine, live: rules.Policy) -> dict:
    """One relay pass for the scheduler, the letters under the live policy `live`: a
    failure is logged, never stops the scheduler."""
    try:
        with rules.applying(live):
            return mail_service.send_due(settings, engine).to_dict()
    except Exception:
        log.exception("mail.relay_failed")
        return {"error": "the relay failed; see the log"}


def leader_lock(settings: Settings) -> LeaderLock:
    if settings.is_postgres:
        def connect():
            import psycopg

            return psycopg.connect(**settings.psycopg_kwargs(), autocommit=True)

        return PostgresLeaderLock(connect)
    return FileLeaderLock(Path(settings.url.database + ".scheduler.lock"))


def jobstore_engine(settings: Settings) -> Engine:
    return create_engine(settings.sqlalchemy_url())
