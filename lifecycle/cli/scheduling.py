"""`lifecycle sweep` (one scheduler pass) and `lifecycle scheduler` (the long-running one)."""

from __future__ import annotations

import threading
from dataclasses import replace

import click

from lifecycle import bootstrap, logs
from lifecycle.cli.common import application, day, dump
from projections.store_faults import store_name
from schedulers import service
from schedulers.daily import daily_run
from schedulers.outage import Backoff


@click.command()
@click.option("--as-of", help="Sweep up to this business date; default today in Asia/Tokyo.")
@click.option("--batch-size", default=500, show_default=True, help="Holders per transaction.")
@click.option("--jobs", type=click.IntRange(1, 16),
              help="Worker processes when more than a batch per worker is due "
                   "(default LIFECYCLE_SWEEP_JOBS, else one per core, at most 4).")
@click.pass_context
def sweep(ctx: click.Context, as_of: str | None, batch_size: int, jobs: int | None) -> None:
    """One scheduler pass: record windows opened, lapses and expired pass reports (idempotent)."""
    on = day(as_of, "--as-of")
    if jobs is not None:
        root = ctx.find_root()
        root.obj = replace(root.obj, sweep_jobs=jobs)
    app = application(ctx, batch_size=batch_size)
    report = daily_run(bootstrap.runtime(app), on)
    click.echo(dump(report.to_dict()))


@click.command()
@click.option("--catch-up-every", default=5.0, show_default=True, metavar="SECONDS",
              help="How often the read models are caught up between sweeps.")
@click.option("--max-retry-pause", default=30.0, show_default=True, metavar="SECONDS",
              help="Longest pause between attempts while the database is down.")
@click.pass_context
def scheduler(ctx: click.Context, catch_up_every: float, max_retry_pause: float) -> None:
    """The long-running scheduler: a daily sweep after midnight (Asia/Tokyo), read models kept
    caught up; a second instance waits as a hot standby. Stop with SIGTERM.

    A database outage does not stop it: it retries (pauses doubling from 0.5 s), logs one
    warning per outage, and once the database is back leads again and sweeps."""
    settings = ctx.obj
    logs.configure(settings.log_level or "INFO", settings.log_format)

    def make_runtime():  # inside the scheduler's retries: the database may be down now
        return bootstrap.runtime(application(ctx), relay=True)

    service.run(
        make_runtime, lock=bootstrap.leader_lock(settings),
        jobstore_engine=bootstrap.jobstore_engine(settings), stop=threading.Event(),
        catch_up_every=catch_up_every, jobstore_schema=settings.schema,
        store=store_name(settings.database_url),
        backoff=Backoff(first=min(0.5, max_retry_pause), cap=max_retry_pause),
    )
