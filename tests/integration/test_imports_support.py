"""Helpers shared by the import and export tests (no tests here): files written the way an
office's tools write them, the CLI driven in-process, holders built through the application."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from lifecycle.application import LifecycleApplication
from lifecycle.cli import main
from lifecycle.cli.office import register
from lifecycle.settings import Settings

register(main)  # until lifecycle/cli.py calls it; adding the commands twice is harmless

TODAY = date(2026, 11, 20)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    """As Excel saves it: CRLF line ends, UTF-8 with BOM ("CSV UTF-8") or CP932."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run_cli(db_url: str, *args: str) -> tuple[int, dict | str]:
    """`lifecycle --db URL ARGS...`: the exit code, and the --json report parsed when asked
    for, else stdout and stderr as a person sees them."""
    result = CliRunner().invoke(main, ["--db", db_url, *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout) if "--json" in args else result.output


def import_file(db_url: str, kind: str, path: Path, *options: str) -> tuple[int, dict]:
    return run_cli(db_url, "import", kind, str(path), "--json", *options)


def app_for(db_url: str) -> LifecycleApplication:
    return LifecycleApplication(Settings(database_url=db_url, audit_rate=0))


def event_count(db_url: str) -> int:
    app = app_for(db_url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def execute(app: LifecycleApplication, *commands: dict) -> list[dict]:
    results = [app.execute(c, actor="test", today=TODAY) for c in commands]
    assert all(r["ok"] for r in results), results
    return results


def exam_pass(holder: str, pass_number: str, kana: str, issued_on: str = "2026-06-15",
              qualification: str = "CAP", name: str = "今田 太郎") -> dict:
    return {"type": "record_exam_pass", "holder": holder, "qualification": qualification,
            "pass_number": pass_number, "issued_on": issued_on, "name": name,
            "name_kana": kana, "email": f"{holder.lower()}@example.jp"}


def application(holder: str, on: str = "2026-09-01", qualification: str = "CAP") -> dict:
    """An application that is eligible once its fee is paid (60 months, fields 4 and 6)."""
    return {"type": "file_application", "holder": holder, "qualification": qualification,
            "on": on, "ethics_pledge_signed_on": on, "pass_report_copy": True,
            "experience": [{"organization": "A", "from": "2018-01", "to": "2022-12",
                            "fields": [4, 6],
                            "supervisor": {"name": "S", "organization": "A",
                                           "signed_on": on}}]}


def certified(app: LifecycleApplication, holder: str, pass_number: str, kana: str,
              issued_on: str = "2024-06-15") -> None:
    """Certified for CAP 2025-04-01 … 2028-03-31."""
    execute(app, exam_pass(holder, pass_number, kana, issued_on=issued_on),
            application(holder, on="2024-09-01"),
            {"type": "record_payment", "holder": holder, "purpose": "certification",
             "qualification": "CAP", "amount": 11000, "paid_on": "2024-09-03",
             "payer_name": pass_number[-4:] + kana, "bank_reference": f"SETUP-{holder}"},
            {"type": "decide_application", "holder": holder, "qualification": "CAP",
             "on": "2024-10-01", "decision": "certify"})


def rejected_lines(report: dict) -> dict[int, str]:
    return {row["line"]: row["code"] for row in report["rejected_rows"]}
