"""`lifecycle apply FILE|-`: a .jsonl batch of SPEC §8 commands, one result per line."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

import click

from aggregates.errors import DomainError
from lifecycle import contract
from lifecycle.application import LifecycleApplication
from lifecycle.cli.common import application, catch_up_after_writes, dump
from lifecycle.clock import today_in_tokyo
from lifecycle.command_runner import BatchStopped
from lifecycle.commands import parse_json

APPLY_BATCH = 200  # commands saved per transaction; each still succeeds or fails alone


@click.command()
@click.argument("source", type=click.File("rb"))
@click.pass_context
def apply(ctx: click.Context, source) -> None:
    """Run a .jsonl batch (FILE or - for stdin): one result JSON per line.

    A bad line fails alone; the exit status is 0 only if every line succeeded. A summary
    (recorded, refused, failed) goes to stderr.
    """
    app = application(ctx)
    name = getattr(source, "name", "<stdin>")
    label = "stdin" if not isinstance(name, str) or name == "<stdin>" else Path(name).name
    today = today_in_tokyo()
    tally = Counter()
    for chunk in _numbered_chunks(source, APPLY_BATCH):
        try:
            results = run_chunk(app, chunk, label=label, today=today)
        except ChunkStopped as stopped:
            for result in stopped.results:
                click.echo(dump(result))
            click.echo(f"{label}:{stopped.line} and every line after it were not applied",
                       err=True)
            raise stopped.error  # noqa: B904 - its own cause names the fault (lifecycle.cli.faults)
        for result in results:
            tally[_outcome(result)] += 1
            click.echo(dump(result))
    catch_up_after_writes(ctx)
    click.echo(f"{label}: {sum(tally.values())} lines: {tally['recorded']} recorded, "
               f"{tally['refused']} refused, {tally['failed']} failed", err=True)
    sys.exit(0 if tally["recorded"] == sum(tally.values()) else 1)


def _outcome(result: dict) -> str:
    """recorded (ok, events or not), refused (a SPEC code), failed (INTERNAL_ERROR)."""
    if result["ok"]:
        return "recorded"
    return "failed" if result["error"]["code"] == "INTERNAL_ERROR" else "refused"


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
            raws.append(parse_json(line, f"{label}:{number}"))
        except DomainError as error:
            results[number] = contract.failed(error)
            continue
        actors.append(f"{label}:{number}")
        numbers.append(number)
    try:
        ran = app.execute_many(raws, actors=actors, today=today)
    except BatchStopped as stopped:
        first = numbers[len(stopped.results)]
        results.update(zip(numbers, stopped.results, strict=False))
        raise ChunkStopped([results[n] for n, _ in chunk if n < first], first,
                           stopped.error) from None
    results.update(zip(numbers, ran, strict=True))
    return [results[number] for number, _ in chunk]


class ChunkStopped(Exception):
    """The store failed: the results of the lines before `line`, which were applied."""

    def __init__(self, results: list[dict], line: int, error: BaseException):
        super().__init__(str(error))
        self.results, self.line, self.error = results, line, error
