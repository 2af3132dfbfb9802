"""A record the read models cannot write is named (position, holder, event type) in one line
and in `projections status`, instead of failing anonymously on every later call; skipping
its holder lets everyone else's records through until a rebuild replays it."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from aggregates import registers
from lifecycle.cli import main
from tests.integration.test_store import TODAY, _app, _certified


def _poison(app) -> int:
    """A transfer of 10^30 yen saved behind the command boundary's back (as a bug could)."""
    reference = registers.bank_reference_id("POISON")
    app.save(registers.TransferUnmatched(
        originator_id=reference, originator_version=1,
        timestamp=registers.TransferUnmatched.create_timestamp(), bank_reference="POISON",
        amount=10**30, paid_on=date(2026, 11, 3), payer_name="Z", reason="test",
        source="test"))
    return app.recorder.max_notification_id()


def cli(db_url: str, *args: str):
    return CliRunner().invoke(main, ["--db", db_url, *args])


def test_an_unwritable_record_is_named_and_its_holder_can_be_skipped(db_url):
    app = _app(db_url)
    _certified(app, "H0001", "0123")
    position = _poison(app)
    _certified(app, "H0002", "0456")
    app.close()

    stopped = cli(db_url, "projections", "catch-up")
    assert stopped.exit_code == 1
    assert f"before notification {position} (no holder, TransferUnmatched)" in stopped.stderr
    assert "Traceback" not in stopped.output
    status = json.loads(cli(db_url, "projections", "status", "--json").stdout)
    assert status["fault"] == {"position": position, "holder": None,
                               "event_type": "TransferUnmatched", "error": status["fault"]["error"]}
    assert status["position"] < position
    again = cli(db_url, "projections", "catch-up")  # still stopped, still named
    assert again.exit_code == 1 and f"notification {position}" in again.stderr

    skipped = cli(db_url, "projections", "skip", str(position), "--by", "operator")
    assert skipped.exit_code == 0, skipped.output
    done = cli(db_url, "projections", "catch-up")
    assert done.exit_code == 0, done.output
    status = json.loads(cli(db_url, "projections", "status", "--json").stdout)
    assert status["fault"] is None and status["lag"] == 0
    assert [s["position"] for s in status["skipped"]] == [position]
    listed = cli(db_url, "query", "credentials", "--json", "--as-of", TODAY.isoformat())
    assert {i["holder"] for i in json.loads(listed.stdout)["items"]} == {"H0001", "H0002"}

    rebuilt = cli(db_url, "projections", "rebuild", "--jobs", "1")
    assert rebuilt.exit_code == 1 and f"notification {position}" in rebuilt.stderr


def test_a_holder_event_that_cannot_be_written_names_the_holder(db_url, monkeypatch):
    from projections import rows

    app = _app(db_url)
    _certified(app, "H0001", "0123")
    _certified(app, "H0002", "0456")
    app.close()
    original = rows.holder_rows

    def holder_rows(aggregate_id, version, position, state):
        if state.number == "H0002":
            raise OverflowError("a row rule cannot derive this holder")
        return original(aggregate_id, version, position, state)

    monkeypatch.setattr(rows, "holder_rows", holder_rows)
    stopped = cli(db_url, "projections", "catch-up")
    assert stopped.exit_code == 1
    assert "(holder H0002, ExamPassed)" in stopped.stderr
    status = json.loads(cli(db_url, "projections", "status", "--json").stdout)
    assert status["fault"]["holder"] == "H0002" and status["fault"]["error"] == "OverflowError"
