"""The bulk insert stores exactly what SQLAlchemy's own insert stores, value for value, as
the database keeps it (dates, decimals, booleans, NULLs and column defaults) — on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert

from lifecycle.settings import Settings
from projections import bulk, database, tables

ROWS = [
    {"holder_number": "H1", "qualification": "CAP", "stage": "certified",
     "certification_number": "CAP-2027-00001", "period_no": 0,
     "valid_from": date(2027, 4, 1), "valid_until": date(2030, 3, 31),
     "window_opens_on": date(2030, 1, 1), "window_closes_on": date(2030, 2, 28),
     "under_review": True, "audit_selected": False, "fee_due": 11000,
     "cpd_counted": Decimal("21.5"), "cpd_a": Decimal("0.25"), "position": 7},
    # Keys left out: NULLs, and the booleans' scalar defaults.
    {"holder_number": "H2", "qualification": "OMP", "stage": "attempt",
     "attempt_pass_report_valid_until": date(999, 12, 31), "position": 8},
]


def _stored(engine) -> list[tuple]:
    """The rows as the database returns them to its own driver, no SQLAlchemy types."""
    with engine.connect() as conn:
        name = conn.dialect.identifier_preparer.format_table(tables.credentials)
        schema = database.schema_of(engine)
        qualified = f'"{schema}".{name}' if schema else name
        return [tuple(row) for row in conn.exec_driver_sql(
            f"SELECT * FROM {qualified} ORDER BY holder_number")]


def test_bulk_insert_stores_what_sqlalchemy_stores(db_url):
    read = Settings(database_url=db_url)
    engine = database.read_engine(read.sqlalchemy_url(), read.schema)
    try:
        database.create_tables(engine)
        with engine.begin() as conn:
            for row in ROWS:
                conn.execute(insert(tables.credentials), dict(row))
        expected = _stored(engine)
        with engine.begin() as conn:
            conn.execute(delete(tables.credentials))
            bulk.insert_rows(conn, tables.credentials, [dict(r) for r in ROWS])
        assert _stored(engine) == expected
        assert len(expected) == 2 and expected[0] != expected[1]
    finally:
        engine.dispose()
