"""The office's daily commands: `lifecycle import ...` and `lifecycle export ...`.

`register(main)` adds them to the `lifecycle` group. Each import row becomes one command with
actor `<file name>:<line>`; rows are saved in chunks; the report lists the rejected rows and
the exit status is 1 when any row was rejected (2 when the file itself cannot be read).
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from aggregates import qualifications
from aggregates.errors import DomainError
from lifecycle import exports
from lifecycle.cli.common import application, catch_up_after_writes, read_engine
from lifecycle.clock import today_in_tokyo
from lifecycle.commands import parse_date
from lifecycle.imports import KINDS, report
from lifecycle.imports.reading import ImportFileError
from lifecycle.imports.running import REJECTED, run
from projections.status_sql import STATUSES

PROGRESS_FROM = 1000  # rows; smaller files finish before a bar would tell anything


class FileRefused(click.ClickException):
    exit_code = 2


def _progress(total: int):
    if total < PROGRESS_FROM:
        return nullcontext(None)
    return Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True))


def _import(ctx: click.Context, kind_name: str, path: Path, encoding: str | None,
            dry_run: bool, as_json: bool, report_file: Path | None) -> None:
    kind = KINDS[kind_name]()
    try:
        rows, used = kind.read(path, encoding)
    except (ImportFileError, OSError) as error:
        raise FileRefused(f"{path.name}: {error}; nothing was imported") from None
    app = application(ctx)
    with _progress(len(rows)) as bar:
        task = bar.add_task("import", total=len(rows)) if bar else None

        def advance(n: int) -> None:
            if bar is not None:
                bar.update(task, advance=n)

        outcomes = run(app, kind, rows, today=today_in_tokyo(), dry_run=dry_run,
                       on_progress=advance)
    if not dry_run:
        catch_up_after_writes(ctx)  # exports and queries see the import at once
    result = report.to_dict(kind_name, path.name, used, outcomes, dry_run)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        report.print_report(result)
    if report_file is not None:
        report.write_rows_csv(result, report_file)
    sys.exit(1 if any(o.kind == REJECTED for o in outcomes) else 0)


def _import_command(kind_name: str, source_help: str, doc: str):
    @click.argument("source", type=click.Path(exists=True, path_type=Path),
                    metavar=source_help)
    @click.option("--encoding", help="The file's encoding (utf-8, utf-8-sig, cp932, "
                  "shift_jis, ...); default: detected (UTF-8 with or without BOM, else CP932).")
    @click.option("--dry-run", is_flag=True, help="Check every row's shape; record nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
    @click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the rejected and unmatched rows to this CSV file.")
    @click.pass_context
    def command(ctx, source, encoding, dry_run, as_json, report_file):
        _import(ctx, kind_name, source, encoding, dry_run, as_json, report_file)

    command.__doc__ = doc
    return import_group.command(kind_name)(command)


@click.group("import")
def import_group() -> None:
    """Import office files: each row one command, actor FILE:LINE (docs/imports.md)."""


_import_command("exam-results", "FILE.csv",
                "Exam passes (record_exam_pass per row): holder, qualification, pass_number, "
                "issued_on, name, name_kana, email.")
_import_command("applications", "FILE.json|DIR",
                "Applications (file_application per object): a JSON object or list, or every "
                "*.json of a directory in name order.")
_import_command("cpd", "FILE.csv",
                "CPD entries (log_cpd per row): holder, entry_id, category, field, "
                "activity_on, hours, title, provider, on.")
_import_command("bank-statement", "FILE.csv",
                "A bank statement (record_transfer per row): bank_reference, paid_on, amount, "
                "payer_name. Unmatched transfers go to the unmatched queue.")


@click.group("export")
def export_group() -> None:
    """Lists for mailing and reporting, from the read models."""


@export_group.command("credentials")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--as-of", help="Statuses on this date (YYYY-MM-DD); default today in Tokyo.")
@click.option("--qualification", type=click.Choice(qualifications.ALL))
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv",
              show_default=True)
@click.option("--encoding", type=click.Choice(("utf-8-sig", "cp932")), default="utf-8-sig",
              show_default=True, help="CSV only: UTF-8 with BOM, or CP932 (Shift_JIS).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@click.pass_context
def export_credentials(ctx, status, as_of, qualification, fmt, encoding, output) -> None:
    """Holder × qualification: number, name, kana, e-mail, status, certification number,
    period, renewal window and CPD counted."""
    try:
        on = parse_date(as_of, "--as-of") if as_of else today_in_tokyo()
    except DomainError as error:
        raise click.BadParameter(error.message) from None
    catch_up_after_writes(ctx)  # the list includes every event recorded so far
    engine = read_engine(ctx)
    ctx.call_on_close(engine.dispose)
    rows = exports.credential_rows(engine, as_of=on, status=status, qualification=qualification)
    encoding = encoding if fmt == "csv" else "utf-8"
    with _open_output(output, encoding) as out:
        if fmt == "json":
            filters = {"status": status, "qualification": qualification}
            count, replaced = exports.write_json(rows, out, as_of=on, filters=filters), []
        else:
            count, replaced = exports.write_csv(rows, out, encoding)
    if replaced:
        click.echo(f"{len(replaced)} rows had characters {encoding} cannot hold, written as "
                   f"'?': {', '.join(replaced[:20])}", err=True)
    click.echo(f"{count} credentials exported", err=True)


def _open_output(output: Path | None, encoding: str):
    if output is not None:
        return output.open("w", encoding=encoding, newline="")
    sys.stdout.flush()  # the bytes below must follow whatever was printed before
    wrapper = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="", write_through=True)
    return _Detached(wrapper)


class _Detached:
    """Flush the text layer over stdout, then let go of it without closing stdout."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def __enter__(self):
        return self.wrapper

    def __exit__(self, *exc):
        self.wrapper.flush()
        self.wrapper.detach()


def register(main: click.Group) -> None:
    main.add_command(import_group)
    main.add_command(export_group)
