"""The index on holders.aggregate_id is left out while a rebuild replays the log and built
at its end, or as soon as a runner must look a holder up by id — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from lifecycle.rebuild_jobs import partition_pool
from lifecycle.settings import Settings
from projections import database, tables
from projections.runner import Runner
from tests.integration.test_projections_crash import PAGE, dump, store  # noqa: F401

INDEX = tables.holders_by_aggregate_id.name


def _indexed(engine) -> bool:
    names = inspect(engine).get_indexes(tables.holders.name, schema=database.schema_of(engine))
    return INDEX in {index["name"] for index in names}


def test_a_rebuild_builds_the_index_after_replaying_the_log(store):  # noqa: F811
    _url, app, engine = store
    seen = []
    Runner(app, engine, page_size=PAGE).rebuild(
        on_page=lambda _count, _position: seen.append(_indexed(engine)))
    assert len(seen) > 1 and not any(seen)  # every holder was in memory: no lookup
    assert _indexed(engine)
    with engine.begin() as conn:  # still unique
        holder = conn.execute(tables.holders.select().limit(1)).mappings().one()
        with pytest.raises(IntegrityError):
            with conn.begin_nested():
                conn.execute(insert(tables.holders).values(
                    {**holder, "holder_number": holder["holder_number"] + "X"}))


def test_a_parallel_rebuild_builds_it_once_its_shares_are_merged(store):  # noqa: F811
    url, app, engine = store
    settings = Settings(database_url=url)
    with partition_pool(settings, 2, PAGE) as submit:
        Runner(app, engine, page_size=PAGE).rebuild(jobs=2, submit=submit)
    assert _indexed(engine)


def test_a_runner_that_must_look_holders_up_builds_it_first(store):  # noqa: F811
    """A rebuild cut short, resumed by a runner with nothing in memory: the holders whose
    earlier events it did not fold are looked up by id, with the index."""
    _url, app, engine = store
    runner = Runner(app, engine, page_size=PAGE)
    runner.rebuild()
    expected = dump(engine)

    def cut_short(_count: int, position: int) -> None:
        if position > runner.head() // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Runner(app, engine, page_size=PAGE).rebuild(on_page=cut_short)
    assert not _indexed(engine)
    seen = []
    Runner(app, engine, page_size=PAGE).catch_up(
        on_page=lambda _count, _position: seen.append(_indexed(engine)))
    assert seen[0]  # built before its first page was written
    assert dump(engine) == expected
