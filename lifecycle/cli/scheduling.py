"""`lifecycle sweep` (one scheduler pass) and `lifecycle scheduler` (the long-running one)."""

from __future__ import annotations

import threading

import click

from lifecycle import bootstrap, logs
from lifecycle.cli.common import application, day, dump
from schedulers import service
from schedulers.daily import daily_run


@click.command()
@click.option("--as-of", help="Sweep up to this business date; default today in Asia/Tokyo.")
@click.option("--batch-size", default=500, show_default=True, help="Holders per transaction.")
@click.pass_context
def sweep(ctx: click.Context, as_of: str | None, batch_size: int) -> None:
    """One scheduler pass: record windows opened, lapses and expired pass reports (idempotent)."""
    on = day(as_of, "--as-of")
    app = application(ctx, batch_size=batch_size)
    report = daily_run(bootstrap.runtime(app), on)
    click.echo(dump(report.to_dict()))


@click.command()
@click.option("--catch-up-every", default=5.0, show_default=True, metavar="SECONDS",
              help="How often the read models are caught up between sweeps.")
@click.pass_context
def scheduler(ctx: click.Context, catch_up_every: float) -> None:
    """The long-running scheduler: a daily sweep after midnight (Asia/Tokyo), read models kept
    caught up; a second instance waits as a hot standby. Stop with SIGTERM."""
    settings = ctx.obj
    logs.configure(settings.log_level or "INFO", settings.log_format)
    app = application(ctx)
    service.run(
        bootstrap.runtime(app), lock=bootstrap.leader_lock(settings),
        jobstore_engine=bootstrap.jobstore_engine(settings), stop=threading.Event(),
        catch_up_every=catch_up_every, jobstore_schema=settings.schema,
    )
