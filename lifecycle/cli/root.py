"""The `lifecycle` group: `--db`, the settings of the invocation, and every command group."""

from __future__ import annotations

import click

from lifecycle import logs
from lifecycle.cli import (
    apply,
    certificates,
    credentials,
    demo,
    holders,
    keys,
    ledger,
    mail,
    office,
    payments,
    policy,
    read,
    scheduling,
    serve,
    users,
)
from lifecycle.cli.faults import FaultReportingGroup
from lifecycle.settings import Settings, SettingsError


@click.group(cls=FaultReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", metavar="URL",
              help="Event store URL (default $LIFECYCLE_DATABASE_URL or sqlite:///lifecycle.db).")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """The certification lifecycle engine."""
    try:
        ctx.obj = Settings.from_env(database_url=database_url)
    except SettingsError as error:
        logs.configure()
        raise click.UsageError(str(error)) from None
    logs.configure(ctx.obj.log_level, ctx.obj.log_format)


for command in (apply.apply, holders.status, holders.history, demo.demo, scheduling.sweep,
                scheduling.scheduler):
    main.add_command(command)
for group in (read, office, payments, serve, keys, ledger, certificates, mail, credentials,
              policy, users):
    group.register(main)
