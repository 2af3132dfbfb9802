"""A `lifecycle` process under test, read through its JSON log lines: wait for an event
with a deadline (never a sleep), count what it logged."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

DEADLINE = 60.0


class Logged:
    def __init__(self, *args: str, env: dict | None = None):
        env = {**os.environ, "LIFECYCLE_LOG_FORMAT": "json", "LIFECYCLE_LOG_LEVEL": "DEBUG",
               **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lifecycle", *args], stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL, text=True, env=env)
        self.lines: list[dict] = []
        self._new: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = {"event": "(not json)", "line": line}
            self.lines.append(entry)
            self._new.put(entry)

    def wait_for(self, event: str, count: int = 1, deadline: float = DEADLINE) -> None:
        """Until `event` has been logged `count` times in all."""
        end = time.monotonic() + deadline
        while self.count(event) < count:
            left = end - time.monotonic()
            if left <= 0 or self.process.poll() is not None and self._new.empty():
                raise AssertionError(f"{event} x{count} not logged; exit "
                                     f"{self.process.poll()}; last lines {self.lines[-8:]}")
            try:
                self._new.get(timeout=min(left, 0.5))
            except queue.Empty:
                pass

    def count(self, event: str, level: str | None = None) -> int:
        return sum(1 for line in self.lines if line.get("event") == event
                   and (level is None or line.get("level") == level))

    def warnings(self) -> list[str]:
        return [line["event"] for line in self.lines if line.get("level") == "warning"]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=DEADLINE)
