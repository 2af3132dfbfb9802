"""The application: one public method per use case of SPEC §8 (load, act, stage), plus
status and history.

A command either records all its events in one atomic save (the holder's and the
uniqueness registers') or records nothing. Every use case receives the unit of work of its
call (`lifecycle.unit_of_work`); `execute` runs one command in a unit of its own and saves
it, `execute_many` runs a batch of commands in one unit and saves them together. A save
that loses an optimistic-concurrency race is retried on fresh state, then reported as
CONFLICT.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import Application, Repository
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, get_topic

from aggregates import policy as rules
from aggregates import registers
from aggregates.errors import DomainError, invalid
from aggregates.events import ExamPassed
from aggregates.holder import AuditSettings, Holder, holder_id
from aggregates.policy_log import POLICY_LOG_ID, PolicyAdopted, check_adoption
from aggregates.state import HolderState
from lifecycle import commands as c
from lifecycle import contract, reconciliation
from lifecycle.command_runner import CommandRunner, back_off
from lifecycle.contract import status_object
from lifecycle.policy import loading as policy_files
from lifecycle.settings import Settings
from lifecycle.store import batch_load, holder_repository, transcodings
from lifecycle.store.schema_lock import schema_lock
from lifecycle.store.write_locks import (
    FileWriteLocks,
    PostgresWriteLocks,
)
from lifecycle.unit_of_work import UnitOfWork

log = structlog.get_logger("lifecycle")

RETRIES = 10
POLICY_RECHECK_SECONDS = 1.0  # how stale a long-running process's live policy may be
SWEEP_BATCH = 500
SCHEDULER = "scheduler"

# `sweeper(app, as_of)`: the scheduler facts due on `as_of`, recorded; the composition
# root passes one that finds due holders in the read models.
Sweeper = Callable[["LifecycleApplication", date], list]


class LifecycleApplication(CommandRunner, Application):
    name = "Lifecycle"
    snapshot_class = Snapshot

    def __init__(self, settings: Settings, *, sweeper: Sweeper | None = None):
        self.settings = settings
        # An audit rate set to anything but the shipped one is the operator's, and wins
        # over the policy's; left at the default, the policy in force decides.
        self.audit = AuditSettings(
            settings.audit_rate, settings.audit_seed,
            overrides_policy=settings.audit_rate != rules.DEFAULT.audit_rate.values[-1])
        self._policy: tuple[float, int, rules.Policy] | None = None
        self.sweeper = sweeper
        self.use_cases: dict[str, Callable[..., Any]] = {
            "record_exam_pass": self.record_exam_pass,
            "file_application": self.file_application,
            "record_payment": self.record_payment,
            "decide_application": self.decide_application,
            "log_cpd": self.log_cpd,
            "withdraw_cpd": self.withdraw_cpd,
            "request_renewal": self.request_renewal,
            "complete_audit": self.complete_audit,
            "decide_renewal": self.decide_renewal,
            "sweep": self.sweep,
            "record_transfer": self.record_transfer,
            "suspend_certification": self.suspend_certification,
            "reinstate_certification": self.reinstate_certification,
            "revoke_certification": self.revoke_certification,
        }
        interval = settings.snapshot_interval
        self.snapshotting_intervals = {Holder: interval} if interval else {}
        env = settings.event_store_env() | {"IS_SNAPSHOTTING_ENABLED": "y" if interval else "n"}
        if settings.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
        if settings.is_postgres:
            with schema_lock(env, settings.schema):
                super().__init__(env=env)
            self.write_locks = PostgresWriteLocks(env)
        else:
            super().__init__(env=env)
            self.write_locks = FileWriteLocks(env["SQLITE_DBNAME"] + ".write-locks")

    def close(self) -> None:
        self.write_locks.close()
        super().close()

    def construct_repository(self) -> Repository:
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        cache_maxsize = int(maxsize) if maxsize else None
        if not self.settings.is_postgres:
            return holder_repository.HolderRepository(
                self.events, snapshot_store=self.snapshots, cache_maxsize=cache_maxsize)
        snapshots = self.snapshots.recorder.events_table_name if self.snapshots else None
        statement = holder_repository.postgres_statement(
            self.recorder.datastore.schema, self.recorder.events_table_name, snapshots)
        return holder_repository.OneReadRepository(
            self.events, snapshot_store=self.snapshots, cache_maxsize=cache_maxsize,
            mapper=self.mapper, datastore=self.recorder.datastore, statement=statement)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only our settings configure the store: nothing is read from os.environ here.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    # -- use cases --------------------------------------------------------------------------

    def record_exam_pass(self, command: c.RecordExamPass, *, actor: str,
                         uow: UnitOfWork) -> list:
        number = command.holder
        holder = self.find(number, uow)
        if holder is None and (command.name is None or command.name_kana is None):
            raise invalid(f"holder {number} is new: 'name' and 'name_kana' are required")
        claim_id = registers.pass_number_id(command.pass_number)
        claim = next(iter(uow.register_log(claim_id)), None)
        if claim is not None and claim.holder != number:
            raise DomainError("DUPLICATE_PASS_NUMBER",
                              f"pass number {command.pass_number} belongs to another holder")
        args = command.args()
        if holder is None:
            holder = Holder.register(number, actor=actor, **args)
        else:
            holder.record_exam_pass(actor=actor, **args)
        staged = []
        if claim is None:
            staged.append(registers.PassNumberClaimed(
                originator_id=claim_id, originator_version=1,
                timestamp=registers.PassNumberClaimed.create_timestamp(), holder=number))
        return self._stage(uow, holder, *staged)

    def file_application(self, command: c.FileApplication, *, actor: str,
                         uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.file_application(actor=actor, **command.args())
        return self._stage(uow, holder, *reconciliation.payer_key_events(self, holder, uow))

    def record_payment(self, command: c.RecordPayment, *, actor: str,
                       uow: UnitOfWork) -> list:
        number, args = command.holder, command.args()
        holder = self.holder(number, uow)
        log_id = registers.bank_reference_id(command.bank_reference)
        uses = uow.register_log(log_id)
        registers.check_bank_reference(command.bank_reference, uses, number, args)
        holder.record_payment(actor=actor, audit=self.audit, **args)
        used = registers.BankReferenceUsed(
            originator_id=log_id, originator_version=len(uses) + 1,
            timestamp=registers.BankReferenceUsed.create_timestamp(), holder=number,
            amount=command.amount, allocated_by=command.allocated_by,
            transfer_amount=command.transfer_amount, bank_reference=command.bank_reference)
        return self._stage(uow, holder, used)

    def decide_application(self, command: c.DecideApplication, *, actor: str,
                           uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        staged = []

        def allot_number(qualification: str, fiscal_year: int) -> str:
            log_id = registers.certification_numbers_id(qualification, fiscal_year)
            last = uow.register_last(log_id)
            sequence = (last.originator_version if last else 0) + 1
            issued = registers.certification_number(qualification, fiscal_year, sequence)
            staged.append(registers.CertificationNumberIssued(
                originator_id=log_id, originator_version=sequence,
                timestamp=registers.CertificationNumberIssued.create_timestamp(),
                holder=command.holder, certification_number=issued))
            return issued

        holder.decide_application(actor=actor, allot_number=allot_number, **command.args())
        return self._stage(uow, holder, *staged)

    def log_cpd(self, command: c.LogCPD, *, actor: str, uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.log_cpd(actor=actor, **command.args())
        return self._stage(uow, holder)

    def withdraw_cpd(self, command: c.WithdrawCPD, *, actor: str, uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.withdraw_cpd(actor=actor, **command.args())
        return self._stage(uow, holder)

    def request_renewal(self, command: c.RequestRenewal, *, actor: str,
                        uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.request_renewal(actor=actor, audit=self.audit, **command.args())
        return self._stage(uow, holder, *reconciliation.payer_key_events(self, holder, uow))

    def complete_audit(self, command: c.CompleteAudit, *, actor: str,
                       uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.complete_audit(actor=actor, **command.args())
        return self._stage(uow, holder)

    def decide_renewal(self, command: c.DecideRenewal, *, actor: str,
                       uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.decide_renewal(actor=actor, **command.args())
        return self._stage(uow, holder)

    def record_transfer(self, command: c.RecordTransfer, *, actor: str,
                        uow: UnitOfWork) -> tuple[list, dict]:
        return reconciliation.record_transfer(self, command, actor=actor, uow=uow)

    # -- SPEC §11 disciplinary decisions ---------------------------------------------------

    def suspend_certification(self, command: c.SuspendCertification, *, actor: str,
                              uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.suspend_certification(actor=actor, **command.args())
        return self._stage(uow, holder)

    def reinstate_certification(self, command: c.ReinstateCertification, *, actor: str,
                                uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.reinstate_certification(actor=actor, **command.args())
        return self._stage(uow, holder)

    def revoke_certification(self, command: c.RevokeCertification, *, actor: str,
                             uow: UnitOfWork) -> list:
        holder = self.holder(command.holder, uow)
        holder.revoke_certification(actor=actor, **command.args())
        return self._stage(uow, holder)

    def sweep(self, command: c.Sweep, *, actor: str, uow: UnitOfWork) -> list:
        """The scheduler facts due on the date, recorded in batches of their own (not in
        `uow`); each result event names its holder."""
        if self.sweeper is not None:
            return self.sweeper(self, command.as_of)
        recorded = []
        batch: list[UUID] = []
        for aggregate_id in self.holder_ids():
            batch.append(aggregate_id)
            if len(batch) == SWEEP_BATCH:
                recorded.extend(self.sweep_holders(batch, command.as_of))
                log.info("sweep.batch", as_of=command.as_of.isoformat(),
                         recorded=len(recorded))
                batch = []
        return recorded + self.sweep_holders(batch, command.as_of)

    # -- the live policy ----------------------------------------------------------------------

    def live_policy(self) -> rules.Policy:
        """The adopted policy (the shipped one before any adoption), read again at most
        once a second, so another process's adoption reaches a long-running server."""
        now = time.monotonic()
        cached = self._policy
        if cached is not None and now - cached[0] < POLICY_RECHECK_SECONDS:
            return cached[2]
        try:
            last = next(iter(self.events.get(POLICY_LOG_ID, desc=True, limit=1)), None)
        except Exception:
            # Re-read only to notice another process's adoption: with the store failing,
            # the last policy known stands, and the call's own reads meet the fault and
            # report it as they always have.
            if cached is None:
                raise
            self._policy = (now, cached[1], cached[2])
            return cached[2]
        version = last.originator_version if last else 0
        if cached is not None and cached[1] == version:
            self._policy = (now, version, cached[2])
            return cached[2]
        live = rules.DEFAULT if last is None else policy_files.parse(last.text)
        self._policy = (now, version, live)
        return live

    def live_policy_version(self) -> tuple[int, rules.Policy]:
        """(how many adoptions the live policy follows, the live policy): the read models
        record the first to know which rules their rows were derived under."""
        live = self.live_policy()
        return self._policy[1], live

    def policy_at(self, version: int) -> rules.Policy:
        """The policy live after `version` adoptions (0: the shipped one)."""
        if version == 0:
            return rules.DEFAULT
        return policy_files.parse(self.adopted_policies()[version - 1].text)

    def adopted_policies(self, known_at: datetime | None = None) -> list[PolicyAdopted]:
        """Every adoption, oldest first (those recorded by `known_at`, when given)."""
        return [e for e in self.events.get(POLICY_LOG_ID)
                if known_at is None or e.timestamp <= known_at]

    def policy_known_at(self, known_at: datetime | None) -> rules.Policy:
        if known_at is None:
            return self.live_policy()
        adopted = self.adopted_policies(known_at)
        return policy_files.parse(adopted[-1].text) if adopted else rules.DEFAULT

    def adopt_policy(self, text: str, *, on: date, actor: str,
                     note: str | None = None) -> PolicyAdopted:
        """Make a policy file the live policy from now on; refused (nothing recorded) when
        the file is bad or would re-judge fees already paid."""
        try:
            proposal = policy_files.parse(text)
        except policy_files.PolicyFileError as error:
            raise invalid(f"the policy file is refused: {error}") from None
        adopted = self.adopted_policies()
        live = policy_files.parse(adopted[-1].text) if adopted else rules.DEFAULT
        check_adoption(live, proposal, on, adopted)
        event = PolicyAdopted(
            originator_id=POLICY_LOG_ID, originator_version=len(adopted) + 1,
            timestamp=PolicyAdopted.create_timestamp(), version=proposal.version,
            sha256=policy_files.content_hash(text), text=text, adopted_on=on, actor=actor,
            note=note)
        try:
            self.save(event)
        except IntegrityError:
            raise DomainError("CONFLICT", "another policy was adopted meanwhile; "
                                          "check it and try again") from None
        self._policy = None
        return event

    def _stage(self, uow: UnitOfWork, holder: Holder, *register_events) -> list:
        return uow.stage(holder, list(holder.collect_events()), register_events)

    # -- the scheduler's writes -------------------------------------------------------------

    def sweep_holders(self, aggregate_ids: list[UUID], as_of: date, actor: str = SCHEDULER,
                      on_saved: Callable[[list[Holder]], None] | None = None) -> list:
        """Record the due scheduler facts of a batch of holders in one transaction (commits
        dominate the cost), the holders read together (`load_holders`); if a concurrent
        writer wins a race (the save checks the versions read), redo them one by one.
        `on_saved`: given the batch's holders, as saved, once their save succeeded."""
        with rules.applying(self.live_policy()):
            holders = self.load_holders(aggregate_ids)
        uow = UnitOfWork(self)
        for holder in holders:
            holder.sweep(as_of, actor)
            self._stage(uow, holder)
        try:
            saved = uow.commit()
            if on_saved is not None:
                on_saved(holders)
            return saved
        except IntegrityError:
            log.info("sweep.batch_conflict", holders=len(aggregate_ids))
            return [e for i in aggregate_ids for e in self.sweep_holder(i, as_of, actor)]

    def sweep_holder(self, aggregate_id: UUID, as_of: date, actor: str = SCHEDULER) -> list:
        """One holder's due scheduler facts, recorded once even when sweeps race."""
        for attempt in range(RETRIES):
            uow = UnitOfWork(self)
            with rules.applying(self.live_policy()):
                holder = uow.holder(aggregate_id)
            holder.sweep(as_of, actor)
            self._stage(uow, holder)
            try:
                return uow.commit()
            except IntegrityError:
                log.info("sweep.conflict", holder=holder.state.number)
                back_off(attempt)
        raise DomainError("CONFLICT", "another write to the same holder won; safe to retry")

    # -- reads ------------------------------------------------------------------------------

    def find(self, number: str, uow: UnitOfWork | None = None) -> Holder | None:
        """The holder of an office number as `uow` sees it (or as stored), or None."""
        return (uow or UnitOfWork(self)).holder(holder_id(number))

    def holder(self, number: str, uow: UnitOfWork | None = None) -> Holder:
        holder = self.find(number, uow)
        if holder is None:
            raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
        return holder

    def unmatched_transfer(self, bank_reference: str):
        """The unmatched-queue entry of a bank reference, or None."""
        log = UnitOfWork(self).register_log(registers.bank_reference_id(bank_reference))
        return next((e for e in log if isinstance(e, registers.TransferUnmatched)), None)

    def load_holders(self, aggregate_ids: list[UUID]) -> list[Holder]:
        """The current holders of many ids, read in two queries per chunk of ids (not two
        per holder); one per distinct id, in order. An unknown id raises
        AggregateNotFoundError, as `repository.get` does."""
        return batch_load.load_holders(self, aggregate_ids)

    def holder_numbers(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, str]:
        """The office holder number of each aggregate id (ids are uuid5 of the number, so
        the number is read back from the holder's first event)."""
        return batch_load.holder_numbers(self, aggregate_ids)

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

    def status(self, number: str, as_of: date, known_at: datetime | None = None) -> dict:
        """What was true on `as_of` (as recorded by `known_at`, when given)."""
        with rules.applying(self.policy_known_at(known_at)):
            holder = self.holder(number)
            return status_object(holder, lambda: self.events.get(holder.id), as_of, known_at)

    def history(self, number: str) -> dict:
        events = list(self.events.get(holder_id(number)))
        if not events:
            raise DomainError("UNKNOWN_HOLDER", f"there is no holder {number}")
        return {"holder": number, "events": [contract.event_entry(e) for e in events]}
