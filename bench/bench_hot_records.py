"""Hot records: writes/s and p99 latency with 1, 10 and 50 concurrent writers, on ONE holder
(CPD entries) and on MANY holders (certifications drawing from one number sequence), with
the write locks ("after") and without them, optimistic retries only ("before"), in one run.

Writers are threads spread over `WORKERS` applications (each with its own connections),
as the threads of a few server workers would be. Refusals (CONFLICT) are counted, not
retried.

    python bench/bench_hot_records.py --store postgres [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from bench import options  # noqa: E402
from lifecycle import logs  # noqa: E402
from lifecycle.application import LifecycleApplication  # noqa: E402
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.demo.population import certification_commands  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402
from lifecycle.store.write_locks import NoWriteLocks  # noqa: E402

TODAY = date(2030, 1, 5)
PG = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = 5


def _store(kind: str, workdir: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:12]}"

    def drop() -> None:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return f"{PG}?schema={schema}", drop


def _app(url: str, locks: bool) -> LifecycleApplication:
    app = open_application(Settings(database_url=url, audit_rate=0))
    if not locks:
        app.write_locks.close()
        app.write_locks = NoWriteLocks()
    return app


def _cpd(n: int, i: int) -> dict:
    day = "2028-05-10"
    return {"type": "log_cpd", "holder": "HOT", "entry_id": f"w{n}-{i}", "category": "A",
            "activity_on": day, "hours": "1", "on": day, "title": "t", "provider": "p"}


def run(url: str, scenario: str, clients: int, per_client: int, locks: bool) -> dict:
    setup = _app(url, locks)
    jobs: list[list[dict]] = []
    if scenario == "one holder":
        for command in certification_commands("HOT", "P26-000001", "B-HOT"):
            assert setup.execute(command, actor="setup", today=TODAY)["ok"]
        jobs = [[_cpd(n, i) for i in range(per_client)] for n in range(clients)]
    else:
        for n in range(clients):
            for i in range(per_client):
                holder = f"M{n:03d}{i:03d}"
                *before, decision = certification_commands(holder, f"P{n:03d}{i:04d}",
                                                           f"B-{holder}")
                setup.execute_many(before, actors=["setup"] * 3, today=TODAY)
                jobs.append([decision]) if i == 0 else jobs[-1].append(decision)
    apps = [_app(url, locks) for _ in range(min(clients, WORKERS))]
    for app in apps:  # connections opened before the clock starts
        app.find("HOT")
        if hasattr(app.write_locks, "pool"):
            app.write_locks.pool()
    latencies: list[float] = []
    refused = [0]
    barrier = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        barrier.wait()
        for command in jobs[n]:
            started = time.perf_counter()
            result = apps[n % len(apps)].execute(command, actor="bench", today=TODAY)
            latencies.append(time.perf_counter() - started)
            if not result["ok"]:
                refused[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    for app in [setup, *apps]:
        app.close()
    total = clients * per_client
    return {"writes_per_s": round((total - refused[0]) / elapsed, 1),
            "p99_ms": round(statistics.quantiles(latencies, n=100)[98] * 1000, 1)
            if len(latencies) >= 2 else round(latencies[0] * 1000, 1),
            "ok": total - refused[0], "refused": refused[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--quick", action="store_true", help="fewer writes per client")
    options.add_summary(parser)
    args = parser.parse_args()
    logs.configure(level="ERROR")
    per_client = 4 if args.quick else 8
    print("| store | scenario | clients | before: writes/s | p99 ms | refused "
          "| after: writes/s | p99 ms | refused |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for store in args.store or ["postgres"]:
            for scenario in ("one holder", "many holders"):
                for clients in (1, 10, 50):
                    row = []
                    for locks in (False, True):
                        url, drop = _store(store, Path(tmp))
                        try:
                            row.append(run(url, scenario, clients, per_client, locks))
                        finally:
                            drop()
                    b, a = row
                    print(f"| {store} | {scenario} | {clients} | {b['writes_per_s']} | "
                          f"{b['p99_ms']} | {b['refused']} | {a['writes_per_s']} | "
                          f"{a['p99_ms']} | {a['refused']} |", flush=True)
                    options.record(
                        args.summary, store=store, size=f"{per_client} writes a writer",
                        figure=f"{scenario}, {clients} writers, with write locks "
                        f"(refused {a['refused']}, without {b['refused']})",
                        value=a["writes_per_s"], unit="writes/s",
                        baseline="optimistic retries only", baseline_value=b["writes_per_s"])


if __name__ == "__main__":
    main()
