"""The daily sweep in shares: one worker process per share of the due holders, each
sweeping its holders and projecting what it recorded, on every core.

A night's sweep is Python work per due holder (read and fold the holder, decide, save,
derive the read-model rows), which one interpreter runs on one core. The holders are split
as a parallel rebuild splits them (`projections.shares.owner`, the aggregate id's last
byte): each worker pages through the due holders, keeps its own, sweeps them in batches
and hands each saved batch's states to a runner that projects only its share
(`projections.runner.Partition`, a tracking row of its own started at the read models'
position). The parent holds the read models' run lock meanwhile, so no other catch-up
merges the shares half-way; its catch-up afterwards merges them into the one position (as
it would after a worker died: the next catch-up finishes the shares, nothing is lost or
applied twice). Every save is still the holder's own optimistic write, so another writer
racing a worker is handled as in a serial sweep.

A sweep with less than one batch per worker due runs serially: spawning the workers costs
more than it saves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

import structlog

from aggregates.holder import holder_id
from lifecycle.settings import Settings
from lifecycle.workers import worker_pool
from projections import database, queries
from projections.runner import Partition, Runner
from projections.shares import owner
from schedulers import daily

log = structlog.get_logger("lifecycle.sweep_jobs")

FindDue = Callable[[date, "str | None", int], list[str]]


def worth_sharing(find_due: FindDue, as_of: date, jobs: int, batch_size: int) -> bool:
    """More than one batch per worker is due."""
    return jobs > 1 and len(find_due(as_of, None, jobs * batch_size)) == jobs * batch_size


def sweep_in_shares(settings: Settings, runner: Runner, as_of: date, jobs: int,
                    batch_size: int) -> tuple[int, Counter]:
    """Sweep every due holder with `jobs` worker processes: (holders checked, events
    recorded by type). `runner`: the parent's, caught up; it merges the shares at the end."""
    partitions = [Partition(k, jobs) for k in range(jobs)]
    with runner.exclusive():
        start = runner.progress().position
        database.start_partitions(runner.engine, [p.name for p in partitions], start)
        log.info("sweep.shares", as_of=as_of.isoformat(), jobs=jobs, position=start)
        with worker_pool(jobs) as pool:
            futures = [pool.submit(sweep_share, settings, as_of, p, batch_size)
                       for p in partitions]
            results = [f.result() for f in futures]  # raises if a share failed
        runner.catch_up()  # merges the shares' tracking rows, then projects what is left
    recorded: Counter = Counter()
    for _, counts in results:
        recorded.update(counts)
    return sum(checked for checked, _ in results), recorded


def sweep_share(settings: Settings, as_of: date, partition: Partition,
                batch_size: int) -> tuple[int, dict]:
    """In a worker: the share's due holders swept and projected; (checked, counts by type)."""
    from lifecycle import bootstrap  # the composition root opens the worker's stores

    structlog.contextvars.bind_contextvars(command="sweep", share=partition.name)
    app = bootstrap.open_application(settings, batch_size=batch_size)
    engine = bootstrap.open_read_engine(settings)
    try:
        runner = Runner(app, engine, partition=partition)
        runner.catch_up()  # nothing yet: adopts the share's starting position

        def hand_over(holders: list) -> None:
            for holder in holders:
                runner.projector.prefolded(holder.id, holder.version, holder.state)

        find_due = share_of(lambda on, after, limit: queries.holders_due(engine, on, after,
                                                                         limit),
                            partition.index, partition.count)
        checked, recorded = 0, Counter()
        for holders, events in daily.sweep_batches(app, as_of, find_due,
                                                   batch_size=batch_size, hand_over=hand_over,
                                                   after_batch=runner.catch_up):
            checked += holders
            recorded.update(e.type_name for e in events)
        return checked, dict(recorded)
    finally:
        engine.dispose()
        app.close()


def share_of(find_due: FindDue, index: int, count: int) -> FindDue:
    """`find_due` keeping only the holders of one share; an empty page only at the end."""
    def find(as_of: date, after: str | None, limit: int) -> list[str]:
        while True:
            page = find_due(as_of, after, limit * count)
            mine = [n for n in page if owner(holder_id(n), count) == index][:limit]
            if mine or len(page) < limit * count:
                return mine
            after = page[-1]
    return find

