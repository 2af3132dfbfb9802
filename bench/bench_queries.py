"""`query credentials --status S` latency with 1,000,000 holders.

    python bench/bench_queries.py --holders 1000000 --backend sqlite --backend postgres
    python bench/bench_queries.py --quick --store sqlite     # 20,000 holders

The population is written straight into the read-model tables (no events: 8 million
events would take hours to record), with a spread of stages and dates like a real
register's: most certified with periods ending in different years, some in renewal,
some attempts (passed, applied, rejected), operation qualifications. Then, for every
status and several as-of dates, the first page (50 rows) and a page from the middle of
the keyset are timed; p50 and p99 are reported per backend.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from aggregates.fiscal_calendar import renewal_window  # noqa: E402
from bench import options  # noqa: E402
from bench.bench_rebuild import store_urls  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402
from projections import database, queries, rows, tables  # noqa: E402
from projections.paging import encode_cursor  # noqa: E402
from projections.status_sql import STATUSES  # noqa: E402

DATES = [date(2027, 6, 1), date(2030, 1, 15), date(2030, 4, 1), date(2033, 2, 1)]


def rows_for(i: int) -> tuple[dict, dict]:
    number = f"Q{i:07d}"
    holder = {"holder_number": number, "aggregate_id": f"{i:032x}", "name": f"名 {i}",
              "name_kana": "カナ", "email": None, "last_business_date": date(2027, 1, 1),
              "version": 8, "position": i, "next_due_on": None}
    row = dict.fromkeys(tables.credentials.c.keys())
    row.update(holder_number=number, qualification="CAP" if i % 2 else "OMP", position=i,
               under_review=False, audit_selected=False)
    kind = i % 100
    if kind >= 95:
        row.update(qualification="SV", stage="qualified", valid_from=date(2026, 6, 15))
        return holder, row
    if kind >= 65 and kind < 85:
        stage = ("passed", "applied", "accepted", "rejected")[(kind - 65) // 5]
        row.update(stage="attempt", attempt_stage=stage,
                   attempt_pass_report_valid_until=date(2026 + i % 7, 6, 15))
        return holder, row
    until = date(2028 + i % 8, 3, 31)
    window = renewal_window(until)
    stage = ("renewal_requested", "renewal_accepted", "renewal_audit")[kind % 3] \
        if 60 <= kind < 65 else "certified"
    points = Decimal(i % 45)
    row.update(stage=stage, certification_number=f"CAP-{until.year - 3}-{i:07d}",
               period_no=0, valid_from=date(until.year - 3, 4, 1),
               valid_until=until, window_opens_on=window.opens_on,
               window_closes_on=window.closes_on, pass_report_valid_until=date(2026, 6, 15),
               under_review=stage in ("renewal_accepted", "renewal_audit"),
               cpd_counted=points, cpd_logged=points, cpd_a=points, cpd_b=0, cpd_c=0,
               cpd_d=0)
    return holder, row


def populate(engine, holders: int) -> float:
    database.reset_tables(engine)
    started = time.perf_counter()
    for first in range(0, holders, 20_000):
        pairs = [rows_for(i) for i in range(first, min(first + 20_000, holders))]
        with engine.begin() as conn:
            conn.execute(insert(tables.holders), [h for h, _ in pairs])
            conn.execute(insert(tables.credentials), [c for _, c in pairs])
            conn.execute(insert(tables.credential_statuses),
                         rows.status_span_rows([c for _, c in pairs]))
    database.create_deferred_indexes(engine)  # as a rebuild leaves the tables
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load (PostgreSQL 13+: also for insert-only
        # tables); index-only scans need the visibility map it sets.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def measure(engine, holders: int, repeats: int) -> dict:
    middle = encode_cursor([f"Q{holders // 2:07d}", "CAP"])
    samples, worst = [], {}
    for status in STATUSES:
        for on in DATES:
            for after in (None, middle):
                run = lambda on=on, status=status, after=after: (  # noqa: E731
                    queries.credentials(engine, as_of=on, status=status, after=after,
                                        limit=50))
                run()  # warm the statement cache
                times = [timed(run) for _ in range(repeats)]
                samples += times
                worst[status] = max(worst.get(status, 0), max(times))
    lookups = [timed(lambda i=i: queries.holder_status(engine, f"Q{i * 7919 % holders:07d}",
                                                       DATES[i % 4])) for i in range(500)]
    return {"queries": len(samples), "p50_ms": statistics.median(samples),
            "p99_ms": statistics.quantiles(samples, n=100)[98],
            "max_by_status": worst,
            "holder_status_p99_ms": statistics.quantiles(lookups, n=100)[98]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--backend", "--store", dest="backend", action="append",
                        choices=("sqlite", "postgres"))
    options.add_common(parser, quick={"holders": 20_000, "repeats": 2})
    args = parser.parse_args()
    print("| backend | holders | load (s) | queries | p50 (ms) | p99 (ms) | "
          "slowest status (ms) | holder_status p99 (ms) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for backend in args.backend or ["sqlite", "postgres"]:
        with tempfile.TemporaryDirectory() as tmp:
            _events, read_url, drop = store_urls(backend, Path(tmp))
            read = Settings(database_url=read_url)
            engine = database.read_engine(read.sqlalchemy_url(), read.schema)
            try:
                database.create_tables(engine)
                load = populate(engine, args.holders)
                r = measure(engine, args.holders, args.repeats)
                slowest = max(r["max_by_status"], key=r["max_by_status"].get)
                print(f"| {backend} | {args.holders:,} | {load:.0f} | {r['queries']} | "
                      f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {slowest} "
                      f"{r['max_by_status'][slowest]:.1f} | {r['holder_status_p99_ms']:.2f} |",
                      flush=True)
                print({k: round(v, 1) for k, v in r["max_by_status"].items()}, file=sys.stderr)
                for figure, value, target in (
                        ("query credentials --status, p99", r["p99_ms"], 10),
                        ("one holder's status, p99", r["holder_status_p99_ms"], None)):
                    options.record(args.summary, store=backend, size=f"{args.holders:,} holders",
                                   figure=figure, value=value, unit="ms",
                                   baseline="target" if target else None, baseline_value=target)
            finally:
                engine.dispose()
                drop()


if __name__ == "__main__":
    main()


