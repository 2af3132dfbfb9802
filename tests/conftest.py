"""Store fixtures: every integration test runs on SQLite and on PostgreSQL.

On PostgreSQL each test gets a schema of its own in the `test` database and drops it after.
Locally a PostgreSQL test skips when no server answers; under CI (`CI=true`) it fails instead.
"""

from __future__ import annotations

import os
import uuid

import pytest

PG_SERVER = os.environ.get(
    "LIFECYCLE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_connect():
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password or "",
        dbname=url.database,
        connect_timeout=3,
        autocommit=True,
    )


def _require_postgres() -> None:
    try:
        _pg_connect().close()
    except Exception as error:  # noqa: BLE001 - any failure means "no server here"
        message = f"PostgreSQL not reachable at {PG_SERVER}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def postgres_url():
    """A PostgreSQL URL whose `schema` parameter names a fresh schema, dropped afterwards."""
    _require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{PG_SERVER}?schema={schema}"
    with _pg_connect() as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'lifecycle.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request):
    """The URL of an empty store, once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(autouse=True, scope="session")
def _quiet_logs():
    """Log warnings and above to stderr, as the CLI does, so tests see clean stdout."""
    from lifecycle import logs

    logs.configure(level="WARNING", fmt="console")


@pytest.fixture
def busy_cpu():
    """A process spinning on a core beside the test, as on a loaded CI machine: races that
    a quiet machine hides show up in every run instead of one in several."""
    import subprocess
    import sys

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    spinner.kill()
    spinner.wait()
