"""`lifecycle payments unmatched|allocate`: the clerk's side of bank reconciliation."""

from __future__ import annotations

import getpass
import json
import sys

import click

from aggregates.errors import DomainError
from lifecycle import contract
from lifecycle.cli import rendering as tables
from lifecycle.cli.common import application, catch_up_after_writes, read_engine
from lifecycle.clock import today_in_tokyo
from projections import queries
from projections.runner import Runner


@click.group("payments")
def payments() -> None:
    """The unmatched queue of bank transfers, and allocating them to holders."""


@payments.command("unmatched")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def unmatched(ctx: click.Context, as_json: bool) -> None:
    """Transfers that matched no single pending application or renewal request."""
    engine = read_engine(ctx)
    Runner(application(ctx), engine).catch_up()
    items, after = [], None
    while True:
        page = queries.payments(engine, unmatched_only=True, after=after, limit=500)
        items.extend(page.items)
        if not page.next_after:
            break
        after = page.next_after
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        tables.print_rows("Unmatched transfers", items,
                          ["bank_reference", "paid_on", "amount", "allocated", "payer_name",
                           "reason", "source"])


@payments.command("allocate")
@click.argument("bank_reference")
@click.option("--holder", required=True)
@click.option("--qualification", required=True)
@click.option("--purpose", required=True, type=click.Choice(["certification", "renewal"]))
@click.option("--amount", required=True, type=int)
@click.option("--clerk", default=None, help="Who allocates (default: the login name).")
@click.pass_context
def allocate(ctx: click.Context, bank_reference: str, holder: str, qualification: str,
             purpose: str, amount: int, clerk: str | None) -> None:
    """Allocate (part of) an unmatched transfer, e.g. a company's, to one holder's fee.

    Allocations never exceed the transfer; each is a FeePaid with the clerk as actor."""
    app = application(ctx)
    transfer = app.unmatched_transfer(bank_reference)
    if transfer is None:
        error = DomainError("INVALID_INPUT",
                            f"bank reference {bank_reference} is not in the unmatched queue")
        click.echo(json.dumps(contract.failed(error), ensure_ascii=False))
        sys.exit(1)
    clerk = clerk or getpass.getuser()
    result = app.execute(
        {"type": "record_payment", "holder": holder, "qualification": qualification,
         "purpose": purpose, "amount": amount, "paid_on": transfer.paid_on.isoformat(),
         "payer_name": transfer.payer_name, "bank_reference": bank_reference,
         "allocated_by": clerk, "transfer_amount": transfer.amount},
        actor=clerk, today=today_in_tokyo())
    click.echo(json.dumps(result, ensure_ascii=False))
    catch_up_after_writes(ctx)
    sys.exit(0 if result["ok"] else 1)


def register(main: click.Group) -> None:
    main.add_command(payments)
