"""`lifecycle credential issue|status-list|verify`: Open Badges 3.0 credentials signed by
the body (lifecycle.credentials; docs/credentials.md).

`verify` works offline on files: exit 0 valid, 1 invalid (one line naming what failed),
2 a usage error (no file, no trusted key).
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from datetime import datetime, time
from pathlib import Path

import click

from aggregates.errors import DomainError
from lifecycle.cli.common import application, day_option, read_engine, refuse
from lifecycle.clock import TOKYO
from lifecycle.credentials import did_key, verifying
from lifecycle.credentials.issuing import Issuer, RingSource
from lifecycle.keys import KeyRing, KeyRingError, key_directory
from lifecycle.store.reads import StoreReads


@click.group("credential")
def credential() -> None:
    """Verifiable credentials (Open Badges 3.0, signed vc+jwt) and their status lists."""


def _issuer(ctx: click.Context) -> Issuer:
    settings = ctx.obj
    reads = StoreReads(application(ctx))
    ctx.find_root().call_on_close(reads.close)
    return Issuer(reads, read_engine(ctx), RingSource(key_directory(settings)),
                  settings.body_name, settings.public_url)


def _write(token: str, output: str | None) -> None:
    if output is None:
        click.echo(token)
    else:
        Path(output).write_text(token + "\n", encoding="ascii")


@credential.command("issue")
@click.argument("number")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default stdout).")
@click.option("--as-of", help="Business date (default today, Asia/Tokyo).")
@click.pass_context
def issue(ctx: click.Context, number: str, output: str | None, as_of: str | None) -> None:
    """The credential of certification NUMBER (e.g. CAP-2027-00001), as the API gives it."""
    on = day_option(as_of, "--as-of")
    _write(_signed(lambda issuer: issuer.credential(number, on), ctx), output)


@credential.command("status-list")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default stdout).")
@click.option("--as-of", help="Business date (default today, Asia/Tokyo).")
@click.pass_context
def status_list(ctx: click.Context, name: str, output: str | None, as_of: str | None) -> None:
    """The status list NAME (a qualification and fiscal year, e.g. CAP-2027) for a day."""
    on = day_option(as_of, "--as-of")
    _write(_signed(lambda issuer: issuer.status_list(name, on), ctx), output)


def _signed(make, ctx: click.Context) -> str:
    """What `make` signs with the body's issuer: a refusal is the SPEC result, exit 1; a
    missing or unreadable key ring a usage error."""
    try:
        return make(_issuer(ctx))
    except DomainError as error:
        refuse(error)
    except KeyRingError as error:
        raise click.UsageError(str(error)) from None


def _trusted(ctx: click.Context, keys_file: str | None) -> dict[str, bytes]:
    """The body's keys: the key directory's, and those of a published key list."""
    trusted: dict[str, bytes] = {}
    try:
        ring = KeyRing.load(key_directory(ctx.obj))
        trusted.update({did_key.did_of(k.raw): k.raw for k in ring.publics()})
    except KeyRingError:
        if keys_file is None:
            raise click.UsageError("no key to trust: give --keys FILE (the body's published "
                                   "`lifecycle keys list --json`)") from None
    if keys_file is not None:
        try:
            for item in json.loads(Path(keys_file).read_text())["keys"]:
                raw = base64.b64decode(item["public_key"], validate=True)
                trusted[did_key.did_of(raw)] = raw
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
            raise click.UsageError(f"{keys_file} is not a list of the body's keys "
                                   f"({error})") from None
    return trusted


def _read(path: str | None) -> str | None:
    return None if path is None else Path(path).read_text(encoding="utf-8").strip()


@credential.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--status-list", "status_file", type=click.Path(exists=True, dir_okay=False),
              help="The credential's status list (vc+jwt), fetched the same day.")
@click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False),
              help="The body's published keys (`lifecycle keys list --json`).")
@click.option("--as-of", help="Check validity on this date (default now).")
@click.pass_context
def verify(ctx: click.Context, file: str, status_file: str | None, keys_file: str | None,
           as_of: str | None) -> None:
    """Check a credential offline: the body's signature, the Open Badges 3.0 schema, its
    period and, with --status-list, that it is neither suspended, revoked nor lapsed."""
    trusted = _trusted(ctx, keys_file)
    now = (datetime.now(TOKYO) if as_of is None
           else datetime.combine(day_option(as_of, "--as-of"), time(12), TOKYO))
    try:
        verified = verifying.verify(_read(file), trusted, now, _read(status_file))
    except verifying.Invalid as error:
        click.echo(f"invalid: {error}")
        sys.exit(1)
    click.echo(verified.sentence())


def register(main: click.Group) -> None:
    main.add_command(credential)
