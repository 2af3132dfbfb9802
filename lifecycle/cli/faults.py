"""The command line's answer to an infrastructure fault: one line, exit status 3.

Whatever command is running (and `serve` or `scheduler` starting up), an unreachable or
unopenable database, a full disk, a read-only file or a lost connection ends it with one
line on stderr that says what failed and what to do (lifecycle.faults), and the exit status
`EXIT_FAULT` (3; 1 is a refused command, 2 a usage error). The traceback is logged only
with LIFECYCLE_LOG_LEVEL=DEBUG. Any other exception is a bug and stays as it is.
"""

from __future__ import annotations

import click
import structlog

from lifecycle.faults import EXIT_FAULT, diagnose, password_of, store_fault, store_name
from lifecycle.settings import Settings

log = structlog.get_logger("lifecycle.cli")


class FaultReportingGroup(click.Group):
    """A click group that turns an infrastructure fault in any subcommand into one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as error:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else None
            fault = store_fault(error, _passwords(settings))
            if fault is None:
                raise
            if settings is not None:
                fault = diagnose(fault, settings.database_url)
            if settings is not None and (settings.log_level or "").upper() == "DEBUG":
                log.debug("cli.store_fault", kind=fault.kind, exc_info=True)
            click.echo(f"lifecycle: {fault.sentence(_stores(settings))}", err=True)
            ctx.exit(EXIT_FAULT)


def _stores(settings: Settings | None) -> str:
    if settings is None:
        return "the database"
    event_store = store_name(settings.database_url)
    read = settings.read_database_url
    if read and read != settings.database_url:
        return f"{event_store} or the read models' {store_name(read)}"
    return event_store


def _passwords(settings: Settings | None) -> list[str | None]:
    if settings is None:
        return []
    return [password_of(settings.database_url), password_of(settings.read_database_url or "")]
