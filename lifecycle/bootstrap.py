"""The composition root: from `Settings`, everything the entry points run on.

The CLI, the HTTP server, the scheduler, the rebuild workers and the tests all start here:
`open_application` builds the one event-store application (with the sweeper that finds due
holders in the read models), `open_read_engine` the read database, `catch_up` is the one
loop that brings the read models up to the log's head, `runtime` the scheduler's view.
Nothing here reads the environment: `Settings.from_env` did.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine, create_engine

from lifecycle.application import LifecycleApplication
from lifecycle.clock import today_in_tokyo
from lifecycle.settings import Settings
from projections import queries
from projections.database import read_engine
from projections.runner import RUN_LOCK_WAIT, ConcurrentRunError, Runner
from schedulers import daily, outbox
from schedulers.daily import Runtime
from schedulers.leader import FileLeaderLock, LeaderLock, PostgresLeaderLock

log = structlog.get_logger("lifecycle.bootstrap")

REMINDER_DAYS = 14  # a reminder when the renewal window closes in two weeks, no request made
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


def catch_up(runner: Runner, *, attempts: int = CATCH_UP_ATTEMPTS, fresh: bool = False,
             wait: float = RUN_LOCK_WAIT) -> bool:
    """Bring the read models up to the log's head as it is now, exactly once per event.

    Another runner (a follower, an apply, a second server) may move the position first: a
    `ConcurrentRunError` is then retried, up to `attempts` times. `fresh`: fold from the
    stored rows, not from states cached by an earlier run of this runner (which another
    process may have made stale). `wait`: seconds to wait each time for another run (a
    rebuild, say) to end. True when the read models reached the head.
    """
    head = runner.head()
    for _attempt in range(attempts):
        if fresh:
            runner.projector.forget()
        try:
            runner.catch_up(stop=head, wait=wait)
        except ConcurrentRunError:
            continue
        if runner.progress().position >= head:
            return True
    return False


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
        """Apply what is new; another runner moving the position first is retried."""
        for _attempt in range(CATCH_UP_ATTEMPTS - 1):
            try:
                return self.runner().catch_up()
            except ConcurrentRunError:
                continue
        return self.runner().catch_up()

    def __call__(self, app: LifecycleApplication, as_of: date) -> list:
        self.catch_up()
        return daily.sweep(app, as_of, self.find_due, batch_size=self.batch_size)[0]


def runtime(app: LifecycleApplication) -> Runtime:
    """The scheduler's view of the engine: the read models find, the aggregates decide."""
    sweeper = app.sweeper
    if not isinstance(sweeper, ReadModelSweeper):
        raise TypeError("the scheduler's runtime needs an application from open_application")
    return Runtime(
        app=app, today=today_in_tokyo, catch_up=sweeper.catch_up, find_due=sweeper.find_due,
        write_reminders=lambda as_of: outbox.write_reminders(sweeper.engine, as_of,
                                                             REMINDER_DAYS),
        batch_size=sweeper.batch_size,
    )


def leader_lock(settings: Settings) -> LeaderLock:
    if settings.is_postgres:
        def connect():
            import psycopg

            return psycopg.connect(**settings.psycopg_kwargs(), autocommit=True)

        return PostgresLeaderLock(connect)
    return FileLeaderLock(Path(settings.url.database + ".scheduler.lock"))


def jobstore_engine(settings: Settings) -> Engine:
    return create_engine(settings.sqlalchemy_url())
