"""Riding out a store outage: how long to wait between attempts, and one warning per outage.

The scheduler lapses the unrenewed on 1 April unattended, so a database that stops (a
restart, a crash, a full disk) must not stop it: it waits, tries again with a growing pause,
and says so once when the outage begins and once when it ends, however many attempts fail
in between (each attempt is a debug line).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import structlog

from lifecycle.faults import StoreFault

log = structlog.get_logger("schedulers.outage")


@dataclass
class Backoff:
    """Pauses of `first` seconds, doubling up to `cap`, each shortened by up to a tenth at
    random so that a leader and its standbys do not retry in step."""

    first: float = 0.5
    cap: float = 30.0
    _next: float = field(default=0.0, init=False)

    def pause(self) -> float:
        self._next = min(self.cap, self._next * 2) if self._next else self.first
        return self._next * (1 - random.random() / 10)

    def reset(self) -> None:
        self._next = 0.0


@dataclass
class Outage:
    """The outage in progress, if any: `began` warns on its first failure only."""

    since: float | None = None
    attempts: int = 0

    def began(self, fault: StoreFault, store: str) -> None:
        self.attempts += 1
        if self.since is None:
            self.since = time.monotonic()
            log.warning("scheduler.database_unavailable", kind=fault.kind,
                        reason=fault.sentence(store))
        else:
            log.debug("scheduler.retry_failed", kind=fault.kind, attempts=self.attempts)

    def over(self) -> None:
        if self.since is not None:
            log.info("scheduler.database_available", attempts=self.attempts,
                        seconds=round(time.monotonic() - self.since, 1))
        self.since = None
        self.attempts = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None
