"""The daily sweep on a register of 1,000,000 holders, 100,000 of them due on one date
and its catch-up: the daily run's time and memory.

    python bench/bench_sweep.py --store sqlite
    python bench/bench_sweep.py --store postgres --due 100000 --others 900000
    python bench/bench_sweep.py --store sqlite --due 10000 --others 90000 --profile
    python bench/bench_sweep.py --quick --store postgres     # 1,000 due among 10,000

Population:
- `--due` real holders, built through the command path (`execute_many`, chunks of
  `--chunk` commands): exam pass 2026-06-15 -> application -> payment -> certified, so
  their first period ends 2030-03-31 and their renewal window opens 2030-01-01. Then the
  read models and the notices are caught up (as the nights before the measured day left them).
- `--others` holders that exist only in the read model: rows inserted straight into
  `holders` and `credentials` (certified, periods ending 2031-2035, `next_due_on` = their
  window's first day, years away). The sweep never loads a holder that is not due (it finds
  candidates with one indexed query on `holders.next_due_on`), so these only make the
  indexes and tables the size of a 1,000,000-holder register. Holder numbers interleave:
  every (due + others) / due-th number is a due holder.

Measurement: a fresh child process opens the application and runs ONE
`daily_run(runtime(open_application(settings, batch_size=...)), 2030-01-01)`: catch-up
(nothing to do), the sweep (in `--jobs` worker processes, each projecting its share), the
catch-up that merges the shares, reminders. Each phase is timed. Memory: the child's own
peak RSS (/proc/self/status VmHWM; getrusage's ru_maxrss is also printed, but it carries
the building parent's peak across execve), the largest worker's (RUSAGE_CHILDREN), and the
whole process tree's proportional set size, summed and sampled every 50 ms (RSS summed
over processes would count the pages they share once per process). `--serial-too` (SQLite)
first runs the same day in one process on a copy of the store.
`--profile` runs the child under cProfile and prints the top functions to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LIFECYCLE_LOG_LEVEL", "WARNING")
os.environ.pop("LIFECYCLE_READ_DATABASE_URL", None)  # read models beside the events

from sqlalchemy import func, insert, select, text  # noqa: E402

from aggregates.fiscal_calendar import renewal_window  # noqa: E402
from bench import options  # noqa: E402
from lifecycle import logs  # noqa: E402
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.demo.population import certification_commands  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402
from lifecycle.workers import default_jobs  # noqa: E402

PG_SERVER = os.environ.get("LIFECYCLE_TEST_POSTGRES",
                           "postgresql://postgres@127.0.0.1:5432/test")
AS_OF = date(2030, 1, 1)
BUILD_TODAY = date(2026, 12, 1)  # after every command's date, before anything falls due
KANA_DIGITS = "アイウエオカキクケコ"


def number_of(n: int) -> str:
    return f"B{n:07d}"


def kana_of(n: int) -> str:
    return "コン" + "".join(KANA_DIGITS[int(d)] for d in f"{n:07d}")


def holder_commands(n: int) -> list[dict]:
    """bench/bench_write.py's shape up to certification, with distinct pass numbers, bank
    references and payer names (a shared name would make one payer-key register log grow
    with every holder)."""
    return certification_commands(number_of(n), f"P26-{n:07d}", f"BR-{n:07d}",
                                  name=f"今田 {n}", name_kana=kana_of(n))


def layout(due: int, others: int) -> tuple[list[int], int]:
    """Due holders' numbers (every stride-th) and the stride; the others take the rest."""
    stride = max(1, (due + others) // max(due, 1))
    return [k * stride for k in range(due)], stride


def other_numbers(due: int, others: int, stride: int):
    n, made = 0, 0
    while made < others:
        if not (n % stride == 0 and n // stride < due):
            yield n
            made += 1
        n += 1


def settings_for(url: str, jobs: int | None = None) -> Settings:
    return Settings(database_url=url, audit_rate=0, sweep_jobs=jobs)


def build_due(url: str, numbers: list[int], chunk: int) -> dict:
    app = open_application(settings_for(url))
    started = time.perf_counter()
    pending: list[dict] = []
    commands = 0

    def run(batch: list[dict]) -> None:
        results = app.execute_many(batch, actors=["bench"] * len(batch), today=BUILD_TODAY)
        bad = [r for r in results if not r["ok"]]
        assert not bad, bad[:1]

    for k, n in enumerate(numbers):
        pending += holder_commands(n)
        if len(pending) >= chunk:
            run(pending)
            commands += len(pending)
            pending = []
        if k and k % 10_000 == 0:
            print(f"  built {k:,} holders, {time.perf_counter() - started:.0f}s",
                  file=sys.stderr, flush=True)
    if pending:
        run(pending)
        commands += len(pending)
    seconds = time.perf_counter() - started
    events = app.recorder.max_notification_id() or 0
    app.close()
    return {"commands": commands, "events": events, "seconds": round(seconds, 1)}


def catch_up(url: str) -> dict:
    """The read models and the notices caught up with the build, as the nights before the
    measured day left them: the daily run then projects only what it records itself."""
    from lifecycle.bootstrap import catch_up_notices, open_read_engine
    from projections.runner import Runner

    settings = settings_for(url)
    app = open_application(settings)
    engine = open_read_engine(settings)
    started = time.perf_counter()
    read = Runner(app, engine).catch_up()
    catch_up_notices(app, engine)
    seconds = time.perf_counter() - started
    app.close()
    engine.dispose()
    return {"events": read, "seconds": round(seconds, 1)}


def other_rows(n: int) -> tuple[dict, dict]:
    from projections import tables

    number = number_of(n)
    until = date(2031 + n % 5, 3, 31)
    window = renewal_window(until)
    holder = {"holder_number": number, "aggregate_id": f"{n:032x}", "name": f"名 {n}",
              "name_kana": kana_of(n), "email": None, "last_business_date": date(2027, 1, 1),
              "version": 4, "position": 0, "next_due_on": window.opens_on}
    row = dict.fromkeys(tables.credentials.c.keys())
    row.update(holder_number=number, qualification="CAP", stage="certified",
               certification_number=f"CAP-{until.year - 3}-{n:07d}", period_no=0,
               valid_from=date(until.year - 3, 4, 1), valid_until=until,
               window_opens_on=window.opens_on, window_closes_on=window.closes_on,
               pass_report_valid_until=date(2026, 6, 15), under_review=False,
               audit_selected=False, cpd_counted=0, cpd_logged=0, cpd_a=0, cpd_b=0, cpd_c=0,
               cpd_d=0, position=0)
    return holder, row


def insert_others(url: str, due: int, others: int, stride: int) -> dict:
    from lifecycle.bootstrap import open_read_engine
    from projections import tables

    engine = open_read_engine(settings_for(url))
    started = time.perf_counter()
    batch: list[tuple[dict, dict]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(tables.holders), [h for h, _ in batch])
            conn.execute(insert(tables.credentials), [c for _, c in batch])
        batch.clear()

    for n in other_numbers(due, others, stride):
        batch.append(other_rows(n))
        if len(batch) == 20_000:
            flush()
    if batch:
        flush()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    seconds = time.perf_counter() - started
    with engine.connect() as conn:  # Core statements: the schema_translate_map applies
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                  for t in (tables.holders, tables.credentials)}
        counts["due_rows"] = conn.execute(select(func.count()).select_from(tables.holders)
                                          .where(tables.holders.c.next_due_on <= AS_OF)).scalar()
    engine.dispose()
    return {"seconds": round(seconds, 1), **counts}


# -- the measured child -------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's own peak RSS. On Linux, VmHWM: getrusage's ru_maxrss survives
    execve, so a child spawned by the (large) building parent would report the parent's
    peak when that is higher."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree_pss_mb() -> float:
    """This process's and its children's proportional set size (shared pages divided
    among the processes sharing them), summed: the memory the run takes as a whole."""
    pids = [str(os.getpid())]
    for children in Path("/proc/self/task").glob("*/children"):
        pids += children.read_text().split()
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:  # a worker that just ended
            continue
    return total_kb / 1024


class PssSampler(threading.Thread):
    """The largest summed PSS of the process tree, sampled every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            self.peak_mb = max(self.peak_mb, _tree_pss_mb())


def measure(url: str, batch_size: int, profile: bool, jobs: int) -> dict:
    from lifecycle.bootstrap import open_application, runtime
    from schedulers.daily import daily_run

    logs.configure()
    settings = settings_for(url, jobs)
    app = open_application(settings, batch_size=batch_size)
    rt = runtime(app)
    before = app.recorder.max_notification_id() or 0
    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapped(*args):
            started = time.perf_counter()
            try:
                return fn(*args)
            finally:
                key = f"{name}_s" if f"{name}_s" not in phases else f"{name}_after_s"
                phases[key] = round(time.perf_counter() - started, 2)
        return wrapped

    def summed(name, fn):  # total time over every call
        def wrapped(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0) + time.perf_counter() - started
        return wrapped

    parts: dict[str, float] = {}
    rt.catch_up = timed("catch_up", rt.catch_up)
    rt.write_reminders = timed("reminders", rt.write_reminders)
    # Inside the sweep: the read-model query, and the aggregates' load + decide + save (of
    # which the batch load of the holders and the one save per batch). In the catch-ups:
    # the batch loads of the states of holders not in the projector's memory.
    rt.find_due = summed("find_due_s", rt.find_due)
    app.sweep_holders = summed("sweep_holders_s", app.sweep_holders)
    app.load_holders = summed("load_holders_s", app.load_holders)
    app.save = summed("save_s", app.save)
    app.load_states = summed("load_states_s", app.load_states)
    rss_before = peak_rss_mb()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    profiler = cProfile.Profile() if profile else None
    sampler = PssSampler()
    sampler.start()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = daily_run(rt, AS_OF)
    if profiler:
        profiler.disable()
    total = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    peak = peak_rss_mb()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The sweep's worker processes, once reaped: the largest one's peak.
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    recorded_in_store = (app.recorder.max_notification_id() or 0) - before
    sweep_s = total - sum(phases.values())
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    app.close()
    return {"holders_checked": report.holders, "recorded": dict(report.recorded),
            "events_in_store": recorded_in_store, "reminders": report.reminders,
            "daily_run_s": round(total, 2), "sweep_s": round(sweep_s, 2), **phases,
            **{k: round(v, 2) for k, v in parts.items()},
            "rss_before_mb": round(rss_before), "peak_rss_mb": round(peak),
            "ru_maxrss_before_mb": round(maxrss_before), "ru_maxrss_mb": round(maxrss),
            "jobs": jobs, "workers_peak_rss_mb": round(workers_mb),
            "peak_pss_all_mb": round(sampler.peak_mb)}


def child(url: str, batch_size: int, profile: bool, jobs: int) -> dict:
    command = [sys.executable, __file__, "--child", "--url", url, "--jobs", str(jobs),
               "--batch-size", str(batch_size)] + (["--profile"] if profile else [])
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def store(kind: str, workdir: Path):
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'lifecycle.db'}", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(PG_SERVER)
    connect = dict(host=server.host, port=server.port or 5432, user=server.username,
                   password=server.password or "", dbname=server.database, autocommit=True)
    schema = f"bench_sweep_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**connect) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:  # also after Ctrl-C: the schema never outlives the run
        with psycopg.connect(**connect) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return f"{PG_SERVER}?schema={schema}", drop


def serial_copy(workdir: Path) -> str:
    """A copy of the built SQLite store, for the same daily run in one process."""
    import sqlite3

    copy = workdir / "serial.db"
    source = sqlite3.connect(workdir / "lifecycle.db")
    target = sqlite3.connect(copy)
    source.backup(target)
    target.close()
    source.close()
    return f"sqlite:///{copy}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=900_000)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=400, help="commands per execute_many")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="sweep worker processes (default: one per core, at most 4)")
    parser.add_argument("--serial-too", action="store_true",
                        help="SQLite: also run the daily run in one process, on a copy")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--url")
    options.add_common(parser, quick={"due": 1_000, "others": 9_000})
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.url, args.batch_size, args.profile, args.jobs)))
        return

    logs.configure()
    due_numbers, stride = layout(args.due, args.others)
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        url, drop = store(args.store, Path(tmp))
        try:
            built = build_due(url, due_numbers, args.chunk)
            print(f"built {args.due:,} holders: {built}", file=sys.stderr, flush=True)
            caught = catch_up(url)
            print(f"catch-up: {caught}", file=sys.stderr, flush=True)
            others = insert_others(url, args.due, args.others, stride)
            print(f"read-model-only holders: {others}", file=sys.stderr, flush=True)
            alone = None
            if args.serial_too and args.store == "sqlite" and args.jobs > 1:
                serial = serial_copy(Path(tmp))
                alone = child(serial, args.batch_size, args.profile, 1)
                print(f"one process: {json.dumps(alone)}", file=sys.stderr, flush=True)
            result = child(url, args.batch_size, args.profile, args.jobs)
            print(json.dumps(result), file=sys.stderr, flush=True)
        finally:
            drop()
    print("| store | due | others | build (s) | catch-up (s) | sweep (s) | holders/s | "
          "catch-up after (s) | daily_run (s) | events recorded | peak RSS (MB) | jobs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in ([alone] if alone else []) + [result]:
        rate = run["holders_checked"] / run["sweep_s"] if run["sweep_s"] else 0
        print(f"| {args.store} | {args.due:,} | {args.others:,} | {built['seconds']} | "
              f"{caught['seconds']} | {run['sweep_s']} | {rate:,.0f} | "
              f"{run.get('catch_up_after_s', 0)} | {run['daily_run_s']} | "
              f"{run['events_in_store']:,} {run['recorded']} | {run['peak_rss_mb']} "
              f"(before the run {run['rss_before_mb']}; each worker ≤ "
              f"{run['workers_peak_rss_mb']}; all processes' PSS ≤ {run['peak_pss_all_mb']}) | "
              f"{run['jobs']} |")
    rate = result["holders_checked"] / result["sweep_s"] if result["sweep_s"] else 0
    size = f"{args.due:,} due among {args.due + args.others:,}"
    record = lambda **row: options.record(args.summary, store=args.store, size=size, **row)  # noqa: E731
    # The targets are for 100,000 due holders (60 s for the sweep, 40 s for the daily run),
    # compared here as rates so that other sizes read against them too.
    record(figure=f"sweep: {result['sweep_s']} s", value=rate, unit="holders/s",
           baseline="target (100,000 in 60 s)", baseline_value=100_000 / 60)
    record(figure=f"daily run (sweep, catch-up): {result['daily_run_s']} s",
           value=result["holders_checked"] / result["daily_run_s"], unit="holders/s",
           baseline="target (100,000 in 40 s)", baseline_value=100_000 / 40)
    record(figure="daily run: peak RSS", value=result["peak_rss_mb"], unit="MB",
           baseline="target", baseline_value=300)
    record(figure="daily run: peak PSS, all processes", value=result["peak_pss_all_mb"],
           unit="MB", baseline="target", baseline_value=300)


if __name__ == "__main__":
    main()
