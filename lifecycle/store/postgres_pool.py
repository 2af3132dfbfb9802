"""The library's PostgreSQL infrastructure, with bounds on its connection pool.

eventsourcing builds its pool with only the database's address, so a connection attempt to
a host that does not answer, or a statement on a server that has gone, could wait for
minutes. This factory hands the pool our libpq options (connect timeout, TCP keepalives,
statement timeout: `Settings.libpq_options`) before it opens, and makes it give up at once
on a connection it cannot replace: by default psycopg_pool keeps retrying a lost connection
in the background for five minutes with growing pauses, and a request arriving just after
the database came back waited for the next of those retries. Given up, the connection is
made again on demand by the next request.
"""

from __future__ import annotations

import json

from eventsourcing.postgres import PostgresFactory

from lifecycle.settings import LIBPQ_OPTIONS


class BoundedPostgresFactory(PostgresFactory):
    def __init__(self, env) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        pool.kwargs.update(json.loads(self.env.get(LIBPQ_OPTIONS) or "{}"))
        pool.reconnect_timeout = 0.0
