"""What one command sends to PostgreSQL: our one-save-per-command path beside the bare
eventsourcing library, statement by statement.

    python -m bench.write_round_trips --holders 20

Runs the commands of bench_write (exam pass -> application -> payment -> certification,
then 10 CPD entries a holder) through `LifecycleApplication.execute`, and the bare
library's get + event + save per command, each on a throwaway schema, with psycopg
instrumented in-process: every statement a cursor sends (and BEGIN / COMMIT, which the
connection sends itself) is counted by kind, and every time the client blocks on the
server (`Connection.wait`, i.e. a round trip; pipelined statements share one). Prints, per
command type, the mean of each per command, so the difference between the two paths reads
as "these statements, this many times a command". Not a timing: the counts do not depend
on the machine's load.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.application import Application  # noqa: E402

from bench.bench_write import PG, TODAY, Bare, holder_commands  # noqa: E402
from lifecycle import logs  # noqa: E402
from lifecycle.application import LifecycleApplication  # noqa: E402
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

ADMIN = "host=127.0.0.1 user=postgres dbname=test"


class Tally:
    """Statements by kind and client waits, since the last `take()`."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.waits = 0

    def take(self) -> tuple[Counter[str], int]:
        taken = (self.statements, self.waits)
        self.statements, self.waits = Counter(), 0
        return taken


def kind(conn, query) -> str:
    """A statement's text with the schema, literals and argument lists folded away."""
    text = query if isinstance(query, str) else (
        query.decode() if isinstance(query, bytes) else query.as_string(conn))
    text = re.sub(r'"bench_[0-9a-f]+(_bare)?"\.', "", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b\d+\b", "N", text)
    return text[:90]


@contextmanager
def instrumented(tally: Tally):
    cursor, connection = psycopg.Cursor, psycopg.Connection
    originals = (cursor.execute, cursor.executemany, connection.wait,
                 connection._exec_command)

    def execute(self, query, params=None, **kwargs):
        tally.statements[kind(self.connection, query)] += 1
        return originals[0](self, query, params, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        tally.statements[kind(self.connection, query)] += 1
        return originals[1](self, query, params_seq, **kwargs)

    def wait(self, gen, *args, **kwargs):
        tally.waits += 1
        return originals[2](self, gen, *args, **kwargs)

    def exec_command(self, command, *args, **kwargs):
        tally.statements[kind(self, command)] += 1
        return originals[3](self, command, *args, **kwargs)

    cursor.execute, cursor.executemany = execute, executemany
    connection.wait, connection._exec_command = wait, exec_command
    try:
        yield
    finally:
        (cursor.execute, cursor.executemany, connection.wait,
         connection._exec_command) = originals


def per_command(samples: list[tuple[Counter[str], int]]) -> tuple[Counter[str], float]:
    total: Counter[str] = Counter()
    for statements, _ in samples:
        total.update(statements)
    waits = sum(w for _, w in samples) / len(samples)
    return Counter({k: v / len(samples) for k, v in total.items()}), waits


def ours_app(schema: str) -> LifecycleApplication:
    return open_application(Settings(database_url=f"{PG}?schema={schema}", audit_rate=0))


def bare_app(schema: str) -> Application:
    return Application(env={
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "test",
        "POSTGRES_HOST": "127.0.0.1", "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
        "POSTGRES_SCHEMA": schema})


def run_ours(app: LifecycleApplication, first: int, holders: int, tally: Tally) -> dict:
    by_type: dict[str, list] = defaultdict(list)
    tally.take()
    for i in range(first, first + holders):
        for command in holder_commands(i):
            result = app.execute(command, actor="bench", today=TODAY)
            assert result["ok"], result
            by_type[command["type"]].append(tally.take())
    return by_type


def run_bare(app: Application, _first: int, holders: int, tally: Tally) -> dict:
    by_type: dict[str, list] = defaultdict(list)
    tally.take()
    for _ in range(holders):
        aggregate = Bare(n=0)
        app.save(aggregate)
        by_type["first (save only)"].append(tally.take())
        for n in range(13):
            aggregate = app.repository.get(aggregate.id)
            aggregate.happen(n=n)
            app.save(aggregate)
            by_type["next (get + save)"].append(tally.take())
    return by_type


def interleaved(schemas: list[str], holders: int, rounds: int) -> dict[str, list[float]]:
    """Both paths timed in alternating rounds of `holders` holders each (who goes first
    alternates too), so a change in the machine's load falls on both alike. Per path: wall
    seconds, client CPU seconds, commands, and the wall seconds inside `save`."""
    paths = {"ours": (ours_app(schemas[0]), run_ours), "bare": (bare_app(schemas[1]), run_bare)}
    totals = {name: [0.0, 0.0, 0, 0.0] for name in paths}
    for name, (app, _) in paths.items():
        app.save = _timed(app.save, totals[name])
    for n in range(rounds):
        for name in (("ours", "bare") if n % 2 == 0 else ("bare", "ours")):
            app, run = paths[name]
            wall, cpu = time.perf_counter(), time.process_time()
            by_type = run(app, n * holders, holders, Tally())
            totals[name][0] += time.perf_counter() - wall
            totals[name][1] += time.process_time() - cpu
            totals[name][2] += sum(len(samples) for samples in by_type.values())
    for app, _ in paths.values():
        app.close()
    return totals


def _timed(save, total: list):
    def timed_save(*args, **kwargs):
        started = time.perf_counter()
        try:
            return save(*args, **kwargs)
        finally:
            total[3] += time.perf_counter() - started
    return timed_save


def report(title: str, by_type: dict[str, list]) -> None:
    everything = [s for samples in by_type.values() for s in samples]
    print(f"\n## {title}: {len(everything)} commands")
    for name, samples in [*by_type.items(), ("ALL (mean per command)", everything)]:
        statements, waits = per_command(samples)
        print(f"\n{name} ({len(samples)}): {waits:.2f} client waits, "
              f"{sum(statements.values()):.2f} statements per command")
        for text, count in statements.most_common():
            print(f"  {count:5.2f}  {text}")


@contextmanager
def schemas_made(count: int):
    schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schemas
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    logs.configure(level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=20, help="holders traced a path")
    parser.add_argument("--rounds", type=int, default=10,
                        help="alternating timed rounds of --holders holders a path")
    args = parser.parse_args()
    tally = Tally()
    with schemas_made(2) as schemas, instrumented(tally):
        ours, bare = ours_app(schemas[0]), bare_app(schemas[1])
        traced = {"ours, one save per command": run_ours(ours, 0, args.holders, tally),
                  "bare library": run_bare(bare, 0, args.holders, tally)}
        ours.close()
        bare.close()
    with schemas_made(2) as schemas:
        totals = interleaved(schemas, args.holders, args.rounds)
    for title, by_type in traced.items():
        report(title, by_type)
    print(f"\n## time per command, uninstrumented, {args.rounds} alternating rounds (ms)\n")
    print("| path | commands | commands/s | wall | of which in save | client CPU "
          "| the rest (server, network) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (wall, cpu, commands, saving) in totals.items():
        print(f"| {name} | {commands:,} | {commands / wall:,.0f} | {wall * 1000 / commands:.2f} "
              f"| {saving * 1000 / commands:.2f} | {cpu * 1000 / commands:.2f} "
              f"| {(wall - cpu) * 1000 / commands:.2f} |")
    (ours_wall, _, ours_n, _), (bare_wall, _, bare_n, _) = totals["ours"], totals["bare"]
    print(f"\nratio ours/bare (commands/s): {(ours_n / ours_wall) / (bare_n / bare_wall):.2f}")


if __name__ == "__main__":
    main()
