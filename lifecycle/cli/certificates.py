"""`lifecycle certificates print`: 認定証 as PDF, one certificate or a fiscal year's batch.

The certificates come from the read models (caught up first, so a certification just
recorded is printable at once).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from aggregates.errors import DomainError
from lifecycle import bootstrap
from lifecycle.cli.common import application, read_engine, refuse
from lifecycle.documents.certificates import (
    Certificate,
    render_certificate,
    render_certificates,
)
from lifecycle.documents.pdf import FontMissingError
from projections import certificates as rows
from projections.queries import fiscal_year_bounds
from projections.runner import Runner


@click.group("certificates")
def certificates() -> None:
    """認定証 (certificates) as PDF."""


@certificates.command("print")
@click.argument("number", required=False)
@click.option("--period", type=int, help="0: the first certification, n: the n-th renewal; "
              "default the latest granted period.")
@click.option("--renewed-in-fiscal-year", type=int, metavar="YEAR",
              help="Every renewal decided in fiscal year YEAR (to deliver by 認定更新日).")
@click.option("--certified-in-fiscal-year", type=int, metavar="YEAR",
              help="Every first certification decided in fiscal year YEAR.")
@click.option("--merged", is_flag=True, help="A batch as one PDF (for the printer), not a "
              "directory of one file per certificate.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="FILE.pdf for one certificate or --merged; a directory for a batch.")
@click.pass_context
def print_(ctx: click.Context, number: str | None, period: int | None,
           renewed_in_fiscal_year: int | None, certified_in_fiscal_year: int | None,
           merged: bool, output: Path) -> None:
    """Print the certificate of NUMBER, or a batch of a fiscal year's certificates."""
    years = [y for y in (renewed_in_fiscal_year, certified_in_fiscal_year) if y is not None]
    if (number is None) == (not years) or len(years) > 1:
        raise click.UsageError("give a certification NUMBER, or one of "
                               "--renewed-in-fiscal-year / --certified-in-fiscal-year")
    settings = ctx.obj
    engine = _caught_up_engine(ctx)
    style = {"body_name": settings.body_name, "templates_dir": settings.templates_dir}
    try:
        if number is not None:
            certificate = _one(engine, number, period)
            output.write_bytes(render_certificate(certificate, **style))
            click.echo(json.dumps({"printed": 1, "output": str(output)}))
            return
        first, last = fiscal_year_bounds(years[0])
        found = (Certificate.from_row(r) for r in rows.granted_between(
            engine, first, last, renewals=renewed_in_fiscal_year is not None))
        printed = _batch(found, output, merged, style)
    except FontMissingError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps({"printed": printed, "output": str(output)}))


def _one(engine, number: str, period: int | None) -> Certificate:
    periods = rows.periods_of(engine, number)
    if period is not None:
        periods = [p for p in periods if p.period_no == period]
    if not periods:
        what = number if period is None else f"{number} period {period}"
        refuse(DomainError("NOT_CERTIFIED", f"no certificate {what} on record"))
    return Certificate.from_row(periods[-1])


def _batch(found, output: Path, merged: bool, style: dict) -> int:
    if merged:
        batch = list(found)
        if batch:
            output.write_bytes(render_certificates(batch, **style))
        return len(batch)
    output.mkdir(parents=True, exist_ok=True)
    printed = 0
    for certificate in found:  # one at a time: memory stays flat however long the batch
        (output / certificate.file_name).write_bytes(render_certificate(certificate, **style))
        printed += 1
    return printed


def _caught_up_engine(ctx: click.Context):
    """The read database, caught up first: a certification just recorded is printable."""
    engine = read_engine(ctx)
    bootstrap.catch_up(Runner(application(ctx), engine))
    return engine


def register(main: click.Group) -> None:
    main.add_command(certificates)
