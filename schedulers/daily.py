"""The daily sweep: record on the holders every scheduler fact due on or before a date.

Candidates come from the read models (indexed date queries, `find_due`), never a scan of
all aggregates; each holder's aggregate re-checks every fact, so a stale read model or a
second sweep can never record a fact twice. Batches keep memory flat; keyset paging by
holder number lets a rerun after a crash go straight on (facts already recorded are no
longer due).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import structlog

from aggregates.holder import holder_id

log = structlog.get_logger("schedulers.daily")

FindDue = Callable[[date, "str | None", int], list[str]]


@dataclass
class Runtime:
    """What the scheduler drives, built by the composition root (lifecycle.cli)."""

    app: Any  # the application: sweep_holders(ids, as_of) -> recorded events
    today: Callable[[], date]
    catch_up: Callable[[], int] = lambda: 0
    find_due: FindDue | None = None
    write_reminders: Callable[[date], int] | None = None
    relay: Callable[[], dict] | None = None  # sends the outbox's due notices (e-mail)
    batch_size: int = 500
    # Given each swept batch's holders as saved: the read models take their states as the
    # sweep folded them (no second read and fold), caught up after every batch.
    hand_over: Callable[[list], None] | None = None
    after_sweep: Callable[[date], None] | None = None  # the scheduler's, e.g. a checkpoint
    # The sweep on several cores, each projecting its share, when enough is due:
    # (holders checked, events recorded by type), or None to sweep here in batches.
    sweep_shares: Callable[[date], tuple[int, Counter] | None] | None = None


@dataclass
class SweepReport:
    as_of: date
    holders: int = 0
    recorded: Counter = field(default_factory=Counter)
    reminders: int = 0
    mail: dict | None = None

    def to_dict(self) -> dict:
        result = {"as_of": self.as_of.isoformat(), "holders_checked": self.holders,
                  "recorded": dict(sorted(self.recorded.items())), "reminders": self.reminders}
        if self.mail is not None:
            result["mail"] = self.mail
        return result


def sweep(app: Any, as_of: date, find_due: FindDue, *, batch_size: int = 500,
          hand_over: Callable[[list], None] | None = None,
          after_batch: Callable[[], object] | None = None) -> tuple[list, int]:
    """Every fact due on or before `as_of`, recorded once: (recorded events, holders checked)."""
    recorded: list = []
    checked = 0
    for holders, events in sweep_batches(app, as_of, find_due, batch_size=batch_size,
                                         hand_over=hand_over, after_batch=after_batch):
        recorded.extend(events)
        checked += holders
    return recorded, checked


def sweep_batches(app: Any, as_of: date, find_due: FindDue, *, batch_size: int = 500,
                  hand_over: Callable[[list], None] | None = None,
                  after_batch: Callable[[], object] | None = None
                  ) -> Iterator[tuple[int, list]]:
    """`sweep`, one batch at a time: (holders checked, events recorded) per batch, so a
    caller that only counts keeps nothing. `hand_over` receives each batch's holders once
    saved; `after_batch` runs after each batch (the read models' catch-up)."""
    after = None
    checked = recorded = 0
    while True:
        numbers = find_due(as_of, after, batch_size)
        if not numbers:
            return
        if hand_over is None:
            events = app.sweep_holders([holder_id(n) for n in numbers], as_of)
        else:
            events = app.sweep_holders([holder_id(n) for n in numbers], as_of,
                                       on_saved=hand_over)
        if after_batch is not None:
            after_batch()
        checked += len(numbers)
        recorded += len(events)
        after = numbers[-1]
        log.info("sweep.batch", as_of=as_of.isoformat(), holders=checked,
                 recorded=recorded, last_holder=after)
        yield len(numbers), events


def daily_run(runtime: Runtime, as_of: date | None = None) -> SweepReport:
    """Catch the read models up, sweep for the day, catch up again, queue reminders, then
    send the notices that are due (when a relay is wired)."""
    as_of = as_of or runtime.today()
    report = SweepReport(as_of)
    runtime.catch_up()
    shared = runtime.sweep_shares(as_of) if runtime.sweep_shares is not None else None
    if shared is not None:
        report.holders, recorded = shared
        report.recorded.update(recorded)
    elif runtime.find_due is not None:
        after_batch = runtime.catch_up if runtime.hand_over is not None else None
        for holders, events in sweep_batches(runtime.app, as_of, runtime.find_due,
                                             batch_size=runtime.batch_size,
                                             hand_over=runtime.hand_over,
                                             after_batch=after_batch):
            report.holders += holders
            report.recorded.update(e.type_name for e in events)
    else:
        events = runtime.app.execute({"type": "sweep", "as_of": as_of.isoformat()},
                                     actor="scheduler", today=as_of)["events"]
        report.recorded.update(e["type"] for e in events)
    runtime.catch_up()
    if runtime.write_reminders is not None:
        report.reminders = runtime.write_reminders(as_of)
    if runtime.relay is not None:
        report.mail = runtime.relay()
    log.info("sweep.done", **report.to_dict())
    return report
