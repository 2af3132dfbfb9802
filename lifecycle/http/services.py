"""What the routes share: the event store application, the read database, the clock, and
the one-statement reads of the event store for status and verify (`reads`).

One `Services` per server process, built by `create_app` and closed at shutdown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import structlog
from sqlalchemy import Engine

from lifecycle import bootstrap
from lifecycle.application import LifecycleApplication
from lifecycle.http.feed import Feed
from lifecycle.settings import Settings
from lifecycle.store.reads import StoreReads
from projections.runner import Progress, Runner

log = structlog.get_logger("lifecycle.http")


@dataclass
class Services:
    app: LifecycleApplication
    engine: Engine
    today: Callable[[], date]
    runner: Runner = field(init=False)
    feed: Feed = field(init=False)
    reads: StoreReads = field(init=False)
    _catching_up: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.runner = Runner(self.app, self.engine)
        self.feed = Feed(self.app, self.engine)
        self.reads = StoreReads(self.app)

    @classmethod
    def open(cls, settings: Settings, today: Callable[[], date]) -> Services:
        app = bootstrap.open_application(settings)
        try:
            return cls(app, bootstrap.open_read_engine(settings), today)
        except BaseException:
            app.close()
            raise

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
                if bootstrap.catch_up(self.runner, fresh=True):
                    return True
        except Exception:
            log.exception("api.catch_up_failed")
            return False
        log.warning("api.read_models_behind")
        return False
