"""`apply` on a small file system that fills up: it stops at the first line it could not
apply, everything it printed is in the store and nothing after it, and re-running the file
on a larger disk converges to one record of each line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from lifecycle.bootstrap import open_application
from lifecycle.settings import Settings

pytestmark = pytest.mark.faults
LINES = 3000


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _apply(url: str, batch: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lifecycle", "--db", url, "apply", str(batch)],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "LIFECYCLE_LOG_FORMAT": "json"})


def test_apply_stops_cleanly_on_a_full_disk_and_a_rerun_converges(small_disk, tmp_path):
    batch = tmp_path / "passes.jsonl"
    batch.write_text("".join(json.dumps({
        "type": "record_exam_pass", "holder": f"H{n:05d}", "qualification": "SV",
        "pass_number": f"S{n:06d}", "issued_on": "2026-06-15", "name": "今田 太郎",
        "name_kana": "コンケンタロウ", "email": f"{uuid.uuid4().hex}@example.jp"}) + "\n"
        for n in range(LINES)), encoding="utf-8")
    full = _apply(f"sqlite:///{small_disk / 'store.db'}", batch)
    assert full.returncode == 3, full.stderr[-2000:]
    printed = [json.loads(line) for line in full.stdout.splitlines()]
    assert 0 < len(printed) < LINES and all(r["ok"] for r in printed)
    stopped = f"passes.jsonl:{len(printed) + 1} and every line after it were not applied"
    assert stopped in full.stderr
    assert "is full" in full.stderr and "Traceback" not in full.stderr
    assert "INTERNAL_ERROR" not in full.stdout

    bigger = tmp_path / "bigger"
    bigger.mkdir()
    for path in small_disk.iterdir():
        shutil.copy(path, bigger / path.name)
    url = f"sqlite:///{bigger / 'store.db'}"
    app = open_application(Settings(database_url=url))
    stored = {n for n in range(LINES) if app.find(f"H{n:05d}") is not None}
    app.close()
    assert stored == set(range(len(printed)))  # what was printed, and nothing after it

    rerun = _apply(url, batch)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    app = open_application(Settings(database_url=url))
    assert app.recorder.max_notification_id() == 2 * LINES  # each pass and its claim, once
    app.close()
