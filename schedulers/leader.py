"""Single-leader lock: one `lifecycle scheduler` runs jobs, a second waits as a hot standby.

APScheduler 3 must never share a job store between two running schedulers. PostgreSQL: a
session-level advisory lock held on a dedicated connection (released by the server if the
process dies, or when the connection is lost: the leader then checks it and competes for it
again). SQLite: an exclusive flock on a file beside the database (released by the
kernel if the process dies).
"""

from __future__ import annotations

import fcntl
from pathlib import Path

LOCK_KEY = 0x4C4946454359434C  # "LIFECYCL": the scheduler's advisory lock


class LeaderLock:
    def try_acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def check(self) -> None:
        """Raise if the lock may have been lost (its connection broke)."""

    def abandon(self) -> None:
        """Forget the lock without unlocking (its connection is gone, and the server has
        released it with the session); a no-op when not held."""
        self.release()


class FileLeaderLock(LeaderLock):
    def __init__(self, path: Path):
        self.path = path
        self._file = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for as long as we lead
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class PostgresLeaderLock(LeaderLock):
    def __init__(self, connect):
        self.connect = connect
        self._conn = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self.connect()
        try:
            acquired = conn.execute("SELECT pg_try_advisory_lock(%s)",
                                    (LOCK_KEY,)).fetchone()[0]
        except BaseException:
            conn.close()
            raise
        if not acquired:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            self._conn.close()
            self._conn = None

    def check(self) -> None:
        # A session lock lives as long as its connection: a round trip proves both.
        if self._conn is not None:
            self._conn.execute("SELECT 1")

    def abandon(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
