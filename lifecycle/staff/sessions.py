"""Console sessions, held on the server: a cookie carries only a random id (signed), so a
logout, a disabled account or a changed password ends the session at once, and an idle one
ends after IDLE_MINUTES whatever the browser keeps.

A new id is made at every login (the id a browser had before is never promoted: no session
fixation). Ids are stored as SHA-256 digests. Each session has its own CSRF token, which
every form that writes must send back.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from lifecycle.staff import tables as t
from lifecycle.staff.accounts import _aware

IDLE_MINUTES = 30
TOUCH_SECONDS = 60  # last activity is written at most once a minute per session


@dataclass(frozen=True)
class Session:
    account: str
    role: str
    csrf: str

    @property
    def actor(self) -> str:
        """Who the console's commands are recorded as (SPEC §7 `actor`)."""
        return f"console:{self.account}"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class Sessions:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now,
                 idle: timedelta = timedelta(minutes=IDLE_MINUTES)):
        self.engine = engine
        self.clock = clock
        self.idle = idle

    def start(self, account: str) -> tuple[str, str]:
        """A new session of `account`: its id (for the cookie) and its CSRF token."""
        session_id, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock()
        with self.engine.begin() as conn:
            conn.execute(t.sessions.delete().where(t.sessions.c.last_seen_at < now - self.idle))
            conn.execute(insert(t.sessions).values(
                id_hash=_digest(session_id), account=account, csrf=csrf, created_at=now,
                last_seen_at=now))
        return session_id, csrf

    def find(self, session_id: str) -> Session | None:
        """The live session of this id, or None (unknown, ended, idle too long, or its
        account disabled)."""
        key = _digest(session_id)
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.sessions.c.account, t.sessions.c.csrf, t.sessions.c.last_seen_at,
                       t.accounts.c.role, t.accounts.c.disabled)
                .join(t.accounts, t.accounts.c.name == t.sessions.c.account)
                .where(t.sessions.c.id_hash == key)).first()
        if row is None or row.disabled:
            return None
        last_seen = _aware(row.last_seen_at)
        if now - last_seen > self.idle:
            self.end(session_id)
            return None
        if (now - last_seen).total_seconds() >= TOUCH_SECONDS:
            with self.engine.begin() as conn:
                conn.execute(update(t.sessions).where(t.sessions.c.id_hash == key)
                             .values(last_seen_at=now))
        return Session(account=row.account, role=row.role, csrf=row.csrf)

    def end(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.sessions.delete().where(t.sessions.c.id_hash == _digest(session_id)))


def cookie_secret(engine: Engine) -> str:
    """The database's cookie-signing key, made by the first process that asks."""
    for _attempt in range(3):
        with engine.connect() as conn:
            value = conn.execute(select(t.secrets.c.value)
                                 .where(t.secrets.c.name == "cookie")).scalar()
        if value is not None:
            return value
        try:
            with engine.begin() as conn:
                conn.execute(insert(t.secrets).values(name="cookie",
                                                      value=secrets.token_urlsafe(48)))
        except IntegrityError:  # another process made it first: read theirs
            continue
    raise RuntimeError("could not read or make the console's cookie key")
