"""The read database failing (a full disk, a lost connection) is not a record the read
models cannot write: catch-up stops with the database's own error, names no record and
sets nothing aside, and goes on once the database does."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from lifecycle import bootstrap
from lifecycle.settings import Settings
from projections import faults
from projections.runner import Runner
from tests.integration.test_store import _app, _certified


def test_a_full_disk_names_no_record_and_passes(db_url, monkeypatch):
    app = _app(db_url)
    try:
        _certified(app)
        engine = bootstrap.open_read_engine(Settings(database_url=db_url))
        runner = Runner(app, engine)
        write = Runner._write_page

        def full_disk(self, *args, **kwargs):
            raise OperationalError("INSERT", {}, sqlite3.OperationalError(
                "database or disk is full"))

        monkeypatch.setattr(Runner, "_write_page", full_disk)
        with pytest.raises(OperationalError):
            runner.catch_up()
        assert faults.current(engine) == []
        monkeypatch.setattr(Runner, "_write_page", write)
        runner.catch_up()
        assert runner.progress().lag == 0
        engine.dispose()
    finally:
        app.close()
