"""`lifecycle status` and `lifecycle history`: one holder, from the event store."""

from __future__ import annotations

import sys

import click

from aggregates.errors import DomainError
from lifecycle.cli import rendering
from lifecycle.cli.common import application, day, dump, moment, refuse


@click.command()
@click.argument("holder")
@click.option("--as-of", help="Business date (YYYY-MM-DD); default today in Asia/Tokyo.")
@click.option("--known-at", help="Ignore events recorded after this moment (ISO date-time; "
              "without an offset, Asia/Tokyo): what the records showed then.")
@click.option("--json", "as_json", is_flag=True, help="Print the status object of SPEC §8.")
@click.pass_context
def status(ctx: click.Context, holder: str, as_of: str | None, known_at: str | None,
           as_json: bool) -> None:
    """A holder's status on a date (as known at a recorded moment, with --known-at)."""
    on = day(as_of, "--as-of")
    at = moment(known_at) if known_at else None
    try:
        result = application(ctx).status(holder, on, known_at=at)
    except DomainError as error:
        refuse(error)
    if as_json:
        click.echo(dump(result, indent=2))
    else:
        rendering.print_status(result, on)


@click.command()
@click.argument("holder")
@click.option("--json", "as_json", is_flag=True, help="Print the history object of SPEC §8.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per event (data as JSON).")
@click.pass_context
def history(ctx: click.Context, holder: str, as_json: bool, as_csv: bool) -> None:
    """Every event of a holder, oldest first, with business date, recorded time and actor."""
    try:
        result = application(ctx).history(holder)
    except DomainError as error:
        refuse(error)
    if as_json:
        click.echo(dump(result, indent=2))
    elif as_csv:
        rendering.write_history_csv(result, sys.stdout)
    else:
        rendering.print_history(result)
