"""The command line's root turns a connection lost mid-command into one line, exit 3; a
bug is not a fault and keeps its traceback."""

from __future__ import annotations

import click
import psycopg
from click.testing import CliRunner
from eventsourcing.persistence import OperationalError

from lifecycle.cli.faults import FaultReportingGroup
from lifecycle.faults import EXIT_FAULT
from lifecycle.settings import Settings


def _group(error: Exception) -> click.Group:
    @click.group(cls=FaultReportingGroup)
    @click.pass_context
    def main(ctx):
        ctx.obj = Settings(database_url="postgresql://clerk:pw-9f2@db:5432/office")

    @main.command()
    def work():
        try:
            raise error
        except Exception as cause:
            raise OperationalError(str(cause)) from cause

    return main


def test_a_lost_connection_is_one_line_saying_the_outcome_may_be_unknown():
    lost = psycopg.OperationalError("consuming input failed: server closed the connection "
                                    "unexpectedly\n\tThis probably means the server terminated")
    result = CliRunner().invoke(_group(lost), ["work"])
    assert result.exit_code == EXIT_FAULT
    assert result.output.strip() == (
        "lifecycle: lost the connection to PostgreSQL at db:5432/office (consuming input "
        "failed: server closed the connection unexpectedly): try again once the database "
        "answers; a command whose result was not printed may or may not have been recorded "
        "(`lifecycle history` shows which)")


def test_a_bug_is_not_reported_as_a_fault():
    result = CliRunner().invoke(_group(KeyError("bug")), ["work"])
    assert result.exit_code == 1
    assert isinstance(result.exception, OperationalError)
    assert "lifecycle:" not in result.output
