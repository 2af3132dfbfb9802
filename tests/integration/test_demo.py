"""`lifecycle demo`: from an empty directory, every path of the rules, a truthful summary."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from click.testing import CliRunner

from lifecycle.bootstrap import open_application, open_read_engine, runtime
from lifecycle.cli import main
from lifecycle.demo import run as demo
from lifecycle.demo.population import Population
from lifecycle.settings import Settings

UNTIL = date(2030, 2, 1)


def test_the_demo_walks_every_path_and_its_summary_matches_the_events(db_url):
    settings = Settings(database_url=db_url, audit_rate=Decimal("0.5"))
    app = open_application(settings)  # the monthly sweeps find due holders in read models
    outcomes = demo.run(app, Population(7, 60, UNTIL, Decimal("0.5")))
    assert set(outcomes) == {"ok"}
    types = Counter(e["type"] for i in range(60) for e in app.history(f"H{i + 1:05d}")["events"])
    for kind in ("Certified", "ApplicationRejected", "Renewed", "CPDAuditSelected",
                 "CPDAuditCompleted", "CPDWithdrawn", "Lapsed", "RenewalWindowOpened",
                 "PassReportExpired"):
        assert types[kind] > 0, kind
    runtime(app).catch_up()
    summary = demo.summary(open_read_engine(settings), UNTIL)
    numbers = [f"H{i + 1:05d}" for i in range(60)]
    assert summary["counts"] == demo.summary_from_events(app, numbers, UNTIL)
    statuses = {status for _, status in summary["counts"]}
    assert {"certified", "applied", "lapsed", "qualified", "renewal_accepted"} <= statuses


def test_the_demo_command_runs_in_an_empty_directory_and_refuses_a_full_store(tmp_path,
                                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--holders", "20", "--until", "2027-06-01"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "lifecycle.db").exists()
    assert "certified" in first.output and "History of" in first.output
    again = runner.invoke(main, ["demo", "--holders", "20"])
    assert again.exit_code != 0
    assert "already holds events" in again.output
