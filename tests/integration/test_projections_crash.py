"""Crash tests: a catch-up or rebuild in a real subprocess, SIGKILLed at a chosen page and
moment (rows written but not committed, or just committed), then resumed, leaves exactly
the read model of an uninterrupted run — on SQLite and PostgreSQL.

The kill is deterministic: the child counts pages and kills itself with SIGKILL at the
page the test asks for, so no test depends on timing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from lifecycle.application import LifecycleApplication
from lifecycle.settings import Settings
from projections import database, tables
from projections.database import read_engine
from projections.runner import Runner

ROOT = Path(__file__).resolve().parents[2]
PAGE = 7

CHILD = """
import os, signal, sys
from lifecycle.application import LifecycleApplication
from lifecycle.settings import Settings
from projections import projector, runner
from projections.database import read_engine

kill_page, moment = int(os.environ["KILL_PAGE"]), os.environ["KILL_MOMENT"]
pages = 0
write, apply_page = projector.Projector.write, runner.Runner._apply_page

def counting_write(self, conn, events):
    global pages
    pages += 1
    result = write(self, conn, events)
    if moment == "before_commit" and pages == kill_page:
        os.kill(os.getpid(), signal.SIGKILL)  # rows written, transaction still open
    return result

def killing_apply_page(self, page, expected):
    apply_page(self, page, expected)
    if moment == "after_commit" and pages == kill_page:
        os.kill(os.getpid(), signal.SIGKILL)

projector.Projector.write = counting_write
runner.Runner._apply_page = killing_apply_page
settings = Settings(database_url=os.environ["URL"])
app = LifecycleApplication(settings)
run = runner.Runner(app, read_engine(settings.sqlalchemy_url(), settings.schema),
                    page_size=int(os.environ["PAGE"]))
run.rebuild() if os.environ["MODE"] == "rebuild" else run.catch_up()
sys.exit(3)  # reached only if the kill point was never hit
"""


def populate(app: LifecycleApplication, holders: int = 24) -> None:
    """Holders at different stages: passed, applied, certified with CPD, renewed, lapsed."""
    for n in range(holders):
        h, number = f"C{n:03d}", f"P26-{n:06d}"
        run = lambda cmd, h=h: app.execute({"holder": h, **cmd}, actor="t", today=date(2031, 1, 1))  # noqa: E731
        run({"type": "record_exam_pass", "qualification": "CAP", "pass_number": number,
             "issued_on": "2026-06-15", "name": f"名 {n}", "name_kana": "カナ"})
        if n % 4 == 0:
            continue
        signer = {"name": "S", "organization": "A", "signed_on": "2026-08-01"}
        run({"type": "file_application", "qualification": "CAP", "on": "2026-09-01",
             "experience": [{"organization": "A", "from": "2015-01", "to": "2019-12",
                             "fields": [6], "supervisor": signer},
                            {"organization": "A", "from": "2020-01", "to": "2020-12",
                             "fields": [1], "supervisor": signer}],
             "substitutions": [], "ethics_pledge_signed_on": "2026-08-30",
             "pass_report_copy": True})
        run({"type": "record_payment", "purpose": "certification", "qualification": "CAP",
             "amount": 11000 if n % 4 != 1 else 5000, "paid_on": "2026-09-03",
             "payer_name": f"{number[-4:]}カナ", "bank_reference": f"R{n}"})
        run({"type": "decide_application", "qualification": "CAP", "on": "2026-10-01",
             "decision": "certify"})
        for k in range(n % 5):
            run({"type": "log_cpd", "entry_id": f"e{k}", "category": "A", "field": 6,
                 "activity_on": f"202{7 + k % 3}-05-10", "hours": "10", "title": "t",
                 "provider": "p", "on": f"202{7 + k % 3}-05-11"})
        if n % 4 == 3:
            run({"type": "request_renewal", "qualification": "CAP", "on": "2030-01-10",
                 "ethics_pledge_signed_on": "2030-01-10"})
    app.execute({"type": "sweep", "as_of": "2030-04-02"}, actor="scheduler",
                today=date(2030, 4, 2))


def dump(engine) -> dict:
    """Every projected row and the position (not the wall-clock `updated_at`)."""
    snapshot = {"position": database.position(engine)}
    with engine.connect() as conn:
        for table in tables.PROJECTED:
            keys = list(table.primary_key.columns)
            snapshot[table.name] = conn.execute(select(table).order_by(*keys)).all()
    return snapshot


def run_child(url: str, mode: str, kill_page: int, moment: str) -> int:
    env = {**os.environ, "URL": url, "MODE": mode, "KILL_PAGE": str(kill_page),
           "KILL_MOMENT": moment, "PAGE": str(PAGE), "LIFECYCLE_LOG_LEVEL": "ERROR"}
    return subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT,
                          timeout=120).returncode


@pytest.fixture
def store(db_url):
    config = Settings(database_url=db_url, audit_rate=Decimal("0.5"))
    app = LifecycleApplication(config)
    populate(app)
    engine = read_engine(config.sqlalchemy_url(), config.schema)
    yield db_url, app, engine
    app.close()
    engine.dispose()


def test_a_killed_catch_up_resumes_to_the_uninterrupted_read_model(store):
    url, app, engine = store
    runner = Runner(app, engine, page_size=PAGE)
    pages = -(-runner.head() // PAGE)
    runner.rebuild()
    expected = dump(engine)
    assert expected["position"] == runner.head() and len(expected["holders"]) == 24

    rng = random.Random(20260615)
    for moment in ("before_commit", "after_commit", "before_commit"):
        database.reset_tables(engine)
        kill_page = rng.randint(2, pages - 1)
        assert run_child(url, "catch-up", kill_page, moment) == -signal.SIGKILL
        committed = kill_page - (moment == "before_commit")
        assert 0 < database.position(engine) <= committed * PAGE  # stopped part-way
        assert dump(engine) != expected
        Runner(app, engine, page_size=PAGE).catch_up()
        assert dump(engine) == expected, (moment, kill_page)


def test_a_killed_rebuild_resumes_to_the_uninterrupted_read_model(store):
    url, app, engine = store
    runner = Runner(app, engine, page_size=PAGE)
    runner.rebuild()
    expected = dump(engine)
    pages = -(-runner.head() // PAGE)

    rng = random.Random(20300401)
    for moment in ("after_commit", "before_commit"):
        kill_page = rng.randint(2, pages - 1)
        assert run_child(url, "rebuild", kill_page, moment) == -signal.SIGKILL
        assert database.position(engine) < runner.head()  # the rebuild was cut short
        Runner(app, engine, page_size=PAGE).catch_up()
        assert dump(engine) == expected, (moment, kill_page)


def test_a_page_replayed_after_a_lost_commit_is_applied_once(store):
    """The runner's in-memory states survive a failed page only if they are forgotten:
    a failure inside the transaction must not leave half-applied holders behind."""
    _url, app, engine = store
    runner = Runner(app, engine, page_size=PAGE)
    original = runner.projector.write
    calls = {"n": 0}

    def failing_write(conn, events):
        calls["n"] += 1
        result = original(conn, events)
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return result

    runner.projector.write = failing_write
    with pytest.raises(RuntimeError):
        runner.rebuild()
    assert database.position(engine) == 2 * PAGE
    runner.projector.write = original
    runner.catch_up()
    resumed = dump(engine)
    runner.rebuild()
    assert resumed == dump(engine)


def test_a_read_model_from_before_the_status_spans_gets_them_without_a_rebuild(store):
    _url, app, engine = store
    Runner(app, engine, page_size=PAGE).rebuild()
    expected = dump(engine)
    assert expected["credential_statuses"]
    with engine.begin() as conn:
        tables.credential_statuses.drop(conn)
    database.create_tables(engine)
    assert dump(engine) == expected
