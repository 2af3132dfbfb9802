"""Settings from the environment (and the matching CLI options), SPEC §8.

This is the one module that reads `os.environ`: every LIFECYCLE_* variable is a field of
`Settings`. The event store's own settings are passed to the library explicitly (its `env=`
wins over os.environ), so a stray PERSISTENCE_MODULE or POSTGRES_* in a shell cannot
redirect writes.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///lifecycle.db"
SERVER_STATEMENT_TIMEOUT = 10.0  # seconds a statement of `serve` may run
LIBPQ_OPTIONS = "LIFECYCLE_LIBPQ_OPTIONS"  # in the library's env: see store.postgres_pool
DEFAULT_BODY_NAME = "一般社団法人 日本コンタクトセンター教育検定協会"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # `lifecycle serve`'s own address
SMTP_SECURITY = {"starttls": 587, "tls": 465, "none": 25}  # mode -> default port


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    """The relay's SMTP server (LIFECYCLE_SMTP_*); `host` None: no relay configured."""

    host: str | None = None
    port: int | None = None  # default from `security`
    security: str = "starttls"  # starttls | tls (implicit, port 465) | none
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None  # From: address, e.g. "協会事務局 <office@example.jp>"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SMTP_SECURITY:
            raise SettingsError("LIFECYCLE_SMTP_SECURITY must be one of "
                                f"{', '.join(SMTP_SECURITY)}, not {self.security!r}")
        if self.port is None:
            object.__setattr__(self, "port", SMTP_SECURITY[self.security])

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings:
        password = env.get("LIFECYCLE_SMTP_PASSWORD")
        password_file = env.get("LIFECYCLE_SMTP_PASSWORD_FILE")
        if password is None and password_file:
            try:
                password = Path(password_file).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise SettingsError("LIFECYCLE_SMTP_PASSWORD_FILE cannot be read: "
                                    f"{error.strerror}") from None
        port = env.get("LIFECYCLE_SMTP_PORT")
        try:
            return cls(host=env.get("LIFECYCLE_SMTP_HOST") or None,
                       port=int(port) if port else None,
                       security=env.get("LIFECYCLE_SMTP_SECURITY", "starttls").lower(),
                       user=env.get("LIFECYCLE_SMTP_USER") or None, password=password,
                       sender=env.get("LIFECYCLE_MAIL_FROM") or None,
                       timeout=float(env.get("LIFECYCLE_SMTP_TIMEOUT", "30")))
        except ValueError as error:
            if isinstance(error, SettingsError):
                raise
            raise SettingsError("LIFECYCLE_SMTP_PORT and LIFECYCLE_SMTP_TIMEOUT must be "
                                "numbers") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    audit_rate: Decimal = Decimal("0.10")
    audit_seed: str = ""
    snapshot_interval: int = 50
    aggregate_cache_size: int = 1000
    # Worker processes of a large daily sweep (lifecycle.sweep_jobs); None: one per core,
    # at most 4 (LIFECYCLE_SWEEP_JOBS).
    sweep_jobs: int | None = None
    sqlite_lock_timeout: int = 30
    # PostgreSQL: seconds to connect (and to wait for a pooled connection); seconds a
    # statement may run (LIFECYCLE_STATEMENT_TIMEOUT): None for the entry point's default,
    # no limit for the CLI and the scheduler, SERVER_STATEMENT_TIMEOUT for `serve`.
    connect_timeout: int = 5
    statement_timeout: float | None = None
    read_database_url: str | None = None  # the read models' database; None: the store's
    log_level: str | None = None  # None: WARNING (INFO for the scheduler)
    log_format: str | None = None  # None: console on a terminal, else json
    api_tokens: str = ""  # name:role:token entries
    api_tokens_file: str | None = None
    key_dir: str | None = None  # signing keys; None: keys/ beside the SQLite file (lifecycle.keys)
    body_name: str = DEFAULT_BODY_NAME  # the certifying body, printed on every document
    # Where the API is reached from outside: credentials name their status list under it.
    public_url: str = DEFAULT_PUBLIC_URL
    templates_dir: str | None = None  # the office's own templates, tried before the shipped
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "audit_rate", _rate(str(self.audit_rate)))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        values = {
            "database_url": env.get("LIFECYCLE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "audit_rate": env.get("LIFECYCLE_AUDIT_RATE", "0.10"),
            "audit_seed": env.get("LIFECYCLE_AUDIT_SEED", ""),
            "read_database_url": env.get("LIFECYCLE_READ_DATABASE_URL") or None,
            "log_level": env.get("LIFECYCLE_LOG_LEVEL") or None,
            "log_format": env.get("LIFECYCLE_LOG_FORMAT") or None,
            "api_tokens": env.get("LIFECYCLE_API_TOKENS", ""),
            "api_tokens_file": env.get("LIFECYCLE_API_TOKENS_FILE") or None,
            "statement_timeout": _seconds(env.get("LIFECYCLE_STATEMENT_TIMEOUT")),
            "sweep_jobs": _count(env.get("LIFECYCLE_SWEEP_JOBS"), "LIFECYCLE_SWEEP_JOBS"),
            "key_dir": env.get("LIFECYCLE_KEY_DIR") or None,
            "body_name": env.get("LIFECYCLE_BODY_NAME") or DEFAULT_BODY_NAME,
            "public_url": (env.get("LIFECYCLE_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
            "templates_dir": env.get("LIFECYCLE_TEMPLATES_DIR") or None,
            "smtp": SmtpSettings.from_env(env),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def read_settings(self) -> Settings:
        """The read database's settings: its own URL, or the event store's."""
        url = self.read_database_url or self.database_url
        try:
            return Settings(database_url=url, connect_timeout=self.connect_timeout,
                            statement_timeout=self.statement_timeout)
        except SettingsError as error:
            raise SettingsError(f"LIFECYCLE_READ_DATABASE_URL: {error}") from None

    def publish(self) -> None:
        """Put the store's URL into the environment, for server worker processes that
        build their settings from it (`serve --workers N`)."""
        os.environ["LIFECYCLE_DATABASE_URL"] = self.database_url

    @property
    def url(self) -> URL:
        try:
            return make_url(self.database_url)
        except Exception as error:
            raise SettingsError(f"LIFECYCLE_DATABASE_URL is not a database URL: {error}") from None

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def schema(self) -> str | None:
        """PostgreSQL schema from the URL's `schema` query parameter (our own convention)."""
        return self.url.query.get("schema") if self.is_postgres else None

    def sqlalchemy_url(self) -> URL:
        """The URL for SQLAlchemy: our `schema` parameter removed, psycopg 3 as the driver."""
        url = self.url
        if self.is_postgres:
            url = url.difference_update_query(["schema"]).set(drivername="postgresql+psycopg")
            url = url.update_query_dict(self.libpq_options())
        return url

    def for_server(self) -> Settings:
        """The settings of `serve`: a statement timeout unless one is set, so that a request
        on a database that has stopped answering ends (503) instead of hanging."""
        if self.statement_timeout is not None:
            return self
        return dataclasses.replace(self, statement_timeout=SERVER_STATEMENT_TIMEOUT)

    def libpq_options(self) -> dict[str, str]:
        """Bounds on every PostgreSQL connection, so that no call waits forever on a server
        that is gone: connecting, a dead peer (TCP keepalives, unacknowledged writes), and
        with `statement_timeout` a statement."""
        options = {"connect_timeout": str(self.connect_timeout), "keepalives": "1",
                   "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3",
                   "tcp_user_timeout": "20000"}
        if self.statement_timeout:
            options["options"] = f"-c statement_timeout={int(self.statement_timeout * 1000)}"
        return options

    def psycopg_kwargs(self) -> dict[str, str]:
        """psycopg.connect() arguments for a connection of our own (locks, probes)."""
        env = self.event_store_env()
        return {"host": env["POSTGRES_HOST"], "port": env["POSTGRES_PORT"],
                "user": env["POSTGRES_USER"], "password": env["POSTGRES_PASSWORD"],
                "dbname": env["POSTGRES_DBNAME"], **self.libpq_options()}

    def event_store_env(self) -> dict[str, str]:
        url = self.url
        backend = url.get_backend_name()
        if backend == "sqlite":
            if not url.database or url.database == ":memory:":
                raise SettingsError("an SQLite event store needs a file: sqlite:///path/to.db")
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": url.database,
                "SQLITE_LOCK_TIMEOUT": str(self.sqlite_lock_timeout),
            }
        if backend == "postgresql":
            return {
                # The library's PostgreSQL factory, with our connection bounds on its pool.
                "PERSISTENCE_MODULE": "lifecycle.store.postgres_pool:BoundedPostgresFactory",
                "POSTGRES_DBNAME": url.database or "postgres",
                "POSTGRES_HOST": url.host or "127.0.0.1",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": url.username or "postgres",
                "POSTGRES_PASSWORD": url.password or "",
                "POSTGRES_SCHEMA": self.schema or "",
                "POSTGRES_LOCK_TIMEOUT": "30",
                "POSTGRES_CONNECT_TIMEOUT": str(self.connect_timeout),
                LIBPQ_OPTIONS: json.dumps(self.libpq_options()),
            }
        raise SettingsError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def _seconds(text: str | None) -> float | None:
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86400:
        raise SettingsError(f"LIFECYCLE_STATEMENT_TIMEOUT must be seconds (0: no limit), "
                            f"not {text!r}")
    return seconds


def _count(text: str | None, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 16:
        raise SettingsError(f"{name} must be a number of processes from 1 to 16, not {text!r}")
    return int(text)


def _rate(text: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise SettingsError(f"LIFECYCLE_AUDIT_RATE must be a number from 0 to 1, not {text!r}")
    return rate
