"""`lifecycle what-if`: every holder's history replayed under a proposed policy, nothing
written.

The holders are split into shares as a parallel rebuild splits them (the aggregate id's
last byte modulo the share count, `projections.shares.owner`), one worker process per
share; each reads its holders 500 at a time with the batch loader (two statements per
chunk), compares them (`aggregates.what_if.compare`) and keeps only counts in memory: the
differing rows go to a file of its own, which the parent streams out, so memory stays flat
however many holders the store has.
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

from aggregates import policy as rules
from aggregates.events import fold
from aggregates.what_if import Outcome, compare
from lifecycle import bootstrap
from lifecycle.policy.loading import parse
from lifecycle.settings import Settings
from lifecycle.workers import worker_pool
from projections.shares import owner

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
            workdir: Path) -> Report:
    """The report of a proposal on `as_of`; `workdir` holds the differing rows' files."""
    proposal = parse(proposal_text)
    app = bootstrap.open_application(settings)
    try:
        live = app.live_policy()
    finally:
        app.close()
    report = Report(as_of, live.version, proposal.version)
    if jobs <= 1:
        parts = [replay_share(settings, proposal_text, as_of, 0, 1, str(workdir))]
    else:
        with worker_pool(jobs) as pool:
            futures = [pool.submit(replay_share, settings, proposal_text, as_of, index, jobs,
                                   str(workdir)) for index in range(jobs)]
            parts = [f.result() for f in futures]
    for holders, counts, path, differing in parts:
        report.holders += holders
        report.counts.update({tuple(k.split("\t")): n for k, n in counts.items()})
        report.row_files.append(Path(path))
        report.differing += differing
    return report


def replay_share(settings: Settings, proposal_text: str, as_of: date, index: int,
                 count: int, workdir: str) -> tuple[int, dict, str, int]:
    """In a worker: (holders, counts keyed "qualification\\tnow\\tthen", rows file, rows)."""
    proposal = parse(proposal_text)
    app = bootstrap.open_application(settings)
    counts: Counter = Counter()
    holders = differing = 0
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed to the parent by name
        "w", encoding="utf-8", dir=workdir, prefix=f"share-{index}-", suffix=".jsonl",
        delete=False)
    try:
        live = app.live_policy()
        for chunk in _chunks(i for i in app.holder_ids() if owner(i, count) == index):
            with rules.applying(live):
                loaded = app.load_holders(chunk)
                states = [_state_on(app, h, as_of) for h in loaded]
            for state in states:
                holders += 1
                for outcome in compare(state, as_of, live, proposal):
                    counts[f"{outcome.qualification}\t{outcome.now}\t{outcome.then}"] += 1
                    if outcome.differs:
                        differing += 1
                        handle.write(json.dumps(outcome.__dict__, ensure_ascii=False) + "\n")
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
