"""A parallel rebuild's worker processes: each opens the event store and the read database
itself and replays its share of the holders (projections.runner.Partition).

Processes, not threads: the replay is Python folding and row-building, which one
interpreter runs on one core at a time. They are spawned, not forked, so that no open
database connection is shared with the parent.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from lifecycle import bootstrap
from lifecycle.settings import Settings
from projections.runner import Partition, Runner, Submit

MAX_JOBS = 4  # past this, the shared database, not the CPU, is the limit


def default_jobs() -> int:
    return max(1, min(MAX_JOBS, os.cpu_count() or 1))


@contextmanager
def partition_pool(settings: Settings, jobs: int, page_size: int) -> Iterator[Submit]:
    """`submit` for `Runner.rebuild(jobs=..., submit=...)`, backed by `jobs` processes."""
    with worker_pool(jobs) as pool:
        def submit(partition: Partition, stop: int) -> Future:
            return pool.submit(replay_partition, settings, partition, stop, page_size)

        yield submit


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` spawned worker processes that end with this one."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def die_with_parent(parent: int) -> None:
    """A worker ends when the rebuild that started it ends, even by SIGKILL (Linux): an
    orphan still replaying its share would race the next catch-up. A rebuild killed while
    this worker was still starting sent no signal (none was asked for yet): the worker then
    finds itself adopted by another process and ends before it reads its share."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def replay_partition(settings: Settings, partition: Partition, stop: int,
                     page_size: int) -> int:
    """In a worker process: one share of the holders, up to `stop`; notifications read."""
    app = bootstrap.open_application(settings)
    engine = bootstrap.open_read_engine(settings)
    try:
        return Runner(app, engine, page_size=page_size, partition=partition).catch_up(stop=stop)
    finally:
        engine.dispose()
        app.close()
