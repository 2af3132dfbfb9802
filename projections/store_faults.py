"""Infrastructure faults: when the store itself fails (no server, a file that cannot be
opened, a full disk, a read-only database, a lost connection, a statement that ran out of
time), as opposed to a refused command or a bug.

`store_fault(error)` recognises one from whatever the drivers raised (eventsourcing's
persistence errors, psycopg's, SQLAlchemy's, sqlite3's, an OSError), following the chain of
causes, and says in one sentence what failed and what to do. Every entry point uses it: the
CLI prints that sentence and exits with `EXIT_FAULT`, the HTTP API answers 503, the
scheduler waits and retries while the fault is `transient`.

Sentences never carry a password: the store is named by host, port and database (or the
SQLite path), and the driver's own words are cut to their first line, with the URL's
password removed should a driver ever echo it.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

EXIT_FAULT = 3  # the exit status of a command stopped by an infrastructure fault

# What to do, per kind of fault; `transient` kinds may pass by themselves (the scheduler
# waits them out), the others need the operator (a wrong URL, a missing directory).
REMEDY = {
    "unreachable": "check that the database server is running and that --db / "
                   "LIFECYCLE_DATABASE_URL names it, then try again",
    "refused": "check the database name, user and password in --db / LIFECYCLE_DATABASE_URL",
    "unopenable": "check that the file's directory exists and is writable, or pass another "
                  "--db",
    "disk_full": "free space on the database's disk, then try again",
    "read_only": "make the database writable (file permissions, mount, or a primary server), "
                 "then try again",
    "connection_lost": "try again once the database answers; a command whose result was not "
                       "printed may or may not have been recorded (`lifecycle history` shows "
                       "which)",
    "timeout": "the database is overloaded or locked by another process; try again",
    "io_error": "check the disk holding the database, then try again",
}
WHAT = {
    "unreachable": "cannot reach {store}",
    "refused": "{store} refused the connection",
    "unopenable": "cannot open {store}",
    "disk_full": "the disk holding {store} is full",
    "read_only": "{store} is read-only",
    "connection_lost": "lost the connection to {store}",
    "timeout": "{store} did not answer in time",
    "io_error": "{store} could not be read or written",
}
TRANSIENT = frozenset({"unreachable", "disk_full", "read_only", "connection_lost", "timeout",
                       "io_error"})

_PG_SERVER_STARTING = ("starting up", "shutting down", "recovery mode", "not yet accepting",
                       "too many clients", "remaining connection slots")
_PG_LOST = ("server closed the connection", "consuming input failed", "terminating connection",
            "connection is lost", "the connection is closed", "connection already closed",
            "ssl syscall", "connection reset", "broken pipe", "sending query failed",
            "connection timeout expired", "no connection to the server")
_SQLITE = (("unable to open", "unopenable"), ("database or disk is full", "disk_full"),
           ("readonly database", "read_only"), ("disk i/o error", "io_error"),
           ("database is locked", "timeout"), ("locking protocol", "timeout"),
           ("file is not a database", "unopenable"), ("malformed", "io_error"))
_OS = {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EROFS: "read_only",
       errno.EIO: "io_error"}
_PG_STATES = {"53100": "disk_full", "25006": "read_only", "57014": "timeout",
              "55P03": "timeout", "25P03": "timeout", "57P01": "connection_lost",
              "57P02": "connection_lost", "57P03": "unreachable", "53300": "unreachable"}


@dataclass(frozen=True)
class StoreFault:
    kind: str  # a key of REMEDY
    detail: str  # the driver's first line, without any password

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT

    def sentence(self, store: str = "the database") -> str:
        """One line: what failed (with the driver's reason) and what to do."""
        reason = f" ({self.detail})" if self.detail else ""
        return f"{WHAT[self.kind].format(store=store)}{reason}: {REMEDY[self.kind]}"


def store_fault(error: BaseException, secrets: Iterable[str | None] = ()
                ) -> StoreFault | None:
    """The infrastructure fault behind `error`, or None when it is something else;
    `secrets` (the URLs' passwords) are cut out of the driver's words."""
    for link in _chain(error):
        kind = _kind(link)
        if kind is not None:
            return StoreFault(kind, _first_line(link, [s for s in secrets if s]))
    return None


def diagnose(fault: StoreFault, database_url: str) -> StoreFault:
    """SQLite says only "unable to open database file": say which of the usual causes it
    is (a missing directory, a read-only file system) when the path shows it; "attempt to
    write a readonly database" likewise, when the file system is the cause."""
    if fault.kind not in ("unopenable", "read_only"):
        return fault
    try:
        url = make_url(database_url)
    except Exception:  # noqa: BLE001
        return fault
    if url.get_backend_name() != "sqlite" or not url.database:
        return fault
    directory = os.path.dirname(os.path.abspath(url.database))
    if not os.path.isdir(directory):
        if fault.kind == "read_only":
            return fault
        return StoreFault("unopenable", f"no directory {directory}")
    if os.statvfs(directory).f_flag & os.ST_RDONLY:
        return StoreFault("read_only", f"{directory} is on a read-only file system")
    return fault


def store_name(database_url: str) -> str:
    """The store as a sentence names it, never with its password."""
    try:
        url: URL = make_url(database_url)
    except Exception:  # noqa: BLE001 - an unparsable URL is named by what it is
        return "the database"
    if url.get_backend_name() == "sqlite":
        return f"the SQLite database {url.database}"
    where = f"{url.host or '127.0.0.1'}:{url.port or 5432}/{url.database or 'postgres'}"
    return f"PostgreSQL at {where}"


def password_of(database_url: str) -> str | None:
    try:
        return make_url(database_url).password
    except Exception:  # noqa: BLE001
        return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        orig = getattr(link, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        link = orig if isinstance(orig, BaseException) else (link.__cause__ or link.__context__)


def _kind(error: BaseException) -> str | None:
    if isinstance(error, sqlite3.Error):
        message = str(error).lower()
        return next((kind for text, kind in _SQLITE if text in message), None)
    if isinstance(error, OSError) and not _is_psycopg(error):
        return _OS.get(error.errno)
    if _is_psycopg(error):
        return _psycopg_kind(error)
    return None


def _is_psycopg(error: BaseException) -> bool:
    return type(error).__module__.startswith(("psycopg", "psycopg_pool"))


def _psycopg_kind(error: BaseException) -> str | None:
    import psycopg

    state = getattr(error, "sqlstate", None)
    if state in _PG_STATES:
        return _PG_STATES[state]
    if state and state.startswith("08"):
        return "connection_lost"
    if state and state.startswith("28"):
        return "refused"
    if not isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return None
    message = str(error).lower()
    if type(error).__name__ == "PoolTimeout":
        return "unreachable"
    if message.startswith(("connection failed", "connection to server")):
        if "fatal:" in message and not any(text in message for text in _PG_SERVER_STARTING):
            return "refused"
        return "unreachable"
    if any(text in message for text in _PG_LOST) or isinstance(error, psycopg.InterfaceError):
        return "connection_lost"
    # Without a SQLSTATE the client itself failed (the connection); with one, the server
    # refused the statement for a reason of its own (a deadlock, a serialization failure).
    return "connection_lost" if state is None else None


def _first_line(error: BaseException, secrets: list[str]) -> str:
    text = str(error).strip().splitlines()
    line = text[0].strip() if text else type(error).__name__
    if isinstance(error, OSError) and error.filename and str(error.filename) not in line:
        line = f"{line}: {error.filename}"
    for secret in secrets:
        line = line.replace(secret, "***")
    return line
