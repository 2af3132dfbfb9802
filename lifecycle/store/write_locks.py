"""Writers to one record take turns instead of racing (PostgreSQL).

Every save is still checked by the store's optimistic version constraint, so nothing is
ever overwritten; but on PostgreSQL, writers that meet on one holder, one bank reference
or one certification-number sequence used to lose the race and retry until they gave up
(CONFLICT). Here a command that lost a race takes transaction-scoped advisory locks on the
records it will write before it reads them again, so its reads are fresh and its save does
not collide: the losers wait their turn, for at most `LOCK_WAIT_SECONDS` (then CONFLICT,
nothing written), and a writer alone pays nothing for it.

Locks are taken in key order (no deadlock between two commands), on a connection of a small
pool, inside a transaction that ends after the command's save; a process that dies ends
its sessions and so its locks. On SQLite (`FileWriteLocks`) its own write lock already
makes writes wait, but not a writer's reads: two writers could still read one sequence's
tail and race for the next number. There the records are locked in-process with a lock per
key and across processes with POSIX byte-range locks on one lock file beside the
database (a dead process's locks end with it).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator
from uuid import UUID

LOCK_WAIT_SECONDS = 15  # the bound on a writer's wait for its turn (README)
POOL_SIZE = 8  # writers per application that can hold or wait for locks at once


class LockWaitExceeded(Exception):
    """The records stayed locked by other writers for longer than the bound."""


def lock_key(record: UUID) -> int:
    """A record's advisory-lock key: a signed 64-bit integer from its id."""
    return int.from_bytes(record.bytes[:8], "big", signed=True)


class NoWriteLocks:
    @contextlib.contextmanager
    def hold(self, records: Iterable[UUID]) -> Iterator[None]:
        yield

    def close(self) -> None:
        pass


class FileWriteLocks:
    """Per-record locks for writers sharing an SQLite file, in this process and others.

    POSIX record locks belong to the process, not to a thread or a file object, so the
    in-process side (a lock per key, and the one open lock file) is shared by every
    application of the process that writes to the same database.
    """

    _shared: dict[str, tuple[threading.Lock, dict[int, threading.Lock], list]] = {}
    _registry = threading.Lock()

    def __init__(self, path: str):
        with self._registry:
            self._guard, self._locks, self._file = self._shared.setdefault(
                str(path), (threading.Lock(), {}, []))
        self._path = path

    def _lock_of(self, key: int) -> threading.Lock:
        with self._guard:
            if not self._file:
                self._file.append(open(self._path, "a+b"))  # noqa: SIM115 - held for locks
            return self._locks.setdefault(key, threading.Lock())

    @contextlib.contextmanager
    def hold(self, records: Iterable[UUID]) -> Iterator[None]:
        import fcntl

        keys = sorted({lock_key(r) & 0x7FFFFFFFFF for r in records})
        held: list[tuple[int, threading.Lock]] = []
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        try:
            for key in keys:
                lock = self._lock_of(key)
                if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                    raise LockWaitExceeded()
                held.append((key, lock))
                wait = 0.001
                while True:
                    try:
                        fcntl.lockf(self._file[0], fcntl.LOCK_EX | fcntl.LOCK_NB, 1, key)
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise LockWaitExceeded() from None
                        time.sleep(wait)  # another process holds it: wait our turn
                        wait = min(wait * 2, 0.02)
            yield
        finally:
            for key, lock in reversed(held):
                with contextlib.suppress(OSError):
                    fcntl.lockf(self._file[0], fcntl.LOCK_UN, 1, key)
                lock.release()

    def close(self) -> None:
        pass  # the lock file stays open for the process's other applications


class PostgresWriteLocks:
    def __init__(self, env: dict[str, str]):
        self._conninfo = " ".join(f"{k}='{v}'" for k, v in (
            ("host", env["POSTGRES_HOST"]), ("port", env["POSTGRES_PORT"]),
            ("user", env["POSTGRES_USER"]), ("password", env["POSTGRES_PASSWORD"]),
            ("dbname", env["POSTGRES_DBNAME"])))
        self._pool = None
        self._opening = threading.Lock()

    def pool(self):
        """Opened on the first write, so that reading commands never connect for it."""
        with self._opening:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    self._conninfo, min_size=1, max_size=POOL_SIZE, open=True,
                    configure=_configure, name="write-locks", timeout=LOCK_WAIT_SECONDS)
            return self._pool

    @contextlib.contextmanager
    def hold(self, records: Iterable[UUID]) -> Iterator[None]:
        keys = sorted({lock_key(r) for r in records})
        if not keys:
            yield
            return
        with self._locked(keys):
            yield

    @contextlib.contextmanager
    def _locked(self, keys: list[int]) -> Iterator[None]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            connection = self.pool().connection()
            conn = connection.__enter__()
        except PoolTimeout:
            raise LockWaitExceeded() from None
        try:
            with conn.transaction():
                try:
                    conn.execute("SELECT " + ", ".join(
                        "pg_advisory_xact_lock(%s::bigint)" for _ in keys), keys)
                except psycopg.errors.LockNotAvailable:
                    raise LockWaitExceeded() from None
                yield
        except BaseException as error:
            connection.__exit__(type(error), error, error.__traceback__)
            raise
        else:
            connection.__exit__(None, None, None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def _configure(conn) -> None:
    conn.execute(f"SET lock_timeout = '{LOCK_WAIT_SECONDS}s'")
    conn.commit()
