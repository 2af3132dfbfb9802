"""`lifecycle what-if`: every holder judged under a proposed policy, nothing written.

By default the read models (caught up first) say which holders the proposal can re-judge
(lifecycle.policy.from_read_models): only those are replayed from their events, and every
other credential is counted from its row. `every_holder` replays the whole register
instead (the auditor's check that the read models agree, or when they cannot catch up).

The holders replayed are split into shares as a parallel rebuild splits them (the
aggregate id's last byte modulo the share count, `projections.shares.owner`), one worker
process per share, while the parent counts the rows; each share reads its holders 500 at
a time with the batch loader (two statements per chunk), compares them
(`aggregates.what_if.compare`) and keeps only counts in memory: the differing rows go to a
file of its own, which the parent streams out, so memory stays flat however many holders
the store has.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from uuid import UUID

import structlog

from aggregates import policy as rules
from aggregates.events import fold
from aggregates.what_if import Outcome, compare
from lifecycle import bootstrap
from lifecycle.policy import from_read_models
from lifecycle.policy.loading import parse
from lifecycle.settings import Settings
from lifecycle.workers import worker_pool
from projections import faults
from projections.faults import UnwritableRecord
from projections.runner import Runner
from projections.shares import owner

log = structlog.get_logger("lifecycle.policy.replay")

CHUNK = 500


@dataclass
class Report:
    as_of: date
    live_version: str
    proposal_version: str
    holders: int = 0
    counts: Counter = field(default_factory=Counter)  # (qualification, now, then) -> n
    row_files: list[Path] = field(default_factory=list)
    differing: int = 0

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[Outcome]:
        """The differing rows in file order, from `start` up to `stop`: the rows skipped
        are counted, not decoded, so a page far down a long list costs a read only."""
        for line in islice(self._lines(), start, stop):
            yield Outcome(**json.loads(line))

    def _lines(self) -> Iterator[str]:
        for path in self.row_files:
            with path.open(encoding="utf-8") as lines:
                yield from lines


def what_if(settings: Settings, proposal_text: str, as_of: date, jobs: int,
            workdir: Path, *, every_holder: bool = False) -> Report:
    """The report of a proposal on `as_of`; `workdir` holds the differing rows' files."""
    proposal = parse(proposal_text)
    app = bootstrap.open_application(settings)
    try:
        live = app.live_policy()
        engine = None if every_holder else _caught_up(app, settings)
    finally:
        app.close()
    report = Report(as_of, live.version, proposal.version)
    count = max(1, jobs)
    if engine is None:
        tasks = [Task(index, count) for index in range(count)]
    else:
        try:
            chosen = from_read_models.candidates(engine, live, proposal, as_of)
            report.holders = from_read_models.holder_count(engine) + _without_rows(
                engine, chosen)
            ranges = from_read_models.split(engine, count)
        finally:
            engine.dispose()
        ids = [UUID(h) for h in chosen]
        numbers = set(chosen.values())
        tasks = [Task(index, count, [i for i in ids if owner(i, count) == index], (low, high),
                      {n for n in numbers if _within(n, low, high)})
                 for index, (low, high) in enumerate(ranges)]
    work = [(settings, proposal_text, as_of, str(workdir), task) for task in tasks]
    if count == 1:
        parts = run_task(*work[0])
    else:
        with worker_pool(count) as pool:
            parts = [part for f in [pool.submit(run_task, *w) for w in work]
                     for part in f.result()]
    for holders, counts, path, differing in parts:
        if engine is None:
            report.holders += holders
        report.counts.update({tuple(k.split("\t")): n for k, n in counts.items()})
        report.row_files.append(Path(path))
        report.differing += differing
    return report


@dataclass(frozen=True)
class Task:
    """One worker's part: its share of the holders to replay (`ids`; None: every holder of
    the share), and the holder-number range whose other credentials it counts from rows."""

    index: int
    count: int
    ids: list[UUID] | None = None
    numbers: tuple[str | None, str | None] | None = None
    replayed: set[str] = field(default_factory=set)


def run_task(settings: Settings, proposal_text: str, as_of: date, workdir: str,
             task: Task) -> list[tuple[int, dict, str, int]]:
    """In a worker (or inline): the replay of its holders, then its rows counted."""
    parts = []
    if task.ids is None or task.ids:
        parts.append(replay_share(settings, proposal_text, as_of, task.index, task.count,
                                  workdir, task.ids))
    if task.numbers is not None:
        parts.append(count_rows(settings, proposal_text, as_of, workdir, task))
    return parts


def _within(number: str, low: str | None, high: str | None) -> bool:
    return (low is None or number >= low) and (high is None or number < high)


def _caught_up(app, settings: Settings):
    """The read database, caught up to the log's head; None when it cannot be (the
    what-if then replays every holder)."""
    engine = bootstrap.open_read_engine(settings)
    try:
        if bootstrap.catch_up(Runner(app, engine)):
            return engine
        log.warning("what_if.read_models_behind")
    except UnwritableRecord:
        log.warning("what_if.read_models_faulted")
    engine.dispose()
    return None


def _without_rows(engine, chosen: dict[str, str]) -> int:
    """Holders set aside after a projection fault have no rows but are replayed."""
    return sum(1 for aggregate_id in faults.skipped(engine) if aggregate_id in chosen)


def count_rows(settings: Settings, proposal_text: str, as_of: date, workdir: str,
               task: Task) -> tuple[int, dict, str, int]:
    """The credentials of the task's range not replayed, counted from their rows (the same
    shape as a share's result)."""
    proposal = parse(proposal_text)
    app = bootstrap.open_application(settings)
    engine = bootstrap.open_read_engine(settings)
    counts: Counter = Counter()
    handle = _rows_file(workdir, f"rows-{task.index}")
    try:
        live = app.live_policy()
        differing = _tally(from_read_models.outcomes(engine, live, proposal, as_of,
                                                     task.replayed, task.numbers),
                           counts, handle)
    finally:
        handle.close()
        engine.dispose()
        app.close()
    return 0, dict(counts), handle.name, differing


def _tally(outcomes, counts: Counter, handle) -> int:
    """Count outcomes by (qualification, now, then); write the differing ones as rows."""
    differing = 0
    for outcome in outcomes:
        counts[f"{outcome.qualification}\t{outcome.now}\t{outcome.then}"] += 1
        if outcome.differs:
            differing += 1
            handle.write(json.dumps(outcome.__dict__, ensure_ascii=False) + "\n")
    return differing


def _rows_file(workdir, prefix: str):
    return tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed to the parent by name
        "w", encoding="utf-8", dir=workdir, prefix=f"{prefix}-", suffix=".jsonl",
        delete=False)


def replay_share(settings: Settings, proposal_text: str, as_of: date, index: int,
                 count: int, workdir: str, ids: list[UUID] | None = None
                 ) -> tuple[int, dict, str, int]:
    """In a worker: (holders, counts keyed "qualification\\tnow\\tthen", rows file, rows)
    of the share's holders (of `ids`, when given, else of every holder)."""
    proposal = parse(proposal_text)
    app = bootstrap.open_application(settings)
    counts: Counter = Counter()
    holders = differing = 0
    handle = _rows_file(workdir, f"share-{index}")
    try:
        live = app.live_policy()
        chosen = iter(ids) if ids is not None else (
            i for i in app.holder_ids() if owner(i, count) == index)
        for chunk in _chunks(chosen):
            with rules.applying(live):
                loaded = app.load_holders(chunk)
                states = [_state_on(app, h, as_of) for h in loaded]
            for state in states:
                holders += 1
                differing += _tally(compare(state, as_of, live, proposal), counts, handle)
    finally:
        handle.close()
        app.close()
    return holders, dict(counts), handle.name, differing


def _state_on(app, holder, as_of: date):
    last = holder.state.last_business_date
    if last is None or as_of >= last:
        return holder.state
    state = fold(app.events.get(holder.id), as_of)
    state.number = holder.state.number
    return state


def _chunks(ids: Iterator) -> Iterator[list]:
    chunk = []
    for aggregate_id in ids:
        chunk.append(aggregate_id)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
