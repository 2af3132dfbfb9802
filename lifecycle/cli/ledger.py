"""`lifecycle ledger catch-up|checkpoint|export-checkpoint` and `lifecycle verify`: the
tamper-evident ledger (lifecycle.ledger; docs/ledger.md) from the command line.

`verify` exits 0 only when the store, the ledger and every checkpoint agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from aggregates.errors import DomainError
from lifecycle.cli.common import application, read_engine, refuse
from lifecycle.cli.keys import load_ring
from lifecycle.keys import KeyRing, KeyRingError, key_directory
from lifecycle.ledger import audit, checkpoints, proofs
from lifecycle.ledger.projection import Ledger
from lifecycle.ledger.service import catch_up, checkpoint_now


def _store(ctx: click.Context):
    """The event store's recorder and the read database the ledger lives in."""
    return application(ctx).recorder, read_engine(ctx)


@click.group("ledger")
def ledger() -> None:
    """The Merkle tree over the event log, and its signed checkpoints."""


@ledger.command("catch-up")
@click.pass_context
def catch_up_command(ctx: click.Context) -> None:
    """Hash every event not yet in the ledger."""
    recorder, engine = _store(ctx)
    book = Ledger(recorder, engine)
    appended = catch_up(book)
    state = book.state()
    click.echo(json.dumps({"appended": appended, "tree_size": state.tree_size,
                           "root_hash": state.root().hex()}))


@ledger.command("checkpoint")
@click.option("--json", "as_json", is_flag=True, help="Print the checkpoint as exported.")
@click.pass_context
def checkpoint(ctx: click.Context, as_json: bool) -> None:
    """Catch up, then sign and record the tree's size and root with the active key."""
    ring = load_ring(ctx)
    recorder, engine = _store(ctx)
    signed = checkpoint_now(recorder, engine, ring)
    if as_json:
        click.echo(json.dumps(signed.to_json(ring), indent=2))
    else:
        click.echo(f"checkpoint: {signed.tree_size} events, root {signed.root_hash.hex()}, "
                   f"key {signed.key_id}")


@ledger.command("export-checkpoint")
@click.option("--all", "every", is_flag=True, help="Every recorded checkpoint, oldest first.")
@click.pass_context
def export_checkpoint(ctx: click.Context, every: bool) -> None:
    """The latest signed checkpoint as JSON, for an auditor to keep."""
    recorder, engine = _store(ctx)
    Ledger(recorder, engine)  # its tables, on a store that never had a ledger
    ring = _ring_or_empty(ctx)
    recorded = checkpoints.recorded(engine)
    if not recorded:
        raise click.UsageError("no checkpoint yet: run `lifecycle ledger checkpoint`")
    if every:
        click.echo(json.dumps([c.to_json(ring) for c in recorded], indent=2))
    else:
        click.echo(json.dumps(recorded[-1].to_json(ring), indent=2))


@ledger.command("prove-consistency")
@click.option("--from", "old_file", required=True,
              type=click.Path(exists=True, dir_okay=False),
              help="The older checkpoint an auditor kept.")
@click.option("--to", "new_file", type=click.Path(exists=True, dir_okay=False),
              help="A newer checkpoint (default: the latest recorded).")
@click.pass_context
def prove_consistency(ctx: click.Context, old_file: str, new_file: str | None) -> None:
    """Prove that the older checkpoint's tree is a prefix of the newer one's (JSON)."""
    recorder, engine = _store(ctx)
    Ledger(recorder, engine)
    ring = _ring_or_empty(ctx)
    old = _read_checkpoint(old_file)
    if new_file is not None:
        new = _read_checkpoint(new_file)
    else:
        recorded = [c for c in checkpoints.recorded(engine) if checkpoints.check(c, ring) is None]
        if not recorded:
            refuse(DomainError("INVALID_INPUT", "no checkpoint signed by one of the body's "
                               "keys: run `lifecycle ledger checkpoint`"))
        new = recorded[-1]
    try:
        proof = proofs.consistency_proof(recorder, old, new, ring)
    except DomainError as error:
        refuse(error)
    click.echo(json.dumps(proof, indent=2))
    sys.exit(0 if proof["store_matches_checkpoint"] else 1)


@click.command("verify")
@click.option("--holder", help="Print an inclusion proof of this holder's events instead.")
@click.option("--checkpoint", "files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A checkpoint an auditor kept (export-checkpoint); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def verify(ctx: click.Context, holder: str | None, files: tuple[str, ...], as_json: bool
           ) -> None:
    """Recompute the ledger from the event store and check every signed checkpoint; name the
    first event altered, removed or inserted behind the engine's back."""
    recorder, engine = _store(ctx)
    Ledger(recorder, engine)
    ring = _ring_or_empty(ctx)
    kept = [_read_checkpoint(path) for path in files]
    if holder is not None:
        _prove(recorder, engine, ring, holder, kept)
        return
    report = audit.verify(recorder, engine, ring, kept)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report)
    sys.exit(0 if report.ok else 1)


def _prove(recorder, engine, ring: KeyRing, holder: str, kept: list) -> None:
    candidates = kept or checkpoints.recorded(engine)
    good = [c for c in candidates if checkpoints.check(c, ring) is None]
    if not good:
        refuse(DomainError("INVALID_INPUT", "no checkpoint signed by one of the body's keys: "
                            "run `lifecycle ledger checkpoint`"))
    latest = max(good, key=lambda c: c.tree_size)
    try:
        proof = proofs.holder_proof(recorder, holder, latest, ring)
    except DomainError as error:
        refuse(error)
    click.echo(json.dumps(proof, indent=2))
    sys.exit(0 if proof["store_matches_checkpoint"] else 1)


def _ring_or_empty(ctx: click.Context) -> KeyRing:
    """The body's keys; without a key directory, a ring that knows no key (so every
    checkpoint is refused, as it must be when nothing can check it)."""
    try:
        return KeyRing.load(key_directory(ctx.obj))
    except KeyRingError:
        return KeyRing(key_directory(ctx.obj), "", {})


def _read_checkpoint(path: str) -> checkpoints.Checkpoint:
    try:
        return checkpoints.Checkpoint.from_json(json.loads(Path(path).read_text()), path)
    except (ValueError, checkpoints.CheckpointError) as error:
        raise click.UsageError(str(error)) from None


def _print_report(report: audit.Report) -> None:
    verdict = "verified" if report.ok else "FAILED"
    click.echo(f"{verdict}: {report.events_in_store} events in the store, "
               f"{report.ledger_size} in the ledger, {report.not_yet_in_ledger} not yet hashed")
    if report.first is not None:
        click.echo(f"first discrepancy: {report.first.sentence()}")
    for result in report.checkpoints:
        c = result.checkpoint
        mark = "ok" if result.problem is None else "FAIL"
        click.echo(f"  {mark}  {c.source}: {c.tree_size} events, key {c.key_id}"
                   + (f" — {result.problem}" if result.problem else ""))
    if not report.checkpoints:
        click.echo("  no checkpoint yet: only the ledger's own leaves were compared")


def register(main: click.Group) -> None:
    main.add_command(ledger)
    main.add_command(verify)
