"""Loading many holders at once gives exactly what the repository gives one at a time:
current holders and states at exact versions, with and without snapshots, on both stores."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import select

from aggregates.holder import holder_id
from lifecycle.application import LifecycleApplication
from lifecycle.demo.population import certification_commands
from lifecycle.settings import Settings
from projections import tables
from projections.database import read_engine
from projections.runner import Runner

TODAY = date(2030, 1, 5)
WINDOW_OPENS = date(2030, 1, 1)
NUMBERS = ["H0001", "H0002", "H0003"]
IDS = [holder_id(n) for n in NUMBERS]
CPD_ENTRIES = 23  # H0001: 4 + 23 events, snapshots at 5, 10, ... 25 (interval 5)


def _app(url: str, **overrides) -> LifecycleApplication:
    return LifecycleApplication(Settings(database_url=url, audit_rate=0, **overrides))


def _cpd(holder: str, entry_id: str) -> dict:
    day = "2028-05-10"
    return {"type": "log_cpd", "holder": holder, "entry_id": entry_id, "category": "A",
            "activity_on": day, "hours": "1", "on": day, "title": "course", "provider": "body"}


def _populate(url: str) -> None:
    app = _app(url, snapshot_interval=5)
    for k, number in enumerate(NUMBERS):
        for command in certification_commands(number, f"P26-00{k:04d}", f"B-{number}"):
            assert app.execute(command, actor="test", today=TODAY)["ok"]
    for i in range(CPD_ENTRIES):
        assert app.execute(_cpd("H0001", f"e{i}"), actor="test", today=TODAY)["ok"]
    assert [s.originator_version for s in app.snapshots.get(IDS[0])] == [5, 10, 15, 20, 25]
    app.close()


@pytest.fixture
def url(db_url):
    _populate(db_url)
    return db_url


@pytest.mark.parametrize("interval", [5, 0], ids=["snapshots", "no-snapshots"])
def test_batch_loaded_holders_equal_the_repositorys(url, interval):
    app = _app(url, snapshot_interval=interval, aggregate_cache_size=0)
    expected = [app.repository.get(i) for i in IDS]
    loaded = app.load_holders([IDS[2], IDS[0], IDS[1], IDS[0]])
    assert [h.id for h in loaded] == [IDS[2], IDS[0], IDS[1]]  # one each, in order
    by_id = {h.id: h for h in loaded}
    for holder in expected:
        assert by_id[holder.id].version == holder.version
        assert by_id[holder.id].state == holder.state
        assert by_id[holder.id].collect_events() == []
    assert by_id[IDS[0]].version == 4 + CPD_ENTRIES
    app.close()


@pytest.mark.parametrize("interval", [5, 0], ids=["snapshots", "no-snapshots"])
def test_batch_loaded_states_at_exact_versions_equal_the_repositorys(url, interval):
    app = _app(url, snapshot_interval=interval, aggregate_cache_size=0)
    versions = [(IDS[0], v) for v in (1, 4, 5, 6, 9, 10, 11, 25, 26, 27)]
    for pairs in ([p] for p in versions):  # each on its own, and H0002/H0003 beside it
        pairs += [(IDS[1], 2), (IDS[2], 4)]
        states = app.load_states(pairs)
        assert set(states) == {i for i, _ in pairs}
        for aggregate_id, version in pairs:
            assert states[aggregate_id] == app.repository.get(aggregate_id,
                                                              version=version).state
    app.close()


def test_an_unknown_holder_is_not_found_as_with_the_repository(url):
    app = _app(url)
    unknown = holder_id("H9999")
    with pytest.raises(AggregateNotFoundError):
        app.repository.get(unknown)
    with pytest.raises(AggregateNotFoundError):
        app.load_holders([IDS[0], unknown])
    with pytest.raises(AggregateNotFoundError):
        app.load_states([(unknown, 3)])
    app.close()


def test_a_sweep_batch_that_loses_a_race_is_redone_holder_by_holder(url):
    app, rival = _app(url), _app(url)
    load_holders = app.load_holders

    def load_then_lose_the_race(aggregate_ids):
        holders = load_holders(aggregate_ids)
        rival.sweep_holder(IDS[1], WINDOW_OPENS)  # another sweeper saves H0002's fact first
        return holders

    app.load_holders = load_then_lose_the_race
    recorded = app.sweep_holders(IDS, WINDOW_OPENS)
    assert sorted(e.originator_id for e in recorded) == sorted([IDS[0], IDS[2]])
    facts = Counter((e.originator_id, e.type_name) for i in IDS for e in app.events.get(i)
                    if e.actor == "scheduler")
    assert facts == {(i, "RenewalWindowOpened"): 1 for i in IDS}
    assert app.sweep_holders(IDS, WINDOW_OPENS) == []  # idempotent
    app.close()
    rival.close()


def test_a_fresh_catch_up_resumes_a_page_of_holders_with_one_batch_load(url):
    settings = Settings(database_url=url, audit_rate=0, snapshot_interval=5)
    app = _app(url, snapshot_interval=5)
    engine = read_engine(settings.sqlalchemy_url(), settings.schema)
    Runner(app, engine).catch_up()
    assert len(app.sweep_holders(IDS, WINDOW_OPENS)) == 3
    calls = []
    load_states = app.load_states
    app.load_states = lambda pairs: calls.append(sorted(pairs)) or load_states(pairs)
    runner = Runner(app, engine)  # an empty state cache: every holder is resumed
    assert runner.catch_up() == 3
    assert calls == [sorted([(IDS[0], 4 + CPD_ENTRIES), (IDS[1], 4), (IDS[2], 4)])]
    caught_up = _rows(engine)
    runner.rebuild()
    assert _rows(engine) == caught_up
    app.close()
    engine.dispose()


def _rows(engine) -> dict:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in tables.PROJECTED}
