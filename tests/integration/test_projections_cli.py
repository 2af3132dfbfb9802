"""The read side end to end: catch-up after apply, the `projections`, `query` and `report`
commands with --json/--csv and paging, follow mode, concurrent runners, holders_due."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from lifecycle.application import LifecycleApplication
from lifecycle.bootstrap import catch_up
from lifecycle.cli import main
from lifecycle.cli.read import register
from lifecycle.settings import Settings
from projections import database, queries
from projections.database import read_engine
from projections.runner import ConcurrentRunError, Runner

from .test_projections_crash import dump, populate

register(main)


@pytest.fixture
def populated(db_url, monkeypatch):
    monkeypatch.setenv("LIFECYCLE_DATABASE_URL", db_url)
    monkeypatch.delenv("LIFECYCLE_READ_DATABASE_URL", raising=False)
    config = Settings(database_url=db_url, audit_rate=Decimal("0"))
    app = LifecycleApplication(config)
    populate(app)
    engine = read_engine(config.sqlalchemy_url(), config.schema)
    yield config, app, engine
    app.close()
    engine.dispose()


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_catch_up_after_apply_makes_the_batch_visible_to_queries(populated):
    config, app, engine = populated
    assert database.position(engine) == 0 if Runner(app, engine) else None
    catch_up(Runner(app, engine))
    status = queries.holder_status(engine, "C002", date(2030, 1, 2))
    assert status == app.status("C002", date(2030, 1, 2))
    assert status["qualifications"]["CAP"]["status"] == "renewal_window_open"


def test_projections_status_shows_the_lag_until_a_catch_up(populated):
    _config, app, _engine = populated
    before = json.loads(cli("projections", "status", "--json"))
    head = app.recorder.max_notification_id()
    assert (before["position"], before["head"], before["lag"]) == (0, head, head)
    assert json.loads(cli("projections", "catch-up"))["lag"] == 0
    assert json.loads(cli("projections", "status", "--json"))["position"] == head
    assert json.loads(cli("projections", "rebuild"))["position"] == head


def test_credentials_by_status_pages_without_overlap_in_json_and_csv(populated):
    config, app, engine = populated
    catch_up(Runner(app, engine))
    args = ["query", "credentials", "--status", "lapsed", "--as-of", "2030-04-01"]
    first = json.loads(cli(*args, "--json", "--limit", "5"))
    assert len(first["items"]) == 5 and first["next_after"]
    rest = json.loads(cli(*args, "--json", "--limit", "100", "--after", first["next_after"]))
    holders = [i["holder"] for i in first["items"] + rest["items"]]
    assert holders == sorted(set(holders)) and rest["next_after"] is None
    # Certified with no renewal request: lapsed on 1 April; the requester's request was
    # never paid, so it lapsed too (an unaccepted request does not hold off the lapse).
    certified = [f"C{n:03d}" for n in range(24) if n % 4 in (2, 3)]
    assert holders == certified
    rows = list(csv.DictReader(io.StringIO(cli(*args, "--csv", "--all", "--limit", "4"))))
    assert [r["holder"] for r in rows] == holders
    assert {r["status"] for r in rows} == {"lapsed"} and rows[0]["valid_until"] == "2030-03-31"


def test_status_is_computed_on_the_query_date_without_new_events(populated):
    config, app, engine = populated
    catch_up(Runner(app, engine))
    on = {d: {i["holder"]: i["status"] for i in queries.credentials(
        engine, as_of=date.fromisoformat(d), qualification="CAP", limit=1000).items}
        for d in ("2029-12-31", "2030-01-01", "2030-03-31", "2030-04-01", "2029-06-16")}
    assert on["2029-12-31"]["C002"] == "certified"
    assert on["2030-01-01"]["C002"] == "renewal_window_open"
    assert on["2030-03-31"]["C003"] == "renewal_requested"
    assert on["2030-04-01"]["C002"] == "lapsed"
    assert on["2029-06-16"]["C000"] == "pass_expired"  # report issued 2026-06-15
    # Applied with the fee short: an open application keeps `applied` after the report's
    # last day (SPEC §10).
    assert on["2030-04-01"]["C001"] == "applied"


def test_lists_report_and_cpd_shortfall(populated):
    config, app, engine = populated
    catch_up(Runner(app, engine))
    short = json.loads(cli("query", "cpd-shortfall", "--as-of", "2030-02-01", "--json",
                           "--limit", "100"))["items"]
    lacking = {i["holder"]: i["lacking"] for i in short}
    # n % 5 entries of 10 points in category A, within the cycle 2027-04-01 .. 2030-03-31
    assert lacking == {f"C{n:03d}": str(30 - 10 * (n % 5)) for n in range(24)
                       if n % 4 in (2, 3) and 10 * (n % 5) < 30}
    windows = json.loads(cli("query", "windows", "--opens-between", "2030-01-01",
                             "2030-01-01", "--as-of", "2030-01-15", "--json",
                             "--limit", "100"))["items"]
    assert len(windows) == 12 and {w["outcome"] for w in windows} == {"current"}
    expiring = queries.expiring(engine, fiscal_year=2029, as_of=date(2030, 4, 1), limit=100)
    assert {i["outcome"] for i in expiring.items} == {"lapsed"}
    payments = json.loads(cli("query", "payments", "--json", "--limit", "100"))["items"]
    short_paid = [p for p in payments if p["shortfall"]]
    assert {p["holder"] for p in short_paid} == {f"C{n:03d}" for n in range(1, 24, 4)}
    assert short_paid[0]["shortfall"] == 6000 and short_paid[0]["credited_to"] == "application"
    assert json.loads(cli("query", "payments", "--unmatched", "--json")) == {
        "items": [], "next_after": None}
    report = json.loads(cli("report", "--fiscal-year", "2029", "--as-of", "2030-04-01",
                            "--json"))["qualifications"]["CAP"]
    assert report["renewals_due"] == 12 and report["lapsed"] == 12 and report["renewed"] == 0
    assert report["statuses"]["lapsed"] == 12
    new = json.loads(cli("report", "--fiscal-year", "2026", "--json"))
    assert new["qualifications"]["CAP"]["new_certifications"] == 12
    certified = queries.certified_on(engine, on=date(2028, 1, 1), limit=100)
    assert len(certified.items) == 12


def test_holders_due_pages_through_the_facts_the_sweep_has_not_recorded(populated):
    config, app, engine = populated
    catch_up(Runner(app, engine))
    # The sweep of 2030-04-02 recorded the windows, the lapses and the pass reports of
    # those who never applied (expired 2029-06-16); an open application holds its pass
    # report's expiry back, so nothing else is due.
    assert queries.holders_due(engine, date(2030, 4, 2)) == []
    app.execute({"type": "record_exam_pass", "holder": "C000", "qualification": "OMP",
                 "pass_number": "P30-1", "issued_on": "2030-05-01"}, actor="t",
                today=date(2030, 5, 1))
    catch_up(Runner(app, engine))
    assert queries.holders_due(engine, date(2033, 5, 1)) == []
    assert queries.holders_due(engine, date(2033, 5, 2)) == ["C000"]
    first = queries.holders_due(engine, date(2033, 5, 2), after_holder="C000")
    assert first == []


def test_a_second_runner_on_the_same_read_model_stops_instead_of_applying_twice(populated):
    _config, app, engine = populated
    slow, fast = Runner(app, engine, page_size=5), Runner(app, engine, page_size=5)
    # The fast runner overtakes between two of the slow one's pages.
    overtake = lambda _n, position: fast.catch_up() if position == 10 else None  # noqa: E731
    with pytest.raises(ConcurrentRunError):
        slow.catch_up(on_page=overtake)
    assert database.position(engine) == app.recorder.max_notification_id()
    caught_up = dump(engine)
    fast.rebuild()
    assert caught_up == dump(engine)


def test_follow_applies_new_events_until_stopped(populated):
    _config, app, engine = populated
    runner = Runner(app, engine, page_size=50)
    stop, reached = threading.Event(), threading.Event()
    target = {"position": app.recorder.max_notification_id()}

    def on_page(_n: int, position: int) -> None:
        if position >= target["position"]:
            reached.set()

    follower = threading.Thread(target=runner.follow, args=(stop,),
                                kwargs={"interval": 0.05, "on_page": on_page})
    follower.start()
    try:
        assert reached.wait(30)
        reached.clear()
        app.execute({"type": "record_exam_pass", "holder": "N1", "qualification": "SV",
                     "pass_number": "P-N1", "issued_on": "2030-05-01", "name": "新",
                     "name_kana": "シン"}, actor="t", today=date(2030, 5, 1))
        target["position"] = app.recorder.max_notification_id()
        assert reached.wait(30)
    finally:
        stop.set()
        follower.join(30)
    assert not follower.is_alive()
    assert queries.holder_status(engine, "N1", date(2030, 5, 1)) == app.status(
        "N1", date(2030, 5, 1))
