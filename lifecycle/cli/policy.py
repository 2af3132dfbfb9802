"""`lifecycle policy show|check|adopt|history` and `lifecycle what-if`: the body's rules as a
dated policy file, which one is live, and whom a proposed change would affect."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from aggregates.errors import DomainError, invalid
from aggregates.policy import DEFAULT
from lifecycle import csv_out
from lifecycle.cli.common import (
    application,
    catch_up_after_writes,
    day,
    dump,
    moment,
    refuse,
)
from lifecycle.policy import loading, summary
from lifecycle.policy.replay import Report, what_if
from lifecycle.policy.report import counts, cpd, csv_rows, row_dict
from lifecycle.workers import MAX_JOBS


@click.group()
def policy() -> None:
    """The rules in force (CPD, caps, fees, tax, audit rate, reminders) as a dated policy."""


@policy.command()
@click.option("--on", "on", help="Show the rules in force on this date (default today).")
@click.option("--known-at", help="The policy live at this recorded moment (ISO date-time).")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Show a file instead.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, on: str | None, known_at: str | None, path: str | None,
         as_json: bool) -> None:
    """The live policy's rules on a date: each value, from when, and what it is compared with."""
    when = day(on, "--on")
    if path is not None:
        text = _read(path)
        chosen, about = _parse_or_refuse(text), {"file": path}
    else:
        app = application(ctx)
        at = moment(known_at) if known_at else None
        adopted = app.adopted_policies(at)
        chosen = app.policy_known_at(at)
        about = _adoption(adopted[-1]) if adopted else {"adopted_on": None, "adopted_by": None,
                                                        "sha256": None}
    result = {"version": chosen.version, "description": chosen.description, **about,
              "on": when.isoformat(), "rules": summary.rules_on(chosen, when)}
    if as_json:
        click.echo(dump(result, indent=2))
        return
    origin = (f"adopted {about['adopted_on']} by {about['adopted_by']}"
              if about.get("adopted_on") else about.get("file", "shipped default"))
    click.echo(f"policy {chosen.version} ({origin}); rules in force on {when}")
    for line in summary.lines(result["rules"]):
        click.echo(f"  {line}")


@policy.command()
@click.argument("path", type=click.Path(dir_okay=False))
def check(path: str) -> None:
    """Check a policy file; nothing is applied. Exit 1 naming the line and key at fault."""
    text = _read(path)
    chosen = _parse_or_refuse(text)
    click.echo(dump({"ok": True, "version": chosen.version,
                     "sha256": loading.content_hash(text)}))


@policy.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--on", "on", help="The board's decision date (default today).")
@click.option("--actor", required=True, help="Who adopts it (recorded with the event).")
@click.option("--note", help="The decision's reference, e.g. the board minute.")
@click.pass_context
def adopt(ctx: click.Context, path: str, on: str | None, actor: str, note: str | None) -> None:
    """Make a policy file the live policy (recorded as a PolicyAdopted event)."""
    text = _read(path)
    try:
        event = application(ctx).adopt_policy(text, on=day(on, "--on"), actor=actor, note=note)
    except DomainError as error:
        refuse(error)
    click.echo(dump({"ok": True, **_adoption(event), "version": event.version}))
    catch_up_after_writes(ctx)  # the read models' CPD figures follow the new rules


@policy.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def history(ctx: click.Context, as_json: bool) -> None:
    """Every adoption, oldest first: version, decision date, who, when recorded, hash."""
    adopted = [{"version": e.version, **_adoption(e)}
               for e in application(ctx).adopted_policies()]
    if as_json:
        click.echo(dump({"shipped_default": DEFAULT.version, "adopted": adopted}, indent=2))
        return
    click.echo(f"shipped default: {DEFAULT.version}")
    for entry in adopted:
        click.echo(f"{entry['recorded_at']}  {entry['version']:<16} adopted {entry['adopted_on']}"
                   f" by {entry['adopted_by']}  sha256 {entry['sha256'][:12]}"
                   + (f"  ({entry['note']})" if entry["note"] else ""))


@click.command("what-if")
@click.option("--policy", "path", required=True, type=click.Path(dir_okay=False),
              help="The proposed policy file.")
@click.option("--as-of", help="The date to compare on (default today).")
@click.option("--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help="Worker processes, each replaying a share of the holders.")
@click.option("--every-holder", is_flag=True,
              help="Replay every holder's events, not only those the read models say the "
                   "proposal can re-judge (slower; the same report).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="The differing holders as CSV rows.")
@click.pass_context
def what_if_command(ctx: click.Context, path: str, as_of: str | None, jobs: int,
                    every_holder: bool, as_json: bool, as_csv: bool) -> None:
    """Who would have a different status or CPD figure under a proposed policy (nothing is
    written): counts per qualification and status change, and the holders that differ."""
    text = _read(path)
    _parse_or_refuse(text)
    on = day(as_of, "--as-of")
    with tempfile.TemporaryDirectory(prefix="what-if-") as workdir:
        report = what_if(ctx.find_root().obj, text, on, jobs, Path(workdir),
                         every_holder=every_holder)
        if as_csv:
            csv_out.Writer(sys.stdout).writerows(csv_rows(report))
        elif as_json:
            _write_json(report)
        else:
            _write_table(report)


def _write_json(report: Report) -> None:
    """Streamed, so that a million rows need no list in memory."""
    out = sys.stdout
    head = {"as_of": report.as_of.isoformat(), "live_version": report.live_version,
            "proposal_version": report.proposal_version, "holders": report.holders,
            "differing": report.differing, "counts": counts(report)}
    out.write(dump(head)[:-1] + ', "rows": [')
    for index, row in enumerate(report.rows()):
        out.write(("," if index else "") + "\n  " + dump(row_dict(row)))
    out.write("\n]}\n")


def _write_table(report: Report) -> None:
    click.echo(f"what-if on {report.as_of}: live {report.live_version} -> proposal "
               f"{report.proposal_version}; {report.holders} holders, {report.differing} "
               "qualifications differ")
    click.echo(f"{'qualification':<14}{'now':<22}{'under the proposal':<22}{'holders':>9}")
    for entry in counts(report):
        mark = "" if entry["now"] == entry["then"] else "  *"
        click.echo(f"{entry['qualification']:<14}{entry['now']:<22}{entry['then']:<22}"
                   f"{entry['holders']:>9}{mark}")
    if report.differing:
        click.echo("")
        click.echo(f"{'holder':<12}{'qual':<6}{'now':<22}{'then':<22}{'CPD now':>12}"
                   f"{'CPD then':>12}  why")
        for row in report.rows():
            click.echo(f"{row.holder:<12}{row.qualification:<6}{row.now:<22}{row.then:<22}"
                       f"{cpd(row.counted_now, row.required_now):>12}"
                       f"{cpd(row.counted_then, row.required_then):>12}  {row.why}")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        refuse(invalid(f"cannot read the policy file {path}: {error.__class__.__name__}"))


def _parse_or_refuse(text: str):
    try:
        return loading.parse(text)
    except loading.PolicyFileError as error:
        refuse(invalid(f"the policy file is refused: {error}"))


def _adoption(event) -> dict:
    return {"adopted_on": event.adopted_on.isoformat(), "adopted_by": event.actor,
            "recorded_at": event.timestamp.isoformat(), "sha256": event.sha256,
            "note": event.note}


def register(main: click.Group) -> None:
    main.add_command(policy)
    main.add_command(what_if_command)
