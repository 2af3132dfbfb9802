"""`lifecycle serve`: its event loop choice, and several workers answering over TCP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from lifecycle.application import LifecycleApplication
from lifecycle.cli.serve import event_loop
from lifecycle.settings import Settings

from .test_api_http import BOOT, READER, ROOT, TOKENS, _free_port, exam_pass


def test_one_worker_runs_asyncio_and_several_run_uvloop_unless_told():
    assert event_loop("auto", 1) == "asyncio"
    assert event_loop("auto", 2) == event_loop("auto", 8) == "uvloop"
    assert event_loop("asyncio", 4) == "asyncio"
    assert event_loop("uvloop", 1) == "uvloop"


def serve(db_url: str, log: Path, *args: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_")}
    env.update(LIFECYCLE_API_TOKENS=TOKENS, LIFECYCLE_AUDIT_RATE="0")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", BOOT, "--db", db_url, "serve", "--port", str(port), *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


@pytest.mark.parametrize("loop", ["auto", "asyncio"])
def test_two_workers_answer_quickly_and_stop_together(tmp_path, loop):
    """With `--loop asyncio` the workers' connections would have Nagle's algorithm on
    (lifecycle.http.protocol): each answer's body would wait ~40 ms for an ACK."""
    db_url = f"sqlite:///{tmp_path / 'lifecycle.db'}"
    app = LifecycleApplication(Settings(database_url=db_url))
    assert app.execute(exam_pass("W01", "CAP", "P26-000501", "2026-06-15"), actor="test",
                       today=date(2026, 7, 1))["ok"]
    app.close()
    process, base = serve(db_url, tmp_path / "serve.log", "--workers", "2", "--loop", loop)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {READER}"},
                          timeout=10) as http:
            http.get("/holders/W01/status")  # warm
            started = time.perf_counter()
            answers = [http.get("/holders/W01/status") for _ in range(20)]
            elapsed = time.perf_counter() - started
        assert all(a.status_code == 200 for a in answers)
        assert answers[0].json()["holder"] == "W01"
        assert elapsed < 0.5, f"20 answers on one connection took {elapsed:.2f} s"
    finally:
        process.terminate()
        process.wait(timeout=20)
    time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True)
    assert children.stdout == b""
