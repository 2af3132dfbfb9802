"""The cyclic garbage collector, paced for replaying pages of events (catch-up, rebuild).

Process-wide: `gc` thresholds are global, and a process may run several runners at once in
threads (the API's read-your-writes catch-ups), so the setting is counted, not nested.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The default (a young collection per 700 net allocations, an older one every 10 of those)
# walks the cached holder states again and again while a page allocates its events and rows;
# with these, a 200,000-event SQLite rebuild went from 0.21x to 0.26x the bare
# read-and-decode loop. Pages make no cycles worth collecting sooner.
PAGE_GC_THRESHOLDS = (10_000, 50, 1_000)


_replaying = 0  # runners replaying in this process (threads may run several)
_replaying_lock = threading.Lock()
_saved_thresholds = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """PAGE_GC_THRESHOLDS while any runner of the process replays; the first to start saves
    the process's own thresholds, the last to finish puts them back."""
    global _replaying, _saved_thresholds
    with _replaying_lock:
        if _replaying == 0:
            _saved_thresholds = gc.get_threshold()
            gc.set_threshold(*PAGE_GC_THRESHOLDS)
        _replaying += 1
    try:
        yield
    finally:
        with _replaying_lock:
            _replaying -= 1
            if _replaying == 0:
                gc.set_threshold(*_saved_thresholds)
