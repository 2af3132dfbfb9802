"""How `catch-up --follow` waits for new events: a poll on SQLite, LISTEN on PostgreSQL.

The library's SQLite recorder has no subscription, so the follower polls at a short,
configurable interval. On PostgreSQL every save sends NOTIFY on the events table's channel
(eventsourcing.postgres, `_notify_channel`); the follower LISTENs on a connection of the
event store's pool and wakes at once, the interval then being only a safety net.
Either waiter returns early when `stop` is set, so the loop always has a way out.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, ExitStack


class Poll(AbstractContextManager):
    def __init__(self, interval: float, stop: threading.Event):
        self.interval = interval
        self.stop = stop

    def wait(self) -> None:
        self.stop.wait(self.interval)

    def __exit__(self, *exc) -> None:
        return None


class Listen(AbstractContextManager):
    """LISTEN before the first catch-up, so a NOTIFY sent during it is not lost."""

    def __init__(self, recorder, interval: float, stop: threading.Event):
        self.recorder = recorder
        self.interval = interval
        self.stop = stop
        self._stack = ExitStack()
        self._conn = None

    def __enter__(self) -> Listen:
        from psycopg.sql import SQL, Identifier

        self._conn = self._stack.enter_context(self.recorder.datastore.get_connection())
        self._conn.execute(SQL("LISTEN {0}").format(Identifier(self.recorder.channel_name)))
        return self

    def wait(self) -> None:
        # Short slices so that `stop` is seen promptly even when nothing is written.
        slices = max(1, int(self.interval / 0.1))
        for _ in range(slices):
            if self.stop.is_set():
                return
            for _notice in self._conn.notifies(timeout=0.1, stop_after=1):
                return

    def __exit__(self, *exc) -> None:
        self._stack.close()


def waiter(recorder, interval: float, stop: threading.Event) -> AbstractContextManager:
    if hasattr(recorder, "channel_name") and hasattr(recorder, "datastore"):
        return Listen(recorder, interval, stop)
    return Poll(interval, stop)
