"""The application's repository: a holder not in the cache is read whole (the latest
snapshot and the events after it) in one statement on PostgreSQL, and a holder a command
created is in the cache for the next command."""

from __future__ import annotations

import pytest
from eventsourcing.application import AggregateNotFoundError, Repository

from aggregates.holder import holder_id
from lifecycle.demo.population import certification_commands
from tests.integration.test_store import TODAY, _app, _certified, _cpd


def _library_read(app, aggregate_id):
    """The holder as the library's own repository reads it (two statements)."""
    return Repository(app.events, snapshot_store=app.snapshots).get(aggregate_id)


def test_a_holder_read_outside_the_cache_equals_the_librarys_read(db_url):
    app = _app(db_url, snapshot_interval=5)
    _certified(app)
    for i in range(8):  # past a snapshot, with events after it
        assert app.execute(_cpd("H0001", f"e{i}"), actor="t", today=TODAY)["ok"]
    aggregate_id = holder_id("H0001")
    assert list(app.snapshots.get(aggregate_id))
    fresh = _app(db_url, snapshot_interval=5)  # an empty cache
    ours = fresh.repository.get(aggregate_id)
    theirs = _library_read(fresh, aggregate_id)
    assert ours.version == theirs.version == app.repository.get(aggregate_id).version
    assert ours.state == theirs.state
    with pytest.raises(AggregateNotFoundError):
        fresh.repository.get(holder_id("H9999"))


@pytest.mark.postgres
def test_on_postgres_a_holder_outside_the_cache_costs_one_statement(postgres_url):
    app = _app(postgres_url, snapshot_interval=5)
    _certified(app)
    for i in range(6):
        assert app.execute(_cpd("H0001", f"e{i}"), actor="t", today=TODAY)["ok"]
    fresh = _app(postgres_url, snapshot_interval=5)
    reads = []
    for store in (fresh.events, fresh.snapshots):
        original = store.recorder.select_events
        store.recorder.select_events = (
            lambda *a, _original=original, **k: reads.append(a) or _original(*a, **k))
    holder = fresh.repository.get(holder_id("H0001"))
    assert holder.version > 5
    assert reads == []  # neither the snapshot's nor the events' statement of the library


def test_a_holder_a_command_created_is_cached_for_the_next_command(db_url):
    app = _app(db_url)
    first = certification_commands("H0001", "P26-000123", "B-H0001")[0]
    assert first["type"] == "record_exam_pass"
    assert app.execute(first, actor="test", today=TODAY)["ok"]
    aggregate_id = holder_id("H0001")
    cached = app.repository.cache.get(aggregate_id)  # KeyError if only a read fills it
    stored = _library_read(app, aggregate_id)
    assert cached.version == stored.version
    assert cached.state == stored.state
