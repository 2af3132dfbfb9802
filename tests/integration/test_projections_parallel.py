"""A parallel rebuild (holders split across worker processes, each share with its own
tracking row) gives exactly the read model of a serial one, also when a share was cut short
— on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lifecycle.rebuild_jobs import partition_pool
from lifecycle.settings import Settings
from projections import database, tables
from projections.runner import REGISTER_TOPICS, TRANSFER_TOPICS, Partition, Runner
from tests.integration.test_projections_crash import PAGE, dump, store  # noqa: F401

TODAY = date(2031, 1, 1)


def _with_unmatched_transfers(app) -> None:
    """Statement rows nobody claims: the unmatched queue is a share's job too."""
    for n in range(3):
        result = app.execute({"type": "record_transfer", "bank_reference": f"CO-{n}",
                              "paid_on": "2026-09-03", "amount": 33000,
                              "payer_name": f"ｶ)ｺﾝｹﾝｼﾖｳｼﾞ{n}"}, actor="s", today=TODAY)
        assert result["unmatched"]


def _tracking_names(engine) -> list[str]:
    """The positions kept (the policy the rows follow is not one)."""
    with engine.connect() as conn:
        return sorted(n for n in conn.execute(select(tables.tracking.c.name)).scalars()
                      if n != database.POLICY_NAME)


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_parallel_rebuild_equals_a_serial_one(store, jobs):  # noqa: F811
    url, app, engine = store
    _with_unmatched_transfers(app)
    runner = Runner(app, engine, page_size=PAGE)
    runner.rebuild()
    expected = dump(engine)
    assert len(expected["unmatched_payments"]) == 3

    settings = Settings(database_url=url)
    with partition_pool(settings, jobs, PAGE) as submit:
        read = Runner(app, engine, page_size=PAGE).rebuild(jobs=jobs, submit=submit)
    log = app.recorder.select_notifications(1, 10_000)
    assert read == sum(n.topic not in REGISTER_TOPICS for n in log)  # each read once
    assert dump(engine) == expected
    assert _tracking_names(engine) == [database.TRACKING_NAME]  # the shares were merged


def test_a_parallel_rebuild_cut_short_is_finished_by_the_next_catch_up(store):  # noqa: F811
    _url, app, engine = store
    _with_unmatched_transfers(app)
    runner = Runner(app, engine, page_size=PAGE)
    runner.rebuild()
    expected = dump(engine)

    shares = [Partition(0, 2), Partition(1, 2)]
    database.reset_tables(engine, [p.name for p in shares])
    # One share finished, the other stopped part-way (as if its process were killed).
    Runner(app, engine, page_size=PAGE, partition=shares[0]).catch_up()
    Runner(app, engine, page_size=PAGE, partition=shares[1]).catch_up(stop=3 * PAGE)
    assert database.position(engine) == 0 and dump(engine) != expected

    Runner(app, engine, page_size=PAGE).catch_up()
    assert dump(engine) == expected
    assert _tracking_names(engine) == [database.TRACKING_NAME]


def test_each_share_reads_exactly_its_holders_and_the_first_the_transfers(store):  # noqa: F811
    _url, app, _engine = store
    _with_unmatched_transfers(app)
    log = app.recorder.select_notifications(1, 10_000)
    assert any(n.topic in TRANSFER_TOPICS for n in log)
    for count in (2, 3):
        shares = [Partition(k, count) for k in range(count)]
        read = [s.select(app.recorder, 1, 10_000, None) for s in shares]
        for share, notifications in zip(shares, read, strict=True):
            assert [n.id for n in notifications] == [n.id for n in log if share.owns(n)]
            assert notifications and all(n.originator_id for n in notifications)
        owned = sorted(n.id for notifications in read for n in notifications)
        assert owned == [n.id for n in log if n.topic not in REGISTER_TOPICS]
        assert [s.owns(n) for s in shares for n in log if n.topic in TRANSFER_TOPICS].count(
            True) == sum(n.topic in TRANSFER_TOPICS for n in log)
    assert Partition.from_name(Partition(2, 3).name) == Partition(2, 3)


def test_a_killed_parallel_rebuild_lets_the_next_catch_up_finish_at_once(store):  # noqa: F811
    """Its worker processes die with it and its run lock ends with it: a catch-up started
    right after the kill finishes the read model in one go."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from click.testing import CliRunner

    from lifecycle.cli import main

    url, app, engine = store
    runner = Runner(app, engine, page_size=PAGE)
    runner.rebuild()
    expected = dump(engine)
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "lifecycle", "--db", url, "projections", "rebuild",
         "--jobs", "2", "--page-size", "1"],
        env={**os.environ, "LIFECYCLE_LOG_LEVEL": "ERROR"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(database.partition_positions(engine).values()):
        assert rebuild.poll() is None, "the rebuild ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)  # polling for the moment to kill it, not timing an assertion
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait(timeout=30)
    assert database.position(engine) < expected["position"]  # cut short, shares unmerged

    result = CliRunner().invoke(main, ["--db", url, "projections", "catch-up"])
    assert result.exit_code == 0, result.output
    assert dump(engine) == expected
