"""A read model built before the suspension columns (and the name search's columns and
indexes) existed gets them in place when the tables are next created
(projections.schema_upgrade), rows kept and the search keys filled; on both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, inspect, select, text
from sqlalchemy.schema import DropIndex

from lifecycle.settings import Settings
from projections import database, tables
from projections.schema_upgrade import ADDED_COLUMNS, ADDED_INDEXES
from projections.search import holders_named

DAY = date(2028, 9, 1)


def test_missing_columns_are_added_and_rows_kept(db_url):
    settings = Settings(database_url=db_url, audit_rate=Decimal("0"))
    engine = database.read_engine(settings.sqlalchemy_url(), settings.schema)
    schema = settings.schema
    prefix = f'"{schema}".' if schema else ""
    try:
        database.create_tables(engine)
        with engine.begin() as conn:
            for index in ADDED_INDEXES:
                conn.execute(DropIndex(index))
            for table, name in ADDED_COLUMNS:  # as an earlier version left the tables
                conn.execute(text(f'ALTER TABLE {prefix}{table.name} DROP COLUMN "{name}"'))
            conn.execute(text(f"INSERT INTO {prefix}credentials (holder_number, qualification, "
                              "stage, under_review, audit_selected, position) "
                              "VALUES ('H1', 'SV', 'qualified', false, false, 1)"))
            conn.execute(text(f"INSERT INTO {prefix}holders (holder_number, aggregate_id, name, "
                              "name_kana, version, position) "
                              "VALUES ('H1', 'a1', '田中 健太', 'タナカ ｹﾝﾀ', 1, 1)"))
        database.create_tables(engine)
        with engine.connect() as conn:
            inspector = inspect(conn)
            for table, name in ADDED_COLUMNS:
                columns = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
                assert name in columns, (table.name, name)
            indexes = {i["name"] for i in inspector.get_indexes("holders", schema=schema)}
            assert {i.name for i in ADDED_INDEXES} <= indexes
            kept = conn.execute(select(tables.credentials.c.holder_number,
                                       tables.credentials.c.revoked_on)).all()
        assert [tuple(r) for r in kept] == [("H1", None)]
        # a holder recorded before the search columns is found by name at once
        assert [r["holder"] for r in holders_named(engine, "たなかけ").items] == ["H1"]
        assert [r["holder"] for r in holders_named(engine, "田中").items] == ["H1"]
        with engine.begin() as conn:  # the table takes the rows the projector writes
            conn.execute(insert(tables.certification_periods).values(
                holder_number="H1", certification_number="N", period_no=0,
                qualification="CAP", valid_from=DAY, valid_until=DAY, granted_on=DAY,
                window_opens_on=DAY, window_closes_on=DAY, under_review=False,
                window_opened_recorded=False, lapse_recorded=False, cpd_counted=0,
                cpd_logged=0, cpd_a=0, cpd_b=0, cpd_c=0, cpd_d=0, revoked_on=DAY))
    finally:
        engine.dispose()
