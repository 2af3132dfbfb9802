"""What every command group shares: the application and the read database of the
invocation (built once by the composition root, closed when the command ends), dates from
options, and printing results and refusals as SPEC §8's JSON."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import NoReturn

import click
import structlog
from sqlalchemy import Engine

from aggregates.errors import DomainError, invalid
from lifecycle import bootstrap, contract
from lifecycle.application import LifecycleApplication
from lifecycle.clock import TOKYO, today_in_tokyo
from lifecycle.commands import parse_date
from lifecycle.settings import SettingsError
from projections.runner import Runner

log = structlog.get_logger("lifecycle.cli")


def dump(obj: object, *, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent)


def application(ctx: click.Context, *, batch_size: int = bootstrap.SWEEP_BATCH
                ) -> LifecycleApplication:
    """The invocation's application (one per command, closed when it ends); `batch_size`:
    holders per transaction of a sweep."""
    root = ctx.find_root()
    app = root.meta.get("lifecycle.app")
    if app is None:
        try:
            app = bootstrap.open_application(root.obj, batch_size=batch_size)
        except SettingsError as error:
            raise click.UsageError(str(error)) from None
        root.meta["lifecycle.app"] = app
        root.call_on_close(app.close)
    return app


def read_engine(ctx: click.Context) -> Engine:
    """The invocation's read database."""
    root = ctx.find_root()
    engine = root.meta.get("lifecycle.read_engine")
    if engine is None:
        try:
            engine = bootstrap.open_read_engine(root.obj)
        except SettingsError as error:
            raise click.UsageError(str(error)) from None
        root.meta["lifecycle.read_engine"] = engine
        root.call_on_close(engine.dispose)
    return engine


def catch_up_after_writes(ctx: click.Context) -> None:
    """Read-your-writes: the read models include every event recorded so far.

    A follower running at the same time may apply the pages first; then this waits for
    nothing and just checks the position. A failure is reported, not raised: the results
    are already printed and recorded.
    """
    try:
        if bootstrap.catch_up(Runner(application(ctx), read_engine(ctx))):
            return
        click.echo("read models are behind; run `lifecycle projections catch-up`", err=True)
    except Exception:  # the writes stand; the read side can be caught up later
        log.exception("projections.catch_up_failed")
        click.echo("read models not caught up; run `lifecycle projections catch-up`", err=True)


def refuse(error: DomainError) -> NoReturn:
    click.echo(dump(contract.failed(error)))
    sys.exit(1)


def day(value: str | None, what: str) -> date:
    """A date option (default today in Asia/Tokyo); a bad one is refused as SPEC's JSON."""
    if value is None:
        return today_in_tokyo()
    try:
        return parse_date(value, what)
    except DomainError as error:
        refuse(error)


def day_option(value: str | None, what: str) -> date:
    """A date option of the read side (default today), a bad one a usage error."""
    if value is None:
        return today_in_tokyo()
    try:
        return parse_date(value, what)
    except DomainError as error:
        raise click.BadParameter(error.message) from None


def moment(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        refuse(invalid(f"--known-at must be an ISO date-time, not {value!r}"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TOKYO)
