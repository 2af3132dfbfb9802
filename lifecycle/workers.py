"""Worker processes for the jobs that replay or sweep holders in shares (a parallel rebuild,
a large sweep, a what-if): one per share, each opening the stores itself.

Processes, not threads: the work is Python folding and row-building, which one interpreter
runs on one core at a time. They are spawned, not forked, so that no open database
connection is shared with the parent, and they die with the parent.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

from lifecycle import logs

MAX_JOBS = 4  # past this, the shared database, not the CPU, is the limit


def default_jobs() -> int:
    return max(1, min(MAX_JOBS, os.cpu_count() or 1))


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` spawned worker processes that end with this one and log as it does."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=start_worker, initargs=(os.getpid(), logs.current()))


def start_worker(parent: int, log_config: tuple[str, str | None]) -> None:
    die_with_parent(parent)
    logs.configure(*log_config)


def die_with_parent(parent: int) -> None:
    """A worker ends when the job that started it ends, even by SIGKILL (Linux): an orphan
    still replaying or sweeping its share would race the next catch-up. A job killed while
    this worker was still starting sent no signal (none was asked for yet): the worker then
    finds itself adopted by another process and ends before it reads its share."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
