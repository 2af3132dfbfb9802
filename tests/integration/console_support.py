"""The console behind Starlette's test client, once per store for a module: staff of every
role, a clock the test moves (session idle time, lock-outs), and logging in as a form does."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from lifecycle.http.app import create_app
from lifecycle.http.auth import Tokens
from lifecycle.settings import Settings

from ..conftest import PG_SERVER, _pg_connect, _require_postgres

PASSWORD = "a-long-test-password"
ROLES = ("reader", "clerk", "reviewer", "auditor", "admin")
# argon2id still, at the lowest cost: the tests check the rules, not the hash's strength.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def store_url(backend: str, folder) -> tuple[str, str | None]:
    """A new store's URL, and the PostgreSQL schema to drop afterwards."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'lifecycle.db'}", None
    _require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{PG_SERVER}?schema={schema}", schema


def drop_schema(schema: str | None) -> None:
    if schema:
        with _pg_connect() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class Console:
    def __init__(self, url: str):
        self.settings = Settings(database_url=url, audit_rate=Decimal("0"))
        self.app = create_app(self.settings, tokens=Tokens([]))
        self.clock = Clock()
        state = self.app.state.console
        state.accounts.clock = state.sessions.clock = self.clock
        state.accounts.hasher = CHEAP
        for role in ROLES:
            state.accounts.add(role, role, PASSWORD, by="test")
        self.services = self.app.state.services

    def client(self, base_url: str = "http://testserver") -> TestClient:
        return TestClient(self.app, base_url=base_url, follow_redirects=False)

    def execute(self, command: dict) -> dict:
        result = self.services.app.execute(command, actor="test", today=self.services.today())
        self.services.catch_up()
        return result

    def events(self, holder: str) -> list:
        return self.services.app.history(holder)["events"]


def login_token(client: TestClient) -> str:
    page = client.get("/console/login")
    return re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    return client.post("/console/login", data={
        "name": name, "password": password, "login_token": login_token(client),
        "next": "/console/"})


def csrf_of(client: TestClient, path: str = "/console/") -> str:
    page = client.get(path)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
