"""The read side of the command line: `projections`, `query` and `report`.

The read models live at LIFECYCLE_READ_DATABASE_URL (default: the event store's URL, so the
tables sit beside the events). `register(main)` adds the commands to `lifecycle`.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable

import click
import structlog
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from aggregates import qualifications
from lifecycle import bootstrap, csv_out
from lifecycle.cli import rendering as tables
from lifecycle.cli.common import application, day_option, read_engine
from lifecycle.rebuild_jobs import partition_pool
from lifecycle.workers import default_jobs
from projections import faults, queries, report
from projections.paging import Page
from projections.runner import Runner
from projections.status_sql import STATUSES

log = structlog.get_logger("lifecycle.read")


def _runner(ctx: click.Context, page_size: int) -> Runner:
    return Runner(application(ctx), read_engine(ctx), page_size=page_size)


# -- projections ------------------------------------------------------------------------

page_size_option = click.option("--page-size", default=1000, show_default=True,
                                type=click.IntRange(1, 10_000),
                                help="Notifications per transaction.")


@click.group("projections")
def projections() -> None:
    """Maintain the read models (SQL tables for the office and downstream systems)."""


@projections.command("catch-up")
@click.option("--follow", is_flag=True, help="Keep applying new events until interrupted.")
@click.option("--poll-interval", default=1.0, show_default=True, type=click.FloatRange(0.01),
              help="Seconds between polls (SQLite); PostgreSQL wakes on NOTIFY.")
@page_size_option
@click.pass_context
def catch_up(ctx: click.Context, follow: bool, poll_interval: float, page_size: int) -> None:
    """Apply every event recorded since the stored position, exactly once."""
    runner = _runner(ctx, page_size)
    if not follow:
        # The one catch-up loop: a run that moved the position first (another catch-up, or
        # the last page of a killed rebuild's worker) is retried, not reported.
        read = _caught_up(lambda: bootstrap.catch_up_counted(runner))
        if read is None:
            click.echo("lifecycle: the read models did not reach the log's head: other runs "
                       "kept moving them; try again", err=True)
            sys.exit(1)
        click.echo(json.dumps({"read": read, **_progress(runner)}))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    _caught_up(lambda: runner.follow(
        stop, interval=poll_interval,
        on_page=lambda n, pos: log.info("projections.page", events=n, position=pos)))
    click.echo(json.dumps(_progress(runner)))


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("— events/s" if speed is None else f"{speed:,.0f} events/s")


@projections.command()
@page_size_option
@click.option("--jobs", type=click.IntRange(min=1), default=default_jobs, show_default=True,
              help="Worker processes, each replaying a share of the holders (1: in-process).")
@click.pass_context
def rebuild(ctx: click.Context, page_size: int, jobs: int) -> None:
    """Drop the read models and replay the whole event log (progress on stderr)."""
    runner = _runner(ctx, page_size)
    head = runner.head()
    columns = (TextColumn("rebuild"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with (Progress(*columns, console=Console(stderr=True)) as progress,
          partition_pool(ctx.obj, jobs, page_size) as submit):
        task = progress.add_task("rebuild", total=head)
        _caught_up(lambda: runner.rebuild(
            on_page=lambda _n, pos: progress.update(task, completed=min(pos, head)),
            jobs=jobs, submit=submit))
    click.echo(json.dumps(_progress(runner)))


def _progress(runner: Runner) -> dict:
    state = runner.progress()
    fault = next(iter(faults.current(runner.engine)), None)
    return {"projection": "read_models", "position": state.position, "head": state.head,
            "lag": state.lag,
            "updated_at": state.updated_at.isoformat() if state.updated_at else None,
            "fault": None if fault is None else {
                "position": fault["position"], "holder": fault["holder_number"],
                "event_type": fault["event_type"], "error": fault["error"]},
            "skipped": [{"holder": s["holder_number"], "position": s["position"],
                         "event_type": s["event_type"]}
                        for s in faults.skipped(runner.engine).values()]}


def _caught_up(run: Callable[[], object]) -> object:
    """Run a catch-up or rebuild; a record the read models cannot hold is one line on
    stderr naming it, and exit status 1."""
    try:
        return run()
    except faults.UnwritableRecord as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@projections.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def projections_status(ctx: click.Context, as_json: bool) -> None:
    """Position and lag of the read models behind the event log."""
    runner = Runner(application(ctx), read_engine(ctx))
    state = _progress(runner)
    if as_json:
        click.echo(json.dumps(state))
        return
    table = Table(title="Projections")
    shown = {k: v for k, v in state.items() if k not in ("fault", "skipped")}
    for column in shown:
        table.add_column(column)
    table.add_row(*(str(v) for v in shown.values()))
    tables.console().print(table)
    if state["fault"]:
        f = state["fault"]
        click.echo(f"stopped before notification {f['position']} (holder {f['holder']}, "
                   f"{f['event_type']}): it cannot be written ({f['error']})")
    for s in state["skipped"]:
        click.echo(f"skipped: holder {s['holder']} from notification {s['position']} "
                   f"({s['event_type']}) until the next rebuild")


@projections.command("skip")
@click.argument("position", type=int)
@click.option("--by", default=None, help="Who sets it aside (default: the login name).")
@click.pass_context
def skip(ctx: click.Context, position: int, by: str | None) -> None:
    """Set aside the holder of a record the read models cannot write (named by catch-up and
    status): its rows go and its events are not projected until the next rebuild."""
    import getpass

    try:
        row = faults.skip(read_engine(ctx), position, by or getpass.getuser())
    except KeyError:
        raise click.UsageError(f"no fault is recorded at notification {position}; see "
                               "`lifecycle projections status`") from None
    click.echo(json.dumps({"skipped": row["holder_number"], "position": position}))


# -- queries ----------------------------------------------------------------------------


def output_options(fn: Callable) -> Callable:
    for option in reversed((
        click.option("--json", "fmt", flag_value="json", help="A page object: items, next_after."),
        click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row."),
        click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000)),
        click.option("--after", metavar="CURSOR", help="next_after of the previous page."),
        click.option("--all", "all_pages", is_flag=True,
                     help="Every page (with --json: one item per line)."),
    )):
        fn = option(fn)
    return fn


def _emit(fetch: Callable[[str | None], Page], fmt: str | None, after: str | None,
          all_pages: bool) -> None:
    writer = None
    while True:
        try:
            page = fetch(after)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
        rows = [_flatten(item) for item in page.items]
        if fmt == "csv":
            if writer is None and rows:
                writer = csv_out.DictWriter(sys.stdout, fieldnames=list(rows[0]))
                writer.writeheader()
            if writer is not None:
                writer.writerows(rows)
        elif fmt == "json" and all_pages:
            for item in page.items:
                click.echo(json.dumps(item, ensure_ascii=False))
        elif fmt == "json":
            click.echo(json.dumps(page.to_dict(), ensure_ascii=False, indent=2))
        else:
            _print_table(rows)
        after = page.next_after
        if not all_pages or after is None:
            break
    if after is not None and not all_pages:
        click.echo(f"more: --after {after}", err=True)


# A qualification object's nested parts when a status has none (SPEC §8 prints null): in a
# CSV they still fill their columns, so every row has the header's columns whichever
# status the first row had.
ABSENT_PARTS = {
    "renewal_window": {"opens_on": None, "closes_on": None},
    "cpd": {"counted": None, "logged": None, "required": None,
            "by_category": dict.fromkeys(c.upper() for c in queries.CATEGORIES)},
}


def _flatten(item: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in item.items():
        if value is None and not prefix and key in ABSENT_PARTS:
            value = ABSENT_PARTS[key]
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


# Left out of the terminal table (still in --json and --csv) so that a row fits a screen.
TABLE_HIDDEN = ("name_kana", "cpd.required", "cpd.by_category.", "payer_name", "granted_on")


def _print_table(rows: list[dict]) -> None:
    columns = [k for k in (rows[0] if rows else {"(no rows)": None})
               if not any(k.startswith(hidden) for hidden in TABLE_HIDDEN)]
    table = Table()
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("—" if row[k] is None else str(row[k]) for k in columns))
    tables.console().print(table)


@click.group("query")
def query() -> None:
    """Lists from the read models (statuses computed on the as-of date)."""


@query.command("credentials")
@click.option("--qualification", type=click.Choice(qualifications.ALL))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--as-of", help="Date (YYYY-MM-DD); default today in Asia/Tokyo.")
@output_options
@click.pass_context
def query_credentials(ctx, qualification, status, as_of, fmt, limit, after, all_pages) -> None:
    """Holder × qualification with the status on the as-of date."""
    on, engine = day_option(as_of, "--as-of"), read_engine(ctx)
    _emit(lambda cursor: queries.credentials(
        engine, as_of=on, qualification=qualification, status=status, after=cursor,
        limit=limit), fmt, after, all_pages)


@query.command("windows")
@click.option("--opens-between", nargs=2, required=True, metavar="D1 D2")
@click.option("--as-of", help="Date for each period's outcome; default today.")
@output_options
@click.pass_context
def query_windows(ctx, opens_between, as_of, fmt, limit, after, all_pages) -> None:
    """Renewal windows opening between D1 and D2 (inclusive)."""
    first, last = (day_option(d, "--opens-between") for d in opens_between)
    on, engine = day_option(as_of, "--as-of"), read_engine(ctx)
    _emit(lambda cursor: queries.windows(
        engine, opens_from=first, opens_to=last, as_of=on, after=cursor, limit=limit),
        fmt, after, all_pages)


@query.command("expiring")
@click.option("--fiscal-year", type=int, required=True)
@click.option("--as-of", help="Date for each period's outcome; default today.")
@output_options
@click.pass_context
def query_expiring(ctx, fiscal_year, as_of, fmt, limit, after, all_pages) -> None:
    """Certification periods ending in fiscal year Y (renewals due), with their outcome."""
    on, engine = day_option(as_of, "--as-of"), read_engine(ctx)
    _emit(lambda cursor: queries.expiring(
        engine, fiscal_year=fiscal_year, as_of=on, after=cursor, limit=limit),
        fmt, after, all_pages)


@query.command("cpd-shortfall")
@click.option("--as-of", help="Date (YYYY-MM-DD); default today in Asia/Tokyo.")
@output_options
@click.pass_context
def query_cpd_shortfall(ctx, as_of, fmt, limit, after, all_pages) -> None:
    """Holders in an open renewal window still short of 30 CPD points, and by how much."""
    on, engine = day_option(as_of, "--as-of"), read_engine(ctx)
    _emit(lambda cursor: queries.cpd_shortfall(engine, as_of=on, after=cursor, limit=limit),
          fmt, after, all_pages)


@query.command("payments")
@click.option("--unmatched", is_flag=True, help="Only transfers matched to no holder.")
@output_options
@click.pass_context
def query_payments(ctx, unmatched, fmt, limit, after, all_pages) -> None:
    """Recorded transfers with their match and shortfall or excess."""
    engine = read_engine(ctx)
    _emit(lambda cursor: queries.payments(engine, unmatched_only=unmatched, after=cursor,
                                          limit=limit), fmt, after, all_pages)


@click.command("report")
@click.option("--fiscal-year", type=int, required=True)
@click.option("--as-of", help="Date statuses are counted on; default the year's last day "
                              "or today, whichever is earlier.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report_command(ctx, fiscal_year: int, as_of: str | None, as_json: bool) -> None:
    """Counts per qualification × status, renewals due, renewed, lapsed, new certifications."""
    year_end = queries.fiscal_year_bounds(fiscal_year)[1]
    on = day_option(as_of, "--as-of") if as_of else min(day_option(None, "--as-of"), year_end)
    result = report.fiscal_year_report(read_engine(ctx), fiscal_year, on)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Fiscal year {fiscal_year} (statuses as of {result['as_of']})")
    for column in ("qualification", "statuses", "renewals due", "renewed", "lapsed",
                   "under review", "revoked", "new certifications"):
        table.add_column(column)
    for code, item in result["qualifications"].items():
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(item["statuses"].items()))
        table.add_row(code, statuses, str(item["renewals_due"]), str(item["renewed"]),
                      str(item["lapsed"]), str(item["renewal_under_review"]),
                      str(item["revoked"]), str(item["new_certifications"]))
    tables.console().print(table)


def register(main: click.Group) -> None:
    main.add_command(projections)
    main.add_command(query)
    main.add_command(report_command)
