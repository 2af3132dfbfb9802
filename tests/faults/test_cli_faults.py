"""Every command ends an infrastructure fault with one line on stderr that says what failed
and what to do, and exit status 3; a traceback only with LIFECYCLE_LOG_LEVEL=DEBUG.

The full and read-only disks are small tmpfs mounts, which need root; elsewhere those
tests skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from projections.store_faults import EXIT_FAULT

pytestmark = pytest.mark.faults

QUICKSTART = Path(__file__).parents[2] / "examples" / "quickstart.jsonl"


def _lifecycle(*args: str, stdin: str = "", debug: bool = False):
    env = {**os.environ, "LIFECYCLE_LOG_FORMAT": "json"}
    env.pop("LIFECYCLE_LOG_LEVEL", None)
    if debug:
        env["LIFECYCLE_LOG_LEVEL"] = "DEBUG"
    return subprocess.run([sys.executable, "-m", "lifecycle", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def _one_line(result) -> str:
    assert result.returncode == EXIT_FAULT, result
    assert "Traceback" not in result.stderr and '"exception"' not in result.stderr
    # The scheduler's own info lines (JSON) may come first: nothing else may.
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith('{"') or '"level": "info"' not in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unreachable_postgresql_server_is_one_line_without_the_password():
    line = _one_line(_lifecycle("--db", "postgresql://clerk:hunter2-secret@127.0.0.1:1/x",
                                "status", "H1"))
    assert line.startswith("lifecycle: cannot reach PostgreSQL at 127.0.0.1:1/x")
    assert "Connection refused" in line and "check that the database server is running" in line
    assert "hunter2-secret" not in line


def test_a_missing_directory_is_named():
    line = _one_line(_lifecycle("--db", "sqlite:///no/such/dir/x.db", "status", "H1"))
    assert "cannot open the SQLite database no/such/dir/x.db" in line
    assert f"no directory {os.path.abspath('no/such/dir')}" in line


@pytest.mark.parametrize("command", [["history", "H1"], ["sweep"], ["payments", "unmatched"],
                                     ["projections", "status"], ["apply", "-"]])
def test_every_command_answers_the_same_way(command):
    line = _one_line(_lifecycle("--db", "postgresql://postgres@127.0.0.1:1/x", *command))
    assert line.startswith("lifecycle: cannot reach PostgreSQL at 127.0.0.1:1/x")


def test_serve_and_the_scheduler_starting_on_a_file_that_cannot_be_opened():
    assert "cannot open" in _one_line(_lifecycle("--db", "sqlite:///no/such/dir/x.db",
                                                 "serve", "--port", "0"))
    assert "cannot open" in _one_line(_lifecycle("--db", "sqlite:///no/such/dir/x.db",
                                                 "scheduler"))


def test_with_debug_logging_the_traceback_is_logged_too():
    result = _lifecycle("--db", "sqlite:///no/such/dir/x.db", "status", "H1", debug=True)
    assert result.returncode == EXIT_FAULT
    assert '"exception"' in result.stderr and "unable to open database file" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("lifecycle: cannot open")


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_read_only_file_system(small_disk):
    url = f"sqlite:///{small_disk / 'office.db'}"
    lines = QUICKSTART.read_text().splitlines()
    assert _lifecycle("--db", url, "apply", "-", stdin=lines[0]).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    # A write stops at its first line and names the cause ...
    applied = _lifecycle("--db", url, "apply", "-", stdin=lines[1])
    assert applied.returncode == EXIT_FAULT and applied.stdout == ""
    assert applied.stderr.splitlines()[0] == "stdin:1 and every line after it were not applied"
    assert f"is read-only ({small_disk} is on a read-only file system)" in applied.stderr
    assert "make the database writable" in applied.stderr
    # ... while a status served by a read model that is already caught up still answers.
    status = _lifecycle("--db", url, "status", "H0001", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["holder"] == "H0001"


def test_a_full_disk(small_disk):
    with open(small_disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass
    line = _one_line(_lifecycle("--db", f"sqlite:///{small_disk / 'office.db'}",
                                "status", "H0001"))
    assert "is full" in line and "free space" in line
