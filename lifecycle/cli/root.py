"""The command line of SPEC §8: `lifecycle [--db URL] apply|status|history|sweep`.

This module is the composition root: it builds the application from the settings and hands
it to what needs it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import click
import structlog
from rich.console import Console
from rich.progress import Progress

from aggregates.errors import DomainError, invalid
from lifecycle import bootstrap as wiring
from lifecycle import contract, logs
from lifecycle.application import LifecycleApplication
from lifecycle.cli import certificates as cli_certificates
from lifecycle.cli import mail as cli_mail
from lifecycle.cli import rendering as tables
from lifecycle.cli import serve as cli_serve
from lifecycle.cli.office import register as register_office
from lifecycle.cli.payments import register as register_payments
from lifecycle.cli.read import catch_up_after_apply, open_read_engine, register
from lifecycle.clock import TOKYO, today_in_tokyo
from lifecycle.commands import parse_date
from lifecycle.demo import run as demo_runner
from lifecycle.demo.population import Population
from lifecycle.settings import Settings, SettingsError
from schedulers import service
from schedulers.daily import daily_run

log = structlog.get_logger("lifecycle.cli")


def _dump(obj: object, *, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", metavar="URL",
              help="Event store URL (default $LIFECYCLE_DATABASE_URL or sqlite:///lifecycle.db).")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """The certification lifecycle engine."""
    logs.configure()
    try:
        ctx.obj = Settings.from_env(database_url=database_url)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def _application(ctx: click.Context) -> LifecycleApplication:
    try:
        app = LifecycleApplication(ctx.obj)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    ctx.call_on_close(app.close)
    return app


def _refuse(error: DomainError) -> None:
    click.echo(_dump(contract.failed(error)))
    sys.exit(1)


def _day(value: str | None, what: str) -> date:
    if value is None:
        return today_in_tokyo()
    try:
        return parse_date(value, what)
    except DomainError as error:
        _refuse(error)


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8-sig"))
@click.pass_context
def apply(ctx: click.Context, source) -> None:
    """Run a .jsonl batch (FILE or - for stdin): one result JSON per line.

    A bad line fails alone; the exit status is 0 only if every line succeeded.
    """
    app = _application(ctx)
    wiring.runtime(app, ctx.obj)  # a `sweep` line finds due holders in the read models
    name = getattr(source, "name", "<stdin>")
    label = "stdin" if not isinstance(name, str) or name == "<stdin>" else Path(name).name
    today = today_in_tokyo()
    all_ok = True
    for chunk in _numbered_chunks(source, APPLY_BATCH):
        results = _run_chunk(app, chunk, label=label, today=today)
        for result in results:
            all_ok = all_ok and result["ok"]
            click.echo(_dump(result))
    catch_up_after_apply(app, ctx.obj)
    sys.exit(0 if all_ok else 1)


APPLY_BATCH = 200  # commands saved per transaction; each still succeeds or fails alone


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


def _run_chunk(app: LifecycleApplication, chunk: list, *, label: str, today: date) -> list[dict]:
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
    try:
        ran = app.execute_many(raws, actors=actors, today=today)
    except Exception:  # a bug must not take the rest of the file with it: go line by line
        log.exception("batch.crashed", first_line=chunk[0][0])
        pairs = zip(raws, actors, strict=True)
        ran = [_run_one(app, raw, actor=actor, today=today) for raw, actor in pairs]
    results.update(zip(numbers, ran, strict=True))
    return [results[number] for number, _ in chunk]


def _run_one(app: LifecycleApplication, raw: object, *, actor: str, today: date) -> dict:
    try:
        return app.execute(raw, actor=actor, today=today)
    except Exception:
        log.exception("command.crashed", actor=actor)
        return {"ok": False, "error": {"code": "INTERNAL_ERROR",
                                       "message": f"{actor} could not be processed; see the log"}}


@main.command()
@click.argument("holder")
@click.option("--as-of", help="Business date (YYYY-MM-DD); default today in Asia/Tokyo.")
@click.option("--known-at", help="Ignore events recorded after this moment (ISO date-time; "
              "without an offset, Asia/Tokyo): what the records showed then.")
@click.option("--json", "as_json", is_flag=True, help="Print the status object of SPEC §8.")
@click.pass_context
def status(ctx: click.Context, holder: str, as_of: str | None, known_at: str | None,
           as_json: bool) -> None:
    """A holder's status on a date (as known at a recorded moment, with --known-at)."""
    on = _day(as_of, "--as-of")
    moment = _moment(known_at) if known_at else None
    app = _application(ctx)
    try:
        result = app.status(holder, on, known_at=moment)
    except DomainError as error:
        _refuse(error)
    if as_json:
        click.echo(_dump(result, indent=2))
    else:
        tables.print_status(result, on)


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _refuse(invalid(f"--known-at must be an ISO date-time, not {value!r}"))
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)


@main.command()
@click.option("--seed", default=1, show_default=True, help="Same seed, same population.")
@click.option("--holders", default=300, show_default=True)
@click.option("--until", help="Run the stories and daily sweeps up to this date; default today.")
@click.pass_context
def demo(ctx: click.Context, seed: int, holders: int, until: str | None) -> None:
    """Build a realistic population (issue dates 2015-2026) that walks every path of the rules,
    sweeping month by month, then print a summary and one holder's timeline."""
    on = _day(until, "--until")
    app = _application(ctx)
    if app.recorder.max_notification_id():
        raise click.UsageError(f"{ctx.obj.database_url} already holds events: the demo needs an "
                               "empty store (remove lifecycle.db or pass --db)")
    population = Population(seed, holders, on, ctx.obj.audit_rate, ctx.obj.audit_seed)
    runtime = wiring.runtime(app, ctx.obj)  # monthly sweeps find due holders in read models
    with Progress(*Progress.get_default_columns(), console=Console(stderr=True)) as progress:
        task = progress.add_task("demo", total=None)
        outcomes = demo_runner.run(app, population, on_progress=lambda n, day: progress.update(
            task, advance=n, description=f"up to {day}"))
    runtime.catch_up()
    summary = demo_runner.summary(open_read_engine(ctx.obj), on)
    tables.print_summary(summary, on, outcomes)
    tables.print_history(app.history(summary["timeline_holder"]))


@main.command()
@click.argument("holder")
@click.option("--json", "as_json", is_flag=True, help="Print the history object of SPEC §8.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per event (data as JSON).")
@click.pass_context
def history(ctx: click.Context, holder: str, as_json: bool, as_csv: bool) -> None:
    """Every event of a holder, oldest first, with business date, recorded time and actor."""
    app = _application(ctx)
    try:
        result = app.history(holder)
    except DomainError as error:
        _refuse(error)
    if as_json:
        click.echo(_dump(result, indent=2))
    elif as_csv:
        tables.write_history_csv(result, sys.stdout)
    else:
        tables.print_history(result)


@main.command()
@click.option("--as-of", help="Sweep up to this business date; default today in Asia/Tokyo.")
@click.option("--batch-size", default=500, show_default=True, help="Holders per transaction.")
@click.pass_context
def sweep(ctx: click.Context, as_of: str | None, batch_size: int) -> None:
    """One scheduler pass: record windows opened, lapses and expired pass reports (idempotent)."""
    on = _day(as_of, "--as-of")
    app = _application(ctx)
    report = daily_run(wiring.runtime(app, ctx.obj, batch_size=batch_size), on)
    click.echo(_dump(report.to_dict()))


@main.command()
@click.option("--catch-up-every", default=5.0, show_default=True, metavar="SECONDS",
              help="How often the read models are caught up between sweeps.")
@click.pass_context
def scheduler(ctx: click.Context, catch_up_every: float) -> None:
    """The long-running scheduler: a daily sweep after midnight (Asia/Tokyo), read models kept
    caught up; a second instance waits as a hot standby. Stop with SIGTERM."""
    logs.configure(level=os.environ.get("LIFECYCLE_LOG_LEVEL", "INFO"))
    settings = ctx.obj
    app = _application(ctx)
    service.run(
        wiring.runtime(app, settings, relay=True), lock=wiring.leader_lock(settings),
        jobstore_engine=wiring.jobstore_engine(settings), stop=threading.Event(),
        catch_up_every=catch_up_every, jobstore_schema=settings.schema,
    )


register(main)
register_office(main)
register_payments(main)
cli_serve.register(main)
cli_certificates.register(main)
cli_mail.register(main)
