"""`lifecycle keys init|rotate|list`: the body's signing keys (lifecycle.keys), kept in a
directory outside the database (LIFECYCLE_KEY_DIR; default `keys/` beside the SQLite file)."""

from __future__ import annotations

import json

import click

from lifecycle.keys import KeyRing, KeyRingError, key_directory


def load_ring(ctx: click.Context) -> KeyRing:
    """The key ring for the command's settings, or a usage error saying what to run."""
    try:
        return KeyRing.load(key_directory(ctx.obj))
    except KeyRingError as error:
        raise click.UsageError(str(error)) from None


@click.group("keys")
def keys() -> None:
    """The Ed25519 keys that sign ledger checkpoints and credentials."""


@keys.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the key directory and its first (active) key."""
    try:
        ring = KeyRing.init(key_directory(ctx.obj))
    except KeyRingError as error:
        raise click.UsageError(str(error)) from None
    click.echo(json.dumps({"directory": str(ring.directory), **ring.active().to_dict(True)}))


@keys.command("rotate")
@click.pass_context
def rotate(ctx: click.Context) -> None:
    """A new active key; the old private key is deleted, its public key kept for verifying."""
    old = load_ring(ctx)
    ring = old.rotate()
    click.echo(json.dumps({"retired": old.active_id, **ring.active().to_dict(True)}))


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Every public key as JSON (for auditors).")
@click.pass_context
def list_keys(ctx: click.Context, as_json: bool) -> None:
    """Every key ever active, oldest first; the active one marked."""
    ring = load_ring(ctx)
    items = [k.to_dict(k.key_id == ring.active_id) for k in ring.publics()]
    if as_json:
        click.echo(json.dumps({"keys": items}, indent=2))
        return
    for item in items:
        mark = "*" if item["active"] else " "
        click.echo(f"{mark} {item['key_id']}  {item['created_at']}  {item['public_key']}")


def register(main: click.Group) -> None:
    main.add_command(keys)
