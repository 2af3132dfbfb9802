"""`lifecycle users`: accounts kept beside the event store, passwords from stdin only and
never printed, every change logged; on both stores."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import inspect

from lifecycle import bootstrap
from lifecycle.cli import main
from lifecycle.settings import Settings
from lifecycle.staff import Accounts

SECRET = "correct horse battery staple"


def _users(db_url: str, *args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["--db", db_url, "users", *args], input=stdin)


def test_accounts_are_added_changed_and_disabled_without_a_password_ever_shown(db_url):
    added = _users(db_url, "add", "sato", "--role", "clerk", "--password-stdin",
                   stdin=SECRET + "\n")
    assert added.exit_code == 0, added.output
    assert SECRET not in added.output
    listed = json.loads(_users(db_url, "list", "--json").output)
    assert [(a["name"], a["role"], a["disabled"]) for a in listed] == [
        ("sato", "clerk", False)]
    short = _users(db_url, "passwd", "sato", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert "short" not in short.output.replace("at least", "")
    again = _users(db_url, "add", "sato", "--role", "admin", "--password-stdin",
                   stdin=SECRET + "\n")
    assert again.exit_code == 1 and "already an account" in again.output
    assert _users(db_url, "role", "sato", "reviewer").exit_code == 0
    assert _users(db_url, "passwd", "sato", "--password-stdin",
                  stdin="another long secret\n").exit_code == 0
    assert _users(db_url, "disable", "sato").exit_code == 0
    assert _users(db_url, "disable", "nobody").exit_code == 1

    settings = Settings(database_url=db_url)
    engine = bootstrap.open_staff_engine(settings)
    try:
        accounts = Accounts(engine)
        assert accounts.get("sato").role == "reviewer" and accounts.get("sato").disabled
        assert accounts.authenticate("sato", "another long secret")[1] == "disabled"
        assert accounts.authenticate("sato", SECRET)[1] == "wrong"
        changes = [e["change"] for e in accounts.log("sato")]
        assert changes[:4] == ["added", "role", "password", "disabled"]
        names = set(inspect(engine).get_table_names(schema=settings.schema))
        assert {"staff_accounts", "staff_account_log", "staff_sessions"} <= names
    finally:
        engine.dispose()
    log = _users(db_url, "log", "sato")
    assert SECRET not in log.output and "another long secret" not in log.output


def test_a_rebuild_of_the_read_models_keeps_the_accounts(db_url):
    _users(db_url, "add", "kato", "--role", "auditor", "--password-stdin", stdin=SECRET + "\n")
    rebuilt = CliRunner().invoke(main, ["--db", db_url, "projections", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    names = [a["name"] for a in json.loads(_users(db_url, "list", "--json").output)]
    assert names == ["kato"]
