"""`lifecycle mail status|send|release|bounced` and `lifecycle letters print`: notices to
holders as e-mail through the relay, or as printed letters."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select

from aggregates import policy as rules
from lifecycle import bootstrap
from lifecycle.cli.common import application, read_engine
from lifecycle.clock import today_in_tokyo
from lifecycle.documents import letter_pdf
from lifecycle.documents.pdf import FontMissingError
from lifecycle.mail import relay, service
from lifecycle.settings import SettingsError
from projections import outbox_tables as outbox
from projections.runner import Runner


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def _caught_up(ctx: click.Context):
    """The read engine, with the read models and the notices caught up."""
    app, engine = application(ctx), read_engine(ctx)
    bootstrap.catch_up(Runner(app, engine))
    service.catch_up_notices(app, engine)
    return engine


@click.group("mail")
def mail() -> None:
    """Notices to holders by e-mail (the outbox and its relay)."""


@mail.command("status")
@click.pass_context
def mail_status(ctx: click.Context) -> None:
    """Notices by kind and delivery state, and those that need a clerk."""
    click.echo(_dump(relay.status(_caught_up(ctx))))


@mail.command("send")
@click.option("--dry-run", is_flag=True, help="Render what is due and say what would be "
              "sent; send and record nothing.")
@click.option("--limit", type=int, help="At most this many notices in this pass.")
@click.pass_context
def mail_send(ctx: click.Context, dry_run: bool, limit: int | None) -> None:
    """Send every due notice once (SMTP settings: LIFECYCLE_SMTP_*, LIFECYCLE_MAIL_FROM)."""
    engine = _caught_up(ctx)
    try:
        with rules.applying(application(ctx).live_policy()):
            report = service.send_due(ctx.obj, engine, dry_run=dry_run, limit=limit)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    click.echo(_dump(report.to_dict()))


@mail.command("release")
@click.argument("notice", type=int)
@click.pass_context
def mail_release(ctx: click.Context, notice: int) -> None:
    """Send NOTICE again: after checking that its unconfirmed message never arrived, or
    once a failure's cause is fixed."""
    if not relay.release(_caught_up(ctx), notice, datetime.now(UTC)):
        raise click.ClickException(f"notice {notice} is not unconfirmed or failed")
    click.echo(_dump({"released": notice}))


@mail.command("bounced")
@click.argument("notice", type=int)
@click.pass_context
def mail_bounced(ctx: click.Context, notice: int) -> None:
    """Record that NOTICE's sent message bounced later (a delivery report came back)."""
    if not relay.record_bounce(_caught_up(ctx), notice, datetime.now(UTC)):
        raise click.ClickException(f"notice {notice} has not been sent")
    click.echo(_dump({"bounced": notice}))


@click.group("letters")
def letters() -> None:
    """Notices to holders as printed letters (PDF)."""


@letters.command("print")
@click.argument("notices", type=int, nargs=-1)
@click.option("--no-address", is_flag=True,
              help="Every notice that could not be e-mailed (no address on record, bounced "
              "or failed).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="The PDF file (all the letters, one per page).")
@click.pass_context
def letters_print(ctx: click.Context, notices: tuple[int, ...], no_address: bool,
                  output: Path) -> None:
    """Print the letters of NOTICES (outbox ids) as one PDF."""
    if bool(notices) == no_address:
        raise click.UsageError("give notice ids or --no-address")
    engine = _caught_up(ctx)
    o, d = outbox.outbox, outbox.deliveries
    stmt = select(o).order_by(o.c.id)
    if no_address:
        stmt = stmt.join(d, d.c.notice_id == o.c.id).where(
            d.c.state.in_(("no_address", "bounced", "failed")))
    else:
        stmt = stmt.where(o.c.id.in_(notices))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if notices and len(rows) != len(set(notices)):
        missing = sorted(set(notices) - {r.id for r in rows})
        raise click.ClickException(f"no notice {', '.join(map(str, missing))} in the outbox")
    if rows:
        try:
            with rules.applying(application(ctx).live_policy()):
                output.write_bytes(letter_pdf.render_letters(
                    engine, rows, today=today_in_tokyo(), body_name=ctx.obj.body_name,
                    templates_dir=ctx.obj.templates_dir))
        except FontMissingError as error:
            raise click.ClickException(str(error)) from None
    click.echo(json.dumps({"printed": len(rows), "output": str(output)}))


def register(main: click.Group) -> None:
    main.add_command(mail)
    main.add_command(letters)
