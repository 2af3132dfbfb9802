"""Two `lifecycle scheduler` processes: one leads, the other waits; stop the leader and the
standby takes over. Driven by the processes' own log lines, never by sleeping."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading

import pytest

START_TIMEOUT = 60


class Scheduler:
    def __init__(self, url: str):
        env = {**os.environ, "LIFECYCLE_LOG_FORMAT": "json", "LIFECYCLE_LOG_LEVEL": "DEBUG"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lifecycle", "--db", url, "scheduler",
             "--catch-up-every", "0.2"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            try:
                self.lines.put(json.loads(line).get("event"))
            except json.JSONDecodeError:
                self.lines.put(line)

    def wait_for(self, event: str) -> None:
        while True:
            seen = self.lines.get(timeout=START_TIMEOUT)
            if seen == event:
                return

    def saw(self, event: str) -> bool:
        seen = []
        while not self.lines.empty():
            seen.append(self.lines.get_nowait())
        return event in seen

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=START_TIMEOUT)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_only_one_scheduler_runs_jobs_and_the_standby_takes_over(store, request):
    url = request.getfixturevalue(f"{store}_url")
    first = Scheduler(url)
    second = None
    try:
        first.wait_for("scheduler.leader")
        first.wait_for("sweep.done")
        second = Scheduler(url)
        second.wait_for("scheduler.standby")
        second.wait_for("scheduler.standby")  # it tried again while the first leads, and waits
        assert not second.saw("scheduler.leader")
        assert first.stop() == 0
        second.wait_for("scheduler.leader")
        second.wait_for("sweep.done")
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0
