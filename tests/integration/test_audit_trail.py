"""The audit trail: what the records showed at a recorded moment (`--known-at`), and history."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from click.testing import CliRunner

from lifecycle.cli import main
from tests.integration.test_store import _app, _certified


def test_status_known_at_ignores_events_recorded_later(db_url):
    app = _app(db_url)
    _certified(app)
    events = app.history("H0001")["events"]
    paid_at = datetime.fromisoformat(events[2]["recorded_at"])
    then = app.status("H0001", date(2027, 1, 1), known_at=paid_at)
    now = app.status("H0001", date(2027, 1, 1))
    assert then["qualifications"]["CAP"]["status"] == "accepted"
    assert now["qualifications"]["CAP"]["status"] == "certified"
    # as-of and known-at combine: on the filing day the fee was not yet paid.
    filed = app.status("H0001", date(2026, 9, 1), known_at=paid_at)
    assert filed["qualifications"]["CAP"]["status"] == "applied"


def test_known_at_before_the_first_record_is_an_unknown_holder(sqlite_url):
    _certified(_app(sqlite_url))
    result = CliRunner().invoke(main, ["--db", sqlite_url, "status", "H0001",
                                       "--known-at", "2000-01-01T00:00:00"])
    assert result.exit_code == 1
    assert '"UNKNOWN_HOLDER"' in result.output


def test_history_csv_has_a_row_per_event_with_business_date_and_actor(sqlite_url):
    app = _app(sqlite_url)
    _certified(app)
    result = CliRunner().invoke(main, ["--db", sqlite_url, "history", "H0001", "--csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["type"] for r in rows] == ["ExamPassed", "ApplicationFiled", "FeePaid", "Certified"]
    assert rows[3]["business_date"] == "2026-10-01" and rows[3]["actor"] == "test"
