"""The what-if's two paths give one report: replaying only the holders the read models
name as candidates (and counting the rest from their rows) equals replaying every holder,
on a register that walks every path of the rules, for proposals of every kind."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from lifecycle.bootstrap import open_application
from lifecycle.demo import run as demo
from lifecycle.demo.population import Population
from lifecycle.policy import replay
from lifecycle.policy.loading import default_text
from lifecycle.settings import Settings
from tests.conftest import PG_SERVER, _pg_connect, _require_postgres

from .test_policy import proposal

UNTIL = date(2030, 2, 1)
PROPOSALS = {
    "every cycle needs 40": default_text().replace('version = "spec"', 'version = "r40"')
    .replace("required = 30", "required = 40"),
    "cycles from FY2028: 35, B capped at 10 a year": proposal(
        "fy28", cpd_from="2028-04-01", required=35, b_per_year=10),
    "fewer points from FY2024": proposal("r20", cpd_from="2024-04-01", required=20),
    "a dearer fee from 2027": proposal("fee", fee_from="2027-01-01", fee=12000),
    "the live rules": proposal("same"),
}


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def register(request, tmp_path_factory):
    """One demo register per store, built once for the module: 60 holders, 2015-2030."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('what-if') / 'lifecycle.db'}"
    else:
        _require_postgres()
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with _pg_connect() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_SERVER}?schema={schema}"
    try:
        app = open_application(Settings(database_url=url, audit_rate=Decimal("0.5")))
        assert set(demo.run(app, Population(7, 60, UNTIL, Decimal("0.5")))) == {"ok"}
        app.close()
        yield url
    finally:
        if schema is not None:
            with _pg_connect() as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _report(url: str, text: str, as_of: date, tmp_path, every_holder: bool,
            jobs: int = 1) -> tuple:
    folder = tmp_path / f"{every_holder}-{jobs}"
    folder.mkdir()
    report = replay.what_if(Settings(database_url=url), text, as_of, jobs, folder,
                            every_holder=every_holder)
    rows = sorted((r.holder, r.qualification, r.now, r.then, r.counted_now, r.counted_then,
                   r.required_now, r.required_then, r.why) for r in report.rows())
    return report.holders, dict(report.counts), report.differing, rows


@pytest.mark.parametrize("as_of", [UNTIL, date(2028, 6, 1)], ids=str)
@pytest.mark.parametrize("name", list(PROPOSALS))
def test_candidates_and_rows_give_the_report_of_a_full_replay(register, tmp_path, name,
                                                               as_of):
    url = register
    fast = _report(url, PROPOSALS[name], as_of, tmp_path, every_holder=False)
    assert fast == _report(url, PROPOSALS[name], as_of, tmp_path, every_holder=True)
    assert fast[0] == 60
    if name == "the live rules":
        assert fast[2] == 0
    elif name == "every cycle needs 40":
        assert fast[2] > 0


def test_two_jobs_give_the_same_report(register, tmp_path):
    url = register
    text = PROPOSALS["cycles from FY2028: 35, B capped at 10 a year"]
    assert (_report(url, text, UNTIL, tmp_path, every_holder=False, jobs=2)
            == _report(url, text, UNTIL, tmp_path, every_holder=False))
