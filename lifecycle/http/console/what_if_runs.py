"""What-if runs started from the console: one at a time per server process, each a process
of its own (lifecycle.policy.background) writing into a directory of its own under a folder
this server creates on the first run and removes when it stops.

A page asks its run for the state when it is shown (the process's exit code, then the
files it left), so nothing in the server polls. A second start while one runs gets the
running one back: two replays of the whole register would only share the same cores.
The last KEPT runs stay readable (a million-holder run's rows take some hundred MB of
disk); older ones are removed as new ones start. With `serve --workers N` each worker
knows its own runs only.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from multiprocessing import connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from lifecycle.policy import background
from lifecycle.policy.replay import Report
from lifecycle.settings import Settings

KEPT = 3
# Two threads asking at once could both waitpid() the ended child: the loser would be told
# it still runs. One asks at a time.
_reaping = threading.Lock()


@dataclass
class Run:
    id: str
    as_of: date
    proposal_version: str
    started_by: str
    started_at: datetime
    directory: Path
    process: BaseProcess
    _outcome: Report | dict | None = field(default=None, repr=False)

    @property
    def exitcode(self) -> int | None:
        with _reaping:
            return self.process.exitcode

    @property
    def running(self) -> bool:
        return self.exitcode is None

    @property
    def state(self) -> str:
        """running, done or failed."""
        outcome = self.outcome()
        if outcome is None:
            return "running"
        return "done" if isinstance(outcome, Report) else "failed"

    def join(self, timeout: float) -> None:
        if connection.wait([self.process.sentinel], timeout):
            with _reaping:  # it has closed its end: it is exiting, the wait is short
                self.process.join()

    def outcome(self) -> Report | dict | None:
        """The report, the failure ({"code", "message"}), or None while running."""
        if self._outcome is None:
            self._outcome = background.outcome(self.directory, self.exitcode)
        return self._outcome


class Runs:
    def __init__(self) -> None:
        self._root: Path | None = None
        self._runs: dict[str, Run] = {}  # oldest first
        self._lock = threading.Lock()

    def start(self, settings: Settings, proposal_text: str, as_of: date,
              proposal_version: str, started_by: str) -> tuple[Run, bool]:
        """(the new run, True), or (the run still running, False)."""
        with self._lock:
            current = self.running()
            if current is not None:
                return current, False
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="lifecycle-what-if-"))
            run_id = secrets.token_hex(8)
            directory = self._root / run_id
            directory.mkdir()
            process = background.start(settings, proposal_text, as_of, directory)
            run = Run(run_id, as_of, proposal_version, started_by, datetime.now(UTC),
                      directory, process)
            self._runs[run_id] = run
            self._forget_old()
            return run, True

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def running(self) -> Run | None:
        return next((r for r in self._runs.values() if r.running), None)

    def recent(self) -> list[Run]:
        return list(self._runs.values())[::-1]

    def wait(self, run_id: str, timeout: float) -> Run:
        """The run once it has ended (for tests and tools); TimeoutError if it has not."""
        run = self._runs[run_id]
        run.join(timeout)
        if run.running:
            raise TimeoutError(f"what-if run {run_id} still running after {timeout} s")
        return run

    def close(self) -> None:
        """At shutdown: stop what still runs, and remove every run's files."""
        for run in self._runs.values():
            if run.running:
                run.process.kill()
                run.join(5)
        self._runs.clear()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def _forget_old(self) -> None:
        for run_id in list(self._runs)[:-KEPT]:
            if not self._runs[run_id].running:
                shutil.rmtree(self._runs.pop(run_id).directory, ignore_errors=True)
