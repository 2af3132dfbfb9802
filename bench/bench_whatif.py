"""What-if over a register of 1,000,000 holders: whom a proposal would re-judge, nothing
written.

    python bench/bench_whatif.py --store sqlite --store postgres     # 20,000 + 980,000
    python bench/bench_whatif.py --quick --store sqlite              # 2,000 + 18,000

Register: `--holders` real holders of 8 events each (bench_rebuild's: exam pass,
application, payment, certification, 4 CPD entries of 6 h, cycle 2027-04-01 … 2030-03-31),
saved 100 holders per `app.save()`, read models caught up; and `--others` holders that
exist only in the read models (a `holders`, `credentials` and `certification_periods` row
each: certified, cycles starting 2028-2032, never renewed), which is all a what-if reads of
a holder it does not replay (bench_sweep does the same for the sweep). Holder numbers do
not overlap.

Measured, each in a fresh child process (`lifecycle.policy.replay.what_if`, as
`lifecycle what-if --jobs N` runs it; its own peak RSS, the workers' from ru_maxrss):
- `required 40`: the requirement raised to 40 for every cycle: every certified credential
  is listed (the worst case for the rows), no holder needs a replay;
- `caps FY2027`: B capped at 10 a year for cycles starting in FY2027 only: the real holders'
  cohort is re-counted (each replayed from its events), the others counted from rows;
- `every holder`: `--every-holder` with the caps proposal: the replay of every holder in the
  event store (the real ones), the path the candidates avoid, beside
- `decode`: the bare loop that only reads and decodes the same log.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LIFECYCLE_LOG_LEVEL", "ERROR")

from bench import options  # noqa: E402
from bench.bench_rebuild import (  # noqa: E402
    _own_peak_rss_mb,
    decode_log,
    make_holder,
    store_urls,
)
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

AS_OF = date(2030, 1, 15)


PROPOSALS = ("required 40", "caps FY2027")


def proposal_text(name: str) -> str:
    from lifecycle.policy.loading import default_text

    text = default_text()
    if name == "required 40":
        return (text.replace('version = "spec"', 'version = "bench-40"')
                .replace("required = 30 ", "required = 40 "))
    first, rest = text.split("[review_fee]", 1)
    cohort = first.replace('version = "spec"', 'version = "bench-caps"')
    rules = first[first.index("[[cpd.rules]]"):]
    return (cohort + rules.replace("from = 1900-01-01", "from = 2027-04-01")
            .replace("caps.B = { per_cycle = 15, per_fiscal_year = 5 }",
                     "caps.B = { per_cycle = 15, per_fiscal_year = 10 }")
            + rules.replace("from = 1900-01-01", "from = 2028-04-01") + "[review_fee]" + rest)


def populate(url: str, holders: int) -> float:
    app = open_application(Settings(database_url=url, snapshot_interval=0))
    started = time.perf_counter()
    for first in range(0, holders, 100):
        batch = [make_holder(n) for n in range(first, min(first + 100, holders))]
        app.save(*[e for h in batch for e in h.collect_events()])
    app.close()
    return holders / (time.perf_counter() - started)


def others(url: str, first: int, count: int) -> float:
    """`count` read-model-only holders numbered from `first`; returns rows/s."""
    from sqlalchemy import insert

    from aggregates.fiscal_calendar import renewal_window
    from lifecycle.bootstrap import open_read_engine
    from projections import tables

    engine = open_read_engine(Settings(database_url=url))
    started = time.perf_counter()
    for start in range(first, first + count, 20_000):
        holders, credentials, periods = [], [], []
        for n in range(start, min(start + 20_000, first + count)):
            number, valid_from = f"B{n:07d}", date(2028 + n % 5, 4, 1)
            until = date(valid_from.year + 3, 3, 31)
            window = renewal_window(until)
            holders.append({"holder_number": number, "aggregate_id": f"{n:032x}",
                            "name": f"名 {n}", "name_kana": "カナ", "email": None,
                            "last_business_date": date(2027, 1, 1), "version": 8,
                            "position": 0, "next_due_on": window.opens_on})
            cpd = {"cpd_counted": 24, "cpd_logged": 24, "cpd_a": 6, "cpd_b": 6, "cpd_c": 6,
                   "cpd_d": 6, "cpd_required": 30}
            row = dict.fromkeys(tables.credentials.c.keys())
            row.update(holder_number=number, qualification="CAP", stage="certified",
                       certification_number=f"CAP-{valid_from.year}-{n:07d}", period_no=0,
                       valid_from=valid_from, valid_until=until,
                       window_opens_on=window.opens_on, window_closes_on=window.closes_on,
                       pass_report_valid_until=date(2026, 6, 15), under_review=True,
                       audit_selected=False, position=0, **cpd)
            credentials.append(row)
            periods.append({"holder_number": number, "qualification": "CAP",
                            "certification_number": row["certification_number"],
                            "period_no": 0, "valid_from": valid_from, "valid_until": until,
                            "granted_on": date(valid_from.year - 1, 10, 1),
                            "window_opens_on": window.opens_on,
                            "window_closes_on": window.closes_on, "renewed_on": None,
                            "under_review": True, "window_opened_recorded": False,
                            "lapse_recorded": False, "revoked_on": None, **cpd})
        with engine.begin() as conn:
            conn.execute(insert(tables.holders), holders)
            conn.execute(insert(tables.credentials), credentials)
            conn.execute(insert(tables.certification_periods), periods)
    rate = count / (time.perf_counter() - started)
    engine.dispose()
    return rate


def measure(kind: str, url: str, jobs: int) -> dict:
    """In a child process: one run and its peak RSS."""
    settings = Settings(database_url=url)
    started = time.perf_counter()
    if kind == "decode":
        app = open_application(settings)
        count = decode_log(app)
        app.close()
        rows = 0
    else:
        from lifecycle.policy.replay import what_if

        name = "caps FY2027" if kind == "every holder" else kind
        with tempfile.TemporaryDirectory() as workdir:
            report = what_if(settings, proposal_text(name), AS_OF, jobs, Path(workdir),
                             every_holder=kind == "every holder")
            count, rows = report.holders, report.differing
    elapsed = time.perf_counter() - started
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"kind": kind, "count": count, "rows": rows, "seconds": round(elapsed, 2),
            "peak_rss_mb": round(_own_peak_rss_mb()),
            "worker_peak_rss_mb": round(workers) if jobs > 1 and kind != "decode" else 0}


def child(kind: str, url: str, jobs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, "--jobs", str(jobs)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=20_000, help="real holders (events)")
    parser.add_argument("--others", type=int, default=980_000,
                        help="holders in the read models only")
    parser.add_argument("--store", dest="stores", action="append",
                        choices=("sqlite", "postgres"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--url")
    options.add_common(parser, quick={"holders": 2_000, "others": 18_000})
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.url, args.jobs)))
        return
    total = args.holders + args.others
    size = f"{total:,} holders ({args.holders:,} with events)"
    for store in args.stores or ["sqlite", "postgres"]:
        with tempfile.TemporaryDirectory() as tmp:
            url, _, drop = store_urls(store, Path(tmp))
            try:
                rate = populate(url, args.holders)
                print(f"{store}: {args.holders:,} holders saved at {rate:,.0f}/s", flush=True)
                caught = catch_up(url)
                print(f"{store}: read models caught up in {caught:.1f} s", flush=True)
                rate = others(url, args.holders, args.others)
                print(f"{store}: {args.others:,} read-model-only holders at {rate:,.0f}/s",
                      flush=True)
                runs = {kind: child(kind, url, args.jobs if kind != "decode" else 1)
                        for kind in ("decode", *PROPOSALS, "every holder")}
            finally:
                drop()
        print(json.dumps({"store": store, **runs}), flush=True)
        decode = runs["decode"]
        for kind in (*PROPOSALS, "every holder"):
            run = runs[kind]
            print(f"{store}: what-if --jobs {args.jobs} [{kind}] over {run['count']:,} "
                  f"holders ({run['rows']:,} rows) in {run['seconds']} s; peak RSS "
                  f"{run['peak_rss_mb']} MB + {args.jobs} workers ≤ "
                  f"{run['worker_peak_rss_mb']} MB", flush=True)
            peak = run["peak_rss_mb"] + args.jobs * run["worker_peak_rss_mb"]
            if kind == "every holder":
                options.record(args.summary, store=store, size=size,
                               figure=f"what-if --jobs {args.jobs} --every-holder "
                                      f"({run['count']:,} replayed)",
                               value=run["seconds"], unit="s", baseline="read-and-decode",
                               baseline_value=decode["seconds"])
                continue
            options.record(args.summary, store=store, size=size,
                           figure=f"what-if --jobs {args.jobs} [{kind}], {run['rows']:,} rows",
                           value=run["seconds"], unit="s",
                           baseline="target (1,000,000 holders)", baseline_value=60)
            options.record(args.summary, store=store, size=size,
                           figure=f"what-if [{kind}]: peak RSS, all processes", value=peak,
                           unit="MB", baseline="target", baseline_value=300)


def catch_up(url: str) -> float:
    from lifecycle.bootstrap import catch_up as bring_up
    from lifecycle.bootstrap import open_read_engine
    from projections.runner import Runner

    settings = Settings(database_url=url)
    app, engine = open_application(settings), open_read_engine(settings)
    started = time.perf_counter()
    assert bring_up(Runner(app, engine))
    elapsed = time.perf_counter() - started
    app.close()
    engine.dispose()
    return elapsed


if __name__ == "__main__":
    main()
