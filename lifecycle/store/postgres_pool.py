"""The library's PostgreSQL infrastructure, bounded so that no call waits long on a server
that has gone.

- The pool gets our libpq options (connect timeout, TCP keepalives, statement timeout:
  `Settings.libpq_options`) before it opens: eventsourcing builds it with only the address.
- The pool gives up at once on a connection it cannot replace: by default psycopg_pool keeps
  retrying a lost connection in the background for five minutes with growing pauses, and a
  request arriving just after the database came back waited for the next of those tries.
  Given up, a connection is made again on demand.
- The recorders keep the library's retries (ten attempts, 0.2 s apart) for what a retry can
  cure (a deadlock, a serialization failure), but not for the server gone, a lost
  connection or a statement timeout (projections.store_faults): there they multiplied every bound
  by ten (a read stuck behind a lock answered after 12 s, not 1), and a write resent after
  a lost connection could run twice. Those faults now reach the caller at once: the
  scheduler waits them out, the API answers 503, the CLI one line.
"""

from __future__ import annotations

import json
import random
import time
from functools import wraps

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresTrackingRecorder,
)

from lifecycle.settings import LIBPQ_OPTIONS
from projections.store_faults import store_fault

ATTEMPTS, WAIT = 10, 0.2  # the library's own retry policy, kept for what it can cure
RETRIED = ("insert_events", "select_events", "select_notifications", "max_notification_id",
           "insert_tracking", "max_tracking_id", "has_tracking_id")


def _retried_unless_fault(func):
    @wraps(func)
    def call(*args, **kwargs):
        for attempt in range(ATTEMPTS):
            try:
                return func(*args, **kwargs)
            except (InterfaceError, OperationalError) as error:
                if store_fault(error) is not None or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(WAIT * (1 + 0.1 * (random.random() - 0.5)))
        raise AssertionError("unreachable")

    return call


def _bounded(recorder_class: type) -> type:
    """A subclass of a library recorder whose retried methods retry only what may pass."""
    methods: dict = {"__module__": __name__}
    for name in RETRIED:
        method = getattr(recorder_class, name, None)
        original = getattr(method, "__wrapped__", None)  # under the library's @retry
        if original is not None:
            methods[name] = _retried_unless_fault(original)
    return type(f"Bounded{recorder_class.__name__}", (recorder_class,), methods)


class BoundedPostgresFactory(PostgresFactory):
    aggregate_recorder_class = _bounded(PostgresAggregateRecorder)
    application_recorder_class = _bounded(PostgresApplicationRecorder)
    tracking_recorder_class = _bounded(PostgresTrackingRecorder)

    def __init__(self, env) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        pool.kwargs.update(json.loads(self.env.get(LIBPQ_OPTIONS) or "{}"))
        pool.reconnect_timeout = 0.0
