"""Taking a checkpoint: bring the ledger up to the log's head, then sign its size and root.

One function for `lifecycle ledger checkpoint` and for the scheduler's daily hook, which
must never stop the scheduler: without a signing key it logs and skips.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import structlog
from sqlalchemy import Engine

from lifecycle.keys import KeyRing, KeyRingError
from lifecycle.ledger import checkpoints
from lifecycle.ledger.projection import ConcurrentLedgerError, Ledger

log = structlog.get_logger("lifecycle.ledger")


def catch_up(ledger: Ledger) -> int:
    try:
        return ledger.catch_up()
    except ConcurrentLedgerError:  # another process appended first: go on from there
        return ledger.catch_up()


def checkpoint_now(recorder, engine: Engine, ring: KeyRing) -> checkpoints.Checkpoint:
    ledger = Ledger(recorder, engine)
    catch_up(ledger)
    state = ledger.state()
    checkpoint = checkpoints.sign(ring, state.tree_size, state.root())
    checkpoints.record(engine, checkpoint)
    log.info("ledger.checkpoint", tree_size=checkpoint.tree_size,
             root_hash=checkpoint.root_hash.hex(), key_id=checkpoint.key_id)
    return checkpoint


def daily_checkpointer(recorder, engine: Engine, key_dir: Path) -> Callable[[date], None]:
    """The scheduler's hook after each daily sweep."""

    def after_sweep(as_of: date) -> None:
        try:
            ring = KeyRing.load(key_dir)
        except KeyRingError as error:
            log.warning("ledger.checkpoint.skipped", as_of=as_of.isoformat(), reason=str(error))
            return
        try:
            checkpoint_now(recorder, engine, ring)
        except Exception:  # the sweep is done and recorded; the next day tries again
            log.exception("ledger.checkpoint.failed", as_of=as_of.isoformat())

    return after_sweep
