"""The staff tables, in the event store's database (beside its own tables, not the read
models': `lifecycle projections rebuild` must never drop an account or its log).

- `staff_accounts`: one row per account; the password only as an argon2id hash.
- `staff_account_log`: every change to an account (added, role, password, disabled), who
  made it and when; rows are only ever inserted.
- `staff_sessions`: open console sessions, keyed by the SHA-256 of the session id (a
  stolen table gives no usable cookie), with the session's CSRF token and last activity.
- `staff_secrets`: the key that signs session cookies, made once per database so that
  every server process (and a restart) accepts the same cookies.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import sqlite

from projections.database import retry_ddl

metadata = MetaData()

accounts = Table(
    "staff_accounts", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),  # since the last success
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

account_log = Table(
    "staff_account_log", metadata,
    Column("id", BigInteger().with_variant(sqlite.INTEGER(), "sqlite"), Identity(),
           primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("account", String(64), nullable=False),
    Column("change", String(32), nullable=False),  # added | role | password | disabled | ...
    Column("detail", Text),  # e.g. the new role; never a password
    Column("by", String(128), nullable=False),  # "cli:<os user>" or "console:<account>"
    Index("ix_staff_account_log_account", "account", "id"),
)

sessions = Table(
    "staff_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_staff_sessions_account", "account"),
)

secrets = Table(
    "staff_secrets", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)


def create_tables(engine: Engine) -> None:
    retry_ddl(lambda: metadata.create_all(engine))
