"""When the store itself fails during `apply` (a full disk, a read-only file, a lost
connection), the batch stops at the first failure: the results already saved are printed,
one line names the first line not applied, the fault is one sentence, the exit status 3,
instead of thousands of INTERNAL_ERROR lines."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner
from eventsourcing.persistence import OperationalError

from lifecycle.application import LifecycleApplication
from lifecycle.cli import main
from tests.integration.test_store import _app


def _passes(count: int) -> str:
    return "".join(json.dumps({
        "type": "record_exam_pass", "holder": f"H{n:05d}", "qualification": "SV",
        "pass_number": f"S{n:06d}", "issued_on": "2026-06-15", "name": "今田 太郎",
        "name_kana": "コンケンタロウ"}) + "\n" for n in range(count))


def test_a_full_disk_stops_the_batch_at_the_first_line_not_applied(db_url, monkeypatch):
    saves = []
    original = LifecycleApplication.save

    def save(self, *objects, **kwargs):
        saves.append(len(objects))
        if len(saves) == 2:  # the second chunk's save meets a full disk
            full = sqlite3.OperationalError("database or disk is full")
            raise OperationalError(str(full)) from full  # as the library wraps the driver's
        return original(self, *objects, **kwargs)

    monkeypatch.setattr(LifecycleApplication, "save", save)
    result = CliRunner().invoke(main, ["--db", db_url, "apply", "-"], input=_passes(450))
    assert result.exit_code == 3, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(printed) == 200 and all(r["ok"] for r in printed)
    assert "stdin:201 and every line after it were not applied" in result.stderr
    assert "is full" in result.stderr and "INTERNAL_ERROR" not in result.output
    assert "Traceback" not in result.output
    monkeypatch.undo()
    app = _app(db_url)
    assert app.find("H00199") is not None and app.find("H00200") is None
    app.close()
