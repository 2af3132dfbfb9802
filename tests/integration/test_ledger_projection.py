"""The ledger as a projection: incremental catch-ups give the tree of one catch-up, a page
is appended exactly once (a racing process is refused, a failed page rolls back), and the
scheduler's hook signs a checkpoint after the sweep — on both stores."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lifecycle.application import LifecycleApplication
from lifecycle.keys import KeyRing
from lifecycle.ledger import checkpoints, leaf, tables
from lifecycle.ledger.merkle import leaf_hash, root_of
from lifecycle.ledger.projection import ConcurrentLedgerError, Ledger
from lifecycle.ledger.service import daily_checkpointer
from lifecycle.settings import Settings
from projections.database import read_engine
from tests.integration import cli_driver as cli
from tests.integration.ledger_support import populate


@pytest.fixture
def app(db_url):
    populate(db_url)
    settings = Settings(database_url=db_url)
    application = LifecycleApplication(settings)
    yield application
    application.close()


@pytest.fixture
def engine(db_url):
    settings = Settings(database_url=db_url)
    engine = read_engine(settings.sqlalchemy_url(), settings.schema)
    yield engine
    engine.dispose()


def _all_notifications(app):
    return app.recorder.select_notifications(1, 1_000_000)


def _leaf_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.leaves)).scalar()


def test_small_pages_and_late_events_give_the_tree_of_the_whole_log(db_url, app, engine):
    ledger = Ledger(app.recorder, engine, page_size=3)
    first = ledger.catch_up()
    cli.apply_ok(db_url, [cli.log_cpd("H0001", "e-1", "A", "2027-05-10", "3", "2027-05-11")])
    later = ledger.catch_up()
    notifications = _all_notifications(app)
    assert first + later == len(notifications) == ledger.state().tree_size
    assert ledger.state().root() == root_of(leaf_hash(leaf.of(n)) for n in notifications)
    assert ledger.state().position == notifications[-1].id
    assert ledger.catch_up() == 0


def test_a_second_process_that_read_the_same_page_is_refused(app, engine):
    ours = Ledger(app.recorder, engine, page_size=4)
    stale = ours.state()
    Ledger(app.recorder, engine, page_size=4).catch_up(stop=8)
    ours_page = app.recorder.select_notifications(1, 4)
    frontier = stale.frontier.copy()
    for n in ours_page:
        frontier.append(leaf_hash(leaf.of(n)))
    rows = [{"leaf_index": i, "notification_id": n.id, "originator_id": n.originator_id.hex,
             "originator_version": n.originator_version, "event_type": "x",
             "leaf_hash": leaf_hash(leaf.of(n))} for i, n in enumerate(ours_page)]
    with pytest.raises(ConcurrentLedgerError):
        ours._commit(stale.position, stale.tree_size, ours_page[-1].id, frontier, rows)
    assert _leaf_count(engine) == ours.state().tree_size == 8


def test_a_page_that_fails_to_commit_leaves_the_ledger_as_it_was(app, engine, monkeypatch):
    ledger = Ledger(app.recorder, engine, page_size=5)
    ledger.catch_up(stop=5)
    before = ledger.state()

    def failing_write(conn, rows):  # after the state row has moved, inside the transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr("lifecycle.ledger.projection.write_leaves", failing_write)
    with pytest.raises(RuntimeError):
        ledger.catch_up()
    monkeypatch.undo()
    assert ledger.state().tree_size == before.tree_size == _leaf_count(engine) == 5
    ledger.catch_up()
    assert ledger.state().root() == root_of(
        leaf_hash(leaf.of(n)) for n in _all_notifications(app))


def test_the_daily_hook_records_a_signed_checkpoint_of_the_whole_log(app, engine, tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    daily_checkpointer(app.recorder, engine, tmp_path / "keys")(date(2030, 4, 1))
    [signed] = checkpoints.recorded(engine)
    assert signed.tree_size == len(_all_notifications(app))
    assert checkpoints.check(signed, ring) is None


def test_the_daily_hook_without_keys_skips_and_records_nothing(app, engine, tmp_path):
    daily_checkpointer(app.recorder, engine, tmp_path / "none")(date(2030, 4, 1))
    Ledger(app.recorder, engine)
    assert checkpoints.recorded(engine) == []


def test_a_read_model_rebuild_leaves_the_ledger_alone(db_url, app, engine):
    ledger = Ledger(app.recorder, engine)
    ledger.catch_up()
    size = ledger.state().tree_size
    assert cli._invoke(["--db", db_url, "projections", "rebuild"]).exit_code == 0
    assert ledger.state().tree_size == size == _leaf_count(engine)


def test_ids_burned_by_rolled_back_saves_leave_no_hole_in_the_tree(postgres_url, tmp_path):
    """PostgreSQL sequences are not transactional: a rolled-back save skips ids. The leaf's
    place is its place in the log, so the tree and `verify` do not notice."""
    from sqlalchemy import text

    from lifecycle.ledger import audit

    populate(postgres_url)
    settings = Settings(database_url=postgres_url)
    app = LifecycleApplication(settings)
    engine = read_engine(settings.sqlalchemy_url(), settings.schema)
    try:
        Ledger(app.recorder, engine).catch_up()
        with engine.begin() as conn:
            conn.execute(text("SELECT nextval(pg_get_serial_sequence("
                              f"'\"{settings.schema}\".lifecycle_events', 'notification_id')) "
                              "FROM generate_series(1, 5)"))
        cli.apply_ok(postgres_url, [cli.log_cpd("H0001", "e-1", "A", "2027-05-10", "3",
                                                "2027-05-11")])
        ledger = Ledger(app.recorder, engine)
        ledger.catch_up()
        ids = [n.id for n in _all_notifications(app)]
        assert ids[-1] - ids[-2] > 1  # the hole is there ...
        assert ledger.state().tree_size == len(ids)  # ... and not in the tree
        ring = KeyRing.init(tmp_path / "keys")
        checkpoints.record(engine, checkpoints.sign(ring, ledger.state().tree_size,
                                                    ledger.state().root()))
        assert audit.verify(app.recorder, engine, ring).ok
    finally:
        app.close()
        engine.dispose()
