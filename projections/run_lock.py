"""One catch-up or rebuild of a read model at a time, on a lock that ends with its holder.

Runners never trusted this for correctness (each page moves the position only from the
value it was read after); it is what makes a second runner wait its turn instead of failing
mid-way, and what lets the next run start at once after a run was killed: the lock is a
PostgreSQL session advisory lock (released when the session ends) or an `flock` on a file
beside an SQLite read database (released when the process's file closes).
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Iterator

from sqlalchemy import Engine, text

from projections.database import schema_of

LOCK_KEY = 0x726561646D6F64 << 8  # "readmod": the read models' run lock (per schema below)


class RunLockBusy(RuntimeError):
    """Another catch-up or rebuild kept the read models for longer than the wait."""


@contextlib.contextmanager
def run_lock(engine: Engine, wait: float) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory(engine, wait):
            yield
    else:
        with _flock(engine, wait):
            yield


@contextlib.contextmanager
def _advisory(engine: Engine, wait: float) -> Iterator[None]:
    key = LOCK_KEY ^ zlib.crc32((schema_of(engine) or "public").encode())
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + wait
        pause = 0.01
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if time.monotonic() > deadline:
                raise RunLockBusy("another catch-up or rebuild is running")
            time.sleep(pause)  # its holder is working: wait our turn
            pause = min(pause * 2, 0.25)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@contextlib.contextmanager
def _flock(engine: Engine, wait: float) -> Iterator[None]:
    import fcntl

    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.run.lock", "a+b") as handle:
        deadline = time.monotonic() + wait
        pause = 0.01
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RunLockBusy("another catch-up or rebuild is running") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.25)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
