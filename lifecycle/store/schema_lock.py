"""One process at a time creates the event store's tables on PostgreSQL.

The library's CREATE TABLE/TYPE IF NOT EXISTS, run by several processes at once, fails with
"tuple concurrently updated"; an advisory lock around the application's start serialises it.
psycopg is imported only here, and only for a PostgreSQL store.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from lifecycle.settings import LIBPQ_OPTIONS

SCHEMA_LOCK = 0x6C6966656379  # advisory lock key


@contextlib.contextmanager
def schema_lock(env: dict[str, str], schema: str | None) -> Iterator[None]:
    import psycopg

    with psycopg.connect(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DBNAME"], autocommit=True,
        **json.loads(env.get(LIBPQ_OPTIONS) or "{}"),  # the connect timeout among them
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            if schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
