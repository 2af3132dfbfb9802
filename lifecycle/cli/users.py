"""`lifecycle users add|list|disable|enable|passwd|role|log`: the console's staff accounts.

A password is read from a hidden prompt (asked twice), or with --password-stdin from the
first line of standard input (for scripts); it is never an option, so it never shows in a
process list or a shell history, and it is never printed.
"""

from __future__ import annotations

import getpass
import json
import sys

import click

from lifecycle import bootstrap
from lifecycle.staff import ROLES, AccountError, Accounts


def _accounts(ctx: click.Context) -> Accounts:
    root = ctx.find_root()
    accounts = root.meta.get("lifecycle.accounts")
    if accounts is None:
        engine = bootstrap.open_staff_engine(root.obj)
        root.call_on_close(engine.dispose)
        accounts = root.meta["lifecycle.accounts"] = Accounts(engine)
    return accounts


def _by() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment (a container): still say where
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = click.prompt("Password", hide_input=True)
    again = click.prompt("Password again", hide_input=True)
    if first != again:
        raise click.ClickException("the two passwords differ; nothing was changed")
    return first


def _run(action) -> None:
    try:
        action()
    except AccountError as error:
        raise click.ClickException(f"{error}; nothing was changed") from None


@click.group("users")
def users() -> None:
    """Staff accounts of the office console (roles: reader, clerk, reviewer, auditor, admin)."""


STDIN = click.option("--password-stdin", "from_stdin", is_flag=True,
                     help="Read the password from the first line of standard input.")


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@STDIN
@click.pass_context
def add(ctx: click.Context, name: str, role: str, from_stdin: bool) -> None:
    """Add an account NAME with a role and a password."""
    password = _password(from_stdin)
    _run(lambda: _accounts(ctx).add(name, role, password, by=_by()))
    click.echo(f"account {name} added with the role {role}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Every account: name, role, and whether it is disabled or locked out."""
    rows = [{"name": a.name, "role": a.role, "disabled": a.disabled,
             "locked_until": a.locked_until.isoformat() if a.locked_until else None,
             "created_at": a.created_at.isoformat()} for a in _accounts(ctx).list()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "disabled" if row["disabled"] else (
            f"locked until {row['locked_until']}" if row["locked_until"] else "active")
        click.echo(f"{row['name']:<24} {row['role']:<9} {state}")


@users.command("disable")
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable an account: it can no longer log in, and its open sessions end."""
    _run(lambda: _accounts(ctx).disable(name, by=_by()))
    click.echo(f"account {name} disabled")


@users.command("enable")
@click.argument("name")
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Enable a disabled (or locked-out) account again."""
    _run(lambda: _accounts(ctx).enable(name, by=_by()))
    click.echo(f"account {name} enabled")


@users.command("passwd")
@click.argument("name")
@STDIN
@click.pass_context
def passwd(ctx: click.Context, name: str, from_stdin: bool) -> None:
    """Set a new password (ends the account's open sessions and any lock-out)."""
    password = _password(from_stdin)
    _run(lambda: _accounts(ctx).set_password(name, password, by=_by()))
    click.echo(f"password of {name} changed")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_context
def role(ctx: click.Context, name: str, role: str) -> None:
    """Change an account's role (ends its open sessions)."""
    _run(lambda: _accounts(ctx).set_role(name, role, by=_by()))
    click.echo(f"account {name} now has the role {role}")


@users.command("log")
@click.argument("name", required=False)
@click.pass_context
def log(ctx: click.Context, name: str | None) -> None:
    """Every change to the accounts (or to one), oldest first, as JSON lines."""
    for entry in _accounts(ctx).log(name):
        click.echo(json.dumps(entry, ensure_ascii=False))


def register(main: click.Group) -> None:
    main.add_command(users)
