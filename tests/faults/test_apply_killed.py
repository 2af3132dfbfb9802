"""`apply` killed with SIGKILL part-way, then run again: every result it printed is in the
store, and the rerun converges to exactly the events of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from lifecycle.bootstrap import open_application
from lifecycle.demo.population import certification_commands
from lifecycle.settings import Settings

pytestmark = pytest.mark.faults
HOLDERS = 300


def _batch(path) -> None:
    lines = []
    for n in range(HOLDERS):
        lines += certification_commands(f"K{n:05d}", f"P26-{n:06d}", f"B-K{n:05d}")
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def _events(url: str) -> list[tuple]:
    app = open_application(Settings(database_url=url))
    found = sorted((str(e.originator_id), e.originator_version, type(e).__name__)
                   for n in range(HOLDERS)
                   for e in app.events.get(app.holder(f"K{n:05d}").id))
    app.close()
    return found


def _apply(url: str, batch, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "lifecycle", "--db", url, "apply",
                             str(batch)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**os.environ, "LIFECYCLE_LOG_LEVEL": "ERROR"},
                            **kwargs)


def _finish(process) -> int:
    process.communicate(timeout=300)  # read its results: a full pipe would block it
    return process.returncode


def test_a_killed_apply_keeps_what_it_printed_and_a_rerun_converges(tmp_path):
    batch = tmp_path / "batch.jsonl"
    _batch(batch)
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    assert _finish(_apply(clean, batch)) == 0
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    victim = _apply(url, batch)
    printed = []
    for line in victim.stdout:  # kill it in the middle of the file, after a few chunks
        printed.append(json.loads(line))
        if len(printed) == 450:
            victim.send_signal(signal.SIGKILL)
            break
    victim.wait(timeout=60)
    assert victim.returncode == -signal.SIGKILL
    app = open_application(Settings(database_url=url))
    recorded = {(e["actor"], e["type"]) for r in printed for e in r["events"]}
    stored = {(e.actor, type(e).__name__) for a in app.holder_ids()
              for e in app.events.get(a)}
    app.close()
    assert recorded <= stored  # every printed result is in the store
    assert _finish(_apply(url, batch)) in (0, 1)  # re-run: repeats are refusals
    assert _events(url) == _events(clean)
