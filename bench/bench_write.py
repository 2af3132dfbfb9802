"""Write-side benchmark: our command path beside the bare eventsourcing library.

For N holders: exam pass -> application -> payment -> certification, plus 10 CPD entries each
(14 commands a holder), one save per command, through `LifecycleApplication.execute`.
Beside it, in the same run and on the same kind of store, a bare eventsourcing Application
appends the same number of events with the same shape: one get + one event + one save per
command. Then `status` latency for a holder with 300 events, with and without snapshots
(aggregate cache off, so every call loads from the store).

    python bench/bench_write.py --holders 10000 --store sqlite
    python bench/bench_write.py --holders 10000 --store postgres
    python bench/bench_write.py --quick --store postgres      # 100 holders
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from bench import options  # noqa: E402
from lifecycle import logs  # noqa: E402
from lifecycle.application import LifecycleApplication  # noqa: E402
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.demo.population import certification_commands  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

TODAY = date(2030, 1, 5)
PG = "postgresql://postgres@127.0.0.1:5432/test"


def holder_commands(i: int) -> list[dict]:
    holder = f"B{i:07d}"
    commands = certification_commands(holder, f"P26-{i:07d}", f"BR-{i:07d}")
    for n in range(10):
        day = (date(2027, 5, 1) + timedelta(days=40 * n)).isoformat()
        commands.append({"type": "log_cpd", "holder": holder, "entry_id": f"e{n}",
                         "category": "A", "activity_on": day, "hours": "2", "on": day,
                         "title": "course", "provider": "body"})
    return commands


class Bare(Aggregate):
    @event("Started")
    def __init__(self, n: int):
        self.n = n

    @event("Happened")
    def happen(self, n: int) -> None:
        self.n = n


def bare_run(env: dict, holders: int, events_per_holder: int) -> tuple[float, int]:
    app = Application(env=env)
    started = time.perf_counter()
    commands = 0
    for _ in range(holders):
        aggregate = Bare(n=0)
        app.save(aggregate)
        commands += 1
        for n in range(events_per_holder - 1):
            aggregate = app.repository.get(aggregate.id)
            aggregate.happen(n=n)
            app.save(aggregate)
            commands += 1
    elapsed = time.perf_counter() - started
    app.close()
    return elapsed, commands


def ours_run(settings: Settings, holders: int, *, first: int = 0,
             batch: int = 0) -> tuple[float, int, int]:
    """One save per command, or (batch > 0) `lifecycle apply`'s batches of `batch` commands."""
    app = open_application(settings)
    before = app.recorder.max_notification_id() or 0
    started = time.perf_counter()
    commands = 0
    pending: list[dict] = []
    for i in range(first, first + holders):
        for command in holder_commands(i):
            if batch:
                pending.append(command)
                if len(pending) == batch:
                    commands += _run_batch(app, pending)
                    pending = []
                continue
            result = app.execute(command, actor="bench", today=TODAY)
            assert result["ok"], result
            commands += 1
    commands += _run_batch(app, pending)
    elapsed = time.perf_counter() - started
    events = (app.recorder.max_notification_id() or 0) - before
    app.close()
    return elapsed, commands, events


def _run_batch(app: LifecycleApplication, commands: list[dict]) -> int:
    results = app.execute_many(commands, actors=["bench"] * len(commands), today=TODAY)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:1]
    return len(commands)


def status_latency(settings: Settings, calls: int = 50) -> float:
    """Median ms of `status` for a holder with 300 events, loading from the store each time."""
    app = open_application(settings)
    if not app.find("LONG"):
        for command in holder_commands(9_999_999)[:4]:
            app.execute({**command, "holder": "LONG"}, actor="bench", today=TODAY)
        day = date(2027, 5, 1)
        for n in range(296):
            app.execute({"type": "log_cpd", "holder": "LONG", "entry_id": f"l{n}",
                         "category": "A", "activity_on": day.isoformat(), "hours": "1",
                         "on": day.isoformat(), "title": "course", "provider": "body"},
                        actor="bench", today=TODAY)
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        app.status("LONG", TODAY)
        timings.append((time.perf_counter() - started) * 1000)
    app.close()
    return statistics.median(timings)


def main() -> None:
    logs.configure(level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=10_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    options.add_common(parser, quick={"holders": 100})
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-write-"))
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    if args.store == "sqlite":
        url = f"sqlite:///{workdir / 'ours.db'}"
        bare_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(workdir / "bare.db")}
    else:
        url = f"{PG}?schema={schema}"
        bare_env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "test",
                    "POSTGRES_HOST": "127.0.0.1", "POSTGRES_USER": "postgres",
                    "POSTGRES_PASSWORD": "", "POSTGRES_SCHEMA": f"{schema}_bare"}
        import psycopg
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}_bare"')

    settings = Settings(database_url=url, audit_rate=0)
    ours_s, commands, events = ours_run(settings, args.holders)
    holder_events = args.holders * 14
    bare_s, bare_commands = bare_run(bare_env, args.holders, 14)
    print(f"store={args.store} holders={args.holders}")
    print(f"ours: {commands} commands in {ours_s:.1f}s = {commands / ours_s:,.0f} commands/s; "
          f"{events:,} events incl. registers ({holder_events / ours_s:,.0f} holder events/s)")
    print(f"bare: {bare_commands} commands in {bare_s:.1f}s = {bare_commands / bare_s:,.0f} "
          f"commands/s ({holder_events:,} events)")
    print(f"ratio ours/bare (commands/s): {(commands / ours_s) / (bare_commands / bare_s):.2f}")
    batched_s, batched_commands, _ = ours_run(settings, args.holders, first=args.holders,
                                              batch=200)
    print(f"ours, apply batches of 200: {batched_commands / batched_s:,.0f} commands/s; "
          f"ratio to bare {(batched_commands / batched_s) / (bare_commands / bare_s):.2f}")

    cold = {"aggregate_cache_size": 0}
    with_snapshots = status_latency(Settings(database_url=url, audit_rate=0,
                                             snapshot_interval=50, **cold))
    without = status_latency(Settings(database_url=url, audit_rate=0,
                                      snapshot_interval=0, **cold))
    print(f"status, holder with 300 events, median: {with_snapshots:.2f} ms with snapshots, "
          f"{without:.2f} ms without")
    size, bare_rate = f"{args.holders:,} holders", bare_commands / bare_s
    record = lambda **row: options.record(args.summary, store=args.store, size=size, **row)  # noqa: E731
    record(figure="one save per command", value=commands / ours_s, unit="commands/s",
           baseline="bare library", baseline_value=bare_rate)
    record(figure="apply, batches of 200", value=batched_commands / batched_s,
           unit="commands/s", baseline="bare library", baseline_value=bare_rate)
    record(figure="status, 300 events, snapshots every 50 (p50)", value=with_snapshots,
           unit="ms", baseline="no snapshots", baseline_value=without)
    if args.store == "postgres":
        import psycopg
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')
            c.execute(f'DROP SCHEMA "{schema}_bare" CASCADE')


if __name__ == "__main__":
    main()
