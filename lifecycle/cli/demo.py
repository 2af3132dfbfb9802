"""`lifecycle demo`: a realistic population on an empty store, then a summary."""

from __future__ import annotations

import secrets

import click
from rich.console import Console
from rich.progress import Progress

from lifecycle import bootstrap
from lifecycle.cli import rendering
from lifecycle.cli.common import application, day, read_engine
from lifecycle.demo import run as demo_runner
from lifecycle.demo.population import Population
from lifecycle.staff import Accounts


@click.command()
@click.option("--seed", default=1, show_default=True, help="Same seed, same population.")
@click.option("--holders", default=300, show_default=True)
@click.option("--until", help="Run the stories and daily sweeps up to this date; default today.")
@click.pass_context
def demo(ctx: click.Context, seed: int, holders: int, until: str | None) -> None:
    """Build a realistic population (issue dates 2015-2026) that walks every path of the rules,
    sweeping month by month, then print a summary and one holder's timeline."""
    on = day(until, "--until")
    app = application(ctx)
    if app.recorder.max_notification_id():
        raise click.UsageError(f"{ctx.obj.database_url} already holds events: the demo needs an "
                               "empty store (remove lifecycle.db or pass --db)")
    population = Population(seed, holders, on, ctx.obj.audit_rate, ctx.obj.audit_seed)
    with Progress(*Progress.get_default_columns(), console=Console(stderr=True)) as progress:
        task = progress.add_task("demo", total=None)
        outcomes = demo_runner.run(app, population, on_progress=lambda n, day: progress.update(
            task, advance=n, description=f"up to {day}"))
    bootstrap.runtime(app).catch_up()
    summary = demo_runner.summary(read_engine(ctx), on)
    rendering.print_summary(summary, on, outcomes)
    rendering.print_history(app.history(summary["timeline_holder"]))
    _demo_admin(ctx)


def _demo_admin(ctx: click.Context) -> None:
    """An administrator for the console, with a password made here and shown once (the store
    has no account yet: the demo's store is new)."""
    engine = bootstrap.open_staff_engine(ctx.obj)
    try:
        accounts = Accounts(engine)
        if accounts.count():
            return
        password = secrets.token_urlsafe(12)
        accounts.add("admin", "admin", password, by="demo")
    finally:
        engine.dispose()
    click.echo("\nOffice console: `lifecycle serve`, then open http://127.0.0.1:8000/console/\n"
               f"  log in as admin with the one-time password {password}\n"
               "  then add staff (`lifecycle users add NAME --role clerk`) and change it "
               "(`lifecycle users passwd admin`).")
