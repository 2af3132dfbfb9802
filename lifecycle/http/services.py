"""What the routes share: the event store application, the read database, the clock, the
one-statement reads of the event store for status and verify (`reads`), and the issuer of
verifiable credentials (`issuer`).

One `Services` per server process, built by `create_app` and closed at shutdown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import structlog
from sqlalchemy import Engine, text

from lifecycle import bootstrap
from lifecycle.application import LifecycleApplication
from lifecycle.credentials.issuing import Issuer, RingSource
from lifecycle.http.availability import Availability
from lifecycle.http.feed import Feed
from lifecycle.keys import key_directory
from lifecycle.settings import Settings
from lifecycle.store.reads import StoreReads
from projections.runner import Progress, Runner

log = structlog.get_logger("lifecycle.http")
IDLE_CHECK_SECONDS = 2.0
API_CATCH_UP_WAIT = 2.0  # seconds a request waits for another run of the read models


@dataclass
class Services:
    app: LifecycleApplication
    engine: Engine
    today: Callable[[], date]
    runner: Runner = field(init=False)
    feed: Feed = field(init=False)
    reads: StoreReads = field(init=False)
    availability: Availability = field(init=False)
    issuer: Issuer = field(init=False)
    _catching_up: threading.Lock = field(default_factory=threading.Lock, init=False)
    _last_write: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.runner = Runner(self.app, self.engine)
        self.feed = Feed(self.app, self.engine)
        self.reads = StoreReads(self.app)
        self.availability = Availability(self._probe, self._refresh)
        settings = self.app.settings
        self.issuer = Issuer(self.reads, self.engine, RingSource(key_directory(settings)),
                             settings.body_name, settings.public_url)

    @classmethod
    def open(cls, settings: Settings, today: Callable[[], date]) -> Services:
        app = bootstrap.open_application(settings)
        try:
            return cls(app, bootstrap.open_read_engine(settings), today)
        except BaseException:
            app.close()
            raise

    def _probe(self) -> None:
        """Raise unless both databases answer now (a new connection to each)."""
        settings = self.app.settings
        if settings.is_postgres:
            import psycopg

            with psycopg.connect(**settings.psycopg_kwargs()) as conn:
                conn.execute("SELECT 1")
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def _refresh(self) -> None:
        """Replace the pools' idle connections that died with the server."""
        datastore = getattr(self.app.recorder, "datastore", None)
        pools = [getattr(datastore, "pool", None),
                 getattr(getattr(self.app, "write_locks", None), "_pool", None)]
        for pool in pools:
            if pool is not None and hasattr(pool, "check"):
                pool.check()

    def before_writes(self) -> None:
        """A write is never run twice (its outcome would be unknown), so it must not go
        out on a connection that died while nobody used it (the database restarted in a
        quiet spell): after IDLE_CHECK_SECONDS without writes, the pools' idle
        connections are checked first, one round trip each."""
        now = time.monotonic()
        if now - self._last_write >= IDLE_CHECK_SECONDS:
            self._refresh()
        self._last_write = now

    def close(self) -> None:
        self.reads.close()
        self.engine.dispose()
        self.app.close()

    def progress(self) -> Progress:
        return self.runner.progress()

    def catch_up(self) -> bool:
        """Read-your-writes after POST /commands: the read models include every event
        recorded so far (as `lifecycle apply` leaves them). Returns False when they could
        not be brought up to date; the writes stand either way."""
        try:
            with self._catching_up:  # one catch-up per process at a time; others may run
                # Another process (apply, the scheduler, a second server) may have applied
                # pages since our last run: fold from the stored rows again.
                if bootstrap.catch_up(self.runner, fresh=True, wait=API_CATCH_UP_WAIT):
                    return True
        except Exception as error:
            if self.availability.noticed(error) is not None:  # the writes stand
                log.warning("api.catch_up_failed", reason=str(error).splitlines()[0])
            else:
                log.exception("api.catch_up_failed")
            return False
        log.warning("api.read_models_behind")
        return False
