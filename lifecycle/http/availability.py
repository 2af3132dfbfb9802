"""Whether the database answers, as the API sees it: 503 at once while it does not, and the
first request after it is back served as usual.

A request that fails because the PostgreSQL server has gone (it cannot be reached, or a
connection to it was lost) marks the database down, with one warning for the outage. While
it is down, every request that needs the database is answered 503 UNAVAILABLE at once,
without waiting on connection or pool timeouts, except that one request at a time first
probes the server (a fresh connection and `SELECT 1`, in a worker thread so the event loop
never waits on it). When the probe succeeds, the pools' idle connections, dead since the
outage, are checked and replaced, the database is up again, and that request goes on as
usual: the first request after the database returns gets its answer, not a stale
connection's error. Other faults (a full disk, a read-only database, a statement timeout)
answer 503 request by request, without closing the gate: reads may still work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from lifecycle.faults import StoreFault, store_fault

log = structlog.get_logger("lifecycle.http")

SERVER_GONE = frozenset({"unreachable", "connection_lost"})
# Paths answered without the database: they never wait for it.
NO_DATABASE = ("/docs", "/redoc", "/openapi.json")


class Availability:
    def __init__(self, probe: Callable[[], None], refresh: Callable[[], None]):
        """`probe`: raise unless the databases answer now; `refresh`: replace the pools'
        dead connections."""
        self._probe = probe
        self._refresh = refresh
        self._probing = threading.Lock()
        self.down_since: float | None = None
        self.fault: StoreFault | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def noticed(self, error: BaseException) -> StoreFault | None:
        """The fault behind a failed request, if any; the server gone marks it down."""
        fault = store_fault(error)
        if fault is not None and fault.kind in SERVER_GONE and self.down_since is None:
            self.down_since = time.monotonic()
            self.fault = fault
            log.warning("api.database_unavailable", kind=fault.kind, reason=fault.detail)
        return fault

    def try_recover(self) -> bool:
        """While down: probe, unless another request is probing (then False at once)."""
        if not self._probing.acquire(blocking=False):
            return False
        try:
            if self.down_since is None:
                return True
            self._probe()
            self._refresh()
        except Exception as error:  # noqa: BLE001 - still down, whatever the probe met
            if store_fault(error) is None:
                log.exception("api.probe_failed")
            return False
        finally:
            self._probing.release()
        log.info("api.database_available",
                 seconds=round(time.monotonic() - (self.down_since or time.monotonic()), 1))
        self.down_since = None
        self.fault = None
        return True


def needs_database(path: str) -> bool:
    return not path.startswith(NO_DATABASE)


def read_message(fault: StoreFault | None) -> str:
    reason = f" ({fault.detail})" if fault is not None and fault.detail else ""
    return f"the database is unavailable{reason}; try again shortly"


def gate_message(fault: StoreFault | None, method: str) -> str:
    """The answer of a request not run because the database is known to be down."""
    if method in ("GET", "HEAD"):
        return read_message(fault)
    return f"{read_message(fault)}; nothing was recorded"


def write_message(fault: StoreFault, *, done: int = 0, total: int = 1) -> str:
    """What a client must know of a write the fault stopped: what was recorded."""
    if fault.kind == "connection_lost":
        outcome = ("may or may not have been recorded: read the holder's history before "
                   "sending it again")
    else:
        outcome = "was not recorded"
    if total == 1:
        return f"{read_message(fault)}; the command {outcome}"
    before = (f"commands 1-{done} were run (the holders' histories show what they "
              "recorded), " if done else "")
    after = f", commands {done + 2}-{total} were not run" if done + 2 <= total else ""
    return f"{read_message(fault)}; {before}command {done + 1} {outcome}{after}"
