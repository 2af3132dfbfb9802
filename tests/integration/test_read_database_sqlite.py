"""The SQLite read database's connection settings, by what they change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert

from projections import database, tables
from projections.database import read_engine


def test_replacing_a_read_model_does_not_write_its_freed_pages_again(tmp_path):
    """Debian's SQLite zeroes freed pages unless told not to: dropping the old read model
    would then write every one of its pages to the WAL once more."""
    path = tmp_path / "read.db"
    engine = read_engine(f"sqlite:///{path}")
    database.create_tables(engine)
    entry = {"category": "A", "field": 6, "activity_on": date(2027, 5, 10), "fiscal_year": 2027,
             "hours": Decimal("6"), "title": "t" * 200, "provider": "p", "counts": True,
             "logged_on": date(2027, 5, 11)}
    with engine.begin() as conn:
        conn.execute(insert(tables.cpd_entries), [
            {**entry, "holder_number": f"H{n:06d}", "entry_id": "e"} for n in range(20_000)])
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 0
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    written = path.stat().st_size

    database.reset_tables(engine)
    assert (tmp_path / "read.db-wal").stat().st_size < written / 10
    engine.dispose()
