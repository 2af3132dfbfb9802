"""`lifecycle apply FILE|-`: a .jsonl batch of SPEC §8 commands, one result per line."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from aggregates.errors import invalid
from lifecycle import contract
from lifecycle.application import LifecycleApplication
from lifecycle.cli.common import application, catch_up_after_writes, dump
from lifecycle.clock import today_in_tokyo

APPLY_BATCH = 200  # commands saved per transaction; each still succeeds or fails alone


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8-sig"))
@click.pass_context
def apply(ctx: click.Context, source) -> None:
    """Run a .jsonl batch (FILE or - for stdin): one result JSON per line.

    A bad line fails alone; the exit status is 0 only if every line succeeded.
    """
    app = application(ctx)
    name = getattr(source, "name", "<stdin>")
    label = "stdin" if not isinstance(name, str) or name == "<stdin>" else Path(name).name
    today = today_in_tokyo()
    all_ok = True
    for chunk in _numbered_chunks(source, APPLY_BATCH):
        for result in run_chunk(app, chunk, label=label, today=today):
            all_ok = all_ok and result["ok"]
            click.echo(dump(result))
    catch_up_after_writes(ctx)
    sys.exit(0 if all_ok else 1)


def _numbered_chunks(source, size: int):
    chunk = []
    for number, line in enumerate(source, start=1):
        if line.strip():
            chunk.append((number, line))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_chunk(app: LifecycleApplication, chunk: list, *, label: str, today: date) -> list[dict]:
    """Parse the lines; run the valid ones as one batch; keep the results in line order."""
    results: dict[int, dict] = {}
    raws, actors, numbers = [], [], []
    for number, line in chunk:
        try:
            raws.append(json.loads(line))
        except json.JSONDecodeError as error:
            results[number] = contract.failed(
                invalid(f"{label}:{number} is not valid JSON: {error.msg}"))
            continue
        actors.append(f"{label}:{number}")
        numbers.append(number)
    results.update(zip(numbers, app.execute_many(raws, actors=actors, today=today),
                       strict=True))
    return [results[number] for number, _ in chunk]
