"""Rebuild rate of the read models, beside a bare read-and-decode loop and a one-event-per-
transaction loop on the same data, with peak RSS.

    python bench/bench_rebuild.py --events 1000000 --backend sqlite --backend postgres
    python bench/bench_rebuild.py --quick --store sqlite     # 16,000 events

Data: holders of 8 events each (exam pass, application, payment, certification, 4 CPD
entries), built with the Holder aggregate and saved 100 holders per `app.save()` call (the
register events are left out: the projector skips them unread). Each measurement runs in
a fresh child process so that its peak RSS is its own. The one-event-per-transaction loop
is the same runner with pages of 1 event, timed on the first --per-event-events events
(at its rate the whole log would take an hour). "rebuild_jobs_N" is the same rebuild with
its holders split across N worker processes (`lifecycle projections rebuild --jobs N`).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LIFECYCLE_LOG_LEVEL", "ERROR")

from aggregates.holder import AuditSettings, Holder  # noqa: E402
from bench import options  # noqa: E402
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.commands import parse_command  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

PG_SERVER = os.environ.get("LIFECYCLE_TEST_POSTGRES",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EVENTS_PER_HOLDER = 8
PAGE_SIZE = 1000  # the rebuilds' page (--page-size, as the CLI's); the bare loop reads 1,000
SIGNER = {"name": "S", "organization": "A", "signed_on": "2026-08-01"}


def _args(raw: dict) -> dict:
    return parse_command(raw, date(2031, 1, 1)).args()


def make_holder(n: int) -> Holder:
    number, pass_number = f"B{n:07d}", f"P26-{n:06d}"
    holder = Holder.register(number, actor="bench", **_args({
        "type": "record_exam_pass", "holder": number, "qualification": "CAP",
        "pass_number": pass_number, "issued_on": "2026-06-15", "name": f"名 {n}",
        "name_kana": "カナ"}))
    holder.file_application(actor="bench", **_args({
        "type": "file_application", "holder": number, "qualification": "CAP",
        "on": "2026-09-01", "ethics_pledge_signed_on": "2026-08-30", "pass_report_copy": True,
        "substitutions": [],
        "experience": [{"organization": "A", "from": "2015-01", "to": "2019-12",
                        "fields": [6], "supervisor": SIGNER},
                       {"organization": "A", "from": "2020-01", "to": "2020-12",
                        "fields": [1], "supervisor": SIGNER}]}))
    holder.record_payment(actor="bench", audit=AuditSettings(0, ""), **_args({
        "type": "record_payment", "holder": number, "purpose": "certification",
        "qualification": "CAP", "amount": 11000, "paid_on": "2026-09-03",
        "payer_name": f"{pass_number[-4:]}カナ", "bank_reference": f"R{n}"}))
    holder.decide_application(
        actor="bench", allot_number=lambda q, fy: f"{q}-{fy}-{n:05d}", **_args({
            "type": "decide_application", "holder": number, "qualification": "CAP",
            "on": "2026-10-01", "decision": "certify"}))
    for k in range(4):
        holder.log_cpd(actor="bench", **_args({
            "type": "log_cpd", "holder": number, "entry_id": f"e{k}", "category": "ABCD"[k],
            "field": 6, "activity_on": f"202{7 + k % 3}-05-10", "hours": "6", "title": "t",
            "provider": "p", "on": f"202{7 + k % 3}-05-11"}))
    return holder


def decode_log(app) -> int:
    """The bare loop every replay is measured against: read and decode the whole log in
    pages of 1,000; the number of notifications read."""
    count, position = 0, 0
    while True:
        page = app.recorder.select_notifications(position + 1, 1000)
        for n in page:
            app.mapper.to_domain_event(n)
        count += len(page)
        if len(page) < 1000:
            return count
        position = page[-1].id


def populate(url: str, events: int) -> float:
    app = open_application(Settings(database_url=url, snapshot_interval=0))
    started = time.perf_counter()
    holders = events // EVENTS_PER_HOLDER
    for first in range(0, holders, 100):
        batch = [make_holder(n) for n in range(first, min(first + 100, holders))]
        app.save(*[e for h in batch for e in h.collect_events()])
    app.close()
    return holders * EVENTS_PER_HOLDER / (time.perf_counter() - started)


def measure(kind: str, url: str, read_url: str, limit: int) -> dict:
    """Runs in a child process: one measurement and that process's peak RSS."""
    from projections.database import read_engine
    from projections.runner import Runner

    settings = Settings(database_url=url, read_database_url=read_url)
    read = settings.read_settings()
    app = open_application(settings)
    engine = read_engine(read.sqlalchemy_url(), read.schema)
    started = time.perf_counter()
    if kind == "decode":
        count = decode_log(app)
    elif kind == "rebuild":
        count = Runner(app, engine, page_size=PAGE_SIZE).rebuild()
    elif kind.startswith("rebuild_jobs_"):
        from lifecycle.rebuild_jobs import partition_pool

        jobs = int(kind.removeprefix("rebuild_jobs_"))
        with partition_pool(settings, jobs, PAGE_SIZE) as submit:
            started = time.perf_counter()  # the workers' start-up is part of the rebuild
            count = Runner(app, engine, page_size=PAGE_SIZE).rebuild(jobs=jobs, submit=submit)
    else:  # one event per transaction
        from projections import database

        runner = Runner(app, engine, page_size=1)
        database.reset_tables(engine)
        count = runner.catch_up(stop=limit)
    elapsed = time.perf_counter() - started
    rss_mb = _own_peak_rss_mb()
    # The largest worker's peak (an upper bound: ru_maxrss survives fork and exec).
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    app.close()
    engine.dispose()
    return {"kind": kind, "events": count, "seconds": round(elapsed, 2),
            "events_per_s": round(count / elapsed), "peak_rss_mb": round(rss_mb),
            "worker_peak_rss_mb": round(workers_mb) if kind.startswith("rebuild_jobs_") else 0}


def _own_peak_rss_mb() -> float:
    """This process's own peak (VmHWM): unlike ru_maxrss, not inherited from the parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, url: str, read_url: str, limit: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, "--read-url", read_url,
         "--per-event-events", str(limit), "--page-size", str(PAGE_SIZE)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def store_urls(backend: str, workdir: Path) -> tuple[str, str, callable]:
    if backend == "sqlite":
        return (f"sqlite:///{workdir / 'events.db'}", f"sqlite:///{workdir / 'read.db'}",
                lambda: None)
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(PG_SERVER)
    schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    connect = dict(host=server.host, port=server.port or 5432, user=server.username,
                   password=server.password or "", dbname=server.database, autocommit=True)
    with psycopg.connect(**connect) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(**connect) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return (f"{PG_SERVER}?schema={schemas[0]}", f"{PG_SERVER}?schema={schemas[1]}", drop)


def main() -> None:
    global PAGE_SIZE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backend", "--store", dest="backend", action="append",
                        choices=("sqlite", "postgres"))
    parser.add_argument("--per-event-events", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2,
                        help="worker processes for the parallel rebuild")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE,
                        help="notifications per page of the rebuilds")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--read-url")
    options.add_common(parser, quick={"events": 16_000, "per_event_events": 1_000})
    args = parser.parse_args()
    PAGE_SIZE = args.page_size
    if args.child:
        print(json.dumps(measure(args.child, args.url, args.read_url, args.per_event_events)))
        return
    results = []
    for backend in args.backend or ["sqlite", "postgres"]:
        with tempfile.TemporaryDirectory() as tmp:
            url, read_url, drop = store_urls(backend, Path(tmp))
            try:
                save_rate = populate(url, args.events)
                print(f"{backend}: {args.events:,} events saved at {save_rate:,.0f}/s",
                      file=sys.stderr)
                for kind in ("decode", "rebuild", f"rebuild_jobs_{args.jobs}", "per_event"):
                    result = {"backend": backend, **child(kind, url, read_url,
                                                          args.per_event_events)}
                    print(json.dumps(result), file=sys.stderr)
                    results.append(result)
            finally:
                drop()
    print_table(results)
    summarise(args.summary, results)


def summarise(path: Path | None, results: list[dict]) -> None:
    """The headline figures: each rebuild against the bare loop, and against one event per
    transaction; the parallel rebuild's memory (its own peak plus each worker's bound)."""
    by = {(r["backend"], r["kind"]): r for r in results}
    for (backend, kind), r in by.items():
        if not kind.startswith("rebuild"):
            continue
        decode, per_event = by[(backend, "decode")], by[(backend, "per_event")]
        jobs = int(kind.removeprefix("rebuild_jobs_")) if kind != "rebuild" else 1
        label = "rebuild, 1 process" if jobs == 1 else f"rebuild --jobs {jobs}"
        record = functools.partial(options.record, path, store=backend,
                                   size=f"{decode['events']:,} events")
        record(figure=label, value=r["events_per_s"], unit="events/s",
               baseline="read-and-decode", baseline_value=decode["events_per_s"])
        record(figure=label, value=r["events_per_s"], unit="events/s",
               baseline=f"one event per transaction ({per_event['events']:,} events)",
               baseline_value=per_event["events_per_s"])
        record(figure=f"{label}: peak RSS, all processes",
               value=r["peak_rss_mb"] + jobs * r["worker_peak_rss_mb"], unit="MB",
               baseline="target", baseline_value=300)


def print_table(results: list[dict]) -> None:
    print("| backend | loop | events | seconds | events/s | peak RSS (MB) | each worker ≤ (MB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['backend']} | {r['kind']} | {r['events']:,} | {r['seconds']} | "
              f"{r['events_per_s']:,} | {r['peak_rss_mb']} | {r['worker_peak_rss_mb'] or ''} |")
    by = {(r["backend"], r["kind"]): r["events_per_s"] for r in results}
    for backend in sorted({r["backend"] for r in results}):
        for kind in sorted(k for b, k in by if b == backend and k.startswith("rebuild")):
            rebuild = by[(backend, kind)]
            print(f"\n{backend}: {kind} = {rebuild / by[(backend, 'decode')]:.2f}× "
                  f"read-and-decode, {rebuild / by[(backend, 'per_event')]:.1f}× "
                  "one-event-per-transaction")


if __name__ == "__main__":
    main()
