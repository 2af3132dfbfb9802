"""Staff accounts: add, list, change role or password, disable; check a login.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second
recommendation); the hash carries its parameters, so a later change of defaults rehashes on
the next login. A password is never logged, echoed or put in an error message.

Lock-out: after MAX_FAILURES wrong passwords in a row an account refuses every login, even a
right one, for LOCK_MINUTES; an unknown name costs a hash too, so the answer's time does not
say whether a name exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from lifecycle.staff import tables as t

# reader sees; clerk keys in; reviewer decides; auditor sees history and --known-at too;
# admin manages accounts.
ROLES = ("reader", "clerk", "reviewer", "auditor", "admin")
NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes any length; a megabyte "password" is a denial of service
MAX_FAILURES = 5
LOCK_MINUTES = 15



class AccountError(ValueError):
    """A refused account change, with a sentence an administrator can act on."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    disabled: bool
    locked_until: datetime | None
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password may have at most {MAX_PASSWORD} characters")


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive date-times: they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Accounts:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now,
                 hasher: PasswordHasher | None = None):
        """`hasher`: argon2-cffi's defaults unless given (tests pass cheaper parameters)."""
        self.engine = engine
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy: tuple[PasswordHasher, str] | None = None
        t.create_tables(engine)

    def _dummy_hash(self) -> str:
        """A hash to verify against when there is no account, at the same cost."""
        if self._dummy is None or self._dummy[0] is not self.hasher:
            self._dummy = (self.hasher, self.hasher.hash("not the password of anyone"))
        return self._dummy[1]

    def _log(self, conn, account: str, change: str, by: str, detail: str | None = None) -> None:
        conn.execute(insert(t.account_log).values(
            at=self.clock(), account=account, change=change, detail=detail, by=by))

    def add(self, name: str, role: str, password: str, *, by: str) -> Account:
        if not NAME.match(name):
            raise AccountError("an account name is 1 to 64 letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        check_password(password)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.accounts).values(
                    name=name, role=role, password_hash=self.hasher.hash(password),
                    disabled=False, failed_logins=0, created_at=now))
                self._log(conn, name, "added", by, role)
        except IntegrityError:
            raise AccountError(f"there is already an account {name!r}") from None
        return self.get(name)

    def get(self, name: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
        return None if row is None else _account(row)

    def list(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.accounts).order_by(t.accounts.c.name)).all()
        return [_account(r) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(t.accounts)).scalar_one()

    def _change(self, name: str, values: dict, change: str, by: str,
                detail: str | None = None) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(t.accounts).where(t.accounts.c.name == name)
                                .values(**values)).rowcount
            if not done:
                raise AccountError(f"there is no account {name!r}")
            self._log(conn, name, change, by, detail)
            if change in ("disabled", "password", "role"):
                # Whoever was logged in under the old terms logs in again.
                conn.execute(t.sessions.delete().where(t.sessions.c.account == name))

    def set_password(self, name: str, password: str, *, by: str) -> None:
        check_password(password)
        self._change(name, {"password_hash": self.hasher.hash(password), "failed_logins": 0,
                            "locked_until": None}, "password", by)

    def set_role(self, name: str, role: str, *, by: str) -> None:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        self._change(name, {"role": role}, "role", by, role)

    def disable(self, name: str, *, by: str) -> None:
        self._change(name, {"disabled": True}, "disabled", by)

    def enable(self, name: str, *, by: str) -> None:
        self._change(name, {"disabled": False, "failed_logins": 0, "locked_until": None},
                     "enabled", by)

    def log(self, name: str | None = None) -> list[dict]:
        stmt = select(t.account_log).order_by(t.account_log.c.id)
        if name is not None:
            stmt = stmt.where(t.account_log.c.account == name)
        with self.engine.connect() as conn:
            return [{"at": _aware(r.at).isoformat(), "account": r.account, "change": r.change,
                     "detail": r.detail, "by": r.by} for r in conn.execute(stmt)]

    def authenticate(self, name: str, password: str) -> tuple[Account | None, str]:
        """The account when the name and password are right and it may log in now, and
        why not otherwise: "ok", "unknown", "wrong", "locked" or "disabled". A caller shows
        the person one sentence for every refusal (no hint which part was wrong)."""
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
        if row is None or len(password) > MAX_PASSWORD:
            self._verify(self._dummy_hash(), password[:MAX_PASSWORD])
            return None, "unknown"
        locked_until = _aware(row.locked_until)
        if locked_until is not None and locked_until > now:
            self._verify(self._dummy_hash(), password)
            return None, "locked"
        if not self._verify(row.password_hash, password):
            self._failed(row.name, row.failed_logins + 1, now)
            return None, "wrong"
        if row.disabled:
            return None, "disabled"
        values: dict = {"failed_logins": 0, "locked_until": None}
        if self.hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = self.hasher.hash(password)
        with self.engine.begin() as conn:
            conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(**values))
        return self.get(name), "ok"

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _failed(self, name: str, failures: int, now: datetime) -> None:
        values: dict = {"failed_logins": t.accounts.c.failed_logins + 1}
        locking = failures >= MAX_FAILURES
        if locking:
            values.update(failed_logins=0, locked_until=now + timedelta(minutes=LOCK_MINUTES))
        with self.engine.begin() as conn:
            conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(**values))
            if locking:
                self._log(conn, name, "locked", "console", f"{MAX_FAILURES} wrong passwords")


def _account(row) -> Account:
    return Account(name=row.name, role=row.role, disabled=bool(row.disabled),
                   locked_until=_aware(row.locked_until), created_at=_aware(row.created_at))
