"""A parallel rebuild's worker processes (lifecycle.workers): each opens the event store
and the read database itself and replays its share of the holders
(projections.runner.Partition)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager

from lifecycle import bootstrap
from lifecycle.settings import Settings
from lifecycle.workers import worker_pool
from projections.runner import Partition, Runner, Submit


@contextmanager
def partition_pool(settings: Settings, jobs: int, page_size: int) -> Iterator[Submit]:
    """`submit` for `Runner.rebuild(jobs=..., submit=...)`, backed by `jobs` processes."""
    with worker_pool(jobs) as pool:
        def submit(partition: Partition, stop: int) -> Future:
            return pool.submit(replay_partition, settings, partition, stop, page_size)

        yield submit


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
