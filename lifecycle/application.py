"""The application: command handling on the event store (load, act, save), status and history.

One use case per command of SPEC §8. A command either records all its events in one atomic
save (the holder's and the uniqueness registers') or records nothing. A save that loses an
optimistic-concurrency race is retried on fresh state, then reported as CONFLICT.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.utils import Environment, get_topic

from aggregates import registers
from aggregates.errors import DomainError, invalid
from aggregates.events import ExamPassed, fold
from aggregates.holder import AuditSettings, Holder, holder_id
from aggregates.state import STATE_CLASSES, HolderState
from aggregates.status import holder_status
from lifecycle import contract, reconciliation
from lifecycle.commands import Command, parse_command
from lifecycle.settings import Settings
from lifecycle.store import batch_load

log = structlog.get_logger("lifecycle")

RETRIES = 10
SWEEP_BATCH = 500
SCHEDULER = "scheduler"


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DataclassAsDict(Transcoding):
    """Snapshots of the holder's state: each state dataclass as a dict of its fields."""

    def __init__(self, cls: type):
        self.type = cls
        self.name = f"state.{cls.__name__}"

    def encode(self, obj: Any) -> dict:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict) -> Any:
        return self.type(**data)


class LifecycleApplication(Application):
    name = "Lifecycle"
    snapshot_class = Snapshot

    def __init__(self, settings: Settings):
        self.settings = settings
        self.audit = AuditSettings(settings.audit_rate, settings.audit_seed)
        # Set by the composition root once read models exist: as_of -> recorded events.
        self.sweeper: Callable[[date], list] | None = None
        self.sweep_batch = SWEEP_BATCH
        self._unit: _Unit | None = None
        interval = settings.snapshot_interval
        self.snapshotting_intervals = {Holder: interval} if interval else {}
        env = settings.event_store_env() | {"IS_SNAPSHOTTING_ENABLED": "y" if interval else "n"}
        if settings.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
        if settings.is_postgres:
            with _schema_lock(settings):
                super().__init__(env=env)
        else:
            super().__init__(env=env)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only our settings configure the store: nothing is read from os.environ here.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for cls in STATE_CLASSES:
            transcoder.register(DataclassAsDict(cls))

    # -- commands -------------------------------------------------------------------------

    def execute(self, raw: object, *, actor: str, today: date) -> dict:
        """Run one command object; the result of SPEC §8 (`ok` with events, or an error)."""
        try:
            command = parse_command(raw, today)
        except DomainError as error:
            log.info("command.refused", code=error.code, reason=error.message)
            return contract.failed(error)
        bound = log.bind(holder=command.holder, command=command.type)
        try:
            events = self.handle(command, actor=command.actor or actor)
        except DomainError as error:
            bound.info("command.refused", code=error.code, reason=error.message)
            self._check_nothing_recorded(command)
            return contract.failed(error)
        extra = {}
        if isinstance(events, tuple):
            events, extra = events
        bound.info("command.recorded", events=len(events))
        return contract.ok(events) | extra

    def _check_nothing_recorded(self, command: Command) -> None:
        """Decisions refuse before recording; in a batch the holder object is shared, so a
        refusal after a change would leak into the next command: fail loudly instead."""
        held = self._unit.holders.get(holder_id(command.holder)) if (
            self._unit is not None and command.holder) else None
        if held is not None and held._pending_events:
            raise RuntimeError(f"{command.type} refused after recording events")

    def handle(self, command: Command, *, actor: str) -> list:
        handler = getattr(self, f"_{command.type}")
        for attempt in range(RETRIES):
            try:
                return handler(command.holder, actor=actor, **command.args)
            except IntegrityError:
                log.info("command.conflict", holder=command.holder, command=command.type)
                _back_off(attempt)
        raise DomainError("CONFLICT", "another write to the same records won; safe to retry")

    def _save(self, holder: Holder, *register_events) -> list:
        pending = list(holder.collect_events())
        if not pending:
            return pending
        if self._unit is not None:
            self._unit.stage(holder, pending, register_events)
        else:
            self.save(*pending, *register_events)
            self._take_holder_snapshot(holder, pending)
        return pending

    def _save_registers(self, *register_events) -> None:
        if self._unit is not None:
            self._unit.stage(None, [], register_events)
        else:
            self.save(*register_events)

    def _register_log(self, log_id: UUID) -> list:
        """Every event of a small register log (a pass number's or a bank reference's)."""
        if self._unit is not None and log_id in self._unit.registers:
            return self._unit.registers[log_id]
        events = list(self.events.get(log_id))
        if self._unit is not None:
            self._unit.registers[log_id] = events
        return events

    def _register_last(self, log_id: UUID):
        """The last event of a sequence log (certification numbers), without reading it all."""
        if self._unit is not None and log_id in self._unit.tails:
            return self._unit.tails[log_id]
        return next(iter(self.events.get(log_id, desc=True, limit=1)), None)

    # -- batches --------------------------------------------------------------------------

    def execute_many(self, raws: list, *, actors: list[str], today: date) -> list[dict]:
        """Run commands in order, saving all their events in one transaction (commits
        dominate the cost of small commands). Each command still succeeds or fails alone;
        if a concurrent writer wins a race at the final save, the batch is rerun command by
        command. Sweeps run on their own, after what came before them is saved."""
        results: list[dict] = []
        start = 0
        for index, raw in enumerate([*raws, None]):
            if raw is None or (isinstance(raw, dict) and raw.get("type") == "sweep"):
                results.extend(self._execute_unit(raws[start:index], actors[start:index], today))
                if raw is not None:
                    results.append(self.execute(raw, actor=actors[index], today=today))
                start = index + 1
        return results

    def _execute_unit(self, raws: list, actors: list[str], today: date) -> list[dict]:
        if not raws:
            return []
        self._unit = _Unit()
        try:
            pairs = zip(raws, actors, strict=True)
            results = [self.execute(r, actor=a, today=today) for r, a in pairs]
            unit, self._unit = self._unit, None
            if unit.pending:
                self.save(*unit.pending)
                by_holder: dict[UUID, list] = {}
                for event in unit.pending:
                    by_holder.setdefault(event.originator_id, []).append(event)
                for holder in unit.holders.values():
                    self._take_holder_snapshot(holder, by_holder.get(holder.id, []))
            return results
        except IntegrityError:
            log.info("batch.conflict", commands=len(raws))
            self._unit = None
            pairs = zip(raws, actors, strict=True)
            return [self.execute(r, actor=a, today=today) for r, a in pairs]
        finally:
            self._unit = None

    def _take_holder_snapshot(self, holder: Holder, events: list) -> None:
        interval = self.snapshotting_intervals.get(Holder)
        if interval and any(e.originator_version % interval == 0 for e in events):
            self.snapshots.put([Snapshot.take(holder)])

    def _record_exam_pass(self, number: str, *, actor: str, qualification: str,
                          pass_number: str, issued_on: date, name: str | None,
                          name_kana: str | None, email: str | None) -> list:
        holder = self._find(number)
        if holder is None and (name is None or name_kana is None):
            raise invalid(f"holder {number} is new: 'name' and 'name_kana' are required")
        claim_id = registers.pass_number_id(pass_number)
        claim = next(iter(self._register_log(claim_id)), None)
        if claim is not None and claim.holder != number:
            raise DomainError(
                "DUPLICATE_PASS_NUMBER", f"pass number {pass_number} belongs to another holder"
            )
        details = {"name": name, "name_kana": name_kana, "email": email}
        if holder is None:
            holder = Holder.register(number, qualification=qualification,
                                     pass_number=pass_number, issued_on=issued_on, actor=actor,
                                     **details)
        else:
            holder.record_exam_pass(qualification=qualification, pass_number=pass_number,
                                    issued_on=issued_on, actor=actor, **details)
        staged = []
        if claim is None:
            staged.append(registers.PassNumberClaimed(
                originator_id=claim_id, originator_version=1,
                timestamp=registers.PassNumberClaimed.create_timestamp(), holder=number))
        return self._save(holder, *staged)

    def _file_application(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.file_application(actor=actor, **args)
        return self._save(holder, *reconciliation.payer_key_events(self, holder))

    def _record_payment(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        reference = args["bank_reference"]
        log_id = registers.bank_reference_id(reference)
        uses = self._register_log(log_id)
        _check_bank_reference(reference, uses, number, args)
        holder.record_payment(actor=actor, audit=self.audit, **args)
        used = registers.BankReferenceUsed(
            originator_id=log_id, originator_version=len(uses) + 1,
            timestamp=registers.BankReferenceUsed.create_timestamp(), holder=number,
            amount=args["amount"], allocated_by=args["allocated_by"],
            transfer_amount=args["transfer_amount"], bank_reference=reference)
        return self._save(holder, used)

    def _decide_application(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        staged = []

        def allot_number(qualification: str, fiscal_year: int) -> str:
            log_id = registers.certification_numbers_id(qualification, fiscal_year)
            last = self._register_last(log_id)
            sequence = (last.originator_version if last else 0) + 1
            issued = registers.certification_number(qualification, fiscal_year, sequence)
            staged.append(registers.CertificationNumberIssued(
                originator_id=log_id, originator_version=sequence,
                timestamp=registers.CertificationNumberIssued.create_timestamp(),
                holder=number, certification_number=issued))
            return issued

        holder.decide_application(actor=actor, allot_number=allot_number, **args)
        return self._save(holder, *staged)

    def _log_cpd(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.log_cpd(actor=actor, **args)
        return self._save(holder)

    def _withdraw_cpd(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.withdraw_cpd(actor=actor, **args)
        return self._save(holder)

    def _request_renewal(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.request_renewal(actor=actor, audit=self.audit, **args)
        return self._save(holder, *reconciliation.payer_key_events(self, holder))

    def _record_transfer(self, _number: None, *, actor: str, **args) -> tuple[list, dict]:
        return reconciliation.record_transfer(self, actor=actor, **args)

    def unmatched_transfer(self, bank_reference: str):
        """The unmatched-queue entry of a bank reference, or None."""
        log = self._register_log(registers.bank_reference_id(bank_reference))
        return next((e for e in log if isinstance(e, registers.TransferUnmatched)), None)

    def _complete_audit(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.complete_audit(actor=actor, **args)
        return self._save(holder)

    def _decide_renewal(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.decide_renewal(actor=actor, **args)
        return self._save(holder)

    # -- SPEC §11 disciplinary decisions ---------------------------------------------------

    def _suspend_certification(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.suspend_certification(actor=actor, **args)
        return self._save(holder)

    def _reinstate_certification(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.reinstate_certification(actor=actor, **args)
        return self._save(holder)

    def _revoke_certification(self, number: str, *, actor: str, **args) -> list:
        holder = self._holder(number)
        holder.revoke_certification(actor=actor, **args)
        return self._save(holder)

    def _sweep(self, _number: None, *, actor: str, as_of: date) -> list:
        if self.sweeper is not None:
            return self.sweeper(as_of)
        recorded = []
        batch: list[UUID] = []
        for aggregate_id in self.holder_ids():
            batch.append(aggregate_id)
            if len(batch) == self.sweep_batch:
                recorded.extend(self.sweep_holders(batch, as_of))
                log.info("sweep.batch", as_of=as_of.isoformat(), recorded=len(recorded))
                batch = []
        return recorded + self.sweep_holders(batch, as_of)

    def sweep_holders(self, aggregate_ids: list[UUID], as_of: date,
                      actor: str = SCHEDULER) -> list:
        """Record the due scheduler facts of a batch of holders in one transaction (commits
        dominate the cost), the holders read together (`load_holders`); if a concurrent
        writer wins a race (the save checks the versions read), redo them one by one."""
        holders = self.load_holders(aggregate_ids)
        pending = []
        recorded_by: dict[UUID, list] = {}
        for holder in holders:
            holder.sweep(as_of, actor)
            recorded_by[holder.id] = holder.collect_events()
            pending.extend(recorded_by[holder.id])
        if not pending:
            return []
        try:
            self.save(*pending)
        except IntegrityError:
            log.info("sweep.batch_conflict", holders=len(aggregate_ids))
            return [e for i in aggregate_ids for e in self.sweep_holder(i, as_of, actor)]
        for holder in holders:
            self._take_holder_snapshot(holder, recorded_by[holder.id])
        return pending

    def sweep_holder(self, aggregate_id: UUID, as_of: date, actor: str = SCHEDULER) -> list:
        """One holder's due scheduler facts, recorded once even when sweeps race."""
        for attempt in range(RETRIES):
            holder = self.repository.get(aggregate_id)
            holder.sweep(as_of, actor)
            try:
                return self._save(holder)
            except IntegrityError:
                log.info("sweep.conflict", holder=holder.state.number)
                _back_off(attempt)
        raise DomainError("CONFLICT", "another write to the same holder won; safe to retry")

    def load_holders(self, aggregate_ids: list[UUID]) -> list[Holder]:
        """The current holders of many ids, read in two queries per chunk of ids (not two
        per holder); one per distinct id, in order. An unknown id raises
        AggregateNotFoundError, as `repository.get` does."""
        return batch_load.load_holders(self, aggregate_ids)

    def load_states(self, versions: list[tuple[UUID, int]]) -> dict[UUID, HolderState]:
        """Each holder's state at exactly the version given, read in one batch (the read
        models resume from the versions their rows stop at)."""
        return {i: h.state for i, h in batch_load.load_at(self, versions).items()}

    def holder_ids(self, page: int = 1000) -> Iterator[UUID]:
        """Every holder, from the creation events in the notification log."""
        topic = get_topic(ExamPassed)
        start = 1
        while True:
            notifications = self.recorder.select_notifications(start, page, topics=[topic])
            for n in notifications:
                if n.originator_version == 1:
                    yield n.originator_id
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    # -- queries --------------------------------------------------------------------------

    def _find(self, number: str) -> Holder | None:
        aggregate_id = holder_id(number)
        if self._unit is not None and aggregate_id in self._unit.holders:
            return self._unit.holders[aggregate_id]
        try:
            holder = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if self._unit is not None:
            self._unit.holders[aggregate_id] = holder
        return holder

    def _holder(self, number: str) -> Holder:
        holder = self._find(number)
        if holder is None:
            raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
        return holder

    def status(self, number: str, as_of: date, known_at: datetime | None = None) -> dict:
        """What was true on `as_of` (as recorded by `known_at`, when given)."""
        holder = self._holder(number)
        return status_object(holder, lambda: self.events.get(holder.id), as_of, known_at)

    def history(self, number: str) -> dict:
        events = list(self.events.get(holder_id(number)))
        if not events:
            raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
        return {"holder": number, "events": [contract.event_entry(e) for e in events]}


class _Unit:
    """The holders, events and register entries of a batch not yet saved."""

    def __init__(self) -> None:
        self.holders: dict[UUID, Holder] = {}
        self.pending: list = []
        self.registers: dict[UUID, list] = {}
        self.tails: dict[UUID, Any] = {}

    def stage(self, holder: Holder | None, events: list, register_events) -> None:
        if holder is not None:
            self.holders[holder.id] = holder
        self.pending.extend(events)
        for event in register_events:
            self.pending.append(event)
            self.registers.setdefault(event.originator_id, []).append(event)
            self.tails[event.originator_id] = event


def status_object(holder: Holder, history: Callable[[], Iterable], as_of: date,
                  known_at: datetime | None = None) -> dict:
    """The status object of a loaded holder on `as_of` (as recorded by `known_at`): its
    current state when nothing after `as_of` is known, else a fold of its whole `history`
    (read only then). Shared by `status` and the HTTP API's one-statement read."""
    last = holder.state.last_business_date
    if known_at is None and (last is None or as_of >= last):
        state = holder.state
    else:
        state = fold(history(), as_of, known_at)
        if known_at is not None and not state.number:
            raise DomainError("UNKNOWN_HOLDER", f"there was no holder {holder.state.number} "
                                                f"on record at {known_at}")
    return contract.jsonable(holder_status(state, as_of, identity=holder.state))


def _back_off(attempt: int) -> None:
    """Jittered exponential back-off, so writers racing for one holder stop colliding."""
    time.sleep(random.uniform(0, 0.002 * 2**attempt))


def _check_bank_reference(reference: str, uses: list, number: str, args: dict) -> None:
    """A bank reference is used once, or once per holder by a clerk's allocation of a
    company transfer (or of an unmatched statement transfer), the allocations agreeing on
    the transfer amount and never exceeding it."""
    allocated_by, transfer = args["allocated_by"], args["transfer_amount"]
    received = next((u for u in uses if isinstance(u, registers.TransferUnmatched)), None)
    allocations = [u for u in uses if isinstance(u, registers.BankReferenceUsed)]
    if allocated_by is None or any(u.allocated_by is None for u in allocations):
        if uses:
            raise DomainError(
                "DUPLICATE_PAYMENT", f"bank reference {reference} is already recorded"
            )
        return
    if any(u.holder == number for u in allocations):
        raise DomainError(
            "DUPLICATE_PAYMENT", f"bank reference {reference} is already allocated to {number}"
        )
    agreed = received.amount if received else (allocations[0].transfer_amount
                                                if allocations else transfer)
    if transfer != agreed:
        raise DomainError(
            "DUPLICATE_PAYMENT",
            f"bank reference {reference} is a transfer of {agreed} JPY, not {transfer}",
        )
    allocated = sum(u.amount for u in allocations)
    if allocated + args["amount"] > transfer:
        raise DomainError(
            "DUPLICATE_PAYMENT",
            f"allocations of bank reference {reference} would exceed the transfer: "
            f"{allocated} of {transfer} JPY already allocated, {args['amount']} more asked",
        )


SCHEMA_LOCK = 0x6C6966656379  # advisory lock key: one process at a time creates tables


@contextlib.contextmanager
def _schema_lock(settings: Settings):
    """Serialise the library's CREATE TABLE/TYPE IF NOT EXISTS across processes: run
    concurrently they fail with "tuple concurrently updated"."""
    import psycopg

    env = settings.event_store_env()
    with psycopg.connect(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DBNAME"], autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            if settings.schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.schema}"')
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
