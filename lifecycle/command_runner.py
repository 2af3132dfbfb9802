"""Running commands: parse, run in a unit of work, save; retries and batches.

`CommandRunner` is the half of the application that every use case goes through: `execute`
runs one command in a unit of its own and saves it (optimistic first; after a lost race the
command waits for its records' turn, lifecycle.store.write_locks), `execute_many` runs a
batch in one unit, each command still succeeding or failing alone. The use cases
themselves are the application's public methods (`use_cases`, keyed by command type).
"""

from __future__ import annotations

import random
import time
from datetime import date
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from aggregates import policy, registers
from aggregates.errors import DomainError
from aggregates.holder import holder_id
from lifecycle import commands as c
from lifecycle import contract
from lifecycle.store.write_locks import LOCK_WAIT_SECONDS, LockWaitExceeded
from lifecycle.unit_of_work import UnitOfWork
from projections.store_faults import store_fault

log = structlog.get_logger("lifecycle")
RETRIES = 10


class BatchStopped(Exception):
    """The store failed during a batch: `results` are those of the commands already saved
    (in order, from the first); the next command and every one after it were not."""

    def __init__(self, results: list[dict], error: BaseException):
        super().__init__(str(error))
        self.results = results
        self.error = error


class CommandRunner:
    use_cases: dict
    write_locks: object

    def execute(self, raw: object, *, actor: str, today: date) -> dict:
        """Run one command object in a unit of its own; the result of SPEC §8."""
        try:
            command = c.parse_command(raw, today)
        except DomainError as error:
            log.info("command.refused", code=error.code, reason=error.message)
            return contract.failed(error)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        attempt = 0
        while attempt < RETRIES or time.monotonic() < deadline:
            # Optimistic first (no lock: one writer pays nothing); after a lost race, wait
            # for the records' turn (lifecycle.store.write_locks) before reading again. A
            # writer in its turn can still lose to a newcomer's optimistic first try, so
            # it keeps its turn-taking retries until the wait's bound, not a count.
            records = records_written(command) if attempt else ()
            try:
                with self.write_locks.hold(records):
                    uow = UnitOfWork(self)
                    result = self.run(command, actor=actor, uow=uow)
                    uow.commit()
            except IntegrityError:
                log.info("command.conflict", holder=command.holder, command=command.type)
                back_off(min(attempt, RETRIES - 1))
                attempt += 1
                continue
            except LockWaitExceeded:
                log.warning("command.lock_wait_exceeded", holder=command.holder,
                            command=command.type, seconds=LOCK_WAIT_SECONDS)
                break
            return result
        return contract.failed(DomainError(
            "CONFLICT", "another write to the same records won; safe to retry"))

    def run(self, command: c.Command, *, actor: str, uow: UnitOfWork) -> dict:
        """Run a parsed command in `uow` (not saved here): its result."""
        bound = log.bind(holder=command.holder, command=command.type)
        try:
            with policy.applying(self.live_policy()):
                events = self.use_cases[command.type](command, actor=command.actor or actor,
                                                      uow=uow)
        except DomainError as error:
            bound.info("command.refused", code=error.code, reason=error.message)
            if command.holder and uow.has_unstaged_changes(holder_id(command.holder)):
                # In a batch the holder object is shared with the next command: a refusal
                # after a change would leak into it, so fail loudly instead.
                raise RuntimeError(f"{command.type} refused after recording events") from None
            return contract.failed(error)
        extra = {}
        if isinstance(events, tuple):
            events, extra = events
        bound.info("command.recorded", events=len(events))
        if command.type == "sweep":
            return contract.swept(events, self.holder_numbers(e.originator_id for e in events))
        return contract.ok(events) | extra

    def execute_many(self, raws: list, *, actors: list[str], today: date) -> list[dict]:
        """Run commands in order, saving all their events in one transaction (commits
        dominate the cost of small commands). Each command still succeeds or fails alone:
        one that crashes answers INTERNAL_ERROR and its staging is dropped. If a
        concurrent writer wins a race at the final save, nothing was saved and the run
        is redone command by command. Sweeps run on their own, after what came before
        them is saved. When the store itself fails, `BatchStopped` carries the results
        already saved; nothing after them was."""
        results: list[dict] = []
        unit: list[int] = []
        saved = 0  # results[:saved] are in the store
        uow = UnitOfWork(self)
        try:
            for index, (raw, actor) in enumerate(zip(raws, actors, strict=True)):
                if isinstance(raw, dict) and raw.get("type") == "sweep":
                    self._commit_run(uow, unit, raws, actors, today, results)
                    saved = len(results)
                    uow, unit = UnitOfWork(self), []
                    results.append(self.execute(raw, actor=actor, today=today))
                    saved = len(results)
                    continue
                unit.append(index)
                results.append(self._run_in(uow, raw, actor, today))
            self._commit_run(uow, unit, raws, actors, today, results)
        except Exception as error:
            if store_fault(error) is None:
                raise
            raise BatchStopped(results[:saved], error) from error
        return results

    def _run_in(self, uow: UnitOfWork, raw: object, actor: str, today: date) -> dict:
        try:
            command = c.parse_command(raw, today)
        except DomainError as error:
            log.info("command.refused", code=error.code, reason=error.message)
            return contract.failed(error)
        mark = uow.mark()
        try:
            return self.run(command, actor=actor, uow=uow)
        except Exception as error:  # a bug in one command must not take the others with it
            if store_fault(error) is not None:
                raise  # the store failing is not this command's fault: stop the batch
            log.exception("command.crashed", holder=command.holder, command=command.type,
                          actor=actor)
            uow.discard_after(mark)
            return contract.crashed(actor)

    def _commit_run(self, uow: UnitOfWork, unit: list[int], raws: list, actors: list[str],
                    today: date, results: list[dict]) -> None:
        try:
            uow.commit()
        except IntegrityError:
            log.info("batch.conflict", commands=len(unit))
            for index in unit:
                results[index] = self.execute(raws[index], actor=actors[index], today=today)


def records_written(command: c.Command) -> list[UUID]:
    """The records a command may write, locked (in order) before it reads them: its holder,
    and the registers it can append to (a pass number, a bank reference, the
    qualification's certification-number sequences)."""
    records = [holder_id(command.holder)] if command.holder else []
    if isinstance(command, c.RecordExamPass):
        records.append(registers.pass_number_id(command.pass_number))
    elif isinstance(command, (c.RecordPayment, c.RecordTransfer)):
        records.append(registers.bank_reference_id(command.bank_reference))
    elif isinstance(command, c.DecideApplication) and command.decision == "certify":
        records.append(registers.certification_sequences_id(command.qualification))
    return records


def back_off(attempt: int) -> None:
    """Jittered exponential back-off, so writers racing for one holder stop colliding."""
    time.sleep(random.uniform(0, 0.002 * 2**attempt))
