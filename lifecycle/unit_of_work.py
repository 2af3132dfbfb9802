"""The unit of work: what the commands of one call have read and staged, saved at once.

One is created per call (`execute` makes one per command, `execute_many` one per run of
commands) and passed down to every use case; nothing of it lives on the shared
application, so two threads running commands on one application never see each other's
staged events. What it caches is always "the store plus what is staged here": after a
command crashes, `discard_after` drops that command's staging and every cached object,
and the next read rebuilds them from the store and the events still staged.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Snapshot

from aggregates.holder import Holder
from lifecycle.store import holder_repository


class UnitOfWork:
    def __init__(self, app: Any):
        self._app = app
        self._holders: dict[UUID, Holder | None] = {}
        self._registers: dict[UUID, list] = {}
        self.pending: list = []

    # -- reads: the store as this unit sees it ---------------------------------------------

    def holder(self, aggregate_id: UUID) -> Holder | None:
        if aggregate_id not in self._holders:
            self._holders[aggregate_id] = self._load(aggregate_id)
        return self._holders[aggregate_id]

    def _load(self, aggregate_id: UUID) -> Holder | None:
        try:
            holder = self._app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            holder = None
        for event in self.pending:
            if event.originator_id == aggregate_id:
                holder = event.mutate(holder)
        return holder

    def register_log(self, log_id: UUID) -> list:
        """Every event of a small register log (a pass number's or a bank reference's)."""
        if log_id not in self._registers:
            stored = list(self._app.events.get(log_id))
            self._registers[log_id] = stored + self._staged(log_id)
        return self._registers[log_id]

    def register_last(self, log_id: UUID) -> Any:
        """The last event of a sequence log (certification numbers), without reading it all."""
        if log_id in self._registers:
            log = self._registers[log_id]
            return log[-1] if log else None
        staged = self._staged(log_id)
        if staged:
            return staged[-1]
        return next(iter(self._app.events.get(log_id, desc=True, limit=1)), None)

    def _staged(self, log_id: UUID) -> list:
        return [e for e in self.pending if e.originator_id == log_id]

    # -- writes ------------------------------------------------------------------------------

    def stage(self, holder: Holder | None, events: list, register_events=()) -> list:
        if holder is not None:
            self._holders[holder.id] = holder
        self.pending.extend(events)
        for event in register_events:
            self.pending.append(event)
            if event.originator_id in self._registers:
                self._registers[event.originator_id].append(event)
        return events

    def has_unstaged_changes(self, aggregate_id: UUID) -> bool:
        """Whether a holder read here was changed without its events being staged."""
        holder = self._holders.get(aggregate_id)
        return holder is not None and bool(holder._pending_events)

    def mark(self) -> int:
        return len(self.pending)

    def discard_after(self, mark: int) -> None:
        """Forget what was staged after `mark`, and every object read, which may carry
        changes of a command that crashed half-way."""
        del self.pending[mark:]
        self._holders.clear()
        self._registers.clear()

    def commit(self) -> list:
        """Save everything staged in one atomic write (the store's version check guards
        against a concurrent writer), then the holders' due snapshots; holders created
        here go to the repository's cache (the next command on one fast-forwards)."""
        if not self.pending:
            return []
        self._app.save(*self.pending)
        created = [self._holders.get(e.originator_id) for e in self.pending
                   if e.originator_version == 1]
        holder_repository.remember(self._app.repository,
                                   [h for h in created if isinstance(h, Holder)])
        interval = self._app.snapshotting_intervals.get(Holder)
        if interval:
            crossed = {e.originator_id for e in self.pending
                       if e.originator_version % interval == 0}
            holders = [self._holders.get(i) for i in crossed]
            snapshots = [Snapshot.take(h) for h in holders if isinstance(h, Holder)]
            if snapshots:
                self._app.snapshots.put(snapshots)
        saved, self.pending = self.pending, []
        return saved
