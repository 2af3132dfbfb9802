"""The installed `lifecycle` console script, run as a real process (SPEC §8 Command line)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .cli_driver import (
    apply_lines,
    certification_batch,
    check_result_shape,
    check_status_shape,
    exam_pass,
    types,
)


def lifecycle_executable() -> str:
    beside_python = Path(sys.executable).with_name("lifecycle")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("lifecycle")
    assert found, "the `lifecycle` console script is not installed"
    return found


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [lifecycle_executable(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_console_script_applies_a_batch_file_and_prints_status(db_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_")}
    env["LIFECYCLE_AUDIT_RATE"] = "0"
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in certification_batch()),
        encoding="utf-8",
    )

    applied = run(["--db", db_url, "apply", str(batch)], env, tmp_path)
    assert applied.returncode == 0, applied.stderr
    results = [json.loads(line) for line in applied.stdout.splitlines() if line.strip()]
    assert len(results) == 4
    for result in results:
        check_result_shape(result)
        assert result["ok"] is True, result

    shown = run(
        ["--db", db_url, "status", "H0001", "--json", "--as-of", "2026-10-01"], env, tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    check_status_shape(doc)
    cap = doc["qualifications"]["CAP"]
    assert (cap["status"], cap["certification_number"], cap["valid_from"], cap["valid_until"]) == (
        "certified",
        "CAP-2027-00001",
        "2027-04-01",
        "2030-03-31",
    )

    # the store can also come from LIFECYCLE_DATABASE_URL instead of --db
    by_env = run(
        ["status", "H0001", "--json", "--as-of", "2026-10-01"],
        {**env, "LIFECYCLE_DATABASE_URL": db_url},
        tmp_path,
    )
    assert by_env.returncode == 0, by_env.stderr
    assert json.loads(by_env.stdout) == doc

    # the actor of an imported command names the import file and line
    history = run(["--db", db_url, "history", "H0001", "--json"], env, tmp_path)
    assert history.returncode == 0, history.stderr
    recorded = json.loads(history.stdout)["events"]
    assert [e["type"] for e in recorded] == [e["type"] for r in results for e in r["events"]]
    certified = [e for e in recorded if e["type"] == "Certified"][0]
    assert "batch.jsonl" in certified["actor"] and "4" in certified["actor"], certified["actor"]

    missing = run(["--db", db_url, "history", "H9999", "--json"], env, tmp_path)
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["code"] == "UNKNOWN_HOLDER"


def test_apply_dash_reads_stdin_given_as_plain_text(db_url, monkeypatch):
    """`apply -` must not depend on stdin having a file name (CliRunner's input is unnamed)."""
    monkeypatch.setenv("LIFECYCLE_AUDIT_RATE", "0")
    line = json.dumps(exam_pass("H0001", "CAP", "P26-000123", "2026-06-15"), ensure_ascii=False)
    code, results = apply_lines(db_url, [line], plain_input=True)
    assert code == 0
    assert types(results[0]) == ["ExamPassed"]
