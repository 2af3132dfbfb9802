"""Catch-up, follow and rebuild: the notification log, page by page, into the read model.

Exactly once: each page's rows and the new position commit in one transaction, and the
transaction starts by moving the position from the value the page was read after
(`UPDATE ... WHERE position = :expected`). A crash loses at most the uncommitted page,
which the next run reads again from the stored position; a second runner racing on the
same read model finds the position moved, rolls back, and stops.

No gaps: notification ids can skip values (PostgreSQL sequences are not transactional, so
a rolled-back save burns ids), and skipped ids are harmless because the runner never waits
for an id, it only reads ids above its position. What must not happen is an id committed
*after* a higher one was read. SQLite has one writer at a time, so ids appear in commit
order. On PostgreSQL the library's recorder takes `LOCK TABLE ... IN EXCLUSIVE MODE` before
inserting (eventsourcing/postgres.py, `_lock_table`): the sequence hands out a save's ids
under the lock, and the lock is held until commit, so every lower id is committed (or
rolled back for good) before a higher one becomes visible. That holds as long as
`POSTGRES_ENABLE_DB_FUNCTIONS` stays off, as lifecycle.settings keeps it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.utils import get_topic
from sqlalchemy import Engine, delete, select, update

from aggregates import policy, registers
from aggregates.events import HolderEvent
from aggregates.policy_log import PolicyAdopted
from projections import (
    database,
    faults,
    policy_rows,
    shares,
    tables,
    unmatched_queue,
    wakeup,
)
from projections.collector import fewer_collections
from projections.projector import Projector
from projections.run_lock import RunLockBusy, run_lock
from projections.store_faults import store_fault

# The uniqueness registers and the policy log share the log; the holders' own events carry
# all the read models show.
REGISTER_TOPICS = frozenset(get_topic(cls) for cls in (
    registers.PassNumberClaimed, registers.CertificationNumberIssued, registers.PayerKeyUsed,
    PolicyAdopted))
TRANSFER_TOPICS = frozenset(get_topic(cls) for cls in (
    registers.TransferUnmatched, registers.BankReferenceUsed))

OnPage = Callable[[int, int], None]  # (notifications in the page, new position)
RUN_LOCK_WAIT = 30.0  # seconds a run waits for another run of the read models to end


class ConcurrentRunError(RuntimeError):
    """Another runner moved the position first; this page was rolled back."""


@dataclass(frozen=True)
class Progress:
    position: int
    head: int
    updated_at: datetime | None

    @property
    def lag(self) -> int:
        """Notification ids not yet applied (ids can skip, so an upper bound of events)."""
        return max(0, self.head - self.position)


@dataclass(frozen=True)
class Partition:
    """One runner of a parallel rebuild: the holders whose id falls in its share (and, for
    the first, the unmatched-transfer queue), with its own tracking row."""

    index: int
    count: int

    @property
    def name(self) -> str:
        return f"{database.PARTITION_PREFIX}{self.index}/{self.count}"

    @classmethod
    def from_name(cls, name: str) -> Partition:
        index, count = name.removeprefix(database.PARTITION_PREFIX).split("/")
        return cls(int(index), int(count))

    def owns(self, notification) -> bool:
        """The rule `select` applies in SQL."""
        if notification.topic in REGISTER_TOPICS:
            return False
        if notification.topic in TRANSFER_TOPICS:
            return self.index == 0
        return shares.owner(notification.originator_id, self.count) == self.index

    def select(self, recorder, start: int, limit: int, stop: int | None):
        return shares.select_share(recorder, self.index, self.count, TRANSFER_TOPICS,
                                   REGISTER_TOPICS, start, limit, stop)


# Starts one partition's catch-up up to a position in another process; its result is the
# number of notifications that runner read.
Submit = Callable[[Partition, int], Future]


class Runner:
    def __init__(self, app, engine: Engine, *, page_size: int = 1000, cache_size: int = 5000,
                 partition: Partition | None = None):
        """`app`: anything with the event store's `recorder` and `mapper` (an Application);
        its `load_states` (many holders' states in one batch), when it has one."""
        self.recorder = app.recorder
        self.mapper = app.mapper
        self.engine = engine
        self.page_size = page_size
        self.partition = partition
        self.tracking_name = partition.name if partition else database.TRACKING_NAME
        self._app = app
        self._written = 0  # the position this runner last committed
        self._skipped: set[str] = set()  # holders set aside after a fault (projections.faults)
        self._holding_run_lock = False
        load_states = getattr(app, "load_states", None) or (lambda versions: {
            i: app.repository.get(i, version=v).state for i, v in versions})
        self.projector = Projector(load_states, cache_size)
        database.create_tables(engine)

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def progress(self) -> Progress:
        t = tables.tracking
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.position, t.c.updated_at)
                               .where(t.c.name == database.TRACKING_NAME)).first()
        return Progress(row.position if row else 0, self.head(), row.updated_at if row else None)

    def catch_up(self, *, stop: int | None = None, on_page: OnPage | None = None,
                 wait: float = RUN_LOCK_WAIT) -> int:
        """Apply everything after the stored position (up to `stop`, when given); returns
        the number of notifications read. Waits up to `wait` seconds for another run of
        the read models to end (projections.run_lock), then raises ConcurrentRunError."""
        with self._run_lock(wait):
            return self._catch_up(stop=stop, on_page=on_page)

    @contextlib.contextmanager
    def exclusive(self, wait: float = RUN_LOCK_WAIT):
        """Hold the read models' run lock over several steps (this runner's catch-ups
        inside it take no second lock): a parallel sweep's shares run under it."""
        with self._run_lock(wait):
            yield

    @contextlib.contextmanager
    def _run_lock(self, wait: float):
        if self.partition is not None or self._holding_run_lock:
            yield  # a share of a rebuild: its parent holds the lock
            return
        try:
            with run_lock(self.engine, wait):
                self._holding_run_lock = True
                try:
                    yield
                finally:
                    self._holding_run_lock = False
        except RunLockBusy as busy:
            raise ConcurrentRunError(str(busy)) from None

    def _catch_up(self, *, stop: int | None, on_page: OnPage | None) -> int:
        if self.partition is None:
            self._finish_partitions()
            policy_rows.follow(self._app, self.engine, self.projector)
        position = database.position(self.engine, self.tracking_name)
        self._skipped = set(faults.skipped(self.engine))
        if position != self._written:
            # Another process (apply, the API, a follower) moved the read model on: the
            # states folded here may be behind it. From here on they are this runner's
            # again (states handed over after this point are kept).
            self.projector.forget()
            self._written = position
        read = 0
        with fewer_collections():
            while stop is None or position < stop:
                if self.partition is None:
                    page = self.recorder.select_notifications(position + 1, self.page_size,
                                                              stop=stop)
                else:
                    page = self.partition.select(self.recorder, position + 1,
                                                 self.page_size, stop)
                if not page:
                    break
                self._apply_page(page, position)
                position = self._written = page[-1].id
                read += len(page)
                if on_page is not None:
                    on_page(len(page), position)
                if len(page) < self.page_size:
                    break
        if self.partition is None:
            self.projector.index_lookups(self.engine)  # a rebuild has ended, if one ran
        return read

    def rebuild(self, *, on_page: OnPage | None = None, jobs: int = 1,
                submit: Submit | None = None) -> int:
        """Drop the read model and replay the whole log. Killed half-way, it leaves a
        consistent prefix that `catch_up` completes.

        With `jobs` > 1 and `submit`, the holders are split into `jobs` shares replayed at
        once in other processes (`submit`), each with its own tracking row: the folding and
        the row-building, which take most of a rebuild's time, run on every core. Returns
        the notifications read (a share reads only its own; nobody reads the registers)."""
        with self._run_lock(RUN_LOCK_WAIT):
            return self._rebuild(on_page, jobs, submit)

    def _rebuild(self, on_page: OnPage | None, jobs: int, submit: Submit | None) -> int:
        self.projector.tables_reset()
        self._written = 0
        if jobs <= 1 or submit is None:
            database.reset_tables(self.engine)
            policy_rows.record(self.engine, getattr(self._app, "live_policy_version", None))
            return self.catch_up(on_page=on_page)
        head = self.head()
        partitions = [Partition(k, jobs) for k in range(jobs)]
        database.reset_tables(self.engine, [p.name for p in partitions])
        policy_rows.record(self.engine, getattr(self._app, "live_policy_version", None))
        futures = [submit(p, head) for p in partitions]
        while wait(futures, timeout=0.5).not_done:
            if on_page is not None:
                on_page(0, min(database.partition_positions(self.engine).values(), default=0))
        read = sum(future.result() for future in futures)  # raises if a share failed
        return read + self.catch_up(on_page=on_page)

    def _finish_partitions(self) -> None:
        """A parallel rebuild's shares, brought to the same position and merged into the one
        tracking row (after the rebuild, or when one was cut short)."""
        positions = database.partition_positions(self.engine)
        if not positions:
            return
        top = max(positions.values())
        for name, position in positions.items():
            if position < top:
                Runner(self._app, self.engine, page_size=self.page_size,
                       partition=Partition.from_name(name)).catch_up(stop=top)
        t = tables.tracking
        with self.engine.begin() as conn:
            merged = conn.execute(delete(t).where(t.c.name.in_(list(positions))))
            if merged.rowcount == len(positions):  # else another runner merged them first
                conn.execute(update(t).where(t.c.name == database.TRACKING_NAME)
                             .values(position=top, updated_at=datetime.now(UTC)))

    def follow(self, stop: threading.Event, *, interval: float = 1.0,
               on_page: OnPage | None = None) -> None:
        """Catch up, then wait for new events (LISTEN or poll), until `stop` is set."""
        with wakeup.waiter(self.recorder, interval, stop) as waiter:
            while not stop.is_set():
                self.catch_up(on_page=on_page)
                waiter.wait()

    def _apply_page(self, page, expected: int) -> None:
        try:
            self._write_page(page, expected, page[-1].id)
        except ConcurrentRunError:
            raise
        except Exception as error:
            self.projector.forget()
            if store_fault(error) is None:  # the database failing is no record's fault
                self._name_the_culprit(page, expected, error)
            raise

    def _write_page(self, page, expected: int, new_position: int, *, keep: bool = True) -> None:
        """The page's rows and the new position in one transaction (rolled back instead
        when not `keep`)."""
        decoded = [(n.id, self.mapper.to_domain_event(n)) for n in page
                   if n.topic not in REGISTER_TOPICS
                   and n.originator_id.hex not in self._skipped]
        events = [(i, e) for i, e in decoded if isinstance(e, HolderEvent)]
        transfers = [e for _, e in decoded if not isinstance(e, HolderEvent)]
        t = tables.tracking
        try:
            with self.engine.connect() as conn, policy.applying(self._live_policy()):
                prepared = self.projector.prepare(conn, events)
            with self.engine.begin() as conn:
                moved = conn.execute(
                    update(t).where(t.c.name == self.tracking_name, t.c.position == expected)
                    .values(position=new_position, updated_at=datetime.now(UTC)))
                if moved.rowcount != 1:
                    raise ConcurrentRunError(
                        f"the read model's position is no longer {expected}: "
                        "another catch-up or rebuild is running")
                self.projector.write(conn, prepared)
                unmatched_queue.write(conn, transfers)
                faults.clear(conn, self.tracking_name)
                if not keep:
                    raise _RolledBack()
        except BaseException:
            self.projector.forget()
            raise

    def _live_policy(self):
        """The rules the rows' CPD figures are counted under: the application's live
        policy (the shipped one for an app without policies)."""
        live = getattr(self._app, "live_policy", None)
        return live() if live is not None else None

    def _name_the_culprit(self, page, expected: int, error: BaseException) -> None:
        """Find the first notification of the page that cannot be written (bisecting in
        rolled-back transactions), record it and raise UnwritableRecord naming it."""
        low, high = 0, len(page) - 1  # the prefix page[:high + 1] fails
        while low < high:
            middle = (low + high) // 2
            try:
                self._write_page(page[:middle + 1], expected, page[middle].id, keep=False)
            except _RolledBack:
                low = middle + 1
            except ConcurrentRunError:
                return
            except Exception:
                high = middle
        culprit = page[low]
        event = self.mapper.to_domain_event(culprit)
        holder = None
        if isinstance(event, HolderEvent):
            holder = getattr(event, "holder", None) or self._holder_number(culprit.originator_id)
        event_type = type(event).__name__
        faults.record(self.engine, self.tracking_name, culprit.id, culprit.originator_id.hex,
                      holder, event_type, error)
        raise faults.UnwritableRecord(
            faults.describe(culprit.id, holder, event_type, error)) from error

    def _holder_number(self, aggregate_id) -> str | None:
        t = tables.holders
        with self.engine.connect() as conn:
            found = conn.execute(select(t.c.holder_number)
                                 .where(t.c.aggregate_id == aggregate_id.hex)).scalar()
        if found is None and hasattr(self._app, "events"):
            first = next(iter(self._app.events.get(aggregate_id, limit=1)), None)
            found = getattr(first, "holder", None)
        return found


class _RolledBack(Exception):
    """A trial write of part of a page, undone on purpose."""
